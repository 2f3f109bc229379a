package report_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/clock"
	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/promise"
	"github.com/slatrack/slatrack/internal/report"
	"github.com/slatrack/slatrack/internal/sla"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// withResolution gives the fixture's policy a resolution promise of 5
// business days (40h) for provisioning and other tickets; availability
// keeps none. The response targets stay the published ones (next
// responses as first responses: 3h, 2 business days, 5 business days).
func withResolution(t *testing.T, f *fixture) {
	t.Helper()
	classes := f.pol.Classes()
	for i := range classes {
		if classes[i].Name != "availability" {
			classes[i].Resolution = clock.Target{Amount: 5, Unit: 'd'}
		}
	}
	pol, err := sla.New(f.pol.Calendar(), classes, clock.Target{Amount: 1, Unit: 'h'})
	if err != nil {
		t.Fatal(err)
	}
	f.pol, f.svc.Policy = pol, pol
}

// The steps of a ticket's life, each at the instant f.now is set to.

// open creates a ticket of class received at at (the service's clock).
func (f *fixture) open(t *testing.T, class, subject string, at time.Time) *desk.Ticket {
	t.Helper()
	f.now = at
	tk, err := f.svc.CreateTicket(context.Background(), desk.NewTicket{Subject: subject, Body: "details",
		RequesterEmail: "ann@agency.gov", Channel: desk.ChannelAPI, Class: class}, f.admin)
	if err != nil {
		t.Fatalf("create %q: %v", subject, err)
	}
	return tk
}

// answer is a public staff reply at at.
func (f *fixture) answer(t *testing.T, tk *desk.Ticket, at time.Time) {
	t.Helper()
	f.now = at
	if _, err := f.svc.Reply(context.Background(), tk.Ref, f.staff, "On it.", false); err != nil {
		t.Fatalf("reply to %s: %v", tk.Ref, err)
	}
}

// wrote records a message from the requester at at.
func (f *fixture) wrote(t *testing.T, tk *desk.Ticket, at time.Time) {
	t.Helper()
	f.now = at
	if _, err := f.svc.AddMessage(context.Background(), tk.Ref, nil, desk.NewMessage{Body: "More details"}); err != nil {
		t.Fatalf("message on %s: %v", tk.Ref, err)
	}
}

// patch changes the status or class at at.
func (f *fixture) patch(t *testing.T, tk *desk.Ticket, at time.Time, p desk.Patch) {
	t.Helper()
	f.now = at
	if _, err := f.svc.Update(context.Background(), tk.Ref, f.admin, p); err != nil {
		t.Fatalf("update %s: %v", tk.Ref, err)
	}
}

func ptr[T any](v T) *T { return &v }

// kindCounts is a KindStats' counts in a fixed order: made, kept, broken,
// open overdue, pending, cancelled, breached.
func kindCounts(s report.KindStats) [7]int {
	return [7]int{s.Made, s.Kept, s.Broken, s.OpenOverdue, s.Pending, s.Cancelled, s.Breached}
}

