package report_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/clock"
	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/report"
	"github.com/slatrack/slatrack/internal/sla"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

const h, m = time.Hour, time.Minute

func TestNextOpening(t *testing.T) {
	cal := clock.Default()
	cases := []struct {
		name   string
		at     time.Time
		want   time.Time
		reason string
	}{
		{"open_tuesday_morning", et(2026, 11, 24, 10, 0), et(2026, 11, 25, 9, 0), "open now: the opening after today's 17:00 closing"},
		{"at_opening_instant", et(2026, 11, 24, 9, 0), et(2026, 11, 25, 9, 0), "09:00 is open time ([09:00, 17:00)), so today's period is the current one"},
		{"last_nanosecond_before_closing", et(2026, 11, 24, 17, 0).Add(-1), et(2026, 11, 25, 9, 0), "still open"},
		{"at_closing_instant", et(2026, 11, 24, 17, 0), et(2026, 11, 25, 9, 0), "17:00 is closed: the next opening"},
		{"tuesday_evening", et(2026, 11, 24, 18, 0), et(2026, 11, 25, 9, 0), "closed: tomorrow 09:00"},
		{"before_opening", et(2026, 11, 24, 8, 0), et(2026, 11, 24, 9, 0), "closed until 09:00 today"},
		{"day_before_thanksgiving", et(2026, 11, 25, 14, 0), et(2026, 11, 27, 9, 0), "Thu 11-26 is Thanksgiving: Fri 09:00"},
		{"saturday_night", et(2026, 11, 28, 3, 0), et(2026, 11, 30, 9, 0), "weekend: Monday 09:00"},
		{"friday_before_dst_ends", et(2026, 10, 30, 10, 0), et(2026, 11, 2, 9, 0), "EDT Friday → EST Monday 09:00 (DST ends Sun 11-01)"},
		{"friday_before_dst_starts", et(2026, 3, 6, 12, 0), et(2026, 3, 9, 9, 0), "EST Friday → EDT Monday 09:00 (DST starts Sun 03-08)"},
		{"thursday_before_observed_july_4", et(2026, 7, 2, 16, 0), et(2026, 7, 6, 9, 0), "Fri 07-03 is Independence Day (observed)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := report.NextOpening(cal, tc.at); !got.Equal(tc.want) {
				t.Errorf("NextOpening(%v) = %v, want %v (%s)", tc.at, got, tc.want, tc.reason)
			}
		})
	}
	t.Run("desk_that_never_closes", func(t *testing.T) {
		always, err := clock.New(clock.Options{Location: time.UTC, Open: 0, Close: 24 * h,
			Workdays: [7]bool{true, true, true, true, true, true, true}, Holidays: clock.HolidaysNone})
		if err != nil {
			t.Fatal(err)
		}
		if got := report.NextOpening(always, et(2026, 11, 24, 10, 0)); !got.IsZero() {
			t.Errorf("NextOpening = %v, want the zero time", got)
		}
	})
}

// row is what an overdue row is checked against: a fixture label, the
// business time overdue (negative: time left), whether it is a forecast
// row, and the owed promise's state.
type row struct {
	label     string
	overdueBy time.Duration
	forecast  bool
	state     sla.State
}

// The states in the rows below.
const (
	breached = sla.Breached
	atRisk   = sla.AtRisk
	onTrack  = sla.OnTrack
)

