package clock_test

import (
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/clock"
)

func TestPauses(t *testing.T) {
	c := clock.Default()
	start := at(2026, 3, 10, 9, 0, 0) // a Tuesday
	p := func(h1, m1, h2, m2 int) clock.Interval {
		return clock.Interval{Start: at(2026, 3, 10, h1, m1, 0), End: at(2026, 3, 10, h2, m2, 0)}
	}
	tests := []struct {
		name    string
		target  time.Duration
		pauses  []clock.Interval
		due     time.Time     // zero: never due
		elapsed time.Duration // ElapsedWithPauses(start, Tuesday 17:00)
	}{
		{"no_pauses_is_due", 3 * time.Hour, nil, at(2026, 3, 10, 12, 0, 0), 8 * time.Hour},
		{"one_hour_pause", 3 * time.Hour, []clock.Interval{p(10, 0, 11, 0)}, at(2026, 3, 10, 13, 0, 0), 7 * time.Hour},
		{"overlapping_unsorted_pauses_merge", 3 * time.Hour, []clock.Interval{p(10, 30, 12, 0), p(10, 0, 11, 0)}, at(2026, 3, 10, 14, 0, 0), 6 * time.Hour},
		{"touching_pauses", 3 * time.Hour, []clock.Interval{p(11, 0, 12, 0), p(10, 0, 11, 0)}, at(2026, 3, 10, 14, 0, 0), 6 * time.Hour},
		{"pause_over_the_night", 8 * time.Hour, []clock.Interval{{Start: at(2026, 3, 10, 16, 0, 0), End: at(2026, 3, 11, 10, 0, 0)}}, at(2026, 3, 11, 11, 0, 0), 7 * time.Hour},
		{"pause_before_start_ignored", 3 * time.Hour, []clock.Interval{{Start: at(2026, 3, 9, 10, 0, 0), End: at(2026, 3, 9, 12, 0, 0)}}, at(2026, 3, 10, 12, 0, 0), 8 * time.Hour},
		{"pause_straddling_start", 3 * time.Hour, []clock.Interval{{Start: at(2026, 3, 9, 10, 0, 0), End: at(2026, 3, 10, 10, 0, 0)}}, at(2026, 3, 10, 13, 0, 0), 7 * time.Hour},
		{"pause_after_due_ignored", 3 * time.Hour, []clock.Interval{p(13, 0, 14, 0)}, at(2026, 3, 10, 12, 0, 0), 7 * time.Hour},
		{"pause_starting_exactly_at_due", 3 * time.Hour, []clock.Interval{p(12, 0, 14, 0)}, at(2026, 3, 10, 12, 0, 0), 6 * time.Hour},
		{"backwards_pause_ignored", 3 * time.Hour, []clock.Interval{p(11, 0, 10, 0)}, at(2026, 3, 10, 12, 0, 0), 8 * time.Hour},
		{"still_paused_before_due_never_due", 3 * time.Hour, []clock.Interval{{Start: at(2026, 3, 10, 10, 0, 0)}}, time.Time{}, time.Hour},
		{"still_paused_from_before_start_never_due", 3 * time.Hour, []clock.Interval{{Start: at(2026, 3, 1, 0, 0, 0)}}, time.Time{}, 0},
		{"still_paused_after_due_is_due", 3 * time.Hour, []clock.Interval{{Start: at(2026, 3, 10, 15, 0, 0)}}, at(2026, 3, 10, 12, 0, 0), 6 * time.Hour},
		{"still_paused_swallows_later_pauses", 3 * time.Hour, []clock.Interval{p(14, 0, 16, 0), {Start: at(2026, 3, 10, 13, 0, 0)}}, at(2026, 3, 10, 12, 0, 0), 4 * time.Hour},
		{"zero_target_due_at_start", 0, []clock.Interval{{Start: at(2026, 3, 1, 0, 0, 0)}}, start, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.DueWithPauses(start, tt.target, tt.pauses)
			if tt.due.IsZero() {
				if !got.IsZero() {
					t.Errorf("DueWithPauses = %s, want the zero Time (never due)", got)
				}
			} else {
				assertInstant(t, "DueWithPauses", got, tt.due)
			}
			if e := c.ElapsedWithPauses(start, at(2026, 3, 10, 17, 0, 0), tt.pauses); e != tt.elapsed {
				t.Errorf("ElapsedWithPauses(09:00, 17:00) = %s, want %s", e, tt.elapsed)
			}
			if !got.IsZero() && tt.target > 0 {
				if e := c.ElapsedWithPauses(start, got, tt.pauses); e != tt.target {
					t.Errorf("ElapsedWithPauses(start, due) = %s, want the target %s", e, tt.target)
				}
			}
		})
	}
}

func TestPausesDoNotModifyInput(t *testing.T) {
	c := clock.Default()
	pauses := []clock.Interval{
		{Start: at(2026, 3, 10, 11, 0, 0), End: at(2026, 3, 10, 12, 0, 0)},
		{Start: at(2026, 3, 10, 10, 0, 0), End: at(2026, 3, 10, 11, 30, 0)},
	}
	orig := append([]clock.Interval(nil), pauses...)
	c.DueWithPauses(at(2026, 3, 10, 9, 0, 0), 3*time.Hour, pauses)
	c.ElapsedWithPauses(at(2026, 3, 10, 9, 0, 0), at(2026, 3, 10, 17, 0, 0), pauses)
	for i := range pauses {
		if pauses[i] != orig[i] {
			t.Fatalf("pauses[%d] changed from %v to %v", i, orig[i], pauses[i])
		}
	}
}
