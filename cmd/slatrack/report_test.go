package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/config"
	"github.com/slatrack/slatrack/internal/desk"
)

// reportDesk writes a config for a fresh SQLite database and imports three
// tickets through openApp's service (an admin backdating them, replies
// with the service clock stood at the reply time). Times are New York's:
//
//   - A "=1+1 sheet", availability, received Thu 2026-07-02 16:00 → due Mon
//     07-06 11:00 (Thu 1h; Fri 07-03 is Independence Day observed; Mon 2h).
//     Unanswered: at Mon 07-06 14:30 it is overdue by Mon 11:00–14:30 =
//     3h30m = 12600 s.
//   - B, availability, received Mon 07-06 12:00 → due 15:00. Unanswered: at
//     14:30 it is in the forecast with 30m = 1800 s left.
//   - C, provisioning, received Wed 07-01 10:00 → 16h: Wed 7h, Thu 8h, (Fri
//     holiday), Mon 1h → due Mon 07-06 10:00. Answered Thu 07-02 10:00:
//     first response after Wed 7h + Thu 1h = 8h, met.
func reportDesk(t *testing.T) (cfgPath string, refs [3]string) {
	t.Helper()
	dir := t.TempDir()
	cfgPath = filepath.Join(dir, "slatrack.toml")
	if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf("[database]\ndsn = %q\n", "sqlite:"+filepath.Join(dir, "d.db"))), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err := openApp(ctx, &cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.store.Close()
	ny := a.svc.Policy.Calendar().Location()
	now := time.Date(2026, 7, 6, 14, 30, 0, 0, ny)
	a.svc.Now = func() time.Time { return now }
	a.svc.BcryptCost = 4
	admin, err := a.svc.CreateUser(ctx, desk.NewUser{Email: "ada@agency.gov", Name: "Ada", Role: desk.RoleAdmin, Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range []desk.NewTicket{
		{Subject: "=1+1 sheet", Class: "availability", ReceivedAt: time.Date(2026, 7, 2, 16, 0, 0, 0, ny)},
		{Subject: "Second request", Class: "availability", ReceivedAt: time.Date(2026, 7, 6, 12, 0, 0, 0, ny)},
		{Subject: "Please add me to the org", Class: "provisioning", ReceivedAt: time.Date(2026, 7, 1, 10, 0, 0, 0, ny)},
	} {
		n.Body, n.RequesterEmail, n.Channel = "details", "ann@agency.gov", desk.ChannelAPI
		tk, err := a.svc.CreateTicket(ctx, n, admin)
		if err != nil {
			t.Fatal(err)
		}
		refs[i] = tk.Ref
	}
	now = time.Date(2026, 7, 2, 10, 0, 0, 0, ny)
	if _, err := a.svc.Reply(ctx, refs[2], admin, "Done.", false); err != nil {
		t.Fatal(err)
	}
	return cfgPath, refs
}

const reportAt = "2026-07-06T14:30:00-04:00"

func TestReportOverdue(t *testing.T) {
	cfg, refs := reportDesk(t)

	t.Run("csv", func(t *testing.T) {
		code, out, errOut := runCmd(t, "", nil, "report", "overdue", "--config", cfg, "--at", reportAt, "--format", "csv", "--base-url", "https://desk.example.gov")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		want := [][]string{
			{"ref", "class", "status", "assignee", "received_at", "response_due_at", "overdue_by_seconds", "forecast", "subject", "requester_email", "url",
				"kind", "due_at", "started_at", "state"},
			{refs[0], "availability", "new", "", "2026-07-02T16:00:00-04:00", "2026-07-06T11:00:00-04:00", "12600", "false", "'=1+1 sheet", "ann@agency.gov", "https://desk.example.gov/tickets/" + refs[0],
				"first_response", "2026-07-06T11:00:00-04:00", "2026-07-02T16:00:00-04:00", "breached"},
			// 30 minutes left: at risk, and forecast to break before the next opening.
			{refs[1], "availability", "new", "", "2026-07-06T12:00:00-04:00", "2026-07-06T15:00:00-04:00", "-1800", "true", "Second request", "ann@agency.gov", "https://desk.example.gov/tickets/" + refs[1],
				"first_response", "2026-07-06T15:00:00-04:00", "2026-07-06T12:00:00-04:00", "at_risk"},
		}
		if fmt.Sprint(recs) != fmt.Sprint(want) {
			t.Errorf("CSV\n got %q\nwant %q", recs, want)
		}
	})

	t.Run("csv_links_default_to_server_base_url", func(t *testing.T) {
		_, out, _ := runCmd(t, "", nil, "report", "overdue", "--config", cfg, "--at", reportAt, "--format", "csv")
		if !strings.Contains(out, "http://localhost:8080/tickets/"+refs[0]) {
			t.Errorf("CSV:\n%s", out)
		}
	})

	t.Run("json", func(t *testing.T) {
		code, out, errOut := runCmd(t, "", nil, "report", "overdue", "--config", cfg, "--at", "2026-07-06T18:30:00Z", "--format", "json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var doc struct {
			At                string
			NextOpening       string `json:"next_opening"`
			Overdue, Forecast int
			Groups            []struct {
				Class   string
				Tickets []struct {
					Ref              string
					OverdueBySeconds int64 `json:"overdue_by_seconds"`
				}
			}
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if doc.At != reportAt || doc.Overdue != 1 || doc.Forecast != 1 || doc.NextOpening != "2026-07-07T09:00:00-04:00" ||
			len(doc.Groups) != 3 || len(doc.Groups[0].Tickets) != 2 || doc.Groups[0].Tickets[0].OverdueBySeconds != 12600 {
			t.Errorf("JSON %+v\n%s", doc, out)
		}
	})

	t.Run("text_is_the_default", func(t *testing.T) {
		code, out, errOut := runCmd(t, "", nil, "report", "overdue", "--config", cfg, "--at", reportAt)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		for _, want := range []string{"Mon 2026-07-06 14:30 EDT", "1 overdue; 1 at risk; 1 will be overdue within the next 4 business hours", "overdue 3h 30m", "due in 30m (at risk, forecast)", "first response", "=1+1 sheet"} {
			if !strings.Contains(out, want) {
				t.Errorf("text lacks %q:\n%s", want, out)
			}
		}
	})
}

func TestReportCompliance(t *testing.T) {
	cfg, _ := reportDesk(t)

	t.Run("json_explicit_dates", func(t *testing.T) {
		// 2026-07-01 to 2026-07-06 inclusive = [Wed 07-01 00:00, Tue 07-07
		// 00:00): all three tickets. At Mon 14:30: A open overdue, B pending
		// (due 15:00), C met in 8h. availability 0 met / 1 breached = 0 %;
		// provisioning 1/0 = 100 %, median = p90 = 8h = 28800 s; total 1 met,
		// 1 breached = 50 %. Weeks: Mon 06-29 (A, C) and Mon 07-06 (B).
		code, out, errOut := runCmd(t, "", nil, "report", "compliance", "--config", cfg, "--from", "2026-07-01", "--to", "2026-07-06", "--at", reportAt, "--format", "json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var doc struct {
			From, To string
			Classes  []map[string]any
			Total    map[string]any
			Weeks    []struct {
				Start string
				Total map[string]any
			}
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if doc.From != "2026-07-01T00:00:00-04:00" || doc.To != "2026-07-07T00:00:00-04:00" {
			t.Errorf("period %s – %s", doc.From, doc.To)
		}
		av, pr := doc.Classes[0], doc.Classes[1]
		if av["received"] != 2.0 || av["open_overdue"] != 1.0 || av["pending"] != 1.0 || av["percent_met"] != 0.0 || av["median_first_response_seconds"] != nil {
			t.Errorf("availability %v", av)
		}
		if pr["met"] != 1.0 || pr["percent_met"] != 100.0 || pr["median_first_response_seconds"] != 28800.0 || pr["p90_first_response_seconds"] != 28800.0 {
			t.Errorf("provisioning %v", pr)
		}
		if doc.Total["received"] != 3.0 || doc.Total["percent_met"] != 50.0 {
			t.Errorf("total %v", doc.Total)
		}
		if len(doc.Weeks) != 2 || doc.Weeks[0].Start != "2026-06-29T00:00:00-04:00" || doc.Weeks[0].Total["received"] != 2.0 || doc.Weeks[1].Total["received"] != 1.0 {
			t.Errorf("weeks %+v", doc.Weeks)
		}
	})

	t.Run("csv_week", func(t *testing.T) {
		// The last 7 days from Mon 07-06 14:30: from Mon 06-29 14:30.
		code, out, errOut := runCmd(t, "", nil, "report", "compliance", "--config", cfg, "--period", "week", "--at", reportAt, "--format", "csv")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(recs[4], ","); got != "period,total,2026-06-29T14:30:00-04:00,2026-07-06T14:30:00-04:00,3,1,0,1,1,0,1,50.00,28800,28800,,,,,,,,," {
			t.Errorf("total row %s\n%s", got, out)
		}
		// The promises of each kind follow: the first responses' total, as
		// the tickets', with the time to keep.
		if got := strings.Join(recs[len(recs)-5], ","); got != "kind,total,2026-06-29T14:30:00-04:00,2026-07-06T14:30:00-04:00,,,,1,1,,1,,,,,first_response,3,1,0,0,50.00,28800,28800" {
			t.Errorf("first-response promises total row %s\n%s", got, out)
		}
	})

	t.Run("text_default_period", func(t *testing.T) {
		code, out, errOut := runCmd(t, "", nil, "report", "compliance", "--config", cfg, "--at", reportAt)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		// last30: from Sat 06-06 14:30.
		for _, want := range []string{"tickets received Sat 2026-06-06 14:30 EDT – Mon 2026-07-06 14:30 EDT", "50.0%", "100.0%", "1d 0h", "Weekly trend",
			"Promises of a first response started in the period:", "Promises of a next response started in the period:"} {
			if !strings.Contains(out, want) {
				t.Errorf("text lacks %q:\n%s", want, out)
			}
		}
	})
}

// TestReportOverdue_ForecastHours: the forecast's horizon comes from
// --forecast-hours, else reports.forecast_hours (4), and is in the JSON.
func TestReportOverdue_ForecastHours(t *testing.T) {
	cfg, _ := reportDesk(t)
	forecast := func(t *testing.T, args ...string) (hours, n int, until string) {
		t.Helper()
		code, out, errOut := runCmd(t, "", nil, append([]string{"report", "overdue", "--config", cfg, "--at", reportAt, "--format", "json"}, args...)...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var doc struct {
			ForecastHours int    `json:"forecast_hours"`
			ForecastUntil string `json:"forecast_until"`
			Forecast      int
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return doc.ForecastHours, doc.Forecast, doc.ForecastUntil
	}
	// At Mon 14:30, 4 business hours run to Tue 10:30.
	if h, n, until := forecast(t); h != 4 || n != 1 || until != "2026-07-07T10:30:00-04:00" {
		t.Errorf("default: %d hours until %s, %d forecast; want 4 until 2026-07-07T10:30:00-04:00, 1", h, until, n)
	}
	if h, n, until := forecast(t, "--forecast-hours", "0"); h != 0 || n != 0 || until != reportAt {
		t.Errorf("--forecast-hours 0: %d hours until %s, %d forecast; want 0, none", h, until, n)
	}
}

func TestReport_UsageErrors(t *testing.T) {
	cfg, _ := reportDesk(t)
	cases := []struct {
		name string
		args []string
		says []string
	}{
		{"no_kind", []string{"report"}, []string{"report overdue", "report compliance"}},
		{"unknown_kind", []string{"report", "late"}, []string{"report overdue"}},
		{"unknown_format_lists_valid", []string{"report", "overdue", "--format", "xml"}, []string{`unknown --format "xml"`, "text, csv, json"}},
		{"bad_at_shows_form", []string{"report", "overdue", "--at", "yesterday"}, []string{"--at", `"yesterday"`, "RFC 3339", "2026-07-02T16:00:00-04:00"}},
		{"unknown_period", []string{"report", "compliance", "--period", "fortnight"}, []string{"--period", "last30, last90, week, month"}},
		{"bad_from", []string{"report", "compliance", "--from", "07/01/2026"}, []string{"--from", "YYYY-MM-DD"}},
		{"to_before_from", []string{"report", "compliance", "--from", "2026-07-06", "--to", "2026-07-01"}, []string{"--to", "not after"}},
		{"period_and_dates", []string{"report", "compliance", "--period", "week", "--from", "2026-07-01"}, []string{"--period", "not both"}},
		{"period_on_overdue", []string{"report", "overdue", "--period", "week"}, []string{"report compliance"}},
		{"period_over_400_days", []string{"report", "compliance", "--from", "0001-01-01", "--to", "9999-12-31"}, []string{"--to", "400 days"}},
		{"forecast_hours_not_a_number", []string{"report", "overdue", "--forecast-hours", "4h"}, []string{"--forecast-hours", `"4h" is not a whole number of business hours`}},
		{"forecast_hours_too_many", []string{"report", "overdue", "--forecast-hours", "500"}, []string{"--forecast-hours", "0 to 200 business hours"}},
		{"forecast_hours_on_compliance", []string{"report", "compliance", "--forecast-hours", "4"}, []string{"--forecast-hours", "report overdue"}},
		{"at_outside_the_calendar", []string{"report", "overdue", "--at", "2262-04-11T00:00:00Z"}, []string{"--at", "Mon Jan 1, 1990 to Fri Dec 31, 2100"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, "", nil, append(tc.args, "--config", cfg)...)
			if code != 2 || out != "" {
				t.Errorf("exit %d, stdout %q; want a usage error (2)", code, out)
			}
			for _, s := range tc.says {
				if !strings.Contains(errOut, s) {
					t.Errorf("stderr %q lacks %q", errOut, s)
				}
			}
		})
	}
	t.Run("help", func(t *testing.T) {
		code, out, _ := runCmd(t, "", nil, "help", "report")
		if code != 0 || !strings.Contains(out, "report compliance [--period") || !strings.Contains(out, "-format") {
			t.Errorf("exit %d:\n%s", code, out)
		}
	})
}
