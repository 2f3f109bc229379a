package report_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/report"
	"github.com/slatrack/slatrack/internal/sla"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// The compliance period: the six weeks Mon 2026-10-26 00:00 EDT to Mon
// 2026-12-07 00:00 EST. It spans the end of DST (Sun 11-01 02:00 EDT →
// 01:00 EST), Veterans Day (Wed 11-11) and Thanksgiving (Thu 11-26); the
// report is judged at Mon 12-07 10:00 EST.
var (
	compFrom = et(2026, 10, 26, 0, 0)
	compTo   = et(2026, 12, 7, 0, 0)
	compAt   = et(2026, 12, 7, 10, 0)
)

// seedCompliance imports the compliance tickets; every deadline and
// first-response time below is worked out by hand (business hours
// 09:00–17:00 New York time).
func seedCompliance(t *testing.T, f *fixture) {
	A, P, O := "availability", "provisioning", "other"

	// Outside the period: received a second before it starts, and during
	// Mon 12-07 (the period's end is exclusive). Neither is counted.
	f.reply(t, f.ticket(t, A, "Before", time.Date(2026, 10, 25, 23, 59, 59, 0, ny), et(2026, 10, 26, 12, 0)), et(2026, 10, 26, 9, 30))
	f.ticket(t, A, "After", et(2026, 12, 7, 9, 30), et(2026, 12, 7, 12, 30))

	// ---- Week of Mon 10-26 (DST ends on its Sunday) ----
	// P0 at exactly the period's start, Mon 00:00 EDT: the clock starts at
	// 09:00; 16h = Mon 8h + Tue 8h → due Tue 10-27 17:00. Answered Tue
	// 09:00: Mon 8h → FRT 8h, met.
	f.reply(t, f.ticket(t, P, "P0", et(2026, 10, 26, 0, 0), et(2026, 10, 27, 17, 0)), et(2026, 10, 27, 9, 0))
	// O1 Mon 10-26 09:00 EDT: 40h = Mon–Fri → due Fri 10-30 17:00 EDT.
	// Answered Mon 11-02 09:30 EST: 40h + 30m → FRT 40h30m, late.
	f.reply(t, f.ticket(t, O, "O1", et(2026, 10, 26, 9, 0), et(2026, 10, 30, 17, 0)), et(2026, 11, 2, 9, 30))
	// P1 Thu 10-29 10:00 EDT: Thu 7h, Fri 8h (15h), Mon 11-02 1h → due Mon
	// 10:00 EST. Answered Fri 10-30 15:30 EDT: Thu 7h + Fri 6h30m → FRT
	// 13h30m, met.
	f.reply(t, f.ticket(t, P, "P1", et(2026, 10, 29, 10, 0), et(2026, 11, 2, 10, 0)), et(2026, 10, 30, 15, 30))
	// A1 Fri 10-30 16:00 EDT: Fri 1h, Mon 11-02 2h → due Mon 11:00 EST.
	// Answered Mon 10:00 EST: Fri 1h + Mon 1h → FRT 2h, met (the wall clock
	// says 3 days 19 hours, one of them the hour DST gave back).
	f.reply(t, f.ticket(t, A, "A1", et(2026, 10, 30, 16, 0), et(2026, 11, 2, 11, 0)), et(2026, 11, 2, 10, 0))
	// A2 Sun 11-01 23:30 EST: still the week of 10-26 (which ends Mon 11-02
	// 00:00 EST, 169 hours after it began; counting 168 hours would put A2
	// in the next week). Clock starts Mon 09:00 → due 12:00. Answered Mon
	// 13:15 → FRT 4h15m, late.
	f.reply(t, f.ticket(t, A, "A2", et(2026, 11, 1, 23, 30), et(2026, 11, 2, 12, 0)), et(2026, 11, 2, 13, 15))

	// ---- Week of Mon 11-02 ----
	// A3 Tue 11-03 09:00 → due 12:00; answered 11:00 → FRT 2h, met.
	f.reply(t, f.ticket(t, A, "A3", et(2026, 11, 3, 9, 0), et(2026, 11, 3, 12, 0)), et(2026, 11, 3, 11, 0))
	// P2 Fri 11-06 12:00: Fri 5h, Mon 8h (13h), Tue 3h → due Tue 11-10
	// 12:00. Answered Tue 16:00: 5h + 8h + 7h → FRT 20h, late.
	f.reply(t, f.ticket(t, P, "P2", et(2026, 11, 6, 12, 0), et(2026, 11, 10, 12, 0)), et(2026, 11, 10, 16, 0))

	// ---- Week of Mon 11-09 (Veterans Day, Wed 11-11) ----
	// O2 Mon 11-09 13:00: Mon 4h, Tue 8h, (Wed holiday), Thu 8h, Fri 8h,
	// Mon 11-16 8h (36h), Tue 4h → due Tue 11-17 13:00. Answered Fri 11-13
	// 09:00: Mon 4h + Tue 8h + Thu 8h → FRT 20h, met.
	f.reply(t, f.ticket(t, O, "O2", et(2026, 11, 9, 13, 0), et(2026, 11, 17, 13, 0)), et(2026, 11, 13, 9, 0))
	// A4 Tue 11-10 16:00: Tue 1h, (Wed holiday), Thu 2h → due Thu 11-12
	// 11:00. Answered Thu 10:30: 1h + 1h30m → FRT 2h30m, met.
	f.reply(t, f.ticket(t, A, "A4", et(2026, 11, 10, 16, 0), et(2026, 11, 12, 11, 0)), et(2026, 11, 12, 10, 30))

	// ---- Week of Mon 11-16 ----
	// A5 Thu 11-19 09:00 → due 12:00; never answered, still open → open
	// overdue at 12-07.
	f.ticket(t, A, "A5", et(2026, 11, 19, 9, 0), et(2026, 11, 19, 12, 0))
	// P3 Fri 11-20 12:00: Fri 5h, Mon 8h, Tue 3h → due Tue 11-24 12:00.
	// Answered Tue 11:00: 5h + 8h + 2h → FRT 15h, met.
	f.reply(t, f.ticket(t, P, "P3", et(2026, 11, 20, 12, 0), et(2026, 11, 24, 12, 0)), et(2026, 11, 24, 11, 0))

	// ---- Week of Mon 11-23 (Thanksgiving, Thu 11-26) ----
	// O3 Mon 11-23 09:00: Mon–Wed 24h, (Thu holiday), Fri 8h, Mon 11-30 8h
	// → due Mon 11-30 17:00. Answered Tue 12-01 09:00: FRT 40h — exactly
	// the objective in business time, yet late: the reply came after the
	// deadline instant (no open time passes between 17:00 and 09:00).
	f.reply(t, f.ticket(t, O, "O3", et(2026, 11, 23, 9, 0), et(2026, 11, 30, 17, 0)), et(2026, 12, 1, 9, 0))
	// A6 Wed 11-25 15:30: Wed 1h30m, (Thu holiday), Fri 1h30m → due Fri
	// 11-27 10:30. Answered Fri 10:00: 1h30m + 1h → FRT 2h30m, met.
	f.reply(t, f.ticket(t, A, "A6", et(2026, 11, 25, 15, 30), et(2026, 11, 27, 10, 30)), et(2026, 11, 27, 10, 0))
	// P4 Sat 11-28 10:00: clock starts Mon 11-30 09:00; Mon 8h + Tue 8h →
	// due Tue 12-01 17:00 (used up at closing). Unanswered → open overdue.
	f.ticket(t, P, "P4", et(2026, 11, 28, 10, 0), et(2026, 12, 1, 17, 0))

	// ---- Week of Mon 11-30 ----
	// A7 Mon 11-30 09:00 → due 12:00; resolved at 10:00 without a reply →
	// closed unanswered (not in the percentage); its first-response
	// promise is cancelled (it stopped mattering before it fell due).
	a7 := f.ticket(t, A, "A7", et(2026, 11, 30, 9, 0), et(2026, 11, 30, 12, 0))
	f.now = et(2026, 11, 30, 10, 0)
	f.update(t, a7, desk.StatusResolved, "")
	// A8 Tue 12-01 14:00 → due 17:00 (at closing). Answered at exactly
	// 17:00: at the deadline counts as met; FRT 3h.
	f.reply(t, f.ticket(t, A, "A8", et(2026, 12, 1, 14, 0), et(2026, 12, 1, 17, 0)), et(2026, 12, 1, 17, 0))
	// O4 Fri 12-04 10:00: Fri 7h, Mon–Thu 32h (39h), Fri 1h → due Fri 12-11
	// 10:00; unanswered → pending at 12-07.
	f.ticket(t, O, "O4", et(2026, 12, 4, 10, 0), et(2026, 12, 11, 10, 0))
}

