package seed_test

import (
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/seed"
)

// TestGenerate_ConversationsHaveVariedWords: the search benchmark and the
// demo desk need messages, replies and notes that are not all alike, or a
// word would match every ticket or none.
func TestGenerate_ConversationsHaveVariedWords(t *testing.T) {
	items, _ := generate(t, seed.Options{Tickets: 2000, Now: time.Date(2026, 7, 1, 15, 0, 0, 0, time.UTC), Seed: 3}, 500)
	words := map[string]map[string]bool{}
	for _, it := range items {
		for _, e := range it.Events {
			switch e.Kind {
			case desk.EventMessageIn, desk.EventReply, desk.EventNote:
			default:
				continue
			}
			if words[e.Kind] == nil {
				words[e.Kind] = map[string]bool{}
			}
			for _, w := range strings.FieldsFunc(strings.ToLower(e.Body), func(r rune) bool { return !unicode.IsLetter(r) }) {
				words[e.Kind][w] = true
			}
		}
	}
	for kind, least := range map[string]int{desk.EventMessageIn: 500, desk.EventReply: 400, desk.EventNote: 50} {
		if n := len(words[kind]); n < least {
			t.Errorf("2,000 seeded tickets' %s events use %d distinct words, want at least %d", kind, n, least)
		}
	}
}
