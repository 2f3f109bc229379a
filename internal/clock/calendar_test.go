package clock_test

import (
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/clock"
)

func TestNewValidates(t *testing.T) {
	ok := clock.DefaultOptions()
	tests := []struct {
		name    string
		edit    func(o *clock.Options)
		wantErr string // "" means valid
	}{
		{"default_is_valid", func(o *clock.Options) {}, ""},
		{"all_day_every_day_is_valid", func(o *clock.Options) { o.Open, o.Close, o.Workdays = 0, 24*time.Hour, everyDay }, ""},
		{"no_holidays_is_valid", func(o *clock.Options) { o.Holidays = clock.HolidaysNone }, ""},
		{"nil_location", func(o *clock.Options) { o.Location = nil }, "time zone"},
		{"negative_open", func(o *clock.Options) { o.Open = -time.Hour }, "opening time -01:00"},
		{"open_at_24:00", func(o *clock.Options) { o.Open, o.Close = 24*time.Hour, 24*time.Hour }, "opening time 24:00"},
		{"close_after_24:00", func(o *clock.Options) { o.Close = 25 * time.Hour }, "closing time 25:00"},
		{"close_before_open", func(o *clock.Options) { o.Open, o.Close = 17*time.Hour, 9*time.Hour }, "closing time 09:00 is not after opening time 17:00"},
		{"close_equals_open", func(o *clock.Options) { o.Close = o.Open }, "not after opening time"},
		{"no_workdays", func(o *clock.Options) { o.Workdays = [7]bool{} }, "no workdays"},
		{"empty_holiday_rules", func(o *clock.Options) { o.Holidays = "" }, `unknown holiday rules ""`},
		{"unknown_holiday_rules", func(o *clock.Options) { o.Holidays = "uk-bank" }, `unknown holiday rules "uk-bank" (want "us-federal" or "none")`},
		{"closure_not_a_date", func(o *clock.Options) { o.Closures = []clock.Closure{{Year: 2026, Month: time.February, Day: 30}} }, "closure 2026-02-30 is not a real date"},
		{"closure_twice_with_two_names", func(o *clock.Options) {
			o.Closures = []clock.Closure{{Year: 2026, Month: time.December, Day: 24, Name: "Christmas Eve"}, {Year: 2026, Month: time.December, Day: 24, Name: "Snow day"}}
		}, `closure 2026-12-24 is listed twice with different names, "Christmas Eve" and "Snow day"`},
		{"closure_twice_named_and_unnamed", func(o *clock.Options) {
			o.Closures = []clock.Closure{{Year: 2026, Month: time.December, Day: 24, Name: "Christmas Eve"}, {Year: 2026, Month: time.December, Day: 24}}
		}, `"Christmas Eve" and "Closure"`},
		{"closure_twice_with_one_name_is_valid", func(o *clock.Options) {
			o.Closures = []clock.Closure{{Year: 2026, Month: time.December, Day: 24, Name: "Christmas Eve"}, {Year: 2026, Month: time.December, Day: 24, Name: "Christmas Eve"}}
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := ok
			tt.edit(&o)
			c, err := clock.New(o)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tt.wantErr == "" && c == nil:
				t.Fatal("New returned a nil Calendar")
			case tt.wantErr != "" && err == nil:
				t.Fatalf("New accepted invalid options, want an error containing %q", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("New error %q does not mention %q", err, tt.wantErr)
			}
		})
	}
}

func TestNewCopiesClosures(t *testing.T) {
	o := clock.DefaultOptions()
	o.Closures = []clock.Closure{{Year: 2026, Month: time.March, Day: 11}}
	c, err := clock.New(o)
	if err != nil {
		t.Fatal(err)
	}
	o.Closures[0].Day = 12 // the Calendar must not see this
	if _, closed := c.ClosedDayInfo(at(2026, 3, 11, 12, 0, 0)); !closed {
		t.Error("closure on 11 March lost after the caller edited its slice")
	}
	if _, closed := c.ClosedDayInfo(at(2026, 3, 12, 12, 0, 0)); closed {
		t.Error("caller's later edit leaked into the Calendar")
	}
}