// counts is a Stats' counts in a fixed order: received, met, late, open
// overdue, pending, closed unanswered, breached.
func countsOf(s report.Stats) [7]int {
	return [7]int{s.Received, s.Met, s.Late, s.OpenOverdue, s.Pending, s.ClosedUnanswered, s.Breached}
}

func wantPercent(t *testing.T, what string, s report.Stats, num, den int) {
	t.Helper()
	p, ok := s.PercentMet()
	if den == 0 {
		if ok {
			t.Errorf("%s: percent met %v, want none (nothing decided)", what, p)
		}
		return
	}
	if want := 100 * float64(num) / float64(den); !ok || math.Abs(p-want) > 1e-9 {
		t.Errorf("%s: percent met %v (%v), want %d/%d = %v", what, p, ok, num, den, want)
	}
}

func TestCompliance_HolidayAndDSTWeeks(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		seedCompliance(t, f)
		c, err := report.BuildCompliance(context.Background(), st, f.pol, compFrom, compTo, compAt)
		if err != nil {
			t.Fatal(err)
		}
		if !c.From.Equal(compFrom) || !c.To.Equal(compTo) || !c.At.Equal(compAt) {
			t.Errorf("period %v – %v at %v", c.From, c.To, c.At)
		}

		// Per class, by hand from seedCompliance:
		//   availability: A1 met, A2 late, A3 met, A4 met, A5 open overdue,
		//     A6 met, A7 closed unanswered, A8 met → 8 received, 5 met, 1 late,
		//     1 open overdue, 1 closed; breached 2; 5/7 = 71.43 %.
		//     FRTs sorted: 2h, 2h, 2h30m, 2h30m, 3h, 4h15m (n = 6):
		//     median rank ⌈3⌉ = 3rd = 2h30m; p90 rank ⌈5.4⌉ = 6th = 4h15m.
		//   provisioning: P0 met, P1 met, P2 late, P3 met, P4 open overdue →
		//     5 received, 3 met, 1 late, 1 open overdue; breached 2; 3/5 = 60 %.
		//     FRTs 8h, 13h30m, 15h, 20h: median rank 2 = 13h30m; p90 rank
		//     ⌈3.6⌉ = 4 = 20h.
		//   other: O1 late, O2 met, O3 late, O4 pending → 4 received, 1 met,
		//     2 late, 1 pending; breached 2; 1/3 = 33.33 %.
		//     FRTs 20h, 40h, 40h30m: median rank ⌈1.5⌉ = 2 = 40h; p90 rank
		//     ⌈2.7⌉ = 3 = 40h30m.
		//   total: 17 received, 9 met, 4 late, 2 open overdue, 1 pending,
		//     1 closed; breached 6; 9/15 = 60 %. All 13 FRTs sorted:
		//     2h 2h 2h30m 2h30m 3h 4h15m 8h 13h30m 15h 20h 20h 40h 40h30m:
		//     median rank ⌈6.5⌉ = 7th = 8h; p90 rank ⌈11.7⌉ = 12th = 40h.
		want := []struct {
			class       string
			counts      [7]int
			met, denom  int
			median, p90 time.Duration
			objective   string
		}{
			{"availability", [7]int{8, 5, 1, 1, 0, 1, 2}, 5, 7, 2*h + 30*m, 4*h + 15*m, "first response within 3 business hours"},
			{"provisioning", [7]int{5, 3, 1, 1, 0, 0, 2}, 3, 5, 13*h + 30*m, 20 * h, "first response within 2 business days"},
			{"other", [7]int{4, 1, 2, 0, 1, 0, 2}, 1, 3, 40 * h, 40*h + 30*m, "first response within 5 business days"},
			{"total", [7]int{17, 9, 4, 2, 1, 1, 6}, 9, 15, 8 * h, 40 * h, ""},
		}
		got := append(append([]report.Stats{}, c.Classes...), c.Total)
		if len(got) != len(want) {
			t.Fatalf("%d class rows, want %d", len(got), len(want))
		}
		for i, w := range want {
			s := got[i]
			if s.Class != w.class || countsOf(s) != w.counts || s.Objective != w.objective {
				t.Errorf("%s: %s %v %q, want %v %q", w.class, s.Class, countsOf(s), s.Objective, w.counts, w.objective)
			}
			wantPercent(t, w.class, s, w.met, w.denom)
			if s.Median != w.median || s.P90 != w.p90 {
				t.Errorf("%s: median %v p90 %v, want %v %v", w.class, s.Median, s.P90, w.median, w.p90)
			}
		}

		// The first-response promises are the same tickets: each kept
		// promise a met ticket, each broken one a late ticket, A5 and P4
		// open overdue, O4 pending, and A7's promise cancelled (closed before
		// its deadline); times to keep are the first-response times. No
		// customer wrote again: no next-response promise was made. The
		// published policy makes no resolution promise, so that kind is
		// not in the report.
		if len(c.Kinds) != 2 || c.Kinds[0].Kind != sla.FirstResponse || c.Kinds[1].Kind != sla.NextResponse {
			t.Fatalf("kinds %+v", c.Kinds)
		}
		for i, w := range want {
			k := c.Kinds[0].Total
			if i < 3 {
				k = c.Kinds[0].Classes[i]
			}
			cancelled := 0
			if w.class == "availability" || w.class == "total" {
				cancelled = 1
			}
			got := [7]int{k.Made, k.Kept, k.Broken, k.OpenOverdue, k.Pending, k.Cancelled, k.Breached}
			wantK := [7]int{w.counts[0], w.counts[1], w.counts[2], w.counts[3], w.counts[4], cancelled, w.counts[6]}
			if k.Class != w.class || got != wantK || k.Median != w.median || k.P90 != w.p90 {
				t.Errorf("first-response promises, %s: %s %v median %v p90 %v, want %v %v %v", w.class, k.Class, got, k.Median, k.P90, wantK, w.median, w.p90)
			}
			if p, ok := k.PercentKept(); !ok || math.Abs(p-100*float64(w.met)/float64(w.denom)) > 1e-9 {
				t.Errorf("first-response promises, %s: kept %v%%, want %d/%d", w.class, p, w.met, w.denom)
			}
		}
		if nr := c.Kinds[1]; len(nr.Classes) != 3 || nr.Total.Made != 0 || nr.Classes[0].Objective != "within 3 business hours" {
			t.Errorf("next responses %+v", nr)
		}

		// Weekly buckets, Monday 00:00 New York time (met/breached per class):
		//   10-26: A1 met, A2 late; P0, P1 met; O1 late → A 1/1, P 2/0, O 0/1;
		//          total 5 received, 3 met, 2 breached (60 %).
		//   11-02: A3 met; P2 late → total 2, 1 met, 1 breached; other has
		//          nothing decided (no percentage).
		//   11-09: A4, O2 met → 2, 2, 0 (100 %).
		//   11-16: A5 open overdue; P3 met → 2, 1, 1.
		//   11-23: A6 met; O3 late; P4 open overdue → 3, 1, 2.
		//   11-30: A7 closed, A8 met, O4 pending → 3 received, 1 met, 0
		//          breached (100 %).
		weeks := []struct {
			start    time.Time
			hours    time.Duration // the week's real length
			received [4]int        // availability, provisioning, other, total
			met      [4]int
			breached [4]int
		}{
			{et(2026, 10, 26, 0, 0), 169 * h, [4]int{2, 2, 1, 5}, [4]int{1, 2, 0, 3}, [4]int{1, 0, 1, 2}},
			{et(2026, 11, 2, 0, 0), 168 * h, [4]int{1, 1, 0, 2}, [4]int{1, 0, 0, 1}, [4]int{0, 1, 0, 1}},
			{et(2026, 11, 9, 0, 0), 168 * h, [4]int{1, 0, 1, 2}, [4]int{1, 0, 1, 2}, [4]int{0, 0, 0, 0}},
			{et(2026, 11, 16, 0, 0), 168 * h, [4]int{1, 1, 0, 2}, [4]int{0, 1, 0, 1}, [4]int{1, 0, 0, 1}},
			{et(2026, 11, 23, 0, 0), 168 * h, [4]int{1, 1, 1, 3}, [4]int{1, 0, 0, 1}, [4]int{0, 1, 1, 2}},
			{et(2026, 11, 30, 0, 0), 168 * h, [4]int{2, 0, 1, 3}, [4]int{1, 0, 0, 1}, [4]int{0, 0, 0, 0}},
		}
		if len(c.Weeks) != len(weeks) {
			t.Fatalf("%d weeks, want %d", len(c.Weeks), len(weeks))
		}
		for i, w := range weeks {
			wk := c.Weeks[i]
			if !wk.Start.Equal(w.start) || wk.End.Sub(wk.Start) != w.hours {
				t.Errorf("week %d: %v – %v, want from %v, %v long", i, wk.Start, wk.End, w.start, w.hours)
			}
			all := append(append([]report.Stats{}, wk.Classes...), wk.Total)
			for j, s := range all {
				if s.Received != w.received[j] || s.Met != w.met[j] || s.Breached != w.breached[j] {
					t.Errorf("week of %s, %s: received %d met %d breached %d, want %d %d %d",
						w.start.Format("01-02"), s.Class, s.Received, s.Met, s.Breached, w.received[j], w.met[j], w.breached[j])
				}
				wantPercent(t, fmt.Sprintf("week of %s, %s", w.start.Format("01-02"), s.Class), s, w.met[j], w.met[j]+w.breached[j])
			}
		}

		t.Run("same_through_ParsePeriod_dates", func(t *testing.T) {
			// "2026-12-06" as the end means the end of that day: Mon 12-07 00:00.
			from, to, err := report.ParsePeriod("", "2026-10-26", "2026-12-06", compAt, ny)
			if err != nil || !from.Equal(compFrom) || !to.Equal(compTo) {
				t.Fatalf("ParsePeriod = %v, %v, %v", from, to, err)
			}
		})

		t.Run("csv", func(t *testing.T) {
			var b bytes.Buffer
			if err := c.WriteCSV(&b); err != nil {
				t.Fatal(err)
			}
			recs, err := csv.NewReader(&b).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			// The first fifteen columns are the ticket report's, as before;
			// the promise columns follow.
			if strings.Join(recs[0], ",") != "scope,class,start,end,received,met,late,open_overdue,pending,closed_unanswered,breached,percent_met,median_first_response_seconds,p90_first_response_seconds,objective,"+
				"kind,made,kept,broken,cancelled,percent_kept,median_time_to_keep_seconds,p90_time_to_keep_seconds" {
				t.Errorf("header %q", recs[0])
			}
			// Period rows, week rows, then per kind (first and next
			// response) three classes and the total.
			if len(recs) != 1+4+6*4+2*4 {
				t.Fatalf("%d records", len(recs))
			}
			// availability: median 2h30m = 9000 s, p90 4h15m = 15300 s.
			if got := strings.Join(recs[1], ","); got != "period,availability,2026-10-26T00:00:00-04:00,2026-12-07T00:00:00-05:00,8,5,1,1,0,1,2,71.43,9000,15300,first response within 3 business hours,,,,,,,," {
				t.Errorf("availability row %s", got)
			}
			// total: median 8h = 28800 s, p90 40h = 144000 s.
			if got := strings.Join(recs[4], ","); got != "period,total,2026-10-26T00:00:00-04:00,2026-12-07T00:00:00-05:00,17,9,4,2,1,1,6,60.00,28800,144000,,,,,,,,," {
				t.Errorf("total row %s", got)
			}
			// Week of 11-02, other: nothing received, no percentage.
			if got := strings.Join(recs[5+4+2], ","); got != "week,other,2026-11-02T00:00:00-05:00,2026-11-09T00:00:00-05:00,0,0,0,0,0,0,0,,,,,,,,,,,," {
				t.Errorf("week 2 other row %s", got)
			}
			// First-response promises, availability: 8 made, 5 kept, 1
			// broken, 1 open overdue, 1 cancelled; 5/7 kept.
			kinds := 1 + 4 + 6*4
			if got := strings.Join(recs[kinds], ","); got != "kind,availability,2026-10-26T00:00:00-04:00,2026-12-07T00:00:00-05:00,,,,1,0,,2,,,,within 3 business hours,first_response,8,5,1,1,71.43,9000,15300" {
				t.Errorf("first-response availability row %s", got)
			}
			// Next responses, total: none made, nothing decided.
			if got := strings.Join(recs[len(recs)-1], ","); got != "kind,total,2026-10-26T00:00:00-04:00,2026-12-07T00:00:00-05:00,,,,0,0,,0,,,,,next_response,0,0,0,0,,," {
				t.Errorf("next-response total row %s", got)
			}
		})

		t.Run("json", func(t *testing.T) {
			var b bytes.Buffer
			if err := c.WriteJSON(&b); err != nil {
				t.Fatal(err)
			}
			var doc struct {
				From, To, At     string
				PercentileMethod string `json:"percentile_method"`
				Classes          []map[string]any
				Total            map[string]any
				Weeks            []struct {
					Start   string
					Classes []map[string]any
					Total   map[string]any
				}
				Kinds []struct {
					Kind, Label string
					Classes     []map[string]any
					Total       map[string]any
				}
			}
			if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			if doc.From != "2026-10-26T00:00:00-04:00" || doc.To != "2026-12-07T00:00:00-05:00" || doc.PercentileMethod != "nearest-rank" {
				t.Errorf("doc %+v", doc)
			}
			a := doc.Classes[0]
			if a["percent_met"] != 71.43 || a["median_first_response_seconds"] != 9000.0 || a["p90_first_response_seconds"] != 15300.0 ||
				a["median_first_response"] != "2h 30m" || a["breached"] != 2.0 {
				t.Errorf("availability %v", a)
			}
			if doc.Total["percent_met"] != 60.0 || doc.Total["median_first_response"] != "1d 0h" {
				t.Errorf("total %v", doc.Total)
			}
			if o := doc.Weeks[1].Classes[2]; o["percent_met"] != nil || o["received"] != 0.0 {
				t.Errorf("week 2 other %v: want percent_met null", o)
			}
			if doc.Weeks[0].Start != "2026-10-26T00:00:00-04:00" || doc.Weeks[1].Start != "2026-11-02T00:00:00-05:00" {
				t.Errorf("week starts %s %s", doc.Weeks[0].Start, doc.Weeks[1].Start)
			}
			if len(doc.Kinds) != 2 || doc.Kinds[0].Kind != "first_response" || doc.Kinds[0].Label != "first response" || doc.Kinds[1].Kind != "next_response" {
				t.Fatalf("kinds %+v", doc.Kinds)
			}
			if k := doc.Kinds[0].Classes[0]; k["class"] != "availability" || k["made"] != 8.0 || k["kept"] != 5.0 || k["broken"] != 1.0 ||
				k["cancelled"] != 1.0 || k["breached"] != 2.0 || k["percent_kept"] != 71.43 || k["ended"] != 6.0 ||
				k["median_time_to_keep_seconds"] != 9000.0 || k["p90_time_to_keep"] != "4h 15m" || k["objective"] != "within 3 business hours" {
				t.Errorf("first-response availability %v", k)
			}
			if k := doc.Kinds[1].Total; k["made"] != 0.0 || k["percent_kept"] != nil || k["median_time_to_keep_seconds"] != nil {
				t.Errorf("next-response total %v: want nulls when nothing ended", k)
			}
		})

		t.Run("text", func(t *testing.T) {
			var b bytes.Buffer
			if err := c.WriteText(&b); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			for _, want := range []string{
				"tickets received Mon 2026-10-26 00:00 EDT – Mon 2026-12-07 00:00 EST",
				"71.4%", "33.3%", "60.0%", "2h 30m", "4h 15m", "5d 0h", // other's median: 40h = 5 business days
				"availability: first response within 3 business hours",
				"Mon 2026-11-02", "0/0 —", // week 2, other
				"Promises of a first response started in the period:", "Promises of a next response started in the period:",
				"within 3 business hours", "KEPT %",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("text lacks %q:\n%s", want, out)
				}
			}
		})
	})
}

