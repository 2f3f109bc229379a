package clock_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/clock"
)

// federal lists every US federal holiday of 2024–2029 on the weekday it is
// observed (as published by OPM), with the name ClosedDayInfo gives it.
var federal = map[int][]struct {
	month time.Month
	day   int
	name  string
}{
	2024: {{1, 1, "New Year's Day"}, {1, 15, "Martin Luther King Jr. Day"}, {2, 19, "Washington's Birthday"}, {5, 27, "Memorial Day"}, {6, 19, "Juneteenth"}, {7, 4, "Independence Day"}, {9, 2, "Labor Day"}, {10, 14, "Columbus Day"}, {11, 11, "Veterans Day"}, {11, 28, "Thanksgiving Day"}, {12, 25, "Christmas Day"}},
	2025: {{1, 1, "New Year's Day"}, {1, 20, "Martin Luther King Jr. Day"}, {2, 17, "Washington's Birthday"}, {5, 26, "Memorial Day"}, {6, 19, "Juneteenth"}, {7, 4, "Independence Day"}, {9, 1, "Labor Day"}, {10, 13, "Columbus Day"}, {11, 11, "Veterans Day"}, {11, 27, "Thanksgiving Day"}, {12, 25, "Christmas Day"}},
	2026: {{1, 1, "New Year's Day"}, {1, 19, "Martin Luther King Jr. Day"}, {2, 16, "Washington's Birthday"}, {5, 25, "Memorial Day"}, {6, 19, "Juneteenth"}, {7, 3, "Independence Day (observed)"}, {9, 7, "Labor Day"}, {10, 12, "Columbus Day"}, {11, 11, "Veterans Day"}, {11, 26, "Thanksgiving Day"}, {12, 25, "Christmas Day"}},
	2027: {{1, 1, "New Year's Day"}, {1, 18, "Martin Luther King Jr. Day"}, {2, 15, "Washington's Birthday"}, {5, 31, "Memorial Day"}, {6, 18, "Juneteenth (observed)"}, {7, 5, "Independence Day (observed)"}, {9, 6, "Labor Day"}, {10, 11, "Columbus Day"}, {11, 11, "Veterans Day"}, {11, 25, "Thanksgiving Day"}, {12, 24, "Christmas Day (observed)"}, {12, 31, "New Year's Day (observed)"}},
	// New Year's Day 2028 (a Saturday) is observed on 2027-12-31 above.
	2028: {{1, 17, "Martin Luther King Jr. Day"}, {2, 21, "Washington's Birthday"}, {5, 29, "Memorial Day"}, {6, 19, "Juneteenth"}, {7, 4, "Independence Day"}, {9, 4, "Labor Day"}, {10, 9, "Columbus Day"}, {11, 10, "Veterans Day (observed)"}, {11, 23, "Thanksgiving Day"}, {12, 25, "Christmas Day"}},
	2029: {{1, 1, "New Year's Day"}, {1, 15, "Martin Luther King Jr. Day"}, {2, 19, "Washington's Birthday"}, {5, 28, "Memorial Day"}, {6, 19, "Juneteenth"}, {7, 4, "Independence Day"}, {9, 3, "Labor Day"}, {10, 8, "Columbus Day"}, {11, 12, "Veterans Day (observed)"}, {11, 22, "Thanksgiving Day"}, {12, 25, "Christmas Day"}},
}

