package clock_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/clock"
)

// propCase is a calendar plus the span in which random receipts fall.
type propCase struct {
	name     string
	opts     clock.Options
	from, to time.Time
	n        int // random inputs per run (divided under -short and -race)
}

func mustLoad(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatalf("tz database: %v", err)
	}
	return loc
}

func weekdays(days ...time.Weekday) (w [7]bool) {
	for _, d := range days {
		w[d] = true
	}
	return w
}

var everyDay = weekdays(time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday)

func propCases(tb testing.TB) []propCase {
	def := clock.DefaultOptions()
	ny := def.Location
	london, kolkata := mustLoad(tb, "Europe/London"), mustLoad(tb, "Asia/Kolkata")
	lordHowe, saoPaulo := mustLoad(tb, "Australia/Lord_Howe"), mustLoad(tb, "America/Sao_Paulo")
	santiago, havana, apia := mustLoad(tb, "America/Santiago"), mustLoad(tb, "America/Havana"), mustLoad(tb, "Pacific/Apia")
	synthetic := backAcrossMidnight(tb)
	d := func(loc *time.Location, y int, m time.Month, day int) time.Time {
		return time.Date(y, m, day, 0, 0, 0, 0, loc)
	}
	return []propCase{
		{"default_2024_to_2028", def, d(ny, 2024, 1, 1), d(ny, 2029, 1, 1), 400},
		{"default_around_table_start_1990", def, d(ny, 1989, 11, 1), d(ny, 1990, 2, 1), 100},
		{"default_around_table_end_2100", def, d(ny, 2100, 11, 1), d(ny, 2101, 2, 1), 100},
		{"default_1985_before_table", def, d(ny, 1984, 12, 1), d(ny, 1985, 2, 1), 50},
		{"default_2150_after_table", def, d(ny, 2150, 12, 1), d(ny, 2151, 2, 1), 50},
		{"london_mon_sat_0830_1800_closures", clock.Options{
			Location: london, Open: 8*time.Hour + 30*time.Minute, Close: 18 * time.Hour,
			Workdays: weekdays(time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday),
			Holidays: clock.HolidaysNone,
			Closures: []clock.Closure{{Year: 2025, Month: time.March, Day: 31, Name: "After the clocks"}, {Year: 2025, Month: time.October, Day: 27}},
		}, d(london, 2025, 3, 1), d(london, 2025, 11, 30), 100},
		{"kolkata_sun_thu_all_day_us_federal", clock.Options{
			Location: kolkata, Open: 0, Close: 24 * time.Hour,
			Workdays: weekdays(time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday),
			Holidays: clock.HolidaysUSFederal,
		}, d(kolkata, 2027, 1, 1), d(kolkata, 2028, 1, 10), 100},
		{"lord_howe_half_hour_dst_0700_2330", clock.Options{
			Location: lordHowe, Open: 7 * time.Hour, Close: 23*time.Hour + 30*time.Minute,
			Workdays: weekdays(time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday),
			Holidays: clock.HolidaysNone,
		}, d(lordHowe, 2025, 1, 1), d(lordHowe, 2026, 12, 31), 100},
		{"sao_paulo_midnight_dst_24x7", clock.Options{
			Location: saoPaulo, Open: 0, Close: 24 * time.Hour, Workdays: everyDay, Holidays: clock.HolidaysNone,
		}, d(saoPaulo, 2015, 1, 1), d(saoPaulo, 2019, 12, 31), 100},
		{"new_york_0000_0300_spans_dst_hour", clock.Options{
			Location: ny, Open: 0, Close: 3 * time.Hour, Workdays: everyDay, Holidays: clock.HolidaysUSFederal,
		}, d(ny, 2026, 3, 1), d(ny, 2026, 11, 10), 100},
		// Zones whose midnight a DST change skips, and the example:
		// Santiago, open every day 00:00–23:59.
		{"santiago_every_day_0000_2359_skipped_midnight", clock.Options{
			Location: santiago, Open: 0, Close: 23*time.Hour + 59*time.Minute, Workdays: everyDay, Holidays: clock.HolidaysNone,
		}, d(santiago, 2025, 1, 1), d(santiago, 2027, 12, 31), 80},
		{"santiago_mon_sat_0000_1200_us_federal", clock.Options{
			Location: santiago, Open: 0, Close: 12 * time.Hour,
			Workdays: weekdays(time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday),
			Holidays: clock.HolidaysUSFederal,
		}, d(santiago, 2019, 1, 1), d(santiago, 2022, 12, 31), 60},
		{"santiago_weekdays_0900_1800", clock.Options{
			Location: santiago, Open: 9 * time.Hour, Close: 18 * time.Hour, Workdays: def.Workdays, Holidays: clock.HolidaysNone,
		}, d(santiago, 2025, 1, 1), d(santiago, 2027, 12, 31), 60},
		{"havana_every_day_0000_2359_skipped_and_repeated_midnight", clock.Options{
			Location: havana, Open: 0, Close: 23*time.Hour + 59*time.Minute, Workdays: everyDay, Holidays: clock.HolidaysNone,
		}, d(havana, 2024, 1, 1), d(havana, 2026, 12, 31), 80},
		{"havana_every_day_0030_0200_opening_repeated", clock.Options{
			Location: havana, Open: 30 * time.Minute, Close: 2 * time.Hour, Workdays: everyDay, Holidays: clock.HolidaysNone,
		}, d(havana, 2024, 1, 1), d(havana, 2026, 12, 31), 60},
		{"apia_every_day_0000_2359_skipped_midnight_and_date", clock.Options{
			Location: apia, Open: 0, Close: 23*time.Hour + 59*time.Minute, Workdays: everyDay, Holidays: clock.HolidaysNone,
		}, d(apia, 2010, 6, 1), d(apia, 2012, 12, 31), 80},
		{"apia_weekdays_0800_1700", clock.Options{
			Location: apia, Open: 8 * time.Hour, Close: 17 * time.Hour, Workdays: def.Workdays, Holidays: clock.HolidaysNone,
		}, d(apia, 2010, 6, 1), d(apia, 2012, 12, 31), 60},
		{"lord_howe_every_day_0000_2359_half_hour_dst", clock.Options{
			Location: lordHowe, Open: 0, Close: 23*time.Hour + 59*time.Minute, Workdays: everyDay, Holidays: clock.HolidaysNone,
		}, d(lordHowe, 2025, 1, 1), d(lordHowe, 2027, 12, 31), 80},
		{"lord_howe_every_day_0145_0215_inside_the_changes", clock.Options{
			Location: lordHowe, Open: 105 * time.Minute, Close: 135 * time.Minute, Workdays: everyDay, Holidays: clock.HolidaysNone,
		}, d(lordHowe, 2025, 1, 1), d(lordHowe, 2027, 12, 31), 60},
		{"new_york_every_day_0130_0145_opening_repeated", clock.Options{
			Location: ny, Open: 90 * time.Minute, Close: 105 * time.Minute, Workdays: everyDay, Holidays: clock.HolidaysNone,
		}, d(ny, 2025, 1, 1), d(ny, 2027, 12, 31), 60},
		{"synthetic_back_across_midnight_every_day_0000_2359", clock.Options{
			Location: synthetic, Open: 0, Close: 23*time.Hour + 59*time.Minute, Workdays: everyDay, Holidays: clock.HolidaysNone,
		}, d(synthetic, 2025, 1, 1), d(synthetic, 2027, 12, 31), 80},
		{"synthetic_back_across_midnight_wed_thu_0010_2350", clock.Options{
			Location: synthetic, Open: 10 * time.Minute, Close: 23*time.Hour + 50*time.Minute,
			Workdays: weekdays(time.Wednesday, time.Thursday), Holidays: clock.HolidaysNone,
		}, d(synthetic, 2025, 1, 1), d(synthetic, 2027, 12, 31), 60},
	}
}

