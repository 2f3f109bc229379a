package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/report"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
	"github.com/slatrack/slatrack/internal/web"
)

// TestReports_Bounds: the requests of issue 9 that took 13–14 s and GBs are
// refused at once with a 400 naming the parameter and the limit.
func TestReports_Bounds(t *testing.T) {
	a := newApp(t)
	tok := a.apiToken("sam@agency.gov")
	cases := []struct {
		name, path, field, says string
	}{
		{"compliance_0001_to_9999", "/api/v1/reports/compliance?from=0001-01-01&to=9999-12-31", "to", "400 days"},
		{"compliance_401_days", "/api/v1/reports/compliance?from=2025-01-01&to=2026-02-05", "to", "400 days"},
		{"compliance_before_1990", "/api/v1/reports/compliance?from=1980-01-01&to=1980-02-01", "from", "Mon Jan 1, 1990 to Fri Dec 31, 2100"},
		{"compliance_at_far_out", "/api/v1/reports/compliance?period=week&at=2262-04-11T00:00:00Z", "at", "Mon Jan 1, 1990 to Fri Dec 31, 2100"},
		{"overdue_at_2262", "/api/v1/reports/overdue?at=2262-04-11T00:00:00Z", "at", "Mon Jan 1, 1990 to Fri Dec 31, 2100"},
		{"overdue_csv_at_1900", "/api/v1/reports/overdue?format=csv&at=1900-01-01T00:00:00Z", "at", "outside the dates reports cover"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			resp, body := a.api(tok, "GET", tc.path, "")
			m := wantJSONError(t, resp, body, http.StatusBadRequest, tc.field)
			if msg, _ := m["error"].(string); !strings.Contains(msg, tc.says) {
				t.Errorf("message %q does not say %q", msg, tc.says)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v to refuse", d)
			}
		})
	}
	t.Run("a_year_is_allowed", func(t *testing.T) {
		resp, body := a.api(tok, "GET", "/api/v1/reports/compliance?from=2025-07-01&to=2026-06-30", "")
		wantStatus(t, resp, body, http.StatusOK)
	})
	t.Run("pages", func(t *testing.T) {
		c := a.staffClient("sam@agency.gov")
		resp, body := c.get("/reports/compliance?from=0001-01-01&to=9999-12-31")
		wantStatus(t, resp, body, http.StatusBadRequest)
		wantContains(t, body, "400 days")
		resp, body = c.get("/reports/overdue?at=2262-04-11T00:00:00Z")
		wantStatus(t, resp, body, http.StatusBadRequest)
		wantContains(t, body, "Mon Jan 1, 1990 to Fri Dec 31, 2100")
	})
}

// leavingSource plays a client that hangs up while its report is being
// computed: it cancels the request's context once the reading has begun and
// goes on serving, never looking at the context itself, so only the report
// and the handler can stop the work. It records the context it was given.
type leavingSource struct {
	cancel context.CancelFunc
	mu     sync.Mutex
	ctx    context.Context
	served int
}

func (s *leavingSource) saw(ctx context.Context) {
	s.mu.Lock()
	s.ctx = ctx
	s.mu.Unlock()
}

func (s *leavingSource) OpenOwing(ctx context.Context, before time.Time) ([]*desk.Ticket, error) {
	s.saw(ctx)
	ts := make([]*desk.Ticket, 20000)
	for i := range ts {
		ts[i] = &desk.Ticket{Ref: "SR-1", Class: "availability", Status: desk.StatusOpen, Open: true,
			ReceivedAt: nyAt(6, 1, 9, 0), ResponseDueAt: nyAt(6, 1, 12, 0)}
		desk.Settle(ts[i])
	}
	s.cancel()
	return ts, nil
}

func (s *leavingSource) ResponseRows(ctx context.Context, from, to time.Time, fn func(report.ResponseRow) error) error {
	s.saw(ctx)
	r := report.ResponseRow{Class: "other", ReceivedAt: from, DueAt: from.Add(time.Hour), Open: true}
	for i := 0; i < 1_000_000; i++ {
		if i == 100 {
			s.cancel()
		}
		s.served++
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func (s *leavingSource) PromiseRows(ctx context.Context, from, to time.Time, fn func(report.PromiseRow) error) error {
	s.saw(ctx)
	return nil // ResponseRows has already cancelled
}

// TestReports_StopWhenTheClientLeaves: the reports run on the request's
// own context, and when it ends halfway the work stops and the request is
// answered 499 (client closed request) instead of finishing the report.
func TestReports_StopWhenTheClientLeaves(t *testing.T) {
	a := newApp(t)
	tok := a.apiToken("sam@agency.gov")
	for _, path := range []string{
		"/api/v1/reports/overdue",
		"/api/v1/reports/overdue?format=csv",
		"/api/v1/reports/compliance?period=last90",
	} {
		t.Run(strings.TrimPrefix(path, "/api/v1/reports/"), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			src := &leavingSource{cancel: cancel}
			ws, err := web.New(web.Options{Service: a.svc, Server: a.cfg.Server, Secret: []byte("0123456789abcdef0123456789abcdef"),
				Logger: testLogger(), Reports: src, Health: a.store})
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest(http.MethodGet, path, nil).WithContext(ctx)
			req.Header.Set("Authorization", "Bearer "+tok)
			rec := httptest.NewRecorder()
			ws.Handler().ServeHTTP(rec, req)
			if src.ctx == nil || src.ctx.Err() == nil {
				t.Fatalf("the report did not run on the request's context (%v)", src.ctx)
			}
			if rec.Code != 499 {
				t.Errorf("status %d after the client left, want 499; body %s", rec.Code, clip(rec.Body.String()))
			}
			if src.served > 100+1000 {
				t.Errorf("%d rows read after the client left", src.served-100)
			}
		})
	}
}

// TestSearch_Length: a 60 KB search answered 500 on SQLite ("LIKE pattern
// too complex"); any search over desk.MaxSearchLen characters is a 400
// naming q and the limit, on both engines, and one at the limit works.
func TestSearch_Length(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		a := newAppOn(t, st)
		a.mkTicket(desk.NewTicket{Subject: "Quota question"}, nil) // SQLite only fails on a row to match
		tok := a.apiToken("sam@agency.gov")
		long := url.QueryEscape(strings.Repeat("é%_", 20000)) // 60,000 characters, LIKE wildcards included
		resp, body := a.api(tok, "GET", "/api/v1/tickets?q="+long, "")
		m := wantJSONError(t, resp, body, http.StatusBadRequest, "q")
		if msg, _ := m["error"].(string); !strings.Contains(msg, "at most 200") {
			t.Errorf("message %q does not name the limit", msg)
		}
		c := a.staffClient("sam@agency.gov")
		resp, body = c.get("/queue?q=" + long)
		wantStatus(t, resp, body, http.StatusBadRequest)
		wantContains(t, body, "at most 200")
		atLimit := url.QueryEscape(strings.Repeat("ü", desk.MaxSearchLen))
		resp, body = a.api(tok, "GET", "/api/v1/tickets?q="+atLimit, "")
		wantStatus(t, resp, body, http.StatusOK)
	})
}
