package clock_test

import (
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/clock"
)

var ny = clock.Default().Location()

// at is a New York wall-clock instant.
func at(y int, m time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, m, d, h, mi, s, 0, ny)
}

// target converts "3h", "2d"… as the config package will.
func target(t *testing.T, c *clock.Calendar, s string) time.Duration {
	t.Helper()
	tg, err := clock.ParseTarget(s)
	if err != nil {
		t.Fatal(err)
	}
	return tg.Duration(c.BusinessDay())
}

// assertInstant checks an answer is the wanted instant and is given in New
// York time.
func assertInstant(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %s, want %s", what, got.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
	}
	if got.Location().String() != "America/New_York" {
		t.Errorf("%s answered in %s, want America/New_York", what, got.Location())
	}
}

func TestDue(t *testing.T) {
	c := clock.Default()
	snowDay, err := clock.New(clock.Options{
		Location: ny, Open: 9 * time.Hour, Close: 17 * time.Hour,
		Workdays: clock.DefaultOptions().Workdays, Holidays: clock.HolidaysUSFederal,
		Closures: []clock.Closure{{Year: 2026, Month: time.March, Day: 11, Name: "Snow day"}, {Year: 2026, Month: time.March, Day: 12}},
	})
	if err != nil {
		t.Fatal(err)
	}
	plus0530 := time.FixedZone("IST", 5*3600+1800)
	tests := []struct {
		name   string
		cal    *clock.Calendar
		start  time.Time
		target string
		want   time.Time
	}{
		// The example from the spec: July 3 2026 is Independence Day observed.
		{"thursday_16:00_availability_into_monday_after_july_3_observed", c, at(2026, 7, 2, 16, 0, 0), "3h", at(2026, 7, 6, 11, 0, 0)},
		{"same_instant_given_in_utc", c, time.Date(2026, 7, 2, 20, 0, 0, 0, time.UTC), "3h", at(2026, 7, 6, 11, 0, 0)},
		{"same_instant_given_in_+05:30", c, time.Date(2026, 7, 3, 1, 30, 0, 0, plus0530), "3h", at(2026, 7, 6, 11, 0, 0)},

		// Arrivals around opening and closing on an ordinary Tuesday.
		{"arrival_midnight_starts_at_09:00", c, at(2026, 3, 10, 0, 0, 0), "3h", at(2026, 3, 10, 12, 0, 0)},
		{"arrival_08:59:59_starts_at_09:00", c, at(2026, 3, 10, 8, 59, 59), "3h", at(2026, 3, 10, 12, 0, 0)},
		{"arrival_09:00_starts_at_once", c, at(2026, 3, 10, 9, 0, 0), "3h", at(2026, 3, 10, 12, 0, 0)},
		{"arrival_16:59:59_keeps_its_second", c, at(2026, 3, 10, 16, 59, 59), "3h", at(2026, 3, 11, 11, 59, 59)},
		{"arrival_17:00_starts_next_morning", c, at(2026, 3, 10, 17, 0, 0), "3h", at(2026, 3, 11, 12, 0, 0)},
		{"arrival_17:00:01_starts_next_morning", c, at(2026, 3, 10, 17, 0, 1), "3h", at(2026, 3, 11, 12, 0, 0)},
		{"arrival_23:59:59_starts_next_morning", c, at(2026, 3, 10, 23, 59, 59), "3h", at(2026, 3, 11, 12, 0, 0)},

		// Targets used up exactly at closing are due at closing.
		{"3h_from_14:00_due_at_17:00_not_next_opening", c, at(2026, 3, 10, 14, 0, 0), "3h", at(2026, 3, 10, 17, 0, 0)},
		{"1d_from_09:00_due_at_17:00_same_day", c, at(2026, 3, 10, 9, 0, 0), "1d", at(2026, 3, 10, 17, 0, 0)},
		{"1d_from_before_opening_due_at_17:00", c, at(2026, 3, 10, 6, 30, 0), "1d", at(2026, 3, 10, 17, 0, 0)},
		{"1d_from_friday_17:00_due_monday_17:00", c, at(2026, 3, 13, 17, 0, 0), "1d", at(2026, 3, 16, 17, 0, 0)},
		{"90m_from_15:30_due_at_17:00", c, at(2026, 3, 10, 15, 30, 0), "90m", at(2026, 3, 10, 17, 0, 0)},

		// Weekends.
		{"friday_16:00_3h_into_monday", c, at(2026, 3, 13, 16, 0, 0), "3h", at(2026, 3, 16, 11, 0, 0)},
		{"friday_17:00_3h_into_monday", c, at(2026, 3, 13, 17, 0, 0), "3h", at(2026, 3, 16, 12, 0, 0)},
		{"saturday_arrival_starts_monday", c, at(2026, 3, 14, 10, 0, 0), "3h", at(2026, 3, 16, 12, 0, 0)},
		{"sunday_23:59:59_starts_monday", c, at(2026, 3, 15, 23, 59, 59), "3h", at(2026, 3, 16, 12, 0, 0)},

		// Business days.
		{"2d_from_tuesday_10:00_due_thursday_10:00", c, at(2026, 3, 10, 10, 0, 0), "2d", at(2026, 3, 12, 10, 0, 0)},
		{"2d_from_friday_10:00_due_tuesday_10:00", c, at(2026, 3, 13, 10, 0, 0), "2d", at(2026, 3, 17, 10, 0, 0)},
		{"5d_from_wednesday_10:00_due_next_wednesday_10:00", c, at(2026, 3, 11, 10, 0, 0), "5d", at(2026, 3, 18, 10, 0, 0)},
		{"2d_over_thanksgiving", c, at(2026, 11, 25, 10, 0, 0), "2d", at(2026, 11, 30, 10, 0, 0)},
		{"5d_over_christmas_and_new_year_2027_observed_fridays", c, at(2027, 12, 23, 12, 0, 0), "5d", at(2028, 1, 3, 12, 0, 0)},

		// DST: spring forward Sunday 2026-03-08, fall back Sunday 2026-11-01.
		{"friday_before_spring_forward_into_monday_edt", c, at(2026, 3, 6, 15, 0, 0), "3h", at(2026, 3, 9, 10, 0, 0)},
		{"spring_forward_sunday_arrival", c, at(2026, 3, 8, 2, 30, 0), "3h", at(2026, 3, 9, 12, 0, 0)},
		{"5d_across_spring_forward", c, at(2026, 3, 4, 13, 0, 0), "5d", at(2026, 3, 11, 13, 0, 0)},
		{"friday_before_fall_back_into_monday_est", c, at(2026, 10, 30, 16, 0, 0), "3h", at(2026, 11, 2, 11, 0, 0)},
		{"fall_back_sunday_01:30_arrival", c, time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC), "3h", at(2026, 11, 2, 12, 0, 0)},
		{"5d_across_fall_back", c, at(2026, 10, 28, 13, 0, 0), "5d", at(2026, 11, 4, 13, 0, 0)},

		// Holidays, including observed Fridays and Mondays and the year boundary.
		{"new_year_2026_across_year_boundary", c, at(2025, 12, 31, 16, 0, 0), "3h", at(2026, 1, 2, 11, 0, 0)},
		{"juneteenth_2027_observed_friday", c, at(2027, 6, 17, 15, 0, 0), "3h", at(2027, 6, 21, 10, 0, 0)},
		{"juneteenth_2020_was_not_yet_a_holiday", c, at(2020, 6, 18, 16, 0, 0), "3h", at(2020, 6, 19, 11, 0, 0)},
		{"juneteenth_2021_first_observed_friday", c, at(2021, 6, 17, 16, 0, 0), "3h", at(2021, 6, 21, 11, 0, 0)},
		{"independence_day_2027_observed_monday", c, at(2027, 7, 2, 16, 0, 0), "3h", at(2027, 7, 6, 11, 0, 0)},
		{"new_year_2028_observed_friday_dec_31", c, at(2027, 12, 30, 16, 0, 0), "3h", at(2028, 1, 3, 11, 0, 0)},
		{"veterans_day_2028_observed_friday", c, at(2028, 11, 9, 16, 0, 0), "3h", at(2028, 11, 13, 11, 0, 0)},
		{"arrival_on_holiday_starts_next_day", c, at(2026, 12, 25, 11, 0, 0), "3h", at(2026, 12, 28, 12, 0, 0)},

		// Configured closures.
		{"closures_on_wednesday_and_thursday", snowDay, at(2026, 3, 10, 16, 0, 0), "3h", at(2026, 3, 13, 11, 0, 0)},
		{"arrival_on_closure_starts_next_open_day", snowDay, at(2026, 3, 11, 10, 0, 0), "3h", at(2026, 3, 13, 12, 0, 0)},

		// Outside the precomputed 1990–2100 table the slow walk answers.
		{"1985_new_year_outside_table", c, at(1985, 12, 31, 16, 0, 0), "3h", at(1986, 1, 2, 11, 0, 0)},
		{"5d_across_table_start", c, at(1989, 12, 27, 12, 0, 0), "5d", at(1990, 1, 4, 12, 0, 0)},
		{"5d_across_table_end", c, at(2100, 12, 29, 12, 0, 0), "5d", at(2101, 1, 6, 12, 0, 0)},
		{"2150_thanksgiving_outside_table", c, at(2150, 11, 25, 16, 0, 0), "3h", at(2150, 11, 27, 11, 0, 0)},

		// Nothing to wait for.
		{"zero_target_is_due_at_start_even_when_closed", c, at(2026, 3, 14, 10, 0, 0), "0", at(2026, 3, 14, 10, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d time.Duration
			if tt.target != "0" {
				d = target(t, tt.cal, tt.target)
			}
			got := tt.cal.Due(tt.start, d)
			assertInstant(t, "Due("+tt.start.Format(time.RFC3339)+", "+tt.target+")", got, tt.want)
			if d > 0 {
				if e := tt.cal.Elapsed(tt.start, got); e != d {
					t.Errorf("Elapsed(start, due) = %s, want the target %s", e, d)
				}
			}
		})
	}
}