// transitions lists the instants in [from, to) at which loc changes its UTC
// offset (or its zone name).
func transitions(loc *time.Location, from, to time.Time) []time.Time {
	var out []time.Time
	for t := from.In(loc); ; {
		_, end := t.ZoneBounds()
		if end.IsZero() || !end.After(t) || !end.Before(to) {
			return out
		}
		out = append(out, end)
		t = end
	}
}

// randMinute returns a whole-minute instant in [from, to).
func randMinute(r *rand.Rand, from, to time.Time) time.Time {
	span := int64(to.Sub(from) / time.Minute)
	return from.Add(time.Duration(r.Int64N(span)) * time.Minute)
}

// checkAgainstRef compares Due, Elapsed, Remaining, IsOpen and NextOpen with
// the reference for whole-minute inputs, and checks Due's defining
// properties: Elapsed(start, due) == target, and one nanosecond earlier the
// target is not yet used up.
func checkAgainstRef(t *testing.T, c *clock.Calendar, ref *refCal, start time.Time, target time.Duration, to time.Time) {
	t.Helper()
	const limit = 60 * 24 * 60 // minutes
	due := c.Due(start, target)
	if due.Before(start) {
		t.Fatalf("Due(%s, %s) = %s is before its start", start, target, due)
	}
	if want := ref.due(start, target, nil, limit); !due.Equal(want) {
		t.Fatalf("Due(%s, %s) = %s, reference says %s", start, target, due, want)
	}
	if due.Location() != c.Location() {
		t.Fatalf("Due(%s, %s) answered in %s, want %s", start, target, due.Location(), c.Location())
	}
	if target > 0 {
		if got := c.Elapsed(start, due); got != target {
			t.Fatalf("Elapsed(%s, Due = %s) = %s, want the target %s", start, due, got, target)
		}
		if got := c.Elapsed(start, due.Add(-1)); got != target-1 {
			t.Fatalf("Elapsed(%s, Due−1ns = %s) = %s, want %s: Due is not the earliest instant", start, due.Add(-1), got, target-1)
		}
	}
	want := ref.elapsed(start, to, nil)
	if got := c.Elapsed(start, to); got != want {
		t.Fatalf("Elapsed(%s, %s) = %s, reference says %s", start, to, got, want)
	}
	if got := c.Remaining(start, to); got != want {
		t.Fatalf("Remaining(%s, %s) = %s, want %s", start, to, got, want)
	}
	if got := c.Remaining(to, start); got != -want {
		t.Fatalf("Remaining(%s, %s) = %s, want %s", to, start, got, -want)
	}
	if got, want := c.IsOpen(start), ref.openAt(start); got != want {
		t.Fatalf("IsOpen(%s) = %v, reference says %v", start, got, want)
	}
	next := start
	for !ref.openAt(next) {
		next = next.Add(time.Minute)
	}
	if got := c.NextOpen(start); !got.Equal(next) {
		t.Fatalf("NextOpen(%s) = %s, reference says %s", start, got, next)
	}
}