func TestDefault(t *testing.T) {
	c := clock.Default()
	if got := c.Location().String(); got != "America/New_York" {
		t.Errorf("Location = %s, want America/New_York", got)
	}
	if got := c.BusinessDay(); got != 8*time.Hour {
		t.Errorf("BusinessDay = %s, want 8h", got)
	}
}

func TestRange(t *testing.T) {
	c := clock.Default()
	first, end := c.Range()
	if want := at(1990, 1, 1, 0, 0, 0); !first.Equal(want) || first.Location() != c.Location() {
		t.Errorf("first = %v, want %v", first, want)
	}
	if want := at(2101, 1, 1, 0, 0, 0); !end.Equal(want) {
		t.Errorf("end = %v, want %v", end, want)
	}
}

func TestIsOpenAndNextOpen(t *testing.T) {
	c := clock.Default()
	tests := []struct {
		name string
		t    time.Time
		open bool
		next time.Time
	}{
		{"08:59:59_closed", at(2026, 3, 10, 8, 59, 59), false, at(2026, 3, 10, 9, 0, 0)},
		{"09:00_open", at(2026, 3, 10, 9, 0, 0), true, at(2026, 3, 10, 9, 0, 0)},
		{"16:59:59.999999999_open", at(2026, 3, 10, 16, 59, 59).Add(time.Second - 1), true, at(2026, 3, 10, 16, 59, 59).Add(time.Second - 1)},
		{"17:00_closed", at(2026, 3, 10, 17, 0, 0), false, at(2026, 3, 11, 9, 0, 0)},
		{"midnight_closed", at(2026, 3, 11, 0, 0, 0), false, at(2026, 3, 11, 9, 0, 0)},
		{"friday_17:00_before_july_3_observed", at(2026, 7, 2, 17, 0, 0), false, at(2026, 7, 6, 9, 0, 0)},
		{"saturday_noon", at(2026, 3, 14, 12, 0, 0), false, at(2026, 3, 16, 9, 0, 0)},
		{"utc_input_answered_in_new_york", time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC), true, at(2026, 3, 10, 10, 0, 0)},
		{"spring_forward_sunday", at(2026, 3, 8, 3, 30, 0), false, at(2026, 3, 9, 9, 0, 0)},
		{"fall_back_monday_09:00_est", at(2026, 11, 2, 9, 0, 0), true, at(2026, 11, 2, 9, 0, 0)},
		{"before_table_1980_closed", at(1980, 1, 1, 12, 0, 0), false, at(1980, 1, 2, 9, 0, 0)},
		{"before_table_1980_open", at(1980, 1, 2, 12, 0, 0), true, at(1980, 1, 2, 12, 0, 0)},
		{"last_table_closing_2100", at(2100, 12, 30, 17, 0, 0), false, at(2101, 1, 3, 9, 0, 0)},
		{"after_table_2150", at(2150, 11, 26, 12, 0, 0), false, at(2150, 11, 27, 9, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.IsOpen(tt.t); got != tt.open {
				t.Errorf("IsOpen(%s) = %v, want %v", tt.t, got, tt.open)
			}
			assertInstant(t, "NextOpen", c.NextOpen(tt.t), tt.next)
		})
	}
}

