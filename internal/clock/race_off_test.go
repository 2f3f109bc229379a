//go:build !race

package clock_test

// raceEnabled is true under -race, which slows tests and adds allocations.
const raceEnabled = false