// TestOverdue_ThanksgivingWeek checks the overdue report and the breach
// forecast at several instants of Thanksgiving week 2026 (Thu 11-26 is the
// holiday; the desk is open Fri 11-27).
func TestOverdue_ThanksgivingWeek(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		label := map[string]string{}
		add := func(name, class string, received, due time.Time) *desk.Ticket {
			tk := f.ticket(t, class, "Ticket "+name, received, due)
			label[tk.Ref] = name
			return tk
		}
		// Deadlines by hand (availability 3h, provisioning 16h, other 40h of
		// open time, 09:00–17:00):
		// T1: Tue 11-24 09:30 + 3h → Tue 12:30.
		add("T1", "availability", et(2026, 11, 24, 9, 30), et(2026, 11, 24, 12, 30))
		// T2: Fri 11-20 12:00: Fri 5h, Mon 8h (13h), Tue 3h → Tue 11-24 12:00.
		add("T2", "provisioning", et(2026, 11, 20, 12, 0), et(2026, 11, 24, 12, 0))
		// T3: Mon 11-16 10:00: Mon 7h, Tue–Fri 32h (39h), Mon 11-23 1h → Mon 11-23 10:00.
		add("T3", "other", et(2026, 11, 16, 10, 0), et(2026, 11, 23, 10, 0))
		// T4: Tue 11-24 13:00 + 3h → Tue 16:00.
		add("T4", "availability", et(2026, 11, 24, 13, 0), et(2026, 11, 24, 16, 0))
		// T5: Tue 11-24 16:30: Tue 30m, Wed 2h30m → Wed 11-25 11:30.
		add("T5", "availability", et(2026, 11, 24, 16, 30), et(2026, 11, 25, 11, 30))
		// T6: Wed 11-25 10:00: Wed 7h, Thu holiday, Fri 8h (15h), Mon 1h → Mon 11-30 10:00.
		add("T6", "provisioning", et(2026, 11, 25, 10, 0), et(2026, 11, 30, 10, 0))
		// T7: Wed 11-25 15:00: Wed 2h, Thu holiday, Fri 1h → Fri 11-27 10:00.
		add("T7", "availability", et(2026, 11, 25, 15, 0), et(2026, 11, 27, 10, 0))
		// T8: answered → never in the report.
		t8 := add("T8", "availability", et(2026, 11, 23, 9, 0), et(2026, 11, 23, 12, 0))
		f.reply(t, t8, et(2026, 11, 23, 10, 0))
		// T9: resolved without a reply → not open, never in the report.
		t9 := add("T9", "availability", et(2026, 11, 23, 9, 0), et(2026, 11, 23, 12, 0))
		f.update(t, t9, desk.StatusResolved, "")
		// T10: Mon 11-23 11:00 + 3h → Mon 14:00; waiting on the customer
		// (still open) and assigned to Sam.
		t10 := add("T10", "availability", et(2026, 11, 23, 11, 0), et(2026, 11, 23, 14, 0))
		f.update(t, t10, desk.StatusWaiting, "sam@agency.gov")
		// T11: Wed 11-25 12:00 + 3h → Wed 15:00.
		add("T11", "availability", et(2026, 11, 25, 12, 0), et(2026, 11, 25, 15, 0))

		// The forecast looks 4 business hours ahead unless a case says
		// otherwise (horizon): what falls due before "until".
		cases := []struct {
			name           string
			at, next       time.Time
			horizon        time.Duration // 0: 4h
			until          time.Time
			overdue, fcast int
			atRisk         int
			groups         map[string][]row // by class, in report order
		}{
			{
				// Open at Tue 10:00, so the next opening is Wed 09:00 and the
				// forecast is what falls due by 14:00. Tickets
				// received after 10:00 (T4, T5, T6, T7, T11) do not exist yet.
				// T3 due Mon 10:00: Mon 10–17 7h + Tue 9–10 1h = 8h overdue.
				// T10 due Mon 14:00: Mon 14–17 3h + Tue 1h = 4h.
				// T2 due Tue 12:00: forecast, 2h left. T1 due 12:30: 2h30m left.
				name: "tuesday_10:00", at: et(2026, 11, 24, 10, 0), next: et(2026, 11, 25, 9, 0), until: et(2026, 11, 24, 14, 0),
				overdue: 2, fcast: 2, atRisk: 0,
				groups: map[string][]row{
					"availability": {{"T10", 4 * h, false, breached}, {"T1", -(2*h + 30*m), true, onTrack}},
					"provisioning": {{"T2", -2 * h, true, onTrack}},
					"other":        {{"T3", 8 * h, false, breached}},
				},
			},
			{
				// A 1-hour forecast at Tue 10:00 ends at 11:00: T2 (due
				// 12:00) and T1 (12:30) are outside it, and on track.
				name: "tuesday_10:00_one_hour", at: et(2026, 11, 24, 10, 0), next: et(2026, 11, 25, 9, 0),
				horizon: 1 * h, until: et(2026, 11, 24, 11, 0),
				overdue: 2, fcast: 0, atRisk: 0,
				groups: map[string][]row{
					"availability": {{"T10", 4 * h, false, breached}},
					"provisioning": nil,
					"other":        {{"T3", 8 * h, false, breached}},
				},
			},
			{
				// Closed at Tue 18:00; next opening Wed 09:00. The forecast's
				// 4 business hours count from that opening: until Wed 13:00.
				// T5, due Wed 11:30, is in it with 2h30m of business time
				// left — what a forecast "by the next opening" missed, since
				// at Wed 09:00 it is not overdue yet. Overdue, through Tue 17:00:
				// T3: Mon 7h + Tue 8h = 15h; T10: Mon 3h + Tue 8h = 11h;
				// T2: Tue 12–17 = 5h; T1: 12:30–17 = 4h30m; T4: 16–17 = 1h.
				name: "tuesday_18:00", at: et(2026, 11, 24, 18, 0), next: et(2026, 11, 25, 9, 0), until: et(2026, 11, 25, 13, 0),
				overdue: 5, fcast: 1, atRisk: 0,
				groups: map[string][]row{
					"availability": {{"T10", 11 * h, false, breached}, {"T1", 4*h + 30*m, false, breached}, {"T4", 1 * h, false, breached}, {"T5", -(2*h + 30*m), true, onTrack}},
					"provisioning": {{"T2", 5 * h, false, breached}},
					"other":        {{"T3", 15 * h, false, breached}},
				},
			},
			{
				// Wed 11-25 14:00, the day before Thanksgiving: the next
				// opening is Fri 11-27 09:00, and the forecast's 4 hours are
				// Wed 14–17 and Fri 09–10. T11 (due Wed 15:00) is forecast
				// with 1h left, and at risk (due when the 1h window runs
				// out); T6 (due Mon 11-30) is neither. T7 is not received
				// yet. Overdue, each adding Wed 09–14 = 5h to the Tuesday
				// evening figures: T3 20h, T10 16h, T2 10h, T1 9h30m, T4 6h;
				// T5 due Wed 11:30: 2h30m.
				name: "wednesday_before_thanksgiving", at: et(2026, 11, 25, 14, 0), next: et(2026, 11, 27, 9, 0), until: et(2026, 11, 27, 10, 0),
				overdue: 6, fcast: 1, atRisk: 1,
				groups: map[string][]row{
					"availability": {{"T10", 16 * h, false, breached}, {"T1", 9*h + 30*m, false, breached}, {"T4", 6 * h, false, breached}, {"T5", 2*h + 30*m, false, breached}, {"T11", -1 * h, true, atRisk}},
					"provisioning": {{"T2", 10 * h, false, breached}},
					"other":        {{"T3", 20 * h, false, breached}},
				},
			},
			{
				// Sat 11-28 03:00: next opening Mon 11-30 09:00, the forecast
				// until Mon 13:00; T6, due Mon 10:00, is forecast and at
				// risk: the 1h at-risk window from now runs out at Mon 10:00,
				// its due instant (Mon 09:00 + 1h). Overdue counts Wed to
				// 17:00 and Fri 09–17, nothing on Thanksgiving:
				// T3: Mon 7 + Tue 8 + Wed 8 + Fri 8 = 31h; T10: 3+8+8+8 = 27h;
				// T2: Tue 5 + Wed 8 + Fri 8 = 21h; T1: 4h30m+16h = 20h30m;
				// T4: 1+16 = 17h; T5: Wed 11:30–17 5h30m + Fri 8h = 13h30m;
				// T11: Wed 15–17 2h + Fri 8h = 10h; T7: Fri 10–17 = 7h.
				name: "saturday_night_after_thanksgiving", at: et(2026, 11, 28, 3, 0), next: et(2026, 11, 30, 9, 0), until: et(2026, 11, 30, 13, 0),
				overdue: 8, fcast: 1, atRisk: 1,
				groups: map[string][]row{
					"availability": {{"T10", 27 * h, false, breached}, {"T1", 20*h + 30*m, false, breached}, {"T4", 17 * h, false, breached}, {"T5", 13*h + 30*m, false, breached}, {"T11", 10 * h, false, breached}, {"T7", 7 * h, false, breached}},
					"provisioning": {{"T2", 21 * h, false, breached}, {"T6", -1 * h, true, atRisk}},
					"other":        {{"T3", 31 * h, false, breached}},
				},
			},
			{
				// No forecast at all (0 hours): T6 is at risk, not forecast.
				name: "saturday_night_no_forecast", at: et(2026, 11, 28, 3, 0), next: et(2026, 11, 30, 9, 0),
				horizon: -1, until: et(2026, 11, 28, 3, 0),
				overdue: 8, fcast: 0, atRisk: 1,
				groups: map[string][]row{
					"availability": {{"T10", 27 * h, false, breached}, {"T1", 20*h + 30*m, false, breached}, {"T4", 17 * h, false, breached}, {"T5", 13*h + 30*m, false, breached}, {"T11", 10 * h, false, breached}, {"T7", 7 * h, false, breached}},
					"provisioning": {{"T2", 21 * h, false, breached}, {"T6", -1 * h, false, atRisk}},
					"other":        {{"T3", 31 * h, false, breached}},
				},
			},
			{
				// Mon 11-30 09:00 exactly, the opening: no business time has
				// passed since Friday's closing, so every overdue figure is
				// Saturday's; the desk is open, the next opening is Tue 09:00,
				// and T6 (due Mon 10:00) is forecast, and at risk, with 1h left.
				name: "monday_opening_instant", at: et(2026, 11, 30, 9, 0), next: et(2026, 12, 1, 9, 0), until: et(2026, 11, 30, 13, 0),
				overdue: 8, fcast: 1, atRisk: 1,
				groups: map[string][]row{
					"availability": {{"T10", 27 * h, false, breached}, {"T1", 20*h + 30*m, false, breached}, {"T4", 17 * h, false, breached}, {"T5", 13*h + 30*m, false, breached}, {"T11", 10 * h, false, breached}, {"T7", 7 * h, false, breached}},
					"provisioning": {{"T2", 21 * h, false, breached}, {"T6", -1 * h, true, atRisk}},
					"other":        {{"T3", 31 * h, false, breached}},
				},
			},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				horizon := tc.horizon
				switch horizon {
				case 0:
					horizon = 4 * h
				case -1:
					horizon = 0
				}
				r, err := report.BuildOverdue(context.Background(), st, f.pol, tc.at, horizon)
				if err != nil {
					t.Fatal(err)
				}
				if !r.ForecastUntil.Equal(tc.until) || r.ForecastHorizon != horizon {
					t.Errorf("forecast %v until %v, want %v until %v", r.ForecastHorizon, r.ForecastUntil, horizon, tc.until)
				}
				if !r.NextOpening.Equal(tc.next) || r.NextOpening.Location().String() != "America/New_York" {
					t.Errorf("next opening %v, want %v", r.NextOpening, tc.next)
				}
				if r.OverdueCount != tc.overdue || r.ForecastCount != tc.fcast || r.AtRiskCount != tc.atRisk {
					t.Errorf("overdue %d forecast %d at risk %d, want %d %d %d", r.OverdueCount, r.ForecastCount, r.AtRiskCount, tc.overdue, tc.fcast, tc.atRisk)
				}
				if len(r.Groups) != 3 {
					t.Fatalf("%d groups, want 3 (one per class, even empty)", len(r.Groups))
				}
				for i, class := range []string{"availability", "provisioning", "other"} {
					g := r.Groups[i]
					if g.Class != class {
						t.Fatalf("group %d is %q, want %q", i, g.Class, class)
					}
					var got []row
					for _, tk := range g.Tickets {
						got = append(got, row{label[tk.Ref], tk.OverdueBy, tk.Forecast, tk.State})
					}
					if fmt.Sprint(got) != fmt.Sprint(tc.groups[class]) {
						t.Errorf("%s:\n got %v\nwant %v", class, got, tc.groups[class])
					}
					for _, tk := range g.Tickets {
						// Every ticket here owes its first response, due at the
						// deadline the fixture checked.
						if tk.URL != "/tickets/"+tk.Ref || tk.Class != class || tk.DueAt.Location().String() != "America/New_York" ||
							tk.Kind != sla.FirstResponse || !tk.DueAt.Equal(tk.ResponseDueAt) || !tk.StartedAt.Equal(tk.ReceivedAt) {
							t.Errorf("row %+v", tk)
						}
						if wantAssignee := map[bool]string{true: "sam@agency.gov"}[label[tk.Ref] == "T10"]; tk.AssigneeEmail != wantAssignee {
							t.Errorf("%s assignee %q, want %q", label[tk.Ref], tk.AssigneeEmail, wantAssignee)
						}
						if label[tk.Ref] == "T10" && tk.Status != desk.StatusWaiting {
							t.Errorf("T10 status %q", tk.Status)
						}
					}
				}
			})
		}

		t.Run("text", func(t *testing.T) {
			r, err := report.BuildOverdue(context.Background(), st, f.pol, et(2026, 11, 24, 10, 0), 4*time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := r.WriteText(&b); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			for _, want := range []string{
				"Overdue and at-risk promises at Tue 2026-11-24 10:00 EST (next opening Wed 2026-11-25 09:00 EST)",
				"2 overdue; 0 at risk; 2 will be overdue within the next 4 business hours (by Tue 2026-11-24 14:00 EST) unless kept.",
				"availability — first response within 3 business hours; next response within 3 business hours (2)",
				"first response  waiting",
				"overdue 4h 00m", "due in 2h 30m (forecast)", "overdue 1d 0h", // T3: 8h = one business day
				"sam@agency.gov", "Ticket T10",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("text lacks %q:\n%s", want, out)
				}
			}
		})
	})
}

