//go:build race

package mail

// raceEnabled: the race detector changes allocation patterns (sync.Pool
// drops items on purpose), so allocation budgets are only enforced without
// it.
const raceEnabled = true
