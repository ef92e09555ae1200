//go:build race

package query

// raceEnabled is set when the tests run with -race.
const raceEnabled = true
