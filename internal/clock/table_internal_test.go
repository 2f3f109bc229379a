package clock

import (
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"
)

// internalCalendars are calendars whose table is checked against the
// day-by-day rules: zones with DST at 02:00, at midnight and by half an hour,
// hours that include or touch the transition hours, and zones whose midnight
// a DST change skips or repeats.
func internalCalendars(t *testing.T) map[string]*Calendar {
	t.Helper()
	load := func(name string) *time.Location {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}
	all := [7]bool{true, true, true, true, true, true, true}
	opts := map[string]Options{
		"default":                 DefaultOptions(),
		"new_york_0000_0300":      {Location: load("America/New_York"), Open: 0, Close: 3 * time.Hour, Workdays: all, Holidays: HolidaysUSFederal},
		"new_york_0130_2400":      {Location: load("America/New_York"), Open: 90 * time.Minute, Close: 24 * time.Hour, Workdays: all, Holidays: HolidaysNone},
		"sao_paulo_24x7":          {Location: load("America/Sao_Paulo"), Open: 0, Close: 24 * time.Hour, Workdays: all, Holidays: HolidaysNone},
		"lord_howe_0200_0300":     {Location: load("Australia/Lord_Howe"), Open: 2 * time.Hour, Close: 3 * time.Hour, Workdays: all, Holidays: HolidaysNone},
		"kolkata_fixed_offset":    {Location: load("Asia/Kolkata"), Open: 9 * time.Hour, Close: 18 * time.Hour, Workdays: DefaultOptions().Workdays, Holidays: HolidaysUSFederal},
		"utc_saturday_only_night": {Location: time.UTC, Open: 22 * time.Hour, Close: 24 * time.Hour, Workdays: [7]bool{time.Saturday: true}, Holidays: HolidaysNone},
		"santiago_0000_2359":      {Location: load("America/Santiago"), Open: 0, Close: 23*time.Hour + 59*time.Minute, Workdays: all, Holidays: HolidaysNone},
		"havana_0000_0200":        {Location: load("America/Havana"), Open: 0, Close: 2 * time.Hour, Workdays: all, Holidays: HolidaysNone},
		"apia_0000_2359":          {Location: load("Pacific/Apia"), Open: 0, Close: 23*time.Hour + 59*time.Minute, Workdays: all, Holidays: HolidaysNone},
		"new_york_0130_0145":      {Location: load("America/New_York"), Open: 90 * time.Minute, Close: 105 * time.Minute, Workdays: all, Holidays: HolidaysNone},
	}
	cals := map[string]*Calendar{}
	for name, o := range opts {
		c, err := New(o)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		cals[name] = c
	}
	return cals
}

// TestWallSpansShortcut checks that the zone-period shortcut of wallSpans
// (plain arithmetic while the period lasts) gives exactly what asking the
// zone afresh gives, for every date of the table years.
func TestWallSpansShortcut(t *testing.T) {
	for name, c := range internalCalendars(t) {
		t.Run(name, func(t *testing.T) {
			fast := wallSpans{loc: c.loc}
			for n := tableFirstDay; n <= tableLastDay; n++ {
				slow := wallSpans{loc: c.loc}
				got := fast.appendDay(nil, n, c.open, c.close)
				want := slow.appendDay(nil, n, c.open, c.close)
				if !slices.EqualFunc(got, want, func(a, b Interval) bool { return a.Start.Equal(b.Start) && a.End.Equal(b.End) }) {
					y, m, d := n.date()
					t.Fatalf("%04d-%02d-%02d: shortcut gives %v, the zone gives %v", y, m, d, got, want)
				}
			}
		})
	}
}

