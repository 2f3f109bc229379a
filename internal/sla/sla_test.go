package sla_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/clock"
	"github.com/slatrack/slatrack/internal/sla"
)

var ny = clock.DefaultOptions().Location

func target(s string) clock.Target {
	t, err := clock.ParseTarget(s)
	if err != nil {
		panic(err)
	}
	return t
}

func classes() []sla.Class {
	return []sla.Class{
		{Name: "availability", Title: "Availability", FirstResponse: target("3h"), OverridesRequester: true, Urgent: true},
		{Name: "provisioning", FirstResponse: target("2d")},
		{Name: "other", Title: "Other", FirstResponse: target("5d"), Fallback: true},
	}
}

func policy(t *testing.T) *sla.Policy {
	t.Helper()
	p, err := sla.New(clock.Default(), classes(), target("1h"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPolicy_Classes(t *testing.T) {
	p := policy(t)
	if got := strings.Join(p.ClassNames(), ","); got != "availability,provisioning,other" {
		t.Errorf("ClassNames %s", got)
	}
	if p.ClassList() != "availability, provisioning, other" {
		t.Errorf("ClassList %q", p.ClassList())
	}
	if !p.ValidClass("provisioning") || p.ValidClass("Provisioning") || p.ValidClass("security") {
		t.Error("ValidClass")
	}
	// A class without a title gets its name with a capital; so does a
	// class the policy no longer has (a ticket stored before it was dropped).
	if p.Title("provisioning") != "Provisioning" || p.Title("availability") != "Availability" || p.Title("security") != "Security" {
		t.Errorf("titles %q %q %q", p.Title("provisioning"), p.Title("availability"), p.Title("security"))
	}
	if c, ok := p.Class("availability"); !ok || !c.OverridesRequester || !c.Urgent || c.Fallback {
		t.Errorf("Class(availability) = %+v %v", c, ok)
	}
	if err := p.UnknownClassError("urgent"); err.Error() != `unknown class "urgent" (valid classes: availability, provisioning, other)` {
		t.Errorf("UnknownClassError: %v", err)
	}
	got := p.Classes()
	got[0].Name = "mutated"
	if p.ClassNames()[0] != "availability" {
		t.Error("Classes() shares the policy's slice")
	}
	if d, err := p.Due("provisioning", time.Date(2026, 11, 20, 12, 0, 0, 0, ny)); err != nil || !d.Equal(time.Date(2026, 11, 24, 12, 0, 0, 0, ny)) {
		t.Errorf("Due(provisioning) = %v %v", d, err)
	}
	if _, err := p.Due("security", time.Now()); err == nil || !strings.Contains(err.Error(), `unknown class "security"`) {
		t.Errorf("Due(security): %v", err)
	}
}

func TestCheck(t *testing.T) {
	day := 8 * time.Hour
	mod := func(edit func(cs []sla.Class) []sla.Class) []sla.Class { return edit(classes()) }
	tests := []struct {
		name    string
		classes []sla.Class
		atRisk  string
		index   int
		field   string
		says    string
	}{
		{"empty", nil, "1h", -1, "", "at least one class"},
		{"bad_name", mod(func(cs []sla.Class) []sla.Class { cs[1].Name = "Prov"; return cs }), "1h", 1, "name", "lower-case"},
		{"name_too_long", mod(func(cs []sla.Class) []sla.Class { cs[1].Name = strings.Repeat("a", 33); return cs }), "1h", 1, "name", "1–32"},
		{"reserved_name", mod(func(cs []sla.Class) []sla.Class { cs[1].Name = "total"; return cs }), "1h", 1, "name", "reserved"},
		{"duplicate", mod(func(cs []sla.Class) []sla.Class { cs[2].Name = "availability"; return cs }), "1h", 2, "name", "already the name of class 1"},
		{"no_target", mod(func(cs []sla.Class) []sla.Class { cs[0].FirstResponse = clock.Target{}; return cs }), "1h", 0, "first_response", "needs a target"},
		{"target_not_above_at_risk", mod(func(cs []sla.Class) []sla.Class { cs[0].FirstResponse = target("60m"); return cs }), "1h", 0, "at_risk", "shorter than every target"},
		{"no_fallback", mod(func(cs []sla.Class) []sla.Class { cs[2].Fallback = false; return cs }), "1h", -1, "", "exactly one class needs fallback"},
		{"two_fallbacks", mod(func(cs []sla.Class) []sla.Class { cs[0].Fallback = true; return cs }), "1h", -1, "", "not 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := sla.Check(tt.classes, target(tt.atRisk), day)
			if len(errs) != 1 || errs[0].Index != tt.index || errs[0].Field != tt.field || !strings.Contains(errs[0].Err.Error(), tt.says) {
				t.Fatalf("Check = %v, want one error about class %d %s saying %q", errs, tt.index, tt.field, tt.says)
			}
			if _, err := sla.New(clock.Default(), tt.classes, target(tt.atRisk)); err == nil {
				t.Error("New accepted what Check refuses")
			}
		})
	}
	if errs := sla.Check(classes(), target("179m"), day); len(errs) != 0 {
		t.Errorf("valid list refused: %v", errs)
	}
}

// TestPolicy_Bounds: the state ranges at named instants, in business time.
func TestPolicy_Bounds(t *testing.T) {
	p := policy(t)
	tests := []struct {
		name      string
		now, last time.Time // last: the last due instant at risk
	}{
		{"tuesday_15:00_window_ends_16:00", time.Date(2026, 7, 7, 15, 0, 0, 0, ny), time.Date(2026, 7, 7, 16, 0, 0, 0, ny)},
		{"tuesday_16:00_window_ends_at_the_closing", time.Date(2026, 7, 7, 16, 0, 0, 0, ny), time.Date(2026, 7, 7, 17, 0, 0, 0, ny)},
		{"friday_16:30_window_runs_into_monday", time.Date(2026, 7, 10, 16, 30, 0, 0, ny), time.Date(2026, 7, 13, 9, 30, 0, 0, ny)},
		{"thursday_16:30_before_the_observed_july_3_holiday", time.Date(2026, 7, 2, 16, 30, 0, 0, ny), time.Date(2026, 7, 6, 9, 30, 0, 0, ny)},
		{"saturday_night_window_is_monday_first_hour", time.Date(2026, 7, 11, 22, 0, 0, 0, ny), time.Date(2026, 7, 13, 10, 0, 0, 0, ny)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := p.Bounds(tt.now)
			if !b.AtRiskUntil.Equal(tt.last) {
				t.Fatalf("AtRiskUntil %v, want %v", b.AtRiskUntil, tt.last)
			}
			for due, want := range map[time.Time]sla.State{
				tt.now.Add(-time.Nanosecond): sla.Breached,
				tt.now:                       sla.AtRisk,
				tt.last:                      sla.AtRisk,
				tt.last.Add(time.Nanosecond): sla.OnTrack,
			} {
				if got := b.State(due); got != want {
					t.Errorf("State(%v) = %s, want %s", due, got, want)
				}
				if r, _ := b.Range(want); !r.Contains(due) {
					t.Errorf("Range(%s) %+v does not contain %v", want, r, due)
				}
				if got, _ := p.Evaluate(due, time.Time{}, tt.now); got != want {
					t.Errorf("Evaluate(%v) = %s, want %s", due, got, want)
				}
			}
		})
	}
	if _, ok := p.Bounds(time.Now()).Range(sla.Met); ok {
		t.Error("an unanswered ticket has a Met range")
	}
}

// TestBounds_SameAsBusinessTimeLeft: for every deadline the calendar
// computes (all the desk ever stores), the ranges give the states the
// policy always gave, "at risk while business time left ≤ the window":
// the single definition changes nothing a ticket can show.
func TestBounds_SameAsBusinessTimeLeft(t *testing.T) {
	p := policy(t)
	cal := p.Calendar()
	r := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, ny)
	for i := range 20000 {
		received := start.Add(time.Duration(r.Int64N(int64(400 * 24 * time.Hour))))
		targets := []time.Duration{time.Hour + time.Minute, 3 * time.Hour, 16 * time.Hour, 40 * time.Hour}
		due := cal.Due(received, targets[r.IntN(len(targets))])
		now := due.Add(time.Duration(r.Int64N(int64(6*24*time.Hour))) - 3*24*time.Hour).Truncate(time.Minute)
		if i%5 == 0 {
			now = due.Add(-p.AtRiskWindow()) // exactly on the window's edge
		}
		rem := cal.Remaining(now, due)
		want := sla.OnTrack
		switch {
		case now.After(due):
			want = sla.Breached
		case rem <= p.AtRiskWindow():
			want = sla.AtRisk
		}
		if got := p.Bounds(now).State(due); got != want {
			t.Fatalf("received %v, due %v, now %v: %s, but %v of business time left means %s", received, due, now, got, rem, want)
		}
	}
}

func TestAnsweredState(t *testing.T) {
	due := time.Date(2026, 7, 6, 17, 0, 0, 0, ny)
	if sla.AnsweredState(due, due) != sla.Met || sla.AnsweredState(due, due.Add(time.Nanosecond)) != sla.Breached ||
		sla.AnsweredState(due, due.Add(16*time.Hour)) != sla.Breached { // next morning: late, though no business time passed
		t.Error("AnsweredState")
	}
}
