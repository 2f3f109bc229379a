package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/slatrack/slatrack/internal/config"
	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/store/storetest"
	"github.com/slatrack/slatrack/internal/web"
)

// reportDesk: at Mon 2026-07-06 14:30 ET, SR-1001 (availability, received
// Thu 07-02 16:00, due Mon 11:00 over the observed holiday) is overdue by
// 3h30m = 12600 s of business time; SR-1002 (availability, received Mon
// 14:00, due 17:00) is forecast to breach within the next 4 business
// hours (by Tue 10:30) with 2h30m left; SR-1003 (other, answered on time)
// is met.
func reportDesk(t *testing.T) (*app, time.Time) {
	t.Helper()
	a := newApp(t)
	ctx := context.Background()
	mk := func(received time.Time, subject, body string) *desk.Ticket {
		tk, err := a.svc.CreateTicket(ctx, desk.NewTicket{Subject: subject, Body: body, RequesterEmail: "pat@agency.gov",
			Channel: desk.ChannelAPI, ReceivedAt: received}, a.admin)
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	at := time.Date(2026, 7, 6, 14, 30, 0, 0, ny)
	a.clock.Set(at)
	mk(time.Date(2026, 7, 2, 16, 0, 0, 0, ny), "=HYPERLINK(\"evil\") site down", "502 errors")
	mk(time.Date(2026, 7, 6, 14, 0, 0, 0, ny), "API unreachable", "connection refused")
	q := mk(time.Date(2026, 7, 1, 10, 0, 0, 0, ny), "Billing question", "how is usage billed?")
	a.clock.Set(time.Date(2026, 7, 1, 11, 0, 0, 0, ny))
	if _, err := a.svc.Reply(ctx, q.Ref, a.staff, "like this", false); err != nil {
		t.Fatal(err)
	}
	a.clock.Set(at)
	return a, at
}

func TestReports_API(t *testing.T) {
	a, at := reportDesk(t)
	tok := a.apiToken("sam@agency.gov")
	t.Run("overdue_csv_has_header_and_business_seconds", func(t *testing.T) {
		resp, body := a.api(tok, "GET", "/api/v1/reports/overdue?format=csv&at="+at.Format(time.RFC3339), "")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(rows[0][:7], ","); got != "ref,class,status,assignee,received_at,response_due_at,overdue_by_seconds" {
			t.Errorf("header %q", got)
		}
		if len(rows) != 3 || rows[1][0] != "SR-1001" || rows[1][6] != "12600" || rows[2][0] != "SR-1002" || rows[2][6] != "-9000" {
			t.Errorf("rows %v", rows)
		}
		if strings.Contains(body, ",=HYPERLINK") {
			t.Errorf("formula not neutralised:\n%s", body)
		}
	})
	t.Run("overdue_json_at_another_instant", func(t *testing.T) {
		// At Mon 10:00 nothing is overdue yet; SR-1001 (due 11:00) is forecast.
		resp, body := a.api(tok, "GET", "/api/v1/reports/overdue?at=2026-07-06T10:00:00-04:00", "")
		var r struct {
			Overdue, Forecast int
		}
		if err := json.Unmarshal([]byte(body), &r); err != nil || resp.StatusCode != 200 || r.Overdue != 0 || r.Forecast != 1 {
			t.Errorf("%d %s (%+v %v)", resp.StatusCode, body, r, err)
		}
	})
	t.Run("compliance_json", func(t *testing.T) {
		resp, body := a.api(tok, "GET", "/api/v1/reports/compliance?from=2026-06-29&to=2026-07-06&at="+at.Format(time.RFC3339), "")
		if resp.StatusCode != 200 || !strings.Contains(strings.ReplaceAll(body, " ", ""), `"class":"other"`) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})
	t.Run("bad_parameters_name_themselves", func(t *testing.T) {
		for path, field := range map[string]string{
			"/api/v1/reports/overdue?format=xml":         "format",
			"/api/v1/reports/overdue?at=yesterday":       "at",
			"/api/v1/reports/compliance?period=decade":   "period",
			"/api/v1/reports/compliance?from=2026-13-01": "from",
		} {
			resp, body := a.api(tok, "GET", path, "")
			if resp.StatusCode != 400 || !strings.Contains(body, `"field":"`+field+`"`) {
				t.Errorf("%s: %d %s", path, resp.StatusCode, body)
			}
		}
	})
	t.Run("token_required", func(t *testing.T) {
		if resp, _ := a.api("", "GET", "/api/v1/reports/overdue", ""); resp.StatusCode != 401 {
			t.Errorf("status %d", resp.StatusCode)
		}
	})
}

func TestReports_Pages(t *testing.T) {
	a, _ := reportDesk(t)
	c := a.client()
	if resp, _ := c.get("/reports/overdue"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("overdue report without login: %d", resp.StatusCode)
	}
	c.login("sam@agency.gov")
	resp, body := c.get("/reports/overdue")
	if resp.StatusCode != 200 || !strings.Contains(body, `id="overdue-count">1<`) || !strings.Contains(body, `id="forecast-count">1<`) ||
		!strings.Contains(body, "3h 30m") || strings.Contains(body, `=HYPERLINK("evil")`) {
		t.Errorf("overdue page %d", resp.StatusCode)
	}
	resp, body = c.get("/reports/compliance?period=last30")
	if resp.StatusCode != 200 || strings.Count(body, "<svg") != 2 || !strings.Contains(body, `data-class="other"`) {
		t.Errorf("compliance page %d, %d charts", resp.StatusCode, strings.Count(body, "<svg"))
	}
	if resp, body := c.get("/reports/compliance?format=csv"); resp.StatusCode != 200 || !strings.Contains(body, "class") {
		t.Errorf("compliance CSV from the page: %d", resp.StatusCode)
	}
	if resp, _ := c.get("/reports/compliance?from=bad"); resp.StatusCode != 400 {
		t.Errorf("bad date: %d", resp.StatusCode)
	}
}

// TestReports_ForecastHours: the overdue forecast covers what falls due
// within the next N business hours — reports.forecast_hours by default,
// ?forecast_hours= on the API and the page — the same definition for both.
func TestReports_ForecastHours(t *testing.T) {
	a, _ := reportDesk(t) // Mon 14:30: SR-1002 due 17:00, 2h30m left
	tok := a.apiToken("sam@agency.gov")
	overdue := func(t *testing.T, a *app, tok, query string) (hours, n int, until string) {
		t.Helper()
		resp, body := a.api(tok, "GET", "/api/v1/reports/overdue"+query, "")
		var r struct {
			ForecastHours int    `json:"forecast_hours"`
			ForecastUntil string `json:"forecast_until"`
			Forecast      int
		}
		if err := json.Unmarshal([]byte(body), &r); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", query, resp.StatusCode, body)
		}
		return r.ForecastHours, r.Forecast, r.ForecastUntil
	}
	for _, tc := range []struct {
		name, query string
		hours, n    int
		until       string
	}{
		// 14:30 + 4h: 2h30m today, 1h30m from Tue 09:00.
		{"default_4_hours_runs_into_tomorrow", "", 4, 1, "2026-07-07T10:30:00-04:00"},
		{"2_hours_ends_before_it_is_due", "?forecast_hours=2", 2, 0, "2026-07-06T16:30:00-04:00"},
		{"3_hours_covers_it", "?forecast_hours=3", 3, 1, "2026-07-07T09:30:00-04:00"},
		{"0_turns_it_off", "?forecast_hours=0", 0, 0, "2026-07-06T14:30:00-04:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, n, until := overdue(t, a, tok, tc.query)
			if h != tc.hours || n != tc.n || until != tc.until {
				t.Errorf("%d hours until %s, %d forecast; want %d until %s, %d", h, until, n, tc.hours, tc.until, tc.n)
			}
		})
	}
	t.Run("bad_value_names_the_parameter", func(t *testing.T) {
		for _, q := range []string{"?forecast_hours=soon", "?forecast_hours=-1", "?forecast_hours=201"} {
			resp, body := a.api(tok, "GET", "/api/v1/reports/overdue"+q, "")
			m := wantJSONError(t, resp, body, http.StatusBadRequest, "forecast_hours")
			if msg := m["error"].(string); !strings.Contains(msg, "business hours") || strings.HasPrefix(msg, "forecast_hours") {
				t.Errorf("%s: error %q", q, msg)
			}
		}
	})
	t.Run("config_sets_the_default", func(t *testing.T) {
		b := newAppWith(t, storetest.OpenEnv(t), func(c *config.Config) { c.Reports.ForecastHours = 2 })
		if h, _, _ := overdue(t, b, b.apiToken("sam@agency.gov"), ""); h != 2 {
			t.Errorf("with reports.forecast_hours = 2 the report looks %d hours ahead", h)
		}
	})
	t.Run("page_form", func(t *testing.T) {
		c := a.staffClient("sam@agency.gov")
		_, body := c.get("/reports/overdue")
		wantContains(t, body, `id="forecast-count">1<`, `name="forecast_hours" type="number"`, `value="4"`,
			"overdue within the next 4 business hours (by Tue Jul 7, 2026 10:30 AM ET)")
		_, body = c.get("/reports/overdue?forecast_hours=2")
		wantContains(t, body, `id="forecast-count">0<`, `value="2"`, "within the next 2 business hours")
	})
}