// TestCompliance_Kinds checks the promises by kind against hand-computed
// answers (business hours 09:00–17:00 New York time, December 2026, no
// holidays): next responses kept, broken and cancelled, a resolution
// paused while waiting on the customer, and a reclassification, whose
// superseded promises are not counted.
func TestCompliance_Kinds(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		withResolution(t, f)
		A, P, O := "availability", "provisioning", "other"
		day := func(d, hh, mm int) time.Time { return et(2026, time.December, d, hh, mm) }

		// R1 provisioning, Mon 12-07 09:00: first response (16h) due Tue
		// 17:00, answered Mon 10:00 → kept in 1h. Resolution (40h) due Fri
		// 12-11 17:00; waiting on the customer Tue 09:00 → Thu 09:00 (a
		// customer message): paused 16h, so due Tue 12-15 17:00. The
		// message owes a next response (16h) due Fri 17:00, answered Fri
		// 10:00 → kept in Thu 8h + Fri 1h = 9h. Resolved Mon 12-14 12:00 →
		// kept in (Mon–Fri 40h + Mon 3h) − 16h paused = 27h.
		r1 := f.open(t, P, "R1", day(7, 9, 0))
		f.answer(t, r1, day(7, 10, 0))
		f.patch(t, r1, day(8, 9, 0), desk.Patch{Status: ptr(desk.StatusWaiting)})
		f.wrote(t, r1, day(10, 9, 0))
		f.answer(t, r1, day(11, 10, 0))
		f.patch(t, r1, day(14, 12, 0), desk.Patch{Status: ptr(desk.StatusResolved)})

		// R2 other, Mon 12-07 09:00: first response (40h) answered 11:00 →
		// kept in 2h. The customer writes Mon 12:00: a next response (40h)
		// due Mon 12-14 12:00 (Mon 5h + Tue–Fri 32h + Mon 3h), answered Tue
		// 12-15 09:00 → broken, in 5h + 32h + 8h = 45h. Its resolution, due
		// Fri 12-11 17:00, is still open: overdue.
		r2 := f.open(t, O, "R2", day(7, 9, 0))
		f.answer(t, r2, day(7, 11, 0))
		f.wrote(t, r2, day(7, 12, 0))
		f.answer(t, r2, day(15, 9, 0))

		// R3 availability, Tue 12-08 10:00: first response (3h) answered
		// 12:00 → kept in 2h. The customer writes Wed 16:00 (a next
		// response due Thu 11:00); closed Wed 16:30, before it fell due →
		// cancelled.
		r3 := f.open(t, A, "R3", day(8, 10, 0))
		f.answer(t, r3, day(8, 12, 0))
		f.wrote(t, r3, day(9, 16, 0))
		f.patch(t, r3, day(9, 16, 30), desk.Patch{Status: ptr(desk.StatusClosed)})

		// R4 availability, Wed 12-16 09:00: due 12:00, pending at 10:00.
		f.open(t, A, "R4", day(16, 9, 0))

		// R5 other, Mon 12-07 13:00, reclassified provisioning at 14:00:
		// its other promises are superseded (not counted); the
		// provisioning first response (16h) due Wed 12-09 13:00 and
		// resolution (40h) due Mon 12-14 13:00 are both open overdue.
		r5 := f.open(t, O, "R5", day(7, 13, 0))
		f.patch(t, r5, day(7, 14, 0), desk.Patch{Class: ptr(P), Reason: "it is a quota request"})

		at := day(16, 10, 0)
		c, err := report.BuildCompliance(context.Background(), st, f.pol, day(7, 0, 0), at, at)
		if err != nil {
			t.Fatal(err)
		}
		type want struct {
			class       string
			counts      [7]int // made, kept, broken, open overdue, pending, cancelled, breached
			median, p90 time.Duration
			kept, of    int
		}
		wants := map[string][]want{
			sla.FirstResponse: {
				{A, [7]int{2, 1, 0, 0, 1, 0, 0}, 2 * h, 2 * h, 1, 1},       // R3, R4
				{P, [7]int{2, 1, 0, 1, 0, 0, 1}, 1 * h, 1 * h, 1, 2},       // R1, R5
				{O, [7]int{1, 1, 0, 0, 0, 0, 0}, 2 * h, 2 * h, 1, 1},       // R2
				{"total", [7]int{5, 3, 0, 1, 1, 0, 1}, 2 * h, 2 * h, 3, 4}, // 1h 2h 2h: ranks 2 and 3
			},
			sla.NextResponse: {
				{A, [7]int{1, 0, 0, 0, 0, 1, 0}, 0, 0, 0, 0},                // R3 cancelled
				{P, [7]int{1, 1, 0, 0, 0, 0, 0}, 9 * h, 9 * h, 1, 1},        // R1
				{O, [7]int{1, 0, 1, 0, 0, 0, 1}, 45 * h, 45 * h, 0, 1},      // R2
				{"total", [7]int{3, 1, 1, 0, 0, 1, 1}, 9 * h, 45 * h, 1, 2}, // 9h 45h: ranks 1 and 2
			},
			sla.Resolution: { // availability makes no resolution promise: no row
				{P, [7]int{2, 1, 0, 1, 0, 0, 1}, 27 * h, 27 * h, 1, 2}, // R1, R5
				{O, [7]int{1, 0, 0, 1, 0, 0, 1}, 0, 0, 0, 1},           // R2
				{"total", [7]int{3, 1, 0, 2, 0, 0, 2}, 27 * h, 27 * h, 1, 3},
			},
		}
		if len(c.Kinds) != 3 {
			t.Fatalf("%d kinds, want 3", len(c.Kinds))
		}
		for i, kind := range sla.Kinds() {
			k := c.Kinds[i]
			if k.Kind != kind || k.Label != sla.KindLabel(kind) {
				t.Errorf("kind %d is %s %q, want %s", i, k.Kind, k.Label, kind)
			}
			got := append(append([]report.KindStats{}, k.Classes...), k.Total)
			ws := wants[kind]
			if len(got) != len(ws) {
				t.Errorf("%s: %d rows, want %d: %+v", kind, len(got), len(ws), got)
				continue
			}
			for j, w := range ws {
				s := got[j]
				if s.Class != w.class || s.Kind != kind || kindCounts(s) != w.counts || s.Median != w.median || s.P90 != w.p90 {
					t.Errorf("%s, %s: %s %v median %v p90 %v, want %v %v %v", kind, w.class, s.Class, kindCounts(s), s.Median, s.P90, w.counts, w.median, w.p90)
				}
				p, ok := s.PercentKept()
				if w.of == 0 && ok || w.of > 0 && (!ok || math.Abs(p-100*float64(w.kept)/float64(w.of)) > 1e-9) {
					t.Errorf("%s, %s: kept %v%% (%v), want %d/%d", kind, w.class, p, ok, w.kept, w.of)
				}
			}
		}
		if obj := c.Kinds[2].Classes[0].Objective; obj != "within 5 business days" {
			t.Errorf("resolution objective %q", obj)
		}
	})
}

