package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/slatrack/slatrack/internal/desk"
)

// reportDesk: at Mon 2026-07-06 14:30 ET, SR-1001 (availability, received
// Thu 07-02 16:00, due Mon 11:00 over the observed holiday) is overdue by
// 3h30m = 12600 s of business time; SR-1002 (availability, received Mon
// 14:00, due 17:00) is forecast to breach before the next opening (Tue
// 09:00) with 2h30m left; SR-1003 (other, answered on time) is met.
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