func TestDueNegativeTargetIsStart(t *testing.T) {
	start := time.Date(2026, 3, 14, 15, 0, 0, 0, time.UTC)
	assertInstant(t, "Due(start, -1h)", clock.Default().Due(start, -time.Hour), start)
}

func TestElapsedAndRemaining(t *testing.T) {
	c := clock.Default()
	tests := []struct {
		name     string
		from, to time.Time
		want     time.Duration
	}{
		{"spec_example_friday_holiday_and_weekend", at(2026, 7, 2, 16, 0, 0), at(2026, 7, 6, 11, 0, 0), 3 * time.Hour},
		{"within_one_morning", at(2026, 3, 10, 9, 15, 0), at(2026, 3, 10, 10, 45, 30), 90*time.Minute + 30*time.Second},
		{"night_counts_nothing", at(2026, 3, 10, 17, 0, 0), at(2026, 3, 11, 9, 0, 0), 0},
		{"weekend_counts_nothing", at(2026, 3, 13, 17, 0, 0), at(2026, 3, 16, 9, 0, 0), 0},
		{"ordinary_week_is_40h", at(2026, 3, 16, 0, 0, 0), at(2026, 3, 23, 0, 0, 0), 40 * time.Hour},
		{"two_weeks_across_spring_forward_is_80h", at(2026, 3, 2, 0, 0, 0), at(2026, 3, 16, 0, 0, 0), 80 * time.Hour},
		{"week_across_fall_back_is_40h", at(2026, 10, 26, 0, 0, 0), at(2026, 11, 2, 0, 0, 0), 40 * time.Hour},
		{"thanksgiving_week_is_32h", at(2026, 11, 23, 0, 0, 0), at(2026, 11, 30, 0, 0, 0), 32 * time.Hour},
		{"christmas_2027_to_new_year_2028", at(2027, 12, 24, 0, 0, 0), at(2028, 1, 3, 0, 0, 0), 32 * time.Hour},
		{"year_2026_has_250_business_days", at(2026, 1, 1, 0, 0, 0), at(2027, 1, 1, 0, 0, 0), 250 * 8 * time.Hour},
		{"inputs_in_other_zones", time.Date(2026, 3, 10, 13, 0, 0, 0, time.UTC), time.Date(2026, 3, 10, 20, 30, 0, 0, time.FixedZone("IST", 5*3600+1800)), 2 * time.Hour},
		{"reversed_is_zero", at(2026, 3, 11, 12, 0, 0), at(2026, 3, 10, 12, 0, 0), 0},
		{"empty_is_zero", at(2026, 3, 11, 12, 0, 0), at(2026, 3, 11, 12, 0, 0), 0},
		{"across_table_start", at(1989, 12, 29, 12, 0, 0), at(1990, 1, 2, 12, 0, 0), 8 * time.Hour},
		{"across_table_end_new_year_2101_observed_dec_31_2100", at(2100, 12, 31, 12, 0, 0), at(2101, 1, 3, 12, 0, 0), 3 * time.Hour},
		{"entirely_before_table", at(1980, 1, 7, 0, 0, 0), at(1980, 1, 14, 0, 0, 0), 40 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Elapsed(tt.from, tt.to); got != tt.want {
				t.Errorf("Elapsed = %s, want %s", got, tt.want)
			}
			if tt.want > 0 {
				if got := c.Remaining(tt.from, tt.to); got != tt.want {
					t.Errorf("Remaining(before due) = %s, want %s", got, tt.want)
				}
				if got := c.Remaining(tt.to, tt.from); got != -tt.want {
					t.Errorf("Remaining(overdue) = %s, want %s", got, -tt.want)
				}
			}
		})
	}
}