// TestOverdue_AcrossDST: the clocks go back on Sun 2026-11-01; overdue
// time counts open hours, not the 3 days 19 hours on the wall clock.
func TestOverdue_AcrossDST(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		// Fri 10-30 14:00 EDT + 3h → Fri 17:00 EDT (used up at closing).
		a := f.ticket(t, "availability", "Ticket before the weekend", et(2026, 10, 30, 14, 0), et(2026, 10, 30, 17, 0))
		// Fri 10-30 16:00 EDT: Fri 1h, Mon 11-02 2h → Mon 11:00 EST.
		b := f.ticket(t, "availability", "Ticket late on Friday", et(2026, 10, 30, 16, 0), et(2026, 11, 2, 11, 0))
		r, err := report.BuildOverdue(context.Background(), st, f.pol, et(2026, 11, 2, 10, 0), 4*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		g := r.Groups[0].Tickets
		// a: Fri 17:00 EDT → Mon 10:00 EST is 0h Friday + Mon 09–10 = 1h.
		// b: due Mon 11:00 EST, forecast (next opening Tue 09:00) and at
		// risk: 1h left.
		if len(g) != 2 || g[0].Ref != a.Ref || g[0].OverdueBy != h || g[0].Forecast || g[0].State != sla.Breached ||
			g[1].Ref != b.Ref || g[1].OverdueBy != -h || !g[1].Forecast || g[1].State != sla.AtRisk {
			t.Fatalf("rows %+v", g)
		}
		if want := et(2026, 11, 3, 9, 0); !r.NextOpening.Equal(want) {
			t.Errorf("next opening %v, want %v", r.NextOpening, want)
		}
	})
}

