package seed_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/classify"
	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/desk/desktest"
	"github.com/slatrack/slatrack/internal/seed"
	"github.com/slatrack/slatrack/internal/sla"
)

// now is a fixed end of the seeded period: a Monday afternoon in New York.
var now = time.Date(2026, 6, 1, 18, 30, 0, 0, time.UTC)

func policy(t testing.TB) (*sla.Policy, *classify.Classifier) {
	t.Helper()
	return desktest.Policy(t), desktest.Classifier(t)
}

var staff = []*desk.User{
	{ID: 11, Email: "a@seed.test", Name: "Ann"},
	{ID: 12, Email: "b@seed.test", Name: "Bo"},
	{ID: 13, Email: "c@seed.test", Name: "Cy"},
}

// generate collects every item and the batch sizes.
func generate(t testing.TB, opts seed.Options, batch int) ([]seed.Item, []int) {
	t.Helper()
	pol, cl := policy(t)
	var (
		items []seed.Item
		sizes []int
	)
	err := seed.Generate(opts, pol, cl, func(b []seed.Item) error {
		items = append(items, b...)
		sizes = append(sizes, len(b))
		return nil
	}, batch)
	if err != nil {
		t.Fatal(err)
	}
	return items, sizes
}

func TestGenerateDeterministic(t *testing.T) {
	opts := seed.Options{Tickets: 1500, Now: now, Seed: 42, Staff: staff}
	a, sizes := generate(t, opts, 1000)
	if want := []int{1000, 500}; !reflect.DeepEqual(sizes, want) {
		t.Errorf("batch sizes %v, want %v", sizes, want)
	}
	b, sizes := generate(t, opts, 7)
	if len(sizes) != 215 || sizes[214] != 2 {
		t.Errorf("%d batches, last of %d; want 215, last of 2", len(sizes), sizes[len(sizes)-1])
	}
	if len(a) != 1500 || !reflect.DeepEqual(a, b) {
		t.Fatalf("the same seed gave different desks with different batch sizes (%d and %d tickets)", len(a), len(b))
	}
	opts.Seed = 43
	c, _ := generate(t, opts, 1000)
	same := 0
	for i := range c {
		if c[i].Ticket.Subject == a[i].Ticket.Subject && c[i].Ticket.ReceivedAt.Equal(a[i].Ticket.ReceivedAt) {
			same++
		}
	}
	if same > 30 {
		t.Errorf("seeds 42 and 43 agree on %d of 1500 tickets", same)
	}
}

