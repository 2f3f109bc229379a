package clock_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/clock"
)

func TestCheckTarget(t *testing.T) {
	def := clock.DefaultOptions()
	allDay := def
	allDay.Open, allDay.Close, allDay.Workdays = 0, 24*time.Hour, everyDay
	mondays := def
	mondays.Workdays = weekdays(time.Monday)
	tests := []struct {
		name    string
		opts    clock.Options
		target  string
		wantErr string // "" means accepted
	}{
		{"default_5d", def, "5d", ""},
		{"default_1000d", def, "1000d", ""},
		{"default_37760d_the_most", def, "37760d", ""},
		{"default_37761d", def, "37761d", "37761d is more open time than the calendar can count (at most 37760d)"},
		{"default_100000d", def, "100000d", "100000d is more open time than the calendar can count (at most 37760d)"},
		{"default_hours", def, "302081h", "(at most 302080h)"},
		{"default_minutes", def, "18124801m", "(at most 18124800m)"},
		{"overflowing_duration", def, "9223372036854775807d", "at most 37760d"},
		{"overflowing_hours", def, "3000000h", "at most 302080h"},
		{"all_day_every_day_more_room", allDay, "54400d", ""},
		{"all_day_every_day_limit", allDay, "54401d", "(at most 54400d)"},
		{"mondays_only_less_room", mondays, "4481d", "(at most 4480d)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg, err := clock.ParseTarget(tt.target)
			if err != nil {
				t.Fatal(err)
			}
			err = clock.CheckTarget(tg, tt.opts)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("CheckTarget(%s): %v", tt.target, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("CheckTarget(%s) = %v, want an error containing %q", tt.target, err, tt.wantErr)
			}
		})
	}
}

// TestMaxTarget_DueStaysInNanosecondTime checks MaxTarget's promise on
// calendars with the most and the least open time: a ticket received at the
// very end of the table years with the largest target is due before Go's
// nanosecond clock ends (2262-04-11), and Due answers it exactly.
func TestMaxTarget_DueStaysInNanosecondTime(t *testing.T) {
	def := clock.DefaultOptions()
	allDay := def
	allDay.Open, allDay.Close, allDay.Workdays, allDay.Holidays = 0, 24*time.Hour, everyDay, clock.HolidaysNone
	lordHowe := clock.Options{Location: mustLoad(t, "Australia/Lord_Howe"), Open: 105 * time.Minute, Close: 135 * time.Minute,
		Workdays: weekdays(time.Sunday), Holidays: clock.HolidaysUSFederal}
	end := time.Unix(0, math.MaxInt64)
	for name, o := range map[string]clock.Options{"default": def, "all_day_every_day": allDay, "lord_howe_sundays_0145_0215": lordHowe} {
		t.Run(name, func(t *testing.T) {
			c, err := clock.New(o)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Date(2100, 12, 31, 23, 59, 0, 0, o.Location)
			most := clock.MaxTarget(o)
			due := c.Due(start, most)
			if !due.Before(end) || due.Year() > 2261 {
				t.Fatalf("Due(%s, MaxTarget %s) = %s, not before %s", start, most, due, end)
			}
			if got := c.Elapsed(start, due); got != most {
				t.Fatalf("Elapsed(%s, %s) = %s, want %s", start, due, got, most)
			}
		})
	}
}