// checkExplain checks that Explain lists exactly the open time Due used: its
// segments are disjoint, in order, wholly open, with no open time between
// them; the first begins at start or the next opening, the last ends at Due,
// and their lengths add up to the target.
func checkExplain(t *testing.T, c *clock.Calendar, start time.Time, target time.Duration) {
	t.Helper()
	ex := c.Explain(start, target)
	due := c.Due(start, target)
	if !ex.Due.Equal(due) || !ex.Start.Equal(start) {
		t.Fatalf("Explain(%s, %s) = start %s due %s, want %s and Due's %s", start, target, ex.Start, ex.Due, start, due)
	}
	if target <= 0 {
		if len(ex.Segments) != 0 || len(ex.Skipped) != 0 {
			t.Fatalf("Explain(%s, %s) lists %v and %v for no target", start, target, ex.Segments, ex.Skipped)
		}
		return
	}
	if len(ex.Segments) == 0 {
		t.Fatalf("Explain(%s, %s) lists no segments", start, target)
	}
	var sum time.Duration
	prev := start
	for i, s := range ex.Segments {
		if !s.End.After(s.Start) || s.Start.Before(prev) {
			t.Fatalf("Explain(%s, %s) segment %d %v is empty or out of order: %v", start, target, i, s, ex.Segments)
		}
		if got := c.Elapsed(s.Start, s.End); got != s.End.Sub(s.Start) {
			t.Fatalf("Explain(%s, %s) segment %d %v holds only %s of open time", start, target, i, s, got)
		}
		if gap := c.Elapsed(prev, s.Start); gap != 0 {
			t.Fatalf("Explain(%s, %s) leaves out %s of open time before segment %d %v", start, target, gap, i, s)
		}
		sum += s.End.Sub(s.Start)
		prev = s.End
	}
	if first := ex.Segments[0].Start; !first.Equal(c.NextOpen(start)) {
		t.Fatalf("Explain(%s, %s) begins at %s, the clock starts at %s", start, target, first, c.NextOpen(start))
	}
	if sum != target || !prev.Equal(due) {
		t.Fatalf("Explain(%s, %s): segments add up to %s and end at %s, want %s ending at Due %s", start, target, sum, prev, target, due)
	}
}

// checkPauses compares DueWithPauses and ElapsedWithPauses with the reference.
func checkPauses(t *testing.T, c *clock.Calendar, ref *refCal, start time.Time, target time.Duration, to time.Time, pauses []clock.Interval) {
	t.Helper()
	const limit = 40 * 24 * 60
	got := c.DueWithPauses(start, target, pauses)
	want := ref.due(start, target, pauses, limit)
	if want.IsZero() && !got.IsZero() && got.Sub(start) < (limit-1)*time.Minute {
		t.Fatalf("DueWithPauses(%s, %s, %v) = %s, reference never due", start, target, pauses, got)
	}
	if !want.IsZero() && !got.Equal(want) {
		t.Fatalf("DueWithPauses(%s, %s, %v) = %s, reference says %s", start, target, pauses, got, want)
	}
	if e, w := c.ElapsedWithPauses(start, to, pauses), ref.elapsed(start, to, pauses); e != w {
		t.Fatalf("ElapsedWithPauses(%s, %s, %v) = %s, reference says %s", start, to, pauses, e, w)
	}
}