func TestGenerateDistribution(t *testing.T) {
	const n = 6000
	items, _ := generate(t, seed.Options{Tickets: n, Now: now, Seed: 1, Staff: staff}, 0)
	if len(items) != n {
		t.Fatalf("%d tickets, want %d", len(items), n)
	}
	pol, _ := policy(t)
	cal := pol.Calendar()
	start := now.AddDate(-2, 0, 0).Add(-24 * time.Hour)

	var (
		open, answered, met, staffClass, assigned, inHours, closedDay, events int
		classes                                                               = map[string]int{}
		rules                                                                 = map[string]int{}
		statuses                                                              = map[string]int{}
		kinds                                                                 = map[string]int{}
		requesters                                                            = map[string]int{}
		perHalf                                                               [2]int
	)
	var prev time.Time
	for i, it := range items {
		tk := it.Ticket
		if tk.ID != 0 || tk.Ref != "" {
			t.Fatalf("ticket %d has ID %d ref %q", i, tk.ID, tk.Ref)
		}
		if tk.ReceivedAt.Before(prev) {
			t.Fatalf("ticket %d received %v before ticket %d (%v)", i, tk.ReceivedAt, i-1, prev)
		}
		prev = tk.ReceivedAt
		if tk.ReceivedAt.Before(start) || !tk.ReceivedAt.Before(now) {
			t.Fatalf("ticket %d received %v, outside the period", i, tk.ReceivedAt)
		}
		if tk.ReceivedAt.Before(now.AddDate(-1, 0, 0)) {
			perHalf[0]++
		} else {
			perHalf[1]++
		}
		if due, _ := pol.Due(tk.Class, tk.ReceivedAt); !due.Equal(tk.ResponseDueAt) {
			t.Fatalf("ticket %d: due %v, policy says %v", i, tk.ResponseDueAt, due)
		}
		if tk.Open != desk.IsOpenStatus(tk.Status) || tk.Answered != (tk.FirstResponseAt != nil) || tk.Open != (tk.ClosedAt == nil) {
			t.Fatalf("ticket %d: status %s, Open %v, Answered %v, ClosedAt %v", i, tk.Status, tk.Open, tk.Answered, tk.ClosedAt)
		}
		classes[tk.Class]++
		statuses[tk.Status]++
		requesters[tk.RequesterEmail]++
		if tk.Open {
			open++
		}
		if tk.Answered {
			answered++
			if !tk.FirstResponseAt.After(tk.ResponseDueAt) {
				met++
			}
		}
		if tk.ClassBy == desk.ClassByStaff {
			staffClass++
		}
		if tk.ClassBy == desk.ClassByRule {
			rules[ruleName(tk.ClassReason)]++
		}
		if tk.AssigneeID != nil {
			assigned++
		}
		if cal.IsOpen(tk.ReceivedAt) {
			inHours++
		}
		if _, closed := cal.ClosedDayInfo(tk.ReceivedAt); closed {
			closedDay++
		}
		for j, e := range it.Events {
			kinds[e.Kind]++
			if e.TicketID != 0 || e.At.After(now) || (j > 0 && e.At.Before(it.Events[j-1].At)) {
				t.Fatalf("ticket %d event %d: %+v", i, j, e)
			}
		}
		events += len(it.Events)
		if !tk.UpdatedAt.Equal(it.Events[len(it.Events)-1].At) {
			t.Fatalf("ticket %d: updated %v, last event %v", i, tk.UpdatedAt, it.Events[len(it.Events)-1].At)
		}
	}
	share := func(k int) float64 { return float64(k) / n }
	t.Logf("open %.3f, met %.3f, by staff %.3f, assigned %.2f, in hours %.3f, closed days %.3f, events %.2f/ticket, halves %v, %d requesters",
		share(open), float64(met)/float64(answered), share(staffClass), share(assigned), share(inHours), share(closedDay), share(events), perHalf, len(requesters))
	t.Logf("classes %v\nstatuses %v\nkinds %v\nrules %v", classes, statuses, kinds, rules)

	check := func(what string, got, lo, hi float64) {
		t.Helper()
		if got < lo || got > hi {
			t.Errorf("%s = %.3f, want %.3f–%.3f", what, got, lo, hi)
		}
	}
	check("open share", share(open), 0.085, 0.115)
	check("met share of answered", float64(met)/float64(answered), 0.85, 0.95)
	check("staff reclassifications", share(staffClass), 0.03, 0.07)
	check("events per ticket", share(events), 5.5, 7)
	check("received in business hours", share(inHours), 0.7, 0.9)
	check("received on weekends and holidays", share(closedDay), 0.02, 0.08)
	check("availability", share(classes["availability"]), 0.15, 0.35)
	check("provisioning", share(classes["provisioning"]), 0.3, 0.6)
	check("other", share(classes["other"]), 0.2, 0.45)
	check("assigned", share(assigned), 0.6, 0.8)
	if perHalf[1] <= perHalf[0] {
		t.Errorf("the desk did not grow: %v tickets in the first and second year", perHalf)
	}
	if len(rules) < 12 {
		t.Errorf("only %d classifier rules decided tickets: %v", len(rules), rules)
	}
	if len(requesters) < 300 {
		t.Errorf("only %d requesters", len(requesters))
	}
	for _, s := range desk.Statuses() {
		if statuses[s] == 0 {
			t.Errorf("no %s tickets", s)
		}
	}
	for _, k := range []string{desk.EventMessageIn, desk.EventCreated, desk.EventAssigned, desk.EventReply, desk.EventFirstResponse,
		desk.EventStatusChanged, desk.EventClassChanged, desk.EventDueChanged, desk.EventNote} {
		if kinds[k] == 0 {
			t.Errorf("no %s events", k)
		}
	}
}