func TestExplain(t *testing.T) {
	c := clock.Default()
	t.Run("spec_example_july_3_observed", func(t *testing.T) {
		start := time.Date(2026, 7, 2, 20, 0, 0, 0, time.UTC) // 16:00 EDT
		ex := c.Explain(start, 3*time.Hour)
		assertInstant(t, "Start", ex.Start, at(2026, 7, 2, 16, 0, 0))
		assertInstant(t, "Due", ex.Due, at(2026, 7, 6, 11, 0, 0))
		wantSeg := []clock.Interval{
			{Start: at(2026, 7, 2, 16, 0, 0), End: at(2026, 7, 2, 17, 0, 0)},
			{Start: at(2026, 7, 6, 9, 0, 0), End: at(2026, 7, 6, 11, 0, 0)},
		}
		if len(ex.Segments) != len(wantSeg) {
			t.Fatalf("Segments = %v, want %v", ex.Segments, wantSeg)
		}
		for i, s := range wantSeg {
			assertInstant(t, "Segment start", ex.Segments[i].Start, s.Start)
			assertInstant(t, "Segment end", ex.Segments[i].End, s.End)
		}
		wantSkip := []clock.ClosedDay{
			{Date: at(2026, 7, 3, 0, 0, 0), Kind: clock.KindHoliday, Name: "Independence Day (observed)"},
			{Date: at(2026, 7, 4, 0, 0, 0), Kind: clock.KindWeekend, Name: "Saturday"},
			{Date: at(2026, 7, 5, 0, 0, 0), Kind: clock.KindWeekend, Name: "Sunday"},
		}
		if len(ex.Skipped) != len(wantSkip) {
			t.Fatalf("Skipped = %v, want %v", ex.Skipped, wantSkip)
		}
		for i, d := range wantSkip {
			if got := ex.Skipped[i]; !got.Date.Equal(d.Date) || got.Kind != d.Kind || got.Name != d.Name {
				t.Errorf("Skipped[%d] = %+v, want %+v", i, got, d)
			}
		}
	})
	t.Run("segments_add_up_to_target", func(t *testing.T) {
		for _, start := range []time.Time{at(2027, 12, 23, 12, 0, 0), at(2026, 3, 6, 15, 0, 0), at(1989, 12, 27, 12, 0, 0), at(2026, 3, 14, 10, 0, 0)} {
			ex := c.Explain(start, 40*time.Hour)
			var sum time.Duration
			for _, s := range ex.Segments {
				sum += s.End.Sub(s.Start)
			}
			if sum != 40*time.Hour || !ex.Due.Equal(c.Due(start, 40*time.Hour)) {
				t.Errorf("Explain(%s, 40h): segments sum to %s, due %s", start, sum, ex.Due)
			}
		}
	})
	t.Run("santiago_skipped_midnight_issue_example", func(t *testing.T) {
		// Open every day 00:00–23:59; 6 September 2026 has no midnight. The
		// old answer was 23:29:00-04:00, before the receipt, with no segments.
		santiago := mustLoad(t, "America/Santiago")
		c, err := clock.New(clock.Options{Location: santiago, Open: 0, Close: 23*time.Hour + 59*time.Minute,
			Workdays: everyDay, Holidays: clock.HolidaysNone})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Date(2026, 9, 5, 23, 58, 0, 0, santiago)
		ex := c.Explain(start, 30*time.Minute)
		want := []clock.Interval{
			{Start: start, End: time.Date(2026, 9, 5, 23, 59, 0, 0, santiago)},
			{Start: time.Date(2026, 9, 6, 1, 0, 0, 0, santiago), End: time.Date(2026, 9, 6, 1, 29, 0, 0, santiago)},
		}
		if len(ex.Segments) != len(want) || !ex.Due.Equal(want[1].End) || len(ex.Skipped) != 0 {
			t.Fatalf("Explain = segments %v skipped %v due %s, want %v, none skipped, due %s", ex.Segments, ex.Skipped, ex.Due, want, want[1].End)
		}
		for i, s := range want {
			if !ex.Segments[i].Start.Equal(s.Start) || !ex.Segments[i].End.Equal(s.End) {
				t.Errorf("segment %d = %v, want %v", i, ex.Segments[i], s)
			}
		}
	})
	t.Run("zero_target_consumes_and_skips_nothing", func(t *testing.T) {
		ex := c.Explain(at(2026, 3, 14, 10, 0, 0), 0)
		if len(ex.Segments) != 0 || len(ex.Skipped) != 0 || !ex.Due.Equal(ex.Start) {
			t.Errorf("Explain(saturday, 0) = %+v", ex)
		}
	})
}