// TestReports_AgreeWithTheQueue builds a desk with owed promises of every
// kind in every state, tickets waiting on the customer, closed and
// reclassified ones, through the service at chosen instants, and checks
// on both engines that the queue, the overdue report, the compliance
// report and the metrics say the same about the same tickets:
//
//   - the queue lists the tickets owing a promise first, broken ones
//     first, each part in due order (ties by id), then those owing
//     nothing;
//   - the overdue report's broken and at-risk rows are, class by class and
//     in the same order, the queue's tickets whose owed promise is broken
//     or at risk, with the same kind and due instant; its forecast rows
//     are owing tickets on track;
//   - the compliance report's kept, broken and open overdue counts per
//     kind and class are the promises' outcomes counted one by one;
//   - the metrics count the same owed promises and the same outcomes.
func TestReports_AgreeWithTheQueue(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		withResolution(t, f)
		A, P, O := "availability", "provisioning", "other"
		day := func(d, hh, mm int) time.Time { return et(2026, time.December, d, hh, mm) }
		now := day(16, 11, 0) // Wednesday; at risk means due by 12:00

		// Owing a first response: broken (two due at the same instant),
		// at risk, on track but forecast to break before the next opening,
		// on track.
		f.open(t, A, "first broken", day(15, 9, 0))           // due Tue 12:00
		f.open(t, A, "first broken, same due", day(15, 9, 0)) // due Tue 12:00
		f.open(t, A, "first at risk", day(16, 8, 30))         // clock from 09:00: due 12:00
		f.open(t, A, "first forecast", day(16, 10, 30))       // due 13:30
		f.open(t, O, "first on track", day(16, 10, 0))        // due in 5 business days
		// A first response answered late, then a next response broken.
		nb := f.open(t, A, "next broken", day(14, 9, 0))
		f.answer(t, nb, day(14, 13, 0)) // late: due 12:00
		f.wrote(t, nb, day(14, 14, 0))  // next response due Mon 17:00
		// A next response at risk: provisioning, 16h from Mon 11:30 → Wed 11:30.
		nr := f.open(t, P, "next at risk", day(14, 9, 0))
		f.answer(t, nr, day(14, 9, 30))
		f.wrote(t, nr, day(14, 11, 30))
		// A next response on track while the resolution runs too: the
		// next response (Thu 10:00) is owed, the resolution (Fri 12-18
		// 17:00) due later.
		both := f.open(t, P, "next on track, resolution running", day(14, 9, 0))
		f.answer(t, both, day(14, 10, 0))
		f.wrote(t, both, day(15, 10, 0))
		// Owing only the resolution, broken (due Fri 12-11 17:00).
		rb := f.open(t, P, "resolution broken", day(7, 9, 0))
		f.answer(t, rb, day(7, 10, 0))
		// Waiting on the customer after a late first response: nothing is
		// owed (the resolution is paused), the last response broken.
		w := f.open(t, P, "waiting on the customer", day(7, 9, 0))
		f.answer(t, w, day(10, 9, 0))
		f.patch(t, w, day(10, 10, 0), desk.Patch{Status: ptr(desk.StatusWaiting)})
		// Resolved in time, everything kept.
		ok := f.open(t, O, "resolved", day(8, 9, 0))
		f.answer(t, ok, day(8, 9, 30))
		f.patch(t, ok, day(9, 9, 0), desk.Patch{Status: ptr(desk.StatusResolved)})
		// Closed unanswered after its deadline: the first response broken.
		cl := f.open(t, A, "closed late without a reply", day(9, 9, 0))
		f.patch(t, cl, day(9, 15, 0), desk.Patch{Status: ptr(desk.StatusClosed)})
		// Reclassified other → availability: the first response, now due
		// Mon 12-14 12:00, is broken; the other promises are superseded.
		rc := f.open(t, O, "reclassified", day(14, 9, 0))
		f.patch(t, rc, day(14, 9, 15), desk.Patch{Class: ptr(A)})
		// Reopened after it was resolved: the resolution resumes.
		ro := f.open(t, O, "reopened", day(8, 9, 0))
		f.answer(t, ro, day(8, 10, 0))
		f.patch(t, ro, day(9, 9, 0), desk.Patch{Status: ptr(desk.StatusResolved)})
		f.wrote(t, ro, day(15, 9, 0)) // reopens it and owes a next response

		f.now = now
		ctx := context.Background()
		queue, next, err := f.svc.List(ctx, desk.Filter{Limit: 200})
		if err != nil || next != "" {
			t.Fatalf("queue: %v (next page %q)", err, next)
		}
		// The queue's order.
		rank := map[sla.State]int{sla.Breached: 0, sla.AtRisk: 1, sla.OnTrack: 2}
		var prev *desk.Ticket
		prevRank := -1
		owing := map[string]*desk.Ticket{}
		for _, tk := range queue {
			o := tk.Owed()
			r := 3 // owes nothing
			if o != nil {
				state, _ := f.svc.SLA(tk, now)
				r = rank[state]
				owing[tk.Ref] = tk
			}
			if r < prevRank {
				t.Errorf("queue: %s (%s) after %s: broken, at risk, on track, then idle", tk.Subject, tk.Ref, prev.Subject)
			}
			if o != nil && prev != nil && prev.Owed() != nil {
				if po := prev.Owed(); o.DueAt.Before(po.DueAt) || o.DueAt.Equal(po.DueAt) && tk.ID < prev.ID {
					t.Errorf("queue: %s due %v after %s due %v", tk.Subject, o.DueAt.In(ny), prev.Subject, po.DueAt.In(ny))
				}
			}
			prev, prevRank = tk, r
		}
		if len(owing) != 11 || len(queue) != 12 {
			t.Fatalf("queue: %d tickets, %d owing; want 12 and 11: %v", len(queue), len(owing), subjectsOf(queue))
		}

		// The overdue report, class by class, against the queue.
		od, err := report.BuildOverdue(ctx, st, f.pol, now, 4*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		counted := map[sla.State]int{}
		for _, g := range od.Groups {
			var fromQueue, fromReport []string
			for _, tk := range queue {
				if o := tk.Owed(); o != nil && tk.Class == g.Class {
					if state, _ := f.svc.SLA(tk, now); state == sla.Breached || state == sla.AtRisk {
						fromQueue = append(fromQueue, fmt.Sprintf("%s %s %s %s", tk.Ref, o.Kind, state, o.DueAt.UTC().Format(time.RFC3339Nano)))
					}
				}
			}
			for _, row := range g.Tickets {
				counted[row.State]++
				tk := owing[row.Ref]
				if tk == nil {
					t.Errorf("overdue report lists %s, which owes nothing in the queue", row.Ref)
					continue
				}
				if row.State == sla.OnTrack {
					if !row.Forecast {
						t.Errorf("%s: an on-track row that is not forecast", row.Ref)
					}
					continue
				}
				fromReport = append(fromReport, fmt.Sprintf("%s %s %s %s", row.Ref, row.Kind, row.State, row.DueAt.UTC().Format(time.RFC3339Nano)))
			}
			if !slices.Equal(fromReport, fromQueue) {
				t.Errorf("%s: the overdue report lists\n%v\nthe queue\n%v", g.Class, fromReport, fromQueue)
			}
		}
		// first broken ×2, next broken, resolution broken, reclassified;
		// first at risk, next at risk; first forecast.
		if od.OverdueCount != 5 || od.AtRiskCount != 2 || od.ForecastCount != 3 ||
			counted[sla.Breached] != 5 || counted[sla.AtRisk] != 2 || counted[sla.OnTrack] != 1 {
			t.Errorf("overdue report: %d overdue, %d at risk, %d forecast (rows %v); want 5, 2, 3",
				od.OverdueCount, od.AtRiskCount, od.ForecastCount, counted)
		}

		// Every promise, counted one by one.
		type key struct{ kind, class string }
		direct := map[key]*[3]int{} // kept, broken, open overdue
		from := day(1, 0, 0)
		all, _, err := f.svc.List(ctx, desk.Filter{Status: "all", Limit: 200})
		if err != nil || len(all) != 14 {
			t.Fatalf("all tickets: %d, %v", len(all), err)
		}
		for _, tk := range all {
			for _, p := range tk.Promises {
				k := key{p.Kind, p.Class}
				if direct[k] == nil {
					direct[k] = &[3]int{}
				}
				switch state, _ := f.svc.PromiseState(p, now); {
				case p.Outcome == promise.Met:
					direct[k][0]++
				case p.Outcome == promise.Breached:
					direct[k][1]++
				case p.Open() && state == promise.StateBreached:
					direct[k][2]++
				}
			}
		}
		c, err := report.BuildCompliance(ctx, st, f.pol, from, now, now)
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		for _, kr := range c.Kinds {
			for _, s := range kr.Classes {
				d := direct[key{kr.Kind, s.Class}]
				if d == nil {
					d = &[3]int{}
				}
				seen++
				if got := [3]int{s.Kept, s.Broken, s.OpenOverdue}; got != *d {
					t.Errorf("compliance, %s %s: kept, broken, open overdue %v; the promises say %v", kr.Kind, s.Class, got, *d)
				}
			}
		}
		if seen != 3+3+2 {
			t.Errorf("compliance rows: %d, want 8 (3 classes × 2 response kinds, 2 with a resolution)", seen)
		}

		// The metrics: the queue's owed promises by class, kind and state,
		// and the promises' outcomes.
		snap, err := st.MetricsSnapshot(ctx, f.pol.Bounds(now), now.AddDate(0, 0, -90))
		if err != nil {
			t.Fatal(err)
		}
		owed := map[string]int{}
		for _, tk := range owing {
			state, _ := f.svc.SLA(tk, now)
			owed[tk.Class+"/"+tk.OwedKind+"/"+string(state)]++
		}
		gotOwed := map[string]int{}
		for class, byKind := range snap.Owed {
			for kind, byState := range byKind {
				for state, n := range byState {
					if n > 0 {
						gotOwed[class+"/"+kind+"/"+string(state)] = n
					}
				}
			}
		}
		if fmt.Sprint(gotOwed) != fmt.Sprint(owed) {
			t.Errorf("metrics owed %v, queue %v", gotOwed, owed)
		}
		for k, d := range direct {
			m := snap.Promises[k.class][k.kind]
			if m[promise.Met] != d[0] || m[promise.Breached] != d[1] {
				t.Errorf("metrics %s %s: met %d breached %d; the promises say %d %d", k.kind, k.class, m[promise.Met], m[promise.Breached], d[0], d[1])
			}
		}
	})
}

func subjectsOf(ts []*desk.Ticket) []string {
	var out []string
	for _, tk := range ts {
		out = append(out, tk.Subject)
	}
	return out
}
