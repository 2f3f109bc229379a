//go:build !race

package mail

// raceEnabled: see race_on_test.go.
const raceEnabled = false
