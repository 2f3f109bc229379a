package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slatrack/slatrack/internal/clock"
	"github.com/slatrack/slatrack/internal/config"
	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/sla"
	"github.com/slatrack/slatrack/internal/web"
)

// TestCalendarICS_FoldsAt75Octets: a closure with a long name in several
// scripts is folded into lines of at most 75 octets, the leading space of
// each continuation line included (RFC 5545 §3.1), without splitting a
// UTF-8 sequence, and unfolds back to the name.
func TestCalendarICS_FoldsAt75Octets(t *testing.T) {
	a := newApp(t)
	name := "Fermeture exceptionnelle — veille de Noël à Montréal, 東京の事務所も休業, München geschlossen ☃☃☃ ünd so wéiter"
	opts := clock.DefaultOptions()
	opts.Closures = []clock.Closure{{Year: 2026, Month: time.December, Day: 24, Name: name}}
	cal, err := clock.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	pol, err := sla.New(cal, cfg.Classes(), cfg.AtRisk())
	if err != nil {
		t.Fatal(err)
	}
	svc := desk.NewService(a.store, desk.Config{Policy: pol, Classifier: a.svc.Classifier, RefPrefix: "SR", Now: a.clock.Now})
	ws, err := web.New(web.Options{Service: svc, Server: a.cfg.Server, Secret: []byte("0123456789abcdef0123456789abcdef"),
		Logger: testLogger(), Reports: a.store})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	ws.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/calendar.ics", nil))
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.HasSuffix(body, "END:VCALENDAR\r\n") {
		t.Fatalf("status %d:\n%s", rec.Code, body)
	}
	folded := 0
	for _, l := range strings.Split(strings.TrimSuffix(body, "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("line of %d octets: %q", len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Errorf("line splits a UTF-8 sequence: %q", l)
		}
		if strings.HasPrefix(l, " ") {
			folded++
		}
	}
	if folded < 2 {
		t.Errorf("the long summary was folded %d times, want ≥ 2", folded)
	}
	unfolded := strings.ReplaceAll(body, "\r\n ", "")
	if want := "SUMMARY:Support desk closed: " + strings.ReplaceAll(name, ",", `\,`) + "\r\n"; !strings.Contains(unfolded, want) {
		t.Errorf("unfolded feed lacks %q", want)
	}
}
