package notify_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/clock"
	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/notify"
	"github.com/slatrack/slatrack/internal/outbox"
	"github.com/slatrack/slatrack/internal/sla"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// promiseDesk is a desk whose provisioning tickets also carry a
// resolution promise of 5 business days, with a scheduler on its store
// that ticks at chosen instants of the one clock.
type promiseDesk struct {
	*deskFixture
	s   *notify.Scheduler
	rec *recorder
}

func newPromiseDesk(t *testing.T, e storetest.Engine, now time.Time) *promiseDesk {
	t.Helper()
	st := storetest.OpenDSN(t, e.NewDSN(t))
	clk := &testClock{t: now}
	f := newDesk(t, st, clk)
	classes := f.svc.Policy.Classes()
	for i := range classes {
		if classes[i].Name == "provisioning" {
			classes[i].Resolution = clock.Target{Amount: 5, Unit: 'd'}
		}
	}
	pol, err := sla.New(f.svc.Policy.Calendar(), classes, clock.Target{Amount: 1, Unit: 'h'})
	if err != nil {
		t.Fatal(err)
	}
	f.svc.Policy = pol
	rec := &recorder{}
	return &promiseDesk{deskFixture: f, rec: rec,
		s: newScheduler(recStore{Store: st, name: "x", rec: rec}, pol, clk, notify.Config{WebhookURL: testWebhook})}
}

// tickAt moves the clock to at and ticks twice there (the second tick
// must send nothing new).
func (d *promiseDesk) tickAt(t *testing.T, at time.Time) {
	t.Helper()
	d.clock.Set(at)
	for i := range 2 {
		before := len(d.rec.all())
		if err := d.s.Tick(context.Background()); err != nil {
			t.Fatalf("%v: tick: %v", at, err)
		}
		if n := len(d.rec.all()); i == 1 && n != before {
			t.Fatalf("%v: a second tick at the same instant sent %d more", at, n-before)
		}
	}
}

// warnings are the warnings recorded about tk, as "at_risk next_response".
func (d *promiseDesk) warnings(t *testing.T, tk *desk.Ticket) []string {
	t.Helper()
	got, _, err := d.svc.Get(context.Background(), tk.Ref)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[uint64]string{}
	for _, p := range got.Promises {
		kinds[p.ID] = p.Kind
	}
	var out []string
	for _, s := range d.rec.all() {
		if s.n.PromiseID != nil && s.n.TicketID != nil && *s.n.TicketID == tk.ID {
			out = append(out, s.n.Kind+" "+kinds[*s.n.PromiseID])
		}
	}
	return out
}

func (d *promiseDesk) reply(t *testing.T, tk *desk.Ticket) {
	t.Helper()
	if _, err := d.svc.Reply(context.Background(), tk.Ref, d.sam, "Looking at it now.", false); err != nil {
		t.Fatal(err)
	}
}

func (d *promiseDesk) customerWrites(t *testing.T, tk *desk.Ticket) {
	t.Helper()
	if _, err := d.svc.AddMessage(context.Background(), tk.Ref, d.admin, desk.NewMessage{Body: "It is still broken."}); err != nil {
		t.Fatal(err)
	}
}

func (d *promiseDesk) status(t *testing.T, tk *desk.Ticket, status string) {
	t.Helper()
	if _, err := d.svc.Update(context.Background(), tk.Ref, d.sam, desk.Patch{Status: &status}); err != nil {
		t.Fatal(err)
	}
}

// lastText is the mail text and webhook line of the last notice sent.
func (d *promiseDesk) lastText(t *testing.T) (subject, text, line string) {
	t.Helper()
	all := d.rec.all()
	s := all[len(all)-1]
	subject, text = bodyText(t, s.rows[0].Raw)
	var hook notify.WebhookBody
	for _, o := range s.rows {
		if o.Kind == outbox.KindWebhook {
			if err := json.Unmarshal(o.Raw, &hook); err != nil {
				t.Fatal(err)
			}
		}
	}
	return subject, text, hook.Text
}

