package report_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/promise"
	"github.com/slatrack/slatrack/internal/report"
	"github.com/slatrack/slatrack/internal/sla"
)

// wantParamErr fails unless err is a *report.ParamError about param whose
// message says says.
func wantParamErr(t *testing.T, err error, param, says string) {
	t.Helper()
	var pe *report.ParamError
	if !errors.As(err, &pe) || pe.Param != param || !strings.Contains(err.Error(), says) {
		t.Errorf("err %v, want a %s error saying %q", err, param, says)
	}
}

func TestBuildCompliance_Bounds(t *testing.T) {
	pol := testPolicy(t)
	at := et(2026, 11, 30, 10, 0)
	src := &fakeSource{}
	cases := []struct {
		name, from, to, at string
		param, says        string // "" param: accepted
	}{
		{"issue_example_0001_to_9999", "0001-01-01", "9999-12-31", "", "to", "400 days"},
		{"exactly_400_days", "2025-01-01", "2026-02-04", "", "", ""},
		{"401_days", "2025-01-01", "2026-02-05", "", "to", "Wed Jan 1, 2025 to Thu Feb 5, 2026 is longer than the 400 days"},
		{"before_1990", "1989-12-01", "1990-01-31", "", "from", "Mon Jan 1, 1990 to Fri Dec 31, 2100"},
		{"after_2100", "2100-12-01", "2101-01-02", "2100-12-15T00:00:00Z", "to", "outside the dates reports cover"},
		{"up_to_the_end_of_2100", "2100-12-01", "2100-12-31", "2100-12-15T00:00:00Z", "", ""},
		{"week_bounds_past_2262_no_longer_overflow", "2262-04-01", "2262-04-30", "2026-11-30T00:00:00Z", "from", "outside"},
		{"at_far_out", "2026-11-01", "2026-11-30", "2262-04-11T00:00:00Z", "at", "outside the dates reports cover"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := at
			if tc.at != "" {
				var err error
				if a, err = time.Parse(time.RFC3339, tc.at); err != nil {
					t.Fatal(err)
				}
			}
			from, to, err := report.ParsePeriod("", tc.from, tc.to, a, ny)
			if err != nil {
				t.Fatal(err)
			}
			c, err := report.BuildCompliance(context.Background(), src, pol, from, to, a)
			if tc.param == "" {
				if err != nil || len(c.Weeks) == 0 {
					t.Fatalf("refused a period within the limits: %v", err)
				}
				return
			}
			wantParamErr(t, err, tc.param, tc.says)
		})
	}
}

func TestBuildOverdue_AtBounds(t *testing.T) {
	pol := testPolicy(t)
	for _, tc := range []struct {
		name string
		at   time.Time
		ok   bool
	}{
		{"issue_example_2262", time.Date(2262, 4, 11, 0, 0, 0, 0, time.UTC), false},
		{"before_1990", et(1989, 12, 31, 23, 0), false},
		{"first_day", et(1990, 1, 2, 10, 0), true},
		{"last_day", et(2100, 12, 30, 10, 0), true},
		{"end_is_exclusive", et(2101, 1, 1, 0, 0), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := report.BuildOverdue(context.Background(), &fakeSource{}, pol, tc.at, 4*time.Hour)
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantParamErr(t, err, "at", "Mon Jan 1, 1990 to Fri Dec 31, 2100")
		})
	}
}

// cancellingSource serves many tickets and rows, and ends the context after
// the first few, the way a client hangs up halfway through a report. It
// never looks at the context itself, so only the report can stop the work.
type cancellingSource struct {
	cancel   context.CancelFunc
	tickets  int
	rows     int
	promises int
	after    int // rows (tickets, then promises) served before cancelling
	served   int
}

func (s *cancellingSource) OpenOwing(_ context.Context, before time.Time) ([]*desk.Ticket, error) {
	ts := make([]*desk.Ticket, s.tickets)
	for i := range ts {
		ts[i] = &desk.Ticket{Ref: "SR-1", Class: "availability", Status: desk.StatusOpen, Open: true,
			ReceivedAt: et(2026, 11, 2, 9, 0), ResponseDueAt: et(2026, 11, 2, 12, 0)}
		desk.Settle(ts[i])
	}
	s.cancel() // the client leaves while the report is being computed
	return ts, nil
}

func (s *cancellingSource) ResponseRows(_ context.Context, from, to time.Time, fn func(report.ResponseRow) error) error {
	r := report.ResponseRow{Class: "availability", ReceivedAt: et(2026, 11, 2, 9, 0), DueAt: et(2026, 11, 2, 12, 0), FirstResponseAt: et(2026, 11, 2, 10, 0)}
	for i := 0; i < s.rows; i++ {
		if i == s.after {
			s.cancel()
		}
		s.served++
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func (s *cancellingSource) PromiseRows(_ context.Context, from, to time.Time, fn func(report.PromiseRow) error) error {
	end := et(2026, 11, 2, 10, 0)
	r := report.PromiseRow{Class: "availability", Promise: promise.Promise{Kind: sla.FirstResponse,
		StartedAt: et(2026, 11, 2, 9, 0), DueAt: et(2026, 11, 2, 12, 0), EndedAt: &end, Outcome: promise.Met}}
	for i := 0; i < s.promises; i++ {
		if s.served == s.after {
			s.cancel()
		}
		s.served++
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func TestBuildOverdue_StopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src := &cancellingSource{cancel: cancel, tickets: 50000}
	r, err := report.BuildOverdue(ctx, src, testPolicy(t), et(2026, 11, 30, 10, 0), 4*time.Hour)
	if !errors.Is(err, context.Canceled) || r != nil {
		t.Fatalf("got a report (%v) after the context ended; err %v", r != nil, err)
	}
}

func TestBuildCompliance_StopsWhenContextEnds(t *testing.T) {
	for name, src := range map[string]*cancellingSource{
		"tickets":  {rows: 1_000_000, after: 1000},
		"promises": {rows: 10, promises: 1_000_000, after: 1000},
	} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			src.cancel = cancel
			start := time.Now()
			c, err := report.BuildCompliance(ctx, src, testPolicy(t), et(2026, 11, 1, 0, 0), et(2026, 12, 1, 0, 0), et(2026, 12, 1, 0, 0))
			if !errors.Is(err, context.Canceled) || c != nil {
				t.Fatalf("got a report (%v) after the context ended; err %v", c != nil, err)
			}
			// It stops within one check interval of the cancellation, not
			// after the million rows.
			if src.served > 1000+2*256 {
				t.Errorf("%d rows read after the context ended", src.served-1000)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v to stop", d)
			}
		})
	}
}
