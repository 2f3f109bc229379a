package promise_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/clock"
	"github.com/slatrack/slatrack/internal/promise"
)

var ny = clock.DefaultOptions().Location

func at(month time.Month, day, hour, min int) time.Time {
	return time.Date(2026, month, day, hour, min, 0, 0, ny)
}

const day = 8 * time.Hour // a business day of the default calendar

func TestPromise_BusinessCalendar(t *testing.T) {
	cal := clock.Default()
	t.Run("start_out_of_hours_counts_from_the_next_opening", func(t *testing.T) {
		// Friday 16:30 + 3 business hours: 30 min Friday, 2h30 Monday.
		p := promise.Start(cal, "next_response", at(12, 4, 16, 30), 3*time.Hour)
		if want := at(12, 7, 11, 30); !p.DueAt.Equal(want) {
			t.Errorf("due %v, want %v", p.DueAt, want)
		}
	})
	t.Run("pause_moves_the_due_instant_by_its_open_time", func(t *testing.T) {
		// 5 business days from Monday Dec 7 09:00 → Friday Dec 11 17:00;
		// waiting on the customer from Tuesday 09:00 to Thursday 09:00 (2
		// business days) makes it Tuesday Dec 15 17:00.
		p := promise.Start(cal, "resolution", at(12, 7, 9, 0), 5*day)
		if want := at(12, 11, 17, 0); !p.DueAt.Equal(want) {
			t.Fatalf("due %v, want %v", p.DueAt, want)
		}
		p.Pause(at(12, 8, 9, 0))
		if p.Running() {
			t.Error("a paused promise is running")
		}
		if st, _ := p.State(cal, at(12, 9, 12, 0), time.Hour); st != promise.Paused {
			t.Errorf("state while paused %s", st)
		}
		p.Resume(cal, at(12, 10, 9, 0))
		if want := at(12, 15, 17, 0); !p.DueAt.Equal(want) || p.Paused != 2*day {
			t.Errorf("due %v (paused %v), want %v after 2 business days waiting", p.DueAt, p.Paused, want)
		}
		if o := p.Keep(cal, at(12, 15, 16, 0), "resolved"); o != promise.Met {
			t.Errorf("kept before the moved deadline: %s", o)
		}
		if got := p.TimeToKeep(cal); got != 5*day-time.Hour {
			t.Errorf("time to keep %v, want 5 business days less an hour (the pause does not count)", got)
		}
	})
	t.Run("a_pause_after_the_deadline_does_not_mend_it", func(t *testing.T) {
		p := promise.Start(cal, "resolution", at(12, 7, 9, 0), time.Hour)
		p.Pause(at(12, 7, 11, 0))
		if st, rem := p.State(cal, at(12, 8, 9, 0), time.Hour); st != promise.StateBreached || rem != -time.Hour {
			t.Errorf("paused after its deadline: %s %v", st, rem)
		}
		p.Resume(cal, at(12, 9, 9, 0))
		if want := at(12, 7, 10, 0); !p.DueAt.Equal(want) {
			t.Errorf("due moved to %v by a pause that began after it", p.DueAt)
		}
	})
	t.Run("kept_while_paused_counts_the_pause", func(t *testing.T) {
		p := promise.Start(cal, "resolution", at(12, 7, 9, 0), 2*time.Hour)
		p.Pause(at(12, 7, 10, 0))
		if o := p.Keep(cal, at(12, 8, 10, 30), "resolved"); o != promise.Met {
			t.Errorf("resolved while waiting, 1h of the clock used: %s (due %v)", o, p.DueAt)
		}
	})
	t.Run("cancel_before_due_is_not_counted_after_due_is_breached", func(t *testing.T) {
		p := promise.Start(cal, "next_response", at(12, 7, 9, 0), 3*time.Hour)
		if o := p.Cancel(cal, at(12, 7, 10, 0), "closed"); o != promise.Cancelled || o.Counts() {
			t.Errorf("cancelled in time: %s", o)
		}
		q := promise.Start(cal, "next_response", at(12, 7, 9, 0), 3*time.Hour)
		if o := q.Cancel(cal, at(12, 7, 13, 0), "closed"); o != promise.Breached {
			t.Errorf("closed an hour after the deadline: %s, want breached", o)
		}
	})
	t.Run("restart_with_a_new_target_keeps_start_and_pauses", func(t *testing.T) {
		p := promise.Start(cal, "first_response", at(12, 7, 9, 0), 5*day)
		p.Pause(at(12, 7, 10, 0))
		p.Resume(cal, at(12, 7, 12, 0))
		n := p.Restart(cal, 3*time.Hour)
		p.Supersede(at(12, 7, 12, 0), "reclassified")
		if p.Outcome != promise.Superseded || p.Outcome.Counts() {
			t.Errorf("old promise %s", p.Outcome)
		}
		if want := at(12, 7, 14, 0); !n.StartedAt.Equal(p.StartedAt) || !n.DueAt.Equal(want) {
			t.Errorf("restarted: start %v due %v, want due %v (3h + 2h paused)", n.StartedAt, n.DueAt, want)
		}
	})
	t.Run("resumed_after_a_reopen_counts_the_resolved_time_as_paused", func(t *testing.T) {
		p := promise.Start(cal, "resolution", at(12, 7, 9, 0), 2*day)
		p.Keep(cal, at(12, 7, 17, 0), "resolved")
		n := p.Resumed(cal, at(12, 9, 9, 0)) // reopened 1 business day later, 8h of the 16h left
		if want := at(12, 9, 17, 0); !n.DueAt.Equal(want) || n.Paused != day {
			t.Errorf("resumed: due %v paused %v, want %v", n.DueAt, n.Paused, want)
		}
	})
}

