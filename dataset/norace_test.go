//go:build !race

package dataset_test

// raceDetector is set when the tests run with -race.
const raceDetector = false
