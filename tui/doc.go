// Package tui is triage's interactive terminal program, built on bubbletea.
// For now it shows the dataset as a scrollable table; every view draws with
// the render package and reads rows from the dataset package.
package tui