// TestReports_PagesKeepTheirForm: a report page asked for something it
// cannot show answers with its form again — what was entered, the message
// next to the field in words (no field-name prefix, no RFC 3339), and the
// page's navigation as the way back — not a bare error page.
func TestReports_PagesKeepTheirForm(t *testing.T) {
	a, _ := reportDesk(t)
	c := a.staffClient("sam@agency.gov")
	rfc3339 := regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d`)
	for _, tc := range []struct {
		name, path, field, says string
		values                  []string
	}{
		{"compliance_reversed_range", "/reports/compliance?from=2026-06-30&to=2026-06-01", "to",
			"The end, Mon Jun 1, 2026, is not after the start, Tue Jun 30, 2026", []string{`value="2026-06-30"`, `value="2026-06-01"`}},
		{"compliance_unreadable_date", "/reports/compliance?from=June", "from", `Cannot read &#34;June&#34;`, []string{`value="June"`}},
		{"compliance_unknown_period", "/reports/compliance?period=decade", "period", "Unknown period", nil},
		{"overdue_bad_forecast", "/reports/overdue?forecast_hours=soon", "forecast_hours", "is not a whole number of business hours", []string{`value="soon"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := c.get(tc.path)
			wantStatus(t, resp, body, http.StatusBadRequest)
			wantContains(t, body, `class="filters"`, `<nav aria-label="Desk">`, `href="/reports/overdue"`)
			wantContains(t, body, tc.values...)
			f := fieldBlock(t, body, tc.field)
			wantContains(t, f, "has-error", `aria-invalid="true"`, `aria-describedby="`, `id="`+tc.field+`-error"`, tc.says)
			if strings.Contains(f, tc.field+": ") {
				t.Errorf("the message names the field as a prefix:\n%s", f)
			}
			if m := rfc3339.FindString(body); m != "" {
				t.Errorf("the page shows a raw RFC 3339 time %q", m)
			}
			wantNoLeak(t, body)
		})
	}
	t.Run("at_outside_the_calendar_is_said_in_words", func(t *testing.T) {
		resp, body := c.get("/reports/overdue?at=2262-04-11T00:00:00Z")
		wantStatus(t, resp, body, http.StatusBadRequest)
		wantContains(t, body, `role="alert"`, "Mon Jan 1, 1990 to Fri Dec 31, 2100", `class="filters"`)
		if strings.Contains(body, "2262-04-11T") {
			t.Errorf("the page shows the raw RFC 3339 instant")
		}
	})
}