// TestOverdue_CSVAndJSON is the spec's example: received Thu 2026-07-02
// 16:00 (availability) → due Mon 07-06 11:00, since Fri 07-03 is
// Independence Day observed (Thu 1h + Mon 2h); at Mon 07-06 14:30 it is
// overdue by 3h30m = 12600 s.
func TestOverdue_CSVAndJSON(t *testing.T) {
	st := storetest.Open(t)
	f := newFixture(t, st)
	evil := f.ticket(t, "availability", `=HYPERLINK("http://evil.example/?x=1","click me")`, et(2026, 7, 2, 16, 0), et(2026, 7, 6, 11, 0))
	f.update(t, evil, "", "sam@agency.gov")
	// Mon 07-06 12:00 + 3h → 15:00: at 14:30 forecast with 30m = 1800 s left.
	plus := f.ticket(t, "availability", `+1 "quoted", with a comma`, et(2026, 7, 6, 12, 0), et(2026, 7, 6, 15, 0))
	r, err := report.BuildOverdue(context.Background(), st, f.pol, et(2026, 7, 6, 14, 30), 4*time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	var b bytes.Buffer
	if err := r.WriteCSV(&b, "https://desk.example.gov/"); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v\n%s", err, b.String())
	}
	wantHeader := "ref,class,status,assignee,received_at,response_due_at,overdue_by_seconds,forecast,subject,requester_email,url,kind,due_at,started_at,state"
	if len(recs) != 3 || strings.Join(recs[0], ",") != wantHeader {
		t.Fatalf("records %q", recs)
	}
	want := [][]string{
		{evil.Ref, "availability", "new", "sam@agency.gov", "2026-07-02T16:00:00-04:00", "2026-07-06T11:00:00-04:00", "12600", "false",
			`'=HYPERLINK("http://evil.example/?x=1","click me")`, "ann@agency.gov", "https://desk.example.gov/tickets/" + evil.Ref,
			"first_response", "2026-07-06T11:00:00-04:00", "2026-07-02T16:00:00-04:00", "breached"},
		{plus.Ref, "availability", "new", "", "2026-07-06T12:00:00-04:00", "2026-07-06T15:00:00-04:00", "-1800", "true",
			`'+1 "quoted", with a comma`, "ann@agency.gov", "https://desk.example.gov/tickets/" + plus.Ref,
			"first_response", "2026-07-06T15:00:00-04:00", "2026-07-06T12:00:00-04:00", "at_risk"},
	}
	for i, w := range want {
		if strings.Join(recs[i+1], "|") != strings.Join(w, "|") {
			t.Errorf("row %d:\n got %q\nwant %q", i+1, recs[i+1], w)
		}
	}

	b.Reset()
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		At          string `json:"at"`
		NextOpening string `json:"next_opening"`
		Overdue     int    `json:"overdue"`
		Forecast    int    `json:"forecast"`
		Groups      []struct {
			Class   string `json:"class"`
			Tickets []struct {
				Ref              string  `json:"ref"`
				Subject          string  `json:"subject"`
				AssigneeEmail    *string `json:"assignee_email"`
				OverdueBySeconds int64   `json:"overdue_by_seconds"`
				OverdueBy        string  `json:"overdue_by"`
				Forecast         bool    `json:"forecast"`
				URL              string  `json:"url"`
			} `json:"tickets"`
		} `json:"groups"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if doc.At != "2026-07-06T14:30:00-04:00" || doc.NextOpening != "2026-07-07T09:00:00-04:00" || doc.Overdue != 1 || doc.Forecast != 1 {
		t.Errorf("summary %+v", doc)
	}
	if len(doc.Groups) != 3 || doc.Groups[0].Class != "availability" || len(doc.Groups[0].Tickets) != 2 || len(doc.Groups[2].Tickets) != 0 {
		t.Fatalf("groups %+v", doc.Groups)
	}
	t0, t1 := doc.Groups[0].Tickets[0], doc.Groups[0].Tickets[1]
	if t0.Ref != evil.Ref || t0.OverdueBySeconds != 12600 || t0.OverdueBy != "overdue 3h 30m" || t0.Forecast ||
		t0.AssigneeEmail == nil || *t0.AssigneeEmail != "sam@agency.gov" || t0.URL != "/tickets/"+evil.Ref ||
		t0.Subject != `=HYPERLINK("http://evil.example/?x=1","click me")` {
		t.Errorf("first row %+v", t0)
	}
	if t1.OverdueBySeconds != -1800 || t1.OverdueBy != "due in 30m" || !t1.Forecast || t1.AssigneeEmail != nil {
		t.Errorf("second row %+v", t1)
	}
	if !strings.Contains(b.String(), `"provisioning"`) || !strings.Contains(b.String(), `"tickets": []`) {
		t.Errorf("empty groups should be listed with []:\n%s", b.String())
	}
}

// fakeSource serves rows and tickets from memory.
type fakeSource struct {
	tickets  []*desk.Ticket
	rows     []report.ResponseRow
	promises []report.PromiseRow
	err      error
}

// OpenOwing settles each ticket (a ticket without promises gets its
// first-response promise from its columns) and serves those owing a
// promise due before before, as the store does.
func (s *fakeSource) OpenOwing(_ context.Context, before time.Time) ([]*desk.Ticket, error) {
	if s.err != nil {
		return nil, s.err
	}
	var out []*desk.Ticket
	for _, t := range s.tickets {
		desk.Settle(t)
		if t.Open && !t.Idle && t.QueueAt.Before(before) {
			c := *t
			c.Promises = []*desk.Promise{t.Owed()}
			out = append(out, &c)
		}
	}
	return out, nil
}

func (s *fakeSource) PromiseRows(_ context.Context, from, to time.Time, fn func(report.PromiseRow) error) error {
	if s.err != nil {
		return s.err
	}
	for _, r := range s.promises {
		if !r.StartedAt.Before(from) && r.StartedAt.Before(to) {
			if err := fn(r); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *fakeSource) ResponseRows(_ context.Context, from, to time.Time, fn func(report.ResponseRow) error) error {
	if s.err != nil {
		return s.err
	}
	for _, r := range s.rows {
		if !r.ReceivedAt.Before(from) && r.ReceivedAt.Before(to) {
			if err := fn(r); err != nil {
				return err
			}
		}
	}
	return nil
}

func TestOverdue_TextIsTerminalSafeAndUnknownClassesLast(t *testing.T) {
	pol := testPolicy(t)
	src := &fakeSource{tickets: []*desk.Ticket{
		{Ref: "SR-1", Class: "legacy", Status: "new", Open: true, Subject: "bell\a and \x1b[31mred\x1b[0m\nnewline",
			ReceivedAt: et(2026, 11, 23, 9, 0), ResponseDueAt: et(2026, 11, 23, 12, 0)},
	}}
	r, err := report.BuildOverdue(context.Background(), src, pol, et(2026, 11, 23, 13, 0), 4*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Groups) != 4 || r.Groups[3].Class != "legacy" || r.Groups[3].Objective != "" || r.Groups[3].Tickets[0].OverdueBy != h {
		t.Fatalf("groups %+v", r.Groups)
	}
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(b.String(), "\a\x1b") || !strings.Contains(b.String(), "bell  and  [31mred [0m newline") {
		t.Errorf("control characters reached the terminal:\n%q", b.String())
	}
	src.err = fmt.Errorf("boom")
	if _, err := report.BuildOverdue(context.Background(), src, pol, et(2026, 11, 23, 13, 0), 4*time.Hour); err == nil {
		t.Error("source error swallowed")
	}
}

func TestParseForecastHours(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     time.Duration
		err      string
	}{
		{"empty_is_the_default", "", 4 * time.Hour, ""},
		{"a_number", " 8 ", 8 * time.Hour, ""},
		{"zero_turns_it_off", "0", 0, ""},
		{"the_most", "200", 200 * time.Hour, ""},
		{"too_many", "201", 0, "0 to 200 business hours, not 201"},
		{"negative", "-1", 0, "0 to 200 business hours, not -1"},
		{"not_a_number", "4h", 0, `"4h" is not a whole number of business hours`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := report.ParseForecastHours(tc.in, 4)
			if tc.err == "" {
				if err != nil || got != tc.want {
					t.Fatalf("ParseForecastHours(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
				}
				return
			}
			var pe *report.ParamError
			if !errors.As(err, &pe) || pe.Param != "forecast_hours" || !strings.Contains(pe.Message, tc.err) {
				t.Fatalf("ParseForecastHours(%q) error = %v, want a forecast_hours error saying %q", tc.in, err, tc.err)
			}
		})
	}
}