// TestWarnings_PerPromise: warnings are about promises, once each: a next
// response is warned about on its own deadline, a reply ends it, a paused
// resolution is not warned about and a resumed one is, on its moved
// deadline. Monday, July 6, 2026, New York hours 9:00–17:00.
func TestWarnings_PerPromise(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			t.Run("next_response_at_risk_once_and_a_reply_stops_the_breach", func(t *testing.T) {
				d := newPromiseDesk(t, e, at(7, 6, 9, 0))
				tk := d.create(t, "Checkout is down", "availability", at(7, 6, 9, 0)) // first response due 12:00
				d.clock.Set(at(7, 6, 9, 30))
				d.reply(t, tk) // kept
				d.clock.Set(at(7, 6, 10, 0))
				d.customerWrites(t, tk) // next response due 13:00
				for m := at(7, 6, 10, 0); !m.After(at(7, 6, 12, 30)); m = m.Add(5 * time.Minute) {
					d.tickAt(t, m)
				}
				if got, want := d.warnings(t, tk), []string{"at_risk next_response"}; !slices.Equal(got, want) {
					t.Fatalf("warnings by 12:30: %v, want %v", got, want)
				}
				subject, text, line := d.lastText(t)
				if !strings.HasSuffix(subject, "(next response)") || !strings.Contains(text, "the next response is due Monday, July 6, 1:00 PM ET (1h 00m of business time left) and the ticket has no reply to the requester's latest message yet") ||
					!strings.Contains(line, "next response due Monday, July 6, 1:00 PM ET") {
					t.Errorf("the warning does not name the next response:\n%s\n%s\n%s", subject, text, line)
				}
				d.clock.Set(at(7, 6, 12, 45))
				d.reply(t, tk) // in time: no breach to come
				for m := at(7, 6, 12, 45); !m.After(at(7, 6, 17, 0)); m = m.Add(15 * time.Minute) {
					d.tickAt(t, m)
				}
				if got, want := d.warnings(t, tk), []string{"at_risk next_response"}; !slices.Equal(got, want) {
					t.Errorf("warnings after the reply: %v, want %v", got, want)
				}
			})
			t.Run("next_response_breached_until_replied", func(t *testing.T) {
				d := newPromiseDesk(t, e, at(7, 6, 9, 0))
				tk := d.create(t, "Login page is down", "availability", at(7, 6, 9, 0))
				d.reply(t, tk)
				d.customerWrites(t, tk) // 09:00: next response due 12:00
				d.tickAt(t, at(7, 6, 11, 30))
				d.tickAt(t, at(7, 6, 12, 1))
				d.tickAt(t, at(7, 6, 12, 30))
				if got, want := d.warnings(t, tk), []string{"at_risk next_response", "breached next_response"}; !slices.Equal(got, want) {
					t.Fatalf("warnings: %v, want %v", got, want)
				}
				_, text, line := d.lastText(t)
				if !strings.Contains(text, "has missed its next response objective") || !strings.Contains(line, "next response breached, was due Monday, July 6, 12:00 PM ET") {
					t.Errorf("breach notice:\n%s\n%s", text, line)
				}
			})
			t.Run("paused_resolution_silent_resumed_warned", func(t *testing.T) {
				d := newPromiseDesk(t, e, at(7, 6, 9, 0))
				// Received Monday 9:00: first response due Tuesday 17:00,
				// resolution (5 business days) Friday July 10, 17:00.
				tk := d.create(t, "Raise our memory quota", "provisioning", at(7, 6, 9, 0))
				d.clock.Set(at(7, 6, 10, 0))
				d.reply(t, tk)
				d.clock.Set(at(7, 6, 11, 0))
				d.status(t, tk, desk.StatusWaiting) // paused with 6h + 4 days left
				for _, m := range []time.Time{at(7, 10, 16, 0), at(7, 10, 16, 30), at(7, 10, 17, 30), at(7, 13, 10, 0)} {
					d.tickAt(t, m)
				}
				if got := d.warnings(t, tk); len(got) != 0 {
					t.Fatalf("warnings about a paused resolution: %v", got)
				}
				d.clock.Set(at(7, 13, 9, 0)) // back to open on Monday July 13: due Friday July 17, 15:00
				d.status(t, tk, desk.StatusOpen)
				d.tickAt(t, at(7, 17, 13, 59))
				if got := d.warnings(t, tk); len(got) != 0 {
					t.Fatalf("warnings before the moved deadline's window: %v", got)
				}
				d.tickAt(t, at(7, 17, 14, 0))
				if got, want := d.warnings(t, tk), []string{"at_risk resolution"}; !slices.Equal(got, want) {
					t.Fatalf("warnings at 14:00: %v, want %v", got, want)
				}
				d.tickAt(t, at(7, 17, 15, 1))
				if got, want := d.warnings(t, tk), []string{"at_risk resolution", "breached resolution"}; !slices.Equal(got, want) {
					t.Fatalf("warnings at 15:01: %v, want %v", got, want)
				}
				subject, text, line := d.lastText(t)
				if !strings.HasSuffix(subject, "(resolution)") || !strings.Contains(text, "the resolution was due Friday, July 17, 3:00 PM ET and the ticket is not resolved yet") ||
					!strings.Contains(line, "resolution breached, was due Friday, July 17, 3:00 PM ET, still unresolved") {
					t.Errorf("breach notice does not name the resolution:\n%s\n%s\n%s", subject, text, line)
				}
			})
			t.Run("reclassified_to_the_same_deadline_not_warned_again", func(t *testing.T) {
				d := newPromiseDesk(t, e, at(7, 6, 10, 30))
				// Two classes with the same first-response target: the
				// restarted promise is due when the old one was.
				classes := d.svc.Policy.Classes()
				for i := range classes {
					if classes[i].Name == "other" {
						classes[i].FirstResponse = clock.Target{Amount: 2, Unit: 'd'}
					}
				}
				pol, err := sla.New(d.svc.Policy.Calendar(), classes, clock.Target{Amount: 1, Unit: 'h'})
				if err != nil {
					t.Fatal(err)
				}
				d.svc.Policy, d.s.Policy = pol, pol
				tk := d.create(t, "Add Bea to the org", "provisioning", at(7, 1, 11, 0)) // due Monday 11:00
				d.tickAt(t, at(7, 6, 10, 30))
				other := "other"
				d.clock.Set(at(7, 6, 10, 40))
				got, err := d.svc.Update(context.Background(), tk.Ref, d.sam, desk.Patch{Class: &other, Reason: "a question after all"})
				if err != nil {
					t.Fatal(err)
				}
				if o := got.Owed(); o == nil || o.Class != "other" || !o.DueAt.Equal(at(7, 6, 11, 0)) {
					t.Fatalf("owed after reclassifying: %+v", o)
				}
				d.tickAt(t, at(7, 6, 10, 45))
				d.tickAt(t, at(7, 6, 11, 1))
				if got, want := d.warnings(t, tk), []string{"at_risk first_response", "breached first_response"}; !slices.Equal(got, want) {
					t.Errorf("warnings: %v, want %v (the same deadline once)", got, want)
				}
			})
		})
	}
}
