package clock

import (
	"math/rand/v2"
	"sort"
	"testing"
	"time"
)

// internalCalendars are calendars whose table is checked against the
// day-by-day rules: zones with DST at 02:00, at midnight and by half an hour,
// and hours that include or touch the transition hours.
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

// TestTableMatchesDayRules checks that the fast table (built with the
// zoneCursor shortcut) holds exactly the intervals walker.window gives for
// every date of the table years.
func TestTableMatchesDayRules(t *testing.T) {
	for name, c := range internalCalendars(t) {
		t.Run(name, func(t *testing.T) {
			w := walker{c: c}
			var want []span
			for n := tableFirstDay; n <= tableLastDay; n++ {
				if o, e, ok := w.window(n); ok {
					want = append(want, span{open: o.UnixNano(), close: e.UnixNano()})
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
				if i > 0 && s.open < c.tab.iv[i-1].close {
					t.Fatalf("interval %d overlaps the one before", i)
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