func TestFederalHolidays(t *testing.T) {
	c := clock.Default()
	for year := 2024; year <= 2029; year++ {
		list := c.ClosedWeekdays(year)
		if len(list) != len(federal[year]) {
			t.Errorf("ClosedWeekdays(%d) has %d days, want %d: %v", year, len(list), len(federal[year]), list)
		}
		for i, h := range federal[year] {
			date := time.Date(year, h.month, h.day, 0, 0, 0, 0, ny)
			t.Run(fmt.Sprintf("%s_%s", date.Format("2006-01-02"), h.name), func(t *testing.T) {
				if wd := date.Weekday(); wd == time.Saturday || wd == time.Sunday {
					t.Fatalf("test data: %s is a %s", date.Format("2006-01-02"), wd)
				}
				day, closed := c.ClosedDayInfo(date.Add(12 * time.Hour))
				if !closed || day.Kind != clock.KindHoliday || day.Name != h.name || !day.Date.Equal(date) {
					t.Errorf("ClosedDayInfo = %+v, %v; want holiday %q on %s", day, closed, h.name, date)
				}
				for _, hm := range [][2]int{{9, 0}, {12, 0}, {16, 59}} {
					if tm := time.Date(year, h.month, h.day, hm[0], hm[1], 0, 0, ny); c.IsOpen(tm) {
						t.Errorf("IsOpen(%s) = true on %s", tm, h.name)
					}
				}
				if i < len(list) && (list[i] != day || list[i].Date.Location().String() != "America/New_York") {
					t.Errorf("ClosedWeekdays(%d)[%d] = %+v, want %+v", year, i, list[i], day)
				}
			})
		}
	}
}