func TestStatusPage(t *testing.T) {
	a, _ := reportDesk(t)
	resp, body := a.client().get("/status")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{"3 business hours", "2 business days", "5 business days", "Monday to Friday",
		`data-class="other"`, "100%", "/calendar.ics"} {
		if !strings.Contains(body, want) {
			t.Errorf("status page lacks %q", want)
		}
	}
	// Queue health in counts only: no subject, reference or address.
	for _, secret := range []string{"SR-1001", "HYPERLINK", "pat@agency.gov", "Billing question"} {
		if strings.Contains(body, secret) {
			t.Errorf("public status page shows %q", secret)
		}
	}
}

// TestBrowser_ReportsAndStatus renders the report pages with their charts
// and the public status page in a real browser.
func TestBrowser_ReportsAndStatus(t *testing.T) {
	a, _ := reportDesk(t)
	b := newBrowser(t, a)
	b.open("/status")
	if got := b.text("#objectives"); !strings.Contains(got, "3 business hours") {
		t.Errorf("status objectives: %q", got)
	}
	if p := b.path(); p != "/status" {
		t.Errorf("status page redirected to %s without login", p)
	}
	b.login("sam@agency.gov")
	b.open("/reports/overdue")
	if got := b.text("#overdue-count"); got != "1" {
		t.Errorf("overdue count %q", got)
	}
	b.open("/reports/compliance?period=last30")
	for _, id := range []string{"#chart-bars svg", "#chart-trend svg"} {
		w := browserRun(b, "measure "+id, chromedp.Evaluate[float64](`document.querySelector(`+"`"+id+"`"+`).getBoundingClientRect().width`))
		if w < 100 {
			t.Errorf("%s renders %v px wide", id, w)
		}
	}
	b.screenshot("compliance.png")
}