func TestPromise_StatesAndOwed(t *testing.T) {
	cal := clock.Default()
	p := promise.Start(cal, "first_response", at(12, 7, 9, 0), 3*time.Hour)
	for _, tc := range []struct {
		name  string
		now   time.Time
		state promise.State
		rem   time.Duration
	}{
		{"on_track", at(12, 7, 10, 0), promise.OnTrack, 2 * time.Hour},
		{"at_risk_at_one_hour", at(12, 7, 11, 0), promise.AtRisk, time.Hour},
		{"due_exactly_is_not_late", at(12, 7, 12, 0), promise.AtRisk, 0},
		{"breached", at(12, 7, 13, 30), promise.StateBreached, -90 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if st, rem := p.State(cal, tc.now, time.Hour); st != tc.state || rem != tc.rem {
				t.Errorf("%s %v, want %s %v", st, rem, tc.state, tc.rem)
			}
		})
	}
	r := promise.Start(cal, "resolution", at(12, 7, 9, 0), 5*day)
	n := promise.Start(cal, "next_response", at(12, 7, 9, 30), 3*time.Hour)
	if o := promise.Owed([]*promise.Promise{&r, &p, &n}); o != &p {
		t.Errorf("owed %v, want the first response (due soonest)", o.Kind)
	}
	p.Keep(cal, at(12, 7, 10, 0), "replied")
	n.Pause(at(12, 7, 10, 0))
	if o := promise.Owed([]*promise.Promise{&r, &p, &n}); o != &r {
		t.Errorf("owed %v, want the resolution (the others ended or paused)", o)
	}
}

func TestPromise_WallClock(t *testing.T) {
	w := promise.Wall{}
	start := time.Date(2026, 12, 5, 23, 50, 0, 0, ny) // a Saturday night
	p := promise.Start(w, "first_update", start, 15*time.Minute)
	if want := start.Add(15 * time.Minute); !p.DueAt.Equal(want) {
		t.Errorf("due %v, want %v (every minute counts)", p.DueAt, want)
	}
	if st, rem := p.State(w, start.Add(20*time.Minute), 5*time.Minute); st != promise.StateBreached || rem != -5*time.Minute {
		t.Errorf("%s %v", st, rem)
	}
}

// TestDueExtends checks what Resume relies on: on the business calendar,
// extending a due instant by more open time is the same as promising the
// sum from the start (Due(Due(s, a), b) = Due(s, a+b)).
func TestDueExtends(t *testing.T) {
	cal := clock.Default()
	rng := rand.New(rand.NewPCG(7, 11))
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, ny)
	for i := range 5000 {
		s := base.Add(time.Duration(rng.Int64N(int64(3 * 365 * 24 * time.Hour)))).Truncate(time.Minute)
		a := time.Duration(1+rng.Int64N(40*60)) * time.Minute
		b := time.Duration(1+rng.Int64N(40*60)) * time.Minute
		if x, y := cal.Due(cal.Due(s, a), b), cal.Due(s, a+b); !x.Equal(y) {
			t.Fatalf("case %d: Due(Due(%v, %v), %v) = %v, Due(s, a+b) = %v", i, s, a, b, x, y)
		}
	}
}