func TestClosedDayInfo(t *testing.T) {
	c := clock.Default()
	closure, err := clock.New(clock.Options{
		Location: ny, Open: 9 * time.Hour, Close: 17 * time.Hour, Workdays: clock.DefaultOptions().Workdays,
		Holidays: clock.HolidaysUSFederal,
		Closures: []clock.Closure{
			{Year: 2026, Month: time.March, Day: 11, Name: "Snow day"},
			{Year: 2026, Month: time.March, Day: 12},
			{Year: 2026, Month: time.July, Day: 3, Name: "Picnic"},    // already a holiday
			{Year: 2026, Month: time.March, Day: 14, Name: "Ignored"}, // a Saturday
			{Year: 2150, Month: time.June, Day: 1, Name: "Far future"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	santiago := mustLoad(t, "America/Santiago")
	santiagoWeekdays, err := clock.New(clock.Options{Location: santiago, Open: 9 * time.Hour, Close: 18 * time.Hour,
		Workdays: clock.DefaultOptions().Workdays, Holidays: clock.HolidaysNone})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		cal    *clock.Calendar
		t      time.Time
		closed bool
		kind   clock.DayKind
		dname  string
		date   time.Time
	}{
		// time.Date's midnight of 6 September 2026 is Saturday 23:00 -04.
		{"santiago_sunday_without_midnight_dated_by_its_first_instant", santiagoWeekdays, time.Date(2026, 9, 6, 12, 0, 0, 0, santiago), true, clock.KindWeekend, "Sunday", time.Date(2026, 9, 6, 1, 0, 0, 0, santiago)},
		{"ordinary_tuesday_open", c, at(2026, 3, 10, 12, 0, 0), false, 0, "", time.Time{}},
		{"saturday_is_weekend", c, at(2026, 3, 14, 12, 0, 0), true, clock.KindWeekend, "Saturday", at(2026, 3, 14, 0, 0, 0)},
		{"sunday_is_weekend", c, at(2026, 3, 15, 23, 59, 59), true, clock.KindWeekend, "Sunday", at(2026, 3, 15, 0, 0, 0)},
		{"july_4_2026_itself_is_a_saturday", c, at(2026, 7, 4, 12, 0, 0), true, clock.KindWeekend, "Saturday", at(2026, 7, 4, 0, 0, 0)},
		{"july_3_2026_observed", c, at(2026, 7, 3, 0, 0, 0), true, clock.KindHoliday, "Independence Day (observed)", at(2026, 7, 3, 0, 0, 0)},
		{"utc_instant_names_new_york_date", c, time.Date(2026, 7, 4, 3, 0, 0, 0, time.UTC), true, clock.KindHoliday, "Independence Day (observed)", at(2026, 7, 3, 0, 0, 0)},
		{"new_year_2022_observed_dec_31_2021", c, at(2021, 12, 31, 12, 0, 0), true, clock.KindHoliday, "New Year's Day (observed)", at(2021, 12, 31, 0, 0, 0)},
		{"juneteenth_2020_open", c, at(2020, 6, 19, 12, 0, 0), false, 0, "", time.Time{}},
		{"thanksgiving_1985_outside_table", c, at(1985, 11, 28, 12, 0, 0), true, clock.KindHoliday, "Thanksgiving Day", at(1985, 11, 28, 0, 0, 0)},
		{"new_year_2101_observed_dec_31_2100", c, at(2100, 12, 31, 12, 0, 0), true, clock.KindHoliday, "New Year's Day (observed)", at(2100, 12, 31, 0, 0, 0)},
		{"new_year_2203_observed_dec_31_2202_outside_table", c, at(2202, 12, 31, 12, 0, 0), true, clock.KindHoliday, "New Year's Day (observed)", at(2202, 12, 31, 0, 0, 0)},
		{"named_closure", closure, at(2026, 3, 11, 12, 0, 0), true, clock.KindClosure, "Snow day", at(2026, 3, 11, 0, 0, 0)},
		{"unnamed_closure", closure, at(2026, 3, 12, 12, 0, 0), true, clock.KindClosure, "Closure", at(2026, 3, 12, 0, 0, 0)},
		{"holiday_wins_over_closure", closure, at(2026, 7, 3, 12, 0, 0), true, clock.KindHoliday, "Independence Day (observed)", at(2026, 7, 3, 0, 0, 0)},
		{"weekend_wins_over_closure", closure, at(2026, 3, 14, 12, 0, 0), true, clock.KindWeekend, "Saturday", at(2026, 3, 14, 0, 0, 0)},
		{"closure_outside_table", closure, at(2150, 6, 1, 12, 0, 0), true, clock.KindClosure, "Far future", at(2150, 6, 1, 0, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			day, closed := tt.cal.ClosedDayInfo(tt.t)
			if closed != tt.closed {
				t.Fatalf("ClosedDayInfo(%s) closed = %v, want %v (%+v)", tt.t, closed, tt.closed, day)
			}
			if !closed {
				return
			}
			if day.Kind != tt.kind || day.Name != tt.dname || !day.Date.Equal(tt.date) || day.Date.Location() != tt.cal.Location() {
				t.Errorf("ClosedDayInfo(%s) = {%s %s %q}, want {%s %s %q}", tt.t, day.Date, day.Kind, day.Name, tt.date, tt.kind, tt.dname)
			}
		})
	}
}

func TestClosedWeekdaysWithClosures(t *testing.T) {
	c, err := clock.New(clock.Options{
		Location: ny, Open: 9 * time.Hour, Close: 17 * time.Hour, Workdays: clock.DefaultOptions().Workdays,
		Holidays: clock.HolidaysNone,
		Closures: []clock.Closure{{Year: 2026, Month: time.December, Day: 24, Name: "Christmas Eve"}, {Year: 2026, Month: time.March, Day: 11}, {Year: 2026, Month: time.March, Day: 14}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := c.ClosedWeekdays(2026)
	if len(got) != 2 || got[0].Name != "Closure" || !got[0].Date.Equal(at(2026, 3, 11, 0, 0, 0)) ||
		got[1].Name != "Christmas Eve" || got[1].Kind != clock.KindClosure {
		t.Errorf("ClosedWeekdays(2026) = %+v, want the 11 March closure then Christmas Eve (the Saturday closure is a weekend anyway)", got)
	}
	if got := c.ClosedWeekdays(2025); len(got) != 0 {
		t.Errorf("ClosedWeekdays(2025) with no holidays = %+v, want none", got)
	}
}

func TestDayKindString(t *testing.T) {
	for k, want := range map[clock.DayKind]string{clock.KindWeekend: "weekend", clock.KindHoliday: "holiday", clock.KindClosure: "closure", 7: "DayKind(7)"} {
		if got := k.String(); got != want {
			t.Errorf("DayKind(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}
