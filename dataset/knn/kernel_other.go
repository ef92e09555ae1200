//go:build !amd64

package knn

var defaultKernel = goKernel
