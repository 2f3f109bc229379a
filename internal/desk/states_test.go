package desk_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/report"
	"github.com/slatrack/slatrack/internal/sla"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// TestStates_OneDefinition: "breached", "at risk" and "on track" mean the
// same on the ticket page (Service.SLA), in the queue's state filter, in
// the metrics counts, in the warning scheduler's candidates and in the
// overdue and compliance reports, on both engines, for due instants on
// every edge: a microsecond either side of now and of the end of the
// at-risk window, and due instants in closed time, where "business time
// left ≤ 1h" and "due ≤ the window's end" used to part (the page said at
// risk while the filter said on track).
func TestStates_OneDefinition(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 7, 10, 16, 0, 0, 0, ny) // Friday; the at-risk window ends at 17:00, the closing
	µs := time.Microsecond
	cases := []struct {
		name   string
		due    time.Time
		answer time.Duration // first response, after due; 0: unanswered
		want   sla.State
	}{
		{"due_a_microsecond_ago", now.Add(-µs), 0, sla.Breached},
		{"due_now", now, 0, sla.AtRisk},
		{"due_in_30m", now.Add(30 * time.Minute), 0, sla.AtRisk},
		{"due_at_the_windows_end", now.Add(time.Hour), 0, sla.AtRisk},
		{"due_a_microsecond_after_the_windows_end_closed_time", now.Add(time.Hour + µs), 0, sla.OnTrack},
		{"due_saturday_noon_closed_time", time.Date(2026, 7, 11, 12, 0, 0, 0, ny), 0, sla.OnTrack},
		{"due_monday_at_the_opening", time.Date(2026, 7, 13, 9, 0, 0, 0, ny), 0, sla.OnTrack},
		{"due_monday_09:30", time.Date(2026, 7, 13, 9, 30, 0, 0, ny), 0, sla.OnTrack},
		{"answered_at_the_due_instant", now.Add(-time.Hour), -1, sla.Met},
		{"answered_a_microsecond_late", now.Add(-time.Hour), µs, sla.Breached},
	}
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		f.now = now
		byRef := map[string]string{} // ref → case
		want := map[sla.State][]string{}
		for _, c := range cases {
			tk := &desk.Ticket{Subject: c.name, Body: "b", RequesterEmail: "ann@agency.gov", Channel: desk.ChannelAPI,
				Class: "other", ClassBy: desk.ClassByRule, ClassReason: "test", Status: desk.StatusOpen, Open: true,
				ReceivedAt: now.Add(-72 * time.Hour), ResponseDueAt: c.due.UTC()}
			if c.answer != 0 {
				fr := c.due.UTC()
				if c.answer > 0 {
					fr = fr.Add(c.answer)
				}
				tk.FirstResponseAt, tk.Answered = &fr, true
			}
			if err := st.CreateTicket(ctx, "SR", tk, []*desk.Event{{At: tk.ReceivedAt, Actor: "ann@agency.gov", Kind: desk.EventMessageIn, Body: "b"}}); err != nil {
				t.Fatal(err)
			}
			byRef[tk.Ref] = c.name
			if got, _ := f.svc.SLA(tk, now); got != c.want {
				t.Errorf("%s: the page says %s, want %s", c.name, got, c.want)
			}
			want[c.want] = append(want[c.want], c.name)
		}
		names := func(ts []*desk.Ticket) []string {
			var out []string
			for _, tk := range ts {
				out = append(out, byRef[tk.Ref])
			}
			slices.Sort(out)
			return out
		}
		for _, s := range sla.States() {
			slices.Sort(want[s])
			got, _, err := f.svc.List(ctx, desk.Filter{State: string(s)})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(names(got), want[s]) {
				t.Errorf("queue filter %s: %v, want %v", s, names(got), want[s])
			}
		}

		b := f.svc.Policy.Bounds(now)
		snap, err := st.MetricsSnapshot(ctx, b, now.Add(-90*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []sla.State{sla.Breached, sla.AtRisk, sla.OnTrack} {
			unanswered := 0
			for _, c := range cases {
				if c.answer == 0 && c.want == s {
					unanswered++
				}
			}
			if got := snap.Open["other"][s]; got != unanswered {
				t.Errorf("metrics %s: %d, want %d", s, got, unanswered)
			}
		}
		if got := snap.FirstResponses["other"]; got[sla.Met] != 1 || got[sla.Breached] != 1 {
			t.Errorf("metrics first responses %v", got)
		}

		cs, err := st.NotifyCandidates(ctx, b.AtRiskUntil)
		if err != nil {
			t.Fatal(err)
		}
		var cands []*desk.Ticket
		for _, c := range cs {
			cands = append(cands, c.Ticket)
		}
		var warn []string
		for _, c := range cases {
			if c.answer == 0 && (c.want == sla.AtRisk || c.want == sla.Breached) {
				warn = append(warn, c.name)
			}
		}
		slices.Sort(warn)
		if !slices.Equal(names(cands), warn) {
			t.Errorf("warning candidates %v, want %v", names(cands), warn)
		}

		od, err := report.BuildOverdue(ctx, st, f.svc.Policy, now, report.DefaultForecastHours*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if od.OverdueCount != 1 {
			t.Errorf("overdue report: %d overdue, want 1 (due_a_microsecond_ago)", od.OverdueCount)
		}
		cp, err := report.BuildCompliance(ctx, st, f.svc.Policy, now.Add(-7*24*time.Hour), now, now)
		if err != nil {
			t.Fatal(err)
		}
		if cp.Total.OpenOverdue != 1 || cp.Total.Late != 1 || cp.Total.Met != 1 || cp.Total.Pending != len(cases)-3 {
			t.Errorf("compliance %+v", cp.Total)
		}
	})
}