// promiseDesk: provisioning tickets carry a resolution promise of 5
// business days. At Wed 2026-07-01 10:00 ET:
//   - SR-1001 (availability, received Mon 06-29 09:00, answered 10:00: a
//     first response kept in 1h) owes a next response for the customer's
//     message of Tue 06-30 14:00, due 17:00: broken for 1h = 3600 s;
//   - SR-1002 (provisioning, received Mon 06-29 09:00, answered 09:30: kept
//     in 30m) owes its resolution, due after 40h of business time: Mon–Thu
//     32h, Fri 07-03 (Independence Day observed) closed, Mon 07-06 8h →
//     Mon 07-06 17:00, on track.
func reportsDesk(t *testing.T) *app {
	t.Helper()
	a := newAppWith(t, storetest.OpenEnv(t), func(c *config.Config) {
		for i := range c.SLA.Classes {
			if c.SLA.Classes[i].Name == "provisioning" {
				c.SLA.Classes[i].Resolution = "5d"
			}
		}
	})
	ctx := context.Background()
	// at stands the clock at a wall-clock time of 2026 in New York.
	at := func(month time.Month, d, h, m int) { a.clock.Set(nyAt(month, d, h, m)) }
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s at %v: %v", what, a.clock.Now(), err)
		}
	}
	mk := func(subject, class string) *desk.Ticket {
		tk, err := a.svc.CreateTicket(ctx, desk.NewTicket{Subject: subject, Body: "details", RequesterEmail: "pat@agency.gov",
			Channel: desk.ChannelAPI, Class: class}, a.admin)
		must("create "+subject, err)
		return tk
	}
	at(6, 29, 9, 0)
	avail := mk("Site down", "availability")
	prov := mk("Raise our quota", "provisioning")
	at(6, 29, 9, 30)
	_, err := a.svc.Reply(ctx, prov.Ref, a.staff, "Working on it", false)
	must("reply", err)
	at(6, 29, 10, 0)
	_, err = a.svc.Reply(ctx, avail.Ref, a.staff, "Looking", false)
	must("reply", err)
	at(6, 30, 14, 0)
	_, err = a.svc.AddMessage(ctx, avail.Ref, nil, desk.NewMessage{Body: "Down again"})
	must("message", err)
	at(7, 1, 10, 0)
	return a
}