// randTarget picks a whole-minute target of up to five business days, often
// a round one.
func randTarget(r *rand.Rand, day time.Duration) time.Duration {
	switch r.IntN(4) {
	case 0:
		return time.Duration(r.IntN(5)+1) * day
	case 1:
		return time.Duration(r.IntN(8)+1) * time.Hour
	default:
		return time.Duration(r.Int64N(int64(5*day/time.Minute))+1) * time.Minute
	}
}

func randPauses(r *rand.Rand, start time.Time) []clock.Interval {
	ps := make([]clock.Interval, r.IntN(4))
	for i := range ps {
		s := start.Add(time.Duration(r.IntN(6*24*60)-24*60) * time.Minute)
		ps[i] = clock.Interval{Start: s, End: s.Add(time.Duration(r.IntN(3*24*60)) * time.Minute)}
		if r.IntN(10) == 0 {
			ps[i].End = time.Time{} // still paused
		}
	}
	return ps
}

// TestDueProperties is the deterministic property test: random whole-minute
// inputs on several calendars, checked against the minute-by-minute
// reference.
func TestDueProperties(t *testing.T) {
	for _, pc := range propCases(t) {
		t.Run(pc.name, func(t *testing.T) {
			t.Parallel()
			c, err := clock.New(pc.opts)
			if err != nil {
				t.Fatal(err)
			}
			ref := newRef(pc.opts)
			r := rand.New(rand.NewPCG(uint64(len(pc.name)), 2026))
			n := pc.n
			if testing.Short() || raceEnabled {
				n = max(n/10, 5)
			}
			// Half the receipts fall in the three days before a DST change.
			changes := transitions(pc.opts.Location, pc.from, pc.to)
			for i := 0; i < n; i++ {
				start := randMinute(r, pc.from, pc.to)
				if len(changes) > 0 && i%2 == 1 {
					ch := changes[r.IntN(len(changes))]
					start = randMinute(r, ch.Add(-3*24*time.Hour), ch.Add(time.Hour))
				}
				target := randTarget(r, c.BusinessDay())
				to := start.Add(time.Duration(r.IntN(10*24*60)) * time.Minute)
				checkAgainstRef(t, c, ref, start, target, to)
				checkExplain(t, c, start, target)
				if i%4 == 0 {
					checkPauses(t, c, ref, start, target, to, randPauses(r, start))
				}
				// Off the minute grid only the defining properties are checked.
				odd := start.Add(time.Duration(r.Int64N(int64(time.Minute))))
				due := c.Due(odd, target)
				if due.Before(odd) || c.Elapsed(odd, due) != target || c.Elapsed(odd, due.Add(-1)) != target-1 {
					t.Fatalf("Due(%s, %s) = %s does not use up exactly the target", odd, target, due)
				}
				if i%8 == 0 {
					checkExplain(t, c, odd, target)
					checkExplain(t, c, odd, 0)
				}
			}
		})
	}
}

// FuzzDue checks the default calendar against the reference. Run it for
// longer with: go test -run XXX -fuzz FuzzDue ./internal/clock/
func FuzzDue(f *testing.F) {
	f.Add(int64(0), uint16(180), uint32(0), uint64(0))
	f.Add(int64(1_310_000), uint16(480), uint32(9000), uint64(59_999_999))
	f.Add(int64(-5), uint16(2400), uint32(14_400), uint64(1))
	f.Add(int64(1_000_000), uint16(960), uint32(20_000), uint64(30_000_000_000))
	c := clock.Default()
	ny := c.Location()
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, ny)
	const span = 5 * 366 * 24 * 60 // minutes: 2024–2028
	f.Fuzz(func(t *testing.T, startMin int64, targetMin uint16, spanMin uint32, subNs uint64) {
		ref := newRef(clock.DefaultOptions())
		start := base.Add(time.Duration(((startMin%span)+span)%span) * time.Minute)
		target := time.Duration(targetMin%2401) * time.Minute
		to := start.Add(time.Duration(spanMin%(20*24*60)) * time.Minute)
		checkAgainstRef(t, c, ref, start, target, to)
		odd := start.Add(time.Duration(subNs % uint64(time.Minute)))
		due := c.Due(odd, target)
		if target > 0 && (c.Elapsed(odd, due) != target || c.Elapsed(odd, due.Add(-1)) != target-1) {
			t.Fatalf("Due(%s, %s) = %s does not use up exactly the target", odd, target, due)
		}
	})
}