func TestRemaining(t *testing.T) {
	c := clock.Default()
	due := at(2026, 7, 6, 11, 0, 0) // the spec example's deadline
	tests := []struct {
		name string
		now  time.Time
		want time.Duration
	}{
		{"at_receipt_whole_target_left", at(2026, 7, 2, 16, 0, 0), 3 * time.Hour},
		{"over_the_holiday_weekend_2h_left", at(2026, 7, 4, 12, 0, 0), 2 * time.Hour},
		{"at_due_nothing_left", due, 0},
		{"two_hours_overdue", at(2026, 7, 6, 13, 0, 0), -2 * time.Hour},
		{"overdue_overnight_counts_open_time_only", at(2026, 7, 7, 10, 0, 0), -7 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Remaining(tt.now, due); got != tt.want {
				t.Errorf("Remaining(%s, %s) = %s, want %s", tt.now, due, got, tt.want)
			}
		})
	}
}

// TestDue_SkippedMidnight covers zones whose midnight a DST change skips:
// the date opens at the first instant after the gap, and no instant of the
// day before is counted again.
func TestDue_SkippedMidnight(t *testing.T) {
	santiago, havana, apia := mustLoad(t, "America/Santiago"), mustLoad(t, "America/Havana"), mustLoad(t, "Pacific/Apia")
	allDay := func(loc *time.Location) *clock.Calendar {
		c, err := clock.New(clock.Options{Location: loc, Open: 0, Close: 23*time.Hour + 59*time.Minute, Workdays: everyDay, Holidays: clock.HolidaysNone})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		name   string
		cal    *clock.Calendar
		start  string
		target time.Duration
		want   string
	}{
		// The example: answered 23:29:00-04:00, before the receipt.
		{"santiago_2026-09-06_midnight_skipped", allDay(santiago), "2026-09-05T23:58:00-04:00", 30 * time.Minute, "2026-09-06T01:29:00-03:00"},
		{"santiago_received_in_the_gap_minute", allDay(santiago), "2026-09-05T23:59:30-04:00", time.Minute, "2026-09-06T01:01:00-03:00"},
		{"santiago_2026-04-04_23:00_repeated_is_open_twice", allDay(santiago), "2026-04-04T23:58:00-03:00", time.Hour, "2026-04-04T23:59:00-04:00"},
		{"havana_2026-03-08_midnight_skipped", allDay(havana), "2026-03-07T23:50:00-05:00", 19 * time.Minute, "2026-03-08T01:10:00-04:00"},
		{"apia_2010-09-26_midnight_skipped", allDay(apia), "2010-09-25T23:58:00-11:00", 2 * time.Minute, "2010-09-26T01:01:00-10:00"},
		{"apia_2011-12-30_never_happened", allDay(apia), "2011-12-29T23:58:00-10:00", 2 * time.Minute, "2011-12-31T00:01:00+14:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, err := time.Parse(time.RFC3339, tt.start)
			if err != nil {
				t.Fatal(err)
			}
			want, err := time.Parse(time.RFC3339, tt.want)
			if err != nil {
				t.Fatal(err)
			}
			got := tt.cal.Due(start, tt.target)
			if !got.Equal(want) {
				t.Errorf("Due(%s, %s) = %s, want %s", tt.start, tt.target, got.Format(time.RFC3339), tt.want)
			}
			if got.Before(start) {
				t.Errorf("Due(%s, %s) = %s is before the receipt", tt.start, tt.target, got.Format(time.RFC3339))
			}
			if e := tt.cal.Elapsed(start, got); e != tt.target {
				t.Errorf("Elapsed(%s, %s) = %s, want the target %s", tt.start, got.Format(time.RFC3339), e, tt.target)
			}
		})
	}
}