// ruleName is the rule a class reason names (`rule "X" matched "y"`).
func ruleName(reason string) string {
	if i := strings.Index(reason, `rule "`); i >= 0 {
		rest := reason[i+len(`rule "`):]
		return rest[:strings.IndexByte(rest, '"')]
	}
	return reason
}

func TestGenerateOptions(t *testing.T) {
	pol, cl := policy(t)
	t.Run("open share", func(t *testing.T) {
		for _, tc := range []struct {
			share  float64
			lo, hi float64
		}{{-1, 0, 0.02}, {0.5, 0.45, 0.55}, {1, 0.97, 1}} {
			items, _ := generate(t, seed.Options{Tickets: 2000, Now: now, OpenShare: tc.share}, 0)
			open := 0
			for _, it := range items {
				if it.Ticket.Open {
					open++
				}
			}
			if s := float64(open) / 2000; s < tc.lo || s > tc.hi {
				t.Errorf("OpenShare %v: %.3f open", tc.share, s)
			}
		}
	})
	t.Run("short period, no staff", func(t *testing.T) {
		items, _ := generate(t, seed.Options{Tickets: 500, Now: now, Years: 0.01}, 64)
		if len(items) != 500 {
			t.Fatalf("%d tickets", len(items))
		}
		from := now.Add(-time.Duration(0.01 * 365.2425 * 24 * float64(time.Hour)))
		for _, it := range items {
			if it.Ticket.ReceivedAt.Before(from) || it.Ticket.AssigneeID != nil {
				t.Fatalf("ticket received %v (period from %v), assignee %v", it.Ticket.ReceivedAt, from, it.Ticket.AssigneeID)
			}
			for _, e := range it.Events {
				if e.Kind == desk.EventReply && !strings.HasPrefix(e.Actor, "Support staff") {
					t.Fatalf("reply by %q without staff", e.Actor)
				}
			}
		}
	})
	t.Run("zero tickets", func(t *testing.T) {
		err := seed.Generate(seed.Options{Now: now}, pol, cl, func([]seed.Item) error {
			t.Fatal("emit called")
			return nil
		}, 10)
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("emit error stops", func(t *testing.T) {
		stop := errors.New("stop")
		calls := 0
		err := seed.Generate(seed.Options{Tickets: 1000, Now: now}, pol, cl, func([]seed.Item) error {
			calls++
			if calls == 3 {
				return stop
			}
			return nil
		}, 100)
		if !errors.Is(err, stop) || calls != 3 {
			t.Fatalf("err %v after %d calls", err, calls)
		}
	})
	t.Run("bad options", func(t *testing.T) {
		for _, o := range []seed.Options{{Tickets: -1}, {Tickets: 1, Years: -1}, {Tickets: 1, OpenShare: 1.5}} {
			if err := seed.Generate(o, pol, cl, func([]seed.Item) error { return nil }, 0); err == nil {
				t.Errorf("Generate(%+v) accepted", o)
			}
		}
		if err := seed.Generate(seed.Options{Tickets: 1}, nil, cl, func([]seed.Item) error { return nil }, 0); err == nil {
			t.Error("Generate without a policy accepted")
		}
	})
}

func BenchmarkGenerate(b *testing.B) {
	pol, cl := policy(b)
	const n = 10000
	for b.Loop() {
		if err := seed.Generate(seed.Options{Tickets: n, Now: now, Staff: staff}, pol, cl, func([]seed.Item) error { return nil }, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "tickets/s")
}