// TestTableMatchesDayRules checks that the table holds exactly the open time
// of the day rules: every open date's intervals, put in time order, touching
// ones joined, clipped to the table's span — no instant twice, none lost.
func TestTableMatchesDayRules(t *testing.T) {
	for name, c := range internalCalendars(t) {
		t.Run(name, func(t *testing.T) {
			w := walker{c: c}
			var all []Interval
			for n := tableFirstDay - 3; n <= tableLastDay+3; n++ {
				if _, _, closed := w.closed(n); !closed {
					ws := wallSpans{loc: c.loc}
					all = ws.appendDay(all, n, c.open, c.close)
				}
			}
			slices.SortFunc(all, func(a, b Interval) int { return a.Start.Compare(b.Start) })
			from, to := midnightUTC(tableFirstDay).UnixNano(), midnightUTC(tableLastDay+1).UnixNano()
			var want []span
			for i, iv := range all {
				if i > 0 && iv.Start.Before(all[i-1].End) {
					t.Fatalf("the day rules give overlapping intervals %v and %v", all[i-1], iv)
				}
				o, e := max(iv.Start.UnixNano(), from), min(iv.End.UnixNano(), to)
				switch {
				case e <= o:
				case len(want) > 0 && want[len(want)-1].close == o:
					want[len(want)-1].close = e
				default:
					want = append(want, span{open: o, close: e})
				}
			}
			if len(want) != len(c.tab.iv) {
				t.Fatalf("table has %d intervals, day rules give %d", len(c.tab.iv), len(want))
			}
			var cum int64
			for i, s := range c.tab.iv {
				cum += want[i].close - want[i].open
				if s.open != want[i].open || s.close != want[i].close || s.cumEnd != cum {
					t.Fatalf("interval %d = [%s, %s) cum %d, day rules give [%s, %s) cum %d", i,
						time.Unix(0, s.open).In(c.loc), time.Unix(0, s.close).In(c.loc), s.cumEnd,
						time.Unix(0, want[i].open).In(c.loc), time.Unix(0, want[i].close).In(c.loc), cum)
				}
			}
		})
	}
}

// TestTableAgreesWithWalk checks the table's lookups against a binary search
// and against the slow day walk, at random instants and at every kind of
// boundary.
func TestTableAgreesWithWalk(t *testing.T) {
	for name, c := range internalCalendars(t) {
		t.Run(name, func(t *testing.T) {
			tab := &c.tab
			r := rand.New(rand.NewPCG(7, uint64(len(name))))
			var xs []int64
			for i := 0; i < 300; i++ {
				xs = append(xs, tab.loNs+r.Int64N(tab.hiNs-tab.loNs))
				s := tab.iv[r.IntN(len(tab.iv))]
				xs = append(xs, s.open, s.close-1, s.open-1)
				if s.close < tab.hiNs {
					xs = append(xs, s.close)
				}
			}
			for _, x := range xs {
				if x < tab.loNs || x >= tab.hiNs {
					continue
				}
				want := sort.Search(len(tab.iv), func(i int) bool { return tab.iv[i].close > x })
				if got := tab.find(x); got != want {
					t.Fatalf("find(%s) = %d, want %d", time.Unix(0, x).In(c.loc), got, want)
				}
				start := time.Unix(0, x)
				target := time.Duration(r.Int64N(int64(60 * time.Hour)))
				if r.IntN(3) == 0 {
					target = time.Duration(r.IntN(6)+1) * c.BusinessDay()
				}
				if target == 0 {
					continue
				}
				due, left := tab.due(x, int64(target))
				slow, slowLeft := c.walkDue(start, target, time.Time{})
				if left == 0 && (slowLeft != 0 || due != slow.UnixNano()) {
					t.Fatalf("table due(%s, %s) = %s, walk gives %s", start.In(c.loc), target, time.Unix(0, due).In(c.loc), slow)
				}
				to := start.Add(time.Duration(r.Int64N(int64(20 * 24 * time.Hour))))
				if to.Before(tab.hi) {
					fast := time.Duration(tab.cumAt(to.UnixNano()) - tab.cumAt(x))
					if slow := c.walkElapsed(start, to); fast != slow {
						t.Fatalf("table elapsed(%s, %s) = %s, walk gives %s", start.In(c.loc), to.In(c.loc), fast, slow)
					}
				}
			}
		})
	}
}
