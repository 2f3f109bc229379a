package seed_test

import (
	"testing"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/promise"
	"github.com/slatrack/slatrack/internal/seed"
	"github.com/slatrack/slatrack/internal/sla"
)

// TestGeneratePromises: a seeded desk has next responses in play: one for
// each follow-up the requester wrote after a reply, started at that
// message, kept by the reply on the timeline, or still owed on open
// tickets (some overdue), so the queue owes next responses; and what the
// ticket owes is what desk.Settle says.
func TestGeneratePromises(t *testing.T) {
	items, _ := generate(t, seed.Options{Tickets: 20_000, Now: now, Seed: 3, Staff: staff}, 0)
	var kept, owed, overdue, ended int
	for _, it := range items {
		tk := it.Ticket
		if len(tk.Promises) == 0 || tk.Promises[0].Kind != sla.FirstResponse {
			t.Fatalf("%s: promises %+v, want the first response first", tk.Subject, tk.Promises)
		}
		messages := map[int64]bool{}
		replies := map[int64]bool{}
		for _, e := range it.Events {
			switch e.Kind {
			case desk.EventMessageIn:
				messages[e.At.UnixNano()] = true
				if e.At.After(tk.CustomerAt) {
					t.Errorf("%s: customer wrote at %v after CustomerAt %v", tk.Subject, e.At, tk.CustomerAt)
				}
			case desk.EventReply:
				replies[e.At.UnixNano()] = true
			}
		}
		for _, p := range tk.Promises[1:] {
			if p.Kind != sla.NextResponse {
				t.Fatalf("%s: a %s promise from a policy with no resolution targets", tk.Subject, p.Kind)
			}
			if !messages[p.StartedAt.UnixNano()] || tk.FirstResponseAt == nil || !p.StartedAt.After(*tk.FirstResponseAt) {
				t.Errorf("%s: next response started %v, not at a message after the first reply", tk.Subject, p.StartedAt)
			}
			switch {
			case p.Open():
				owed++
				if !tk.Open {
					t.Errorf("%s: a next response still owed on a %s ticket", tk.Subject, tk.Status)
				}
				if p.DueAt.Before(now) {
					overdue++
				}
			case p.EndReason == "public staff reply":
				kept++
				if !replies[p.EndedAt.UnixNano()] {
					t.Errorf("%s: next response kept at %v without a reply then", tk.Subject, p.EndedAt)
				}
				if (p.Outcome == promise.Met) == p.EndedAt.After(p.DueAt) {
					t.Errorf("%s: kept at %v, due %v, outcome %s", tk.Subject, p.EndedAt, p.DueAt, p.Outcome)
				}
			default:
				ended++
			}
		}
		want := *tk
		desk.Settle(&want)
		if want.OwedKind != tk.OwedKind || !want.QueueAt.Equal(tk.QueueAt) {
			t.Fatalf("%s: owes %q at %v, Settle says %q at %v", tk.Subject, tk.OwedKind, tk.QueueAt, want.OwedKind, want.QueueAt)
		}
	}
	t.Logf("next responses: %d kept, %d owed (%d overdue), %d ended by the closing", kept, owed, overdue, ended)
	if kept < 300 || owed == 0 || overdue == 0 {
		t.Errorf("next responses: %d kept, %d owed, %d overdue; want many kept and some owed and overdue", kept, owed, overdue)
	}
}