// TestReports_EveryPromise: the overdue report, the compliance report, the
// status page and the metrics show every kind of promise, not only first
// responses.
func TestReports_EveryPromise(t *testing.T) {
	a := reportsDesk(t)
	tok := a.apiToken("sam@agency.gov")
	t.Run("overdue_json_and_csv_name_the_kind", func(t *testing.T) {
		resp, body := a.api(tok, "GET", "/api/v1/reports/overdue", "")
		wantStatus(t, resp, body, http.StatusOK)
		var r struct {
			Overdue, Forecast int
			AtRisk            int `json:"at_risk"`
			Groups            []struct {
				Class   string
				Tickets []map[string]any
			}
		}
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatal(err)
		}
		if r.Overdue != 1 || r.AtRisk != 0 || len(r.Groups) != 3 || len(r.Groups[0].Tickets) != 1 || len(r.Groups[1].Tickets) != 0 {
			t.Fatalf("report %s", body)
		}
		row := r.Groups[0].Tickets[0]
		for k, want := range map[string]any{"ref": "SR-1001", "kind": "next_response", "state": "breached",
			"started_at": "2026-06-30T14:00:00-04:00", "due_at": "2026-06-30T17:00:00-04:00",
			"response_due_at": "2026-06-29T12:00:00-04:00", "overdue_by_seconds": 3600.0, "overdue_by": "overdue 1h 00m"} {
			if row[k] != want {
				t.Errorf("%s = %v, want %v", k, row[k], want)
			}
		}
		resp, body = a.api(tok, "GET", "/api/v1/reports/overdue?format=csv", "")
		wantStatus(t, resp, body, http.StatusOK)
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil || len(rows) != 2 {
			t.Fatalf("%v %q", err, rows)
		}
		head, rec := map[string]string{}, rows[1]
		for i, name := range rows[0] {
			head[name] = rec[i]
		}
		if head["kind"] != "next_response" || head["due_at"] != "2026-06-30T17:00:00-04:00" || head["state"] != "breached" || head["overdue_by_seconds"] != "3600" {
			t.Errorf("CSV row %v", head)
		}
	})
	t.Run("overdue_page_says_what_is_owed", func(t *testing.T) {
		_, body := a.staffClient("sam@agency.gov").get("/reports/overdue")
		wantContains(t, body, `data-ref="SR-1001" data-kind="next_response"`, "next response<small>since", `id="overdue-count">1<`)
	})
	t.Run("compliance_by_kind", func(t *testing.T) {
		resp, body := a.api(tok, "GET", "/api/v1/reports/compliance?period=last30", "")
		wantStatus(t, resp, body, http.StatusOK)
		var r struct {
			Kinds []struct {
				Kind    string
				Classes []map[string]any
			}
		}
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, k := range r.Kinds {
			for _, c := range k.Classes {
				got[k.Kind+"/"+c["class"].(string)] = fmt.Sprintf("made %v kept %v overdue %v pending %v", c["made"], c["kept"], c["open_overdue"], c["pending"])
			}
		}
		for k, want := range map[string]string{
			"first_response/availability": "made 1 kept 1 overdue 0 pending 0",
			"first_response/provisioning": "made 1 kept 1 overdue 0 pending 0",
			"next_response/availability":  "made 1 kept 0 overdue 1 pending 0",
			"resolution/provisioning":     "made 1 kept 0 overdue 0 pending 1",
		} {
			if got[k] != want {
				t.Errorf("%s: %s, want %s", k, got[k], want)
			}
		}
		if _, ok := got["resolution/availability"]; ok {
			t.Errorf("availability makes no resolution promise, yet has a row: %v", got)
		}
		_, page := a.staffClient("sam@agency.gov").get("/reports/compliance?period=last30")
		wantContains(t, page, `id="kind-first_response"`, `id="kind-next_response"`, `id="kind-resolution"`,
			`data-class="provisioning" data-kind="resolution"`, "within 5 business days")
	})
	t.Run("status_page_per_class_and_kind", func(t *testing.T) {
		resp, body := a.client().get("/status")
		wantStatus(t, resp, body, http.StatusOK)
		wantContains(t, body, `data-class="availability" data-kind="next_response"`, `data-class="provisioning" data-kind="resolution"`,
			"Next response within 3 business hours", "Resolution within 5 business days", "First response within 2 business days",
			"1 of 1 kept", "half within 1h 00m", "0 of 1 kept, 1 late")
		wantLacks(t, body, `data-class="availability" data-kind="resolution"`, "SR-1001", "Site down")
		// The queue's health counts what is owed: a broken next response and
		// a resolution on track.
		wantContains(t, body, `<span class="n">1</span> waiting, on track`, `<span class="n">1</span> overdue`)
	})
	t.Run("metrics_per_kind", func(t *testing.T) {
		rec := scrape(metricsServer(t, a, web.MetricsAccess{Mode: "loopback"}), "127.0.0.1:1", "")
		wantContains(t, rec.Body.String(),
			`slatrack_owed_promises{class="availability",kind="next_response",state="breached"} 1`,
			`slatrack_owed_promises{class="provisioning",kind="resolution",state="on_track"} 1`,
			`slatrack_owed_promises{class="availability",kind="first_response",state="on_track"} 0`,
			`slatrack_promises_90d{class="availability",kind="first_response",result="met"} 1`,
			`slatrack_promises_90d{class="provisioning",kind="resolution",result="met"} 0`,
			// The first-response metrics keep their meaning.
			`slatrack_open_tickets{class="availability",state="breached"} 0`,
			`slatrack_first_responses_90d{class="provisioning",result="met"} 1`)
		wantLacks(t, rec.Body.String(), `kind="resolution",state="on_track"} 0`+"\n"+`slatrack_owed_promises{class="availability",kind="resolution"`)
	})
}

// TestBrowser_StatusOnAPhone: the public status page, with a row per class
// and kind of promise, fits a 390px phone: its table's rows become cards.
func TestBrowser_StatusOnAPhone(t *testing.T) {
	a := reportsDesk(t)
	b := newBrowser(t, a)
	b.do("emulate a 390x844 phone", chromedp.EmulateViewport(390, 844))
	b.open("/status")
	b.wantNoOverflow("the status page")
	w := browserRun(b, "measure the promises table", chromedp.Evaluate[[]int](`(() => {
		const w = document.querySelector('#objectives').closest('.tablewrap');
		return [w.scrollWidth, w.clientWidth];
	})()`))
	if w[0] > w[1]+1 {
		t.Errorf("the status table is %dpx wide in a %dpx wrapper at 390px: it scrolls sideways", w[0], w[1])
	}
	if got := b.text(`#objectives tr[data-kind="resolution"]`); !strings.Contains(got, "Resolution within 5 business days") {
		t.Errorf("resolution row: %q", got)
	}
	t.Logf("phone status screenshot: %s", b.screenshot("status-phone.png"))
}
