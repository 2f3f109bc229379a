package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/metrics"
	"github.com/slatrack/slatrack/internal/web"
)

// metricsServer is the app's handler with /metrics on, under access.
func metricsServer(t *testing.T, a *app, access web.MetricsAccess) http.Handler {
	t.Helper()
	m := metrics.New(a.store, a.svc.Policy, a.clock.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ws, err := web.New(web.Options{Service: a.svc, Server: a.cfg.Server, Secret: []byte("0123456789abcdef0123456789abcdef"),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: m, MetricsAccess: access, Reports: a.store, Health: a.store})
	if err != nil {
		t.Fatal(err)
	}
	return ws.Handler()
}

func scrape(h http.Handler, remote, auth string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.RemoteAddr = remote
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestMetrics(t *testing.T) {
	a := newApp(t)
	ctx := t.Context()
	// Wed 10:00: one availability ticket due 13:00 (on track), one from
	// Tuesday already overdue, one answered on time.
	a.svc.CreateTicket(ctx, desk.NewTicket{Subject: "App down", Body: "502", RequesterEmail: "a@agency.gov", Channel: desk.ChannelAPI}, nil)
	a.svc.CreateTicket(ctx, desk.NewTicket{Subject: "Site down", Body: "503", RequesterEmail: "b@agency.gov", Channel: desk.ChannelAPI,
		ReceivedAt: a.clock.Now().Add(-24 * 3600e9)}, a.admin)
	tk, _ := a.svc.CreateTicket(ctx, desk.NewTicket{Subject: "Question", Body: "docs?", RequesterEmail: "c@agency.gov", Channel: desk.ChannelAPI}, nil)
	a.svc.Reply(ctx, tk.Ref, a.staff, "answer", false)

	t.Run("loopback_default", func(t *testing.T) {
		h := metricsServer(t, a, web.MetricsAccess{Mode: "loopback"})
		if rec := scrape(h, "10.1.2.3:5555", ""); rec.Code != 403 {
			t.Errorf("remote scrape: %d", rec.Code)
		}
		rec := scrape(h, "127.0.0.1:5555", "")
		body := rec.Body.String()
		for _, want := range []string{
			`slatrack_open_tickets{class="availability",state="on_track"} 1`,
			`slatrack_open_tickets{class="availability",state="breached"} 1`,
			`slatrack_first_responses_90d{class="other",result="met"} 1`,
			`slatrack_database_up 1`,
			`slatrack_outbox_backlog 0`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("metrics lack %q:\n%s", want, body)
			}
		}
	})
	t.Run("token", func(t *testing.T) {
		h := metricsServer(t, a, web.MetricsAccess{Mode: "token", Token: "metrics-token-0123456789"})
		if rec := scrape(h, "127.0.0.1:1", ""); rec.Code != 401 {
			t.Errorf("no token: %d", rec.Code)
		}
		if rec := scrape(h, "10.0.0.1:1", "Bearer metrics-token-0123456789"); rec.Code != 200 {
			t.Errorf("with token: %d", rec.Code)
		}
	})
	t.Run("open", func(t *testing.T) {
		if rec := scrape(metricsServer(t, a, web.MetricsAccess{Mode: "open"}), "10.0.0.1:1", ""); rec.Code != 200 {
			t.Errorf("open: %d", rec.Code)
		}
	})
}