func TestCompliance_Empty(t *testing.T) {
	pol := testPolicy(t)
	c, err := report.BuildCompliance(context.Background(), &fakeSource{}, pol, compFrom, compTo, compAt)
	if err != nil {
		t.Fatal(err)
	}
	if c.Total.Received != 0 || len(c.Weeks) != 6 {
		t.Fatalf("total %+v, %d weeks", c.Total, len(c.Weeks))
	}
	if _, ok := c.Total.PercentMet(); ok {
		t.Error("percent met of nothing")
	}
	var b bytes.Buffer
	if err := c.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"percent_met": null`) || !strings.Contains(b.String(), `"median_first_response_seconds": null`) || strings.Contains(b.String(), "NaN") {
		t.Errorf("JSON of an empty report:\n%s", b.String())
	}
	b.Reset()
	if err := c.WriteCSV(&b); err != nil || strings.Contains(b.String(), "NaN") {
		t.Errorf("CSV %v:\n%s", err, b.String())
	}
	// An empty period has no weeks.
	c, err = report.BuildCompliance(context.Background(), &fakeSource{}, pol, compFrom, compFrom, compAt)
	if err != nil || len(c.Weeks) != 0 {
		t.Fatalf("empty period: %v, %d weeks", err, len(c.Weeks))
	}
}

func TestCompliance_SourceErrorAndUnknownClass(t *testing.T) {
	pol := testPolicy(t)
	boom := errors.New("boom")
	if _, err := report.BuildCompliance(context.Background(), &fakeSource{err: boom}, pol, compFrom, compTo, compAt); !errors.Is(err, boom) {
		t.Fatalf("err %v", err)
	}
	src := &fakeSource{rows: []report.ResponseRow{
		{Class: "legacy", ReceivedAt: et(2026, 11, 2, 9, 0), DueAt: et(2026, 11, 2, 12, 0), FirstResponseAt: et(2026, 11, 2, 9, 45), Open: false},
		{Class: "availability", ReceivedAt: et(2026, 11, 2, 9, 0), DueAt: et(2026, 11, 2, 12, 0), Open: true},
	}}
	c, err := report.BuildCompliance(context.Background(), src, pol, compFrom, compTo, compAt)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Classes) != 4 || c.Classes[3].Class != "legacy" || c.Classes[3].Met != 1 || c.Classes[3].Median != 45*m ||
		c.Weeks[1].Classes[3].Met != 1 || len(c.Weeks[0].Classes) != 4 || c.Total.Received != 2 || c.Total.OpenOverdue != 1 {
		t.Fatalf("classes %+v total %+v", c.Classes, c.Total)
	}
}

func TestPercentileNearestRank(t *testing.T) {
	// Through the report: one class, answered after 1..n business minutes.
	pol := testPolicy(t)
	for _, tc := range []struct {
		n           int
		median, p90 time.Duration
	}{
		{1, 1 * m, 1 * m},
		{2, 1 * m, 2 * m},   // ⌈1⌉ = 1st; ⌈1.8⌉ = 2nd
		{10, 5 * m, 9 * m},  // ⌈5⌉ = 5th; ⌈9⌉ = 9th
		{11, 6 * m, 10 * m}, // ⌈5.5⌉ = 6th; ⌈9.9⌉ = 10th
		{20, 10 * m, 18 * m},
	} {
		var rows []report.ResponseRow
		for i := tc.n; i >= 1; i-- { // in reverse: the report sorts
			rec := et(2026, 11, 2, 9, 0)
			rows = append(rows, report.ResponseRow{Class: "other", ReceivedAt: rec, DueAt: et(2026, 11, 9, 9, 0), FirstResponseAt: rec.Add(time.Duration(i) * m)})
		}
		c, err := report.BuildCompliance(context.Background(), &fakeSource{rows: rows}, pol, compFrom, compTo, compAt)
		if err != nil {
			t.Fatal(err)
		}
		if s := c.Classes[2]; s.Median != tc.median || s.P90 != tc.p90 || c.Total.Median != tc.median {
			t.Errorf("n=%d: median %v p90 %v, want %v %v", tc.n, s.Median, s.P90, tc.median, tc.p90)
		}
	}
}

func TestParsePeriod(t *testing.T) {
	at := et(2026, 11, 30, 10, 0) // Monday, EST
	cases := []struct {
		name, period, from, to string
		wantFrom, wantTo       time.Time
	}{
		// 30 calendar days back on the wall clock: Sat 10-31 10:00 is still
		// EDT, so the period is 30 days and 1 hour of real time.
		{"default_is_last30", "", "", "", et(2026, 10, 31, 10, 0), at},
		{"last30", "last30", "", "", et(2026, 10, 31, 10, 0), at},
		{"last90", "LAST90", "", "", et(2026, 9, 1, 10, 0), at},
		{"week_is_last_7_days", "week", "", "", et(2026, 11, 23, 10, 0), at},
		{"month_so_far", "month", "", "", et(2026, 11, 1, 0, 0), at},
		{"dates_to_is_end_of_day", "", "2026-11-01", "2026-11-30", et(2026, 11, 1, 0, 0), et(2026, 12, 1, 0, 0)},
		{"from_only_runs_to_at", "", "2026-11-23", "", et(2026, 11, 23, 0, 0), at},
		{"rfc3339", "", "2026-11-02T09:00:00-05:00", "2026-11-03T14:00:00Z", et(2026, 11, 2, 9, 0), et(2026, 11, 3, 9, 0)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			from, to, err := report.ParsePeriod(tc.period, tc.from, tc.to, at, ny)
			if err != nil || !from.Equal(tc.wantFrom) || !to.Equal(tc.wantTo) {
				t.Errorf("= %v, %v, %v; want %v, %v", from, to, err, tc.wantFrom, tc.wantTo)
			}
		})
	}
	errs := []struct {
		name, period, from, to, param, says string
	}{
		{"unknown_name", "fortnight", "", "", "period", "last30, last90, week, month"},
		{"bad_from", "", "11/01/2026", "", "from", "YYYY-MM-DD"},
		{"bad_to", "", "2026-11-01", "tomorrow", "to", "RFC 3339"},
		{"to_before_from", "", "2026-11-10", "2026-11-01", "to", "the end, Sun Nov 1, 2026, is not after the start, Tue Nov 10, 2026"},
		{"equal_bounds_are_empty", "", "2026-11-10T10:00:00Z", "2026-11-10T10:00:00Z", "to", "is not after the start"},
		{"to_without_from", "", "", "2026-11-01", "from", "missing"},
		{"name_and_dates", "week", "2026-11-01", "", "period", "not both"},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := report.ParsePeriod(tc.period, tc.from, tc.to, at, ny)
			var pe *report.ParamError
			if !errors.As(err, &pe) || pe.Param != tc.param || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("err %v, want a %s error saying %q", err, tc.param, tc.says)
			}
		})
	}
	// PeriodMonth and PeriodLast directly.
	if f, to := report.PeriodMonth(et(2026, 3, 9, 10, 0)); !f.Equal(et(2026, 3, 1, 0, 0)) || !to.Equal(et(2026, 3, 9, 10, 0)) {
		t.Errorf("PeriodMonth = %v %v", f, to)
	}
	if f, _ := report.PeriodWeek(et(2026, 3, 9, 10, 0)); !f.Equal(et(2026, 3, 2, 10, 0)) { // across the spring-forward Sunday
		t.Errorf("PeriodWeek from %v", f)
	}
}
