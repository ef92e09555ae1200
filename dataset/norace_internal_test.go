//go:build !race

package dataset

// raceEnabled is set when the tests run with -race.
const raceEnabled = false
