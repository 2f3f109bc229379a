package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/seed"
	"github.com/slatrack/slatrack/internal/store"
)

// BenchmarkQueuePageHTTP is the staff queue's first page (50 tickets) served
// through the real router, templates included, with 100,000 realistic
// tickets stored (10,000 open), promises in play (next responses owed), on
// SQLite: the server-side time must stay under 20 ms.
func BenchmarkQueuePageHTTP(b *testing.B) {
	a := newApp(b)
	ctx := context.Background()
	now := a.clock.Now()
	err := seed.Generate(seed.Options{Tickets: 100_000, Now: now, Seed: 7}, a.svc.Policy, a.svc.Classifier, func(items []seed.Item) error {
		batch := make([]store.ImportTicket, len(items))
		for i, it := range items {
			batch[i] = store.ImportTicket{Ticket: it.Ticket, Events: it.Events}
		}
		return a.store.ImportTickets(ctx, "SR", batch)
	}, 1000)
	if err != nil {
		b.Fatal(err)
	}
	c := a.client()
	c.login("sam@agency.gov")
	h := a.srv.Config.Handler
	req := httptest.NewRequest("GET", "/queue", nil)
	for _, ck := range c.cookies {
		req.AddCookie(ck)
	}
	// Promises in play: the seeded desk owes next responses on this page.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if !strings.Contains(rec.Body.String(), "next response overdue by") && !strings.Contains(rec.Body.String(), "next response due in") {
		b.Fatalf("the first page owes no next response:\n%s", rec.Body.String())
	}
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
	ms := float64(time.Since(start).Microseconds()) / 1000 / float64(b.N)
	b.ReportMetric(ms, "ms/page")
	if ms > 20 {
		b.Errorf("queue first page with 100,000 tickets: %.1f ms, want under 20 ms", ms)
	}
}
