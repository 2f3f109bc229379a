package web_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/slatrack/slatrack/static"
)

// raw sends one request with the given Accept header and no cookies.
func raw(t *testing.T, a *app, method, p, accept string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, a.srv.URL+p, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	return a.client().do(req)
}

func TestErrorMapping(t *testing.T) {
	a := newApp(t)

	t.Run("unknown_route_html_for_browsers", func(t *testing.T) {
		for _, p := range []string{"/nope", "/tickets", "/admin", "/queue/extra", "/static/"} {
			resp, body := raw(t, a, "GET", p, "text/html,application/xhtml+xml")
			wantStatus(t, resp, body, http.StatusNotFound)
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("%s: Content-Type %q", p, ct)
			}
			wantContains(t, body, "<!doctype html>", "404 · Not Found")
			wantNoLeak(t, body)
		}
		resp, body := raw(t, a, "GET", "/nope", "text/html")
		wantContains(t, body, "There is no page at this address")
		_ = resp
	})

	t.Run("unknown_route_json_for_api", func(t *testing.T) {
		for _, p := range []string{"/api/v1/nope", "/api/v2/tickets", "/api/v1/tickets/SR-1/replies/extra"} {
			resp, body := raw(t, a, "GET", p, "text/html")
			wantJSONError(t, resp, body, http.StatusNotFound, "")
		}
		// A client that asks for JSON gets JSON anywhere.
		resp, body := raw(t, a, "GET", "/nope", "application/json")
		wantJSONError(t, resp, body, http.StatusNotFound, "")
	})

	t.Run("wrong_method_is_405", func(t *testing.T) {
		for _, tc := range []struct{ method, path string }{
			{"DELETE", "/queue"}, {"PUT", "/"}, {"GET", "/logout"}, {"POST", "/healthz"},
			{"PUT", "/tickets/SR-1001/reply"}, {"DELETE", "/admin/users"},
		} {
			resp, body := raw(t, a, tc.method, tc.path, "text/html")
			wantStatus(t, resp, body, http.StatusMethodNotAllowed)
			wantNoLeak(t, body)
		}
		for _, tc := range []struct{ method, path string }{
			{"DELETE", "/api/v1/tickets"}, {"PUT", "/api/v1/tickets/SR-1001"}, {"GET", "/api/v1/tickets/SR-1001/replies"},
		} {
			resp, body := raw(t, a, tc.method, tc.path, "")
			wantJSONError(t, resp, body, http.StatusMethodNotAllowed, "")
		}
	})

	t.Run("health_and_readiness", func(t *testing.T) {
		for p, want := range map[string]string{"/healthz": `"status":"ok"`, "/readyz": `"status":"ready"`} {
			resp, body := raw(t, a, "GET", p, "")
			wantStatus(t, resp, body, http.StatusOK)
			wantContains(t, body, want)
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("%s: Content-Type %q", p, ct)
			}
		}
	})

	t.Run("readiness_fails_when_database_closed", func(t *testing.T) {
		b := newApp(t)
		tok := b.apiToken("sam@agency.gov")
		if err := b.store.Close(); err != nil {
			t.Fatal(err)
		}
		resp, body := raw(t, b, "GET", "/readyz", "")
		wantStatus(t, resp, body, http.StatusServiceUnavailable)
		wantNoLeak(t, body)
		resp, body = raw(t, b, "GET", "/healthz", "")
		wantStatus(t, resp, body, http.StatusOK)
		// Pages that need the database answer 503 without internals.
		resp, body = b.api(tok, "GET", "/api/v1/tickets", "")
		wantJSONError(t, resp, body, http.StatusServiceUnavailable, "")
		resp, body = b.client().submit("/", "/", neutral())
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("intake with a closed database: status %d, want 503", resp.StatusCode)
		}
		wantNoLeak(t, body)
	})
}

func TestSecurityHeaders(t *testing.T) {
	a := newApp(t)
	staff := a.staffClient("sam@agency.gov")
	check := func(t *testing.T, what string, resp *http.Response) {
		t.Helper()
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		for _, d := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, d) {
				t.Errorf("%s: CSP %q lacks %s", what, csp, d)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows unsafe code: %q", what, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", what, h.Get("X-Content-Type-Options"))
		}
		if h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: X-Frame-Options %q", what, h.Get("X-Frame-Options"))
		}
		if h.Get("Referrer-Policy") == "" {
			t.Errorf("%s: no Referrer-Policy", what)
		}
	}
	for _, p := range []string{"/", "/login", "/submitted", "/nope", "/healthz", "/api/v1/tickets"} {
		resp, _ := raw(t, a, "GET", p, "text/html")
		check(t, p, resp)
	}
	for _, p := range []string{"/queue", "/admin/users"} {
		resp, _ := staff.get(p)
		check(t, p, resp)
	}
	resp, _ := staff.get("/queue")
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("staff page Cache-Control %q, want no-store", cc)
	}
	resp, _ = raw(t, a, "POST", "/", "text/html") // 403 CSRF
	check(t, "POST / (403)", resp)
}

var assetRE = regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)

func TestStaticAssets(t *testing.T) {
	a := newApp(t)
	_, page := a.client().get("/")
	seen := map[string]bool{}
	for _, m := range assetRE.FindAllStringSubmatch(page, -1) {
		seen[m[1]] = true
	}
	want := map[string]string{}
	err := fs.WalkDir(static.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(static.FS, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ext := path.Ext(p)
		want["/static/"+strings.TrimSuffix(p, ext)+"."+hex.EncodeToString(sum[:5])+ext] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) == 0 {
		t.Fatalf("no static assets linked from the page")
	}
	for url := range seen {
		body, ok := want[url]
		if !ok {
			t.Errorf("page links %s, which is not named by the hash of a static file", url)
			continue
		}
		resp, got := raw(t, a, "GET", url, "")
		wantStatus(t, resp, got, http.StatusOK)
		if got != body {
			t.Errorf("%s: served content differs from the file", url)
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") || !strings.Contains(cc, "immutable") {
			t.Errorf("%s: Cache-Control %q", url, cc)
		}
		ct := resp.Header.Get("Content-Type")
		switch path.Ext(url) {
		case ".css":
			if !strings.HasPrefix(ct, "text/css") {
				t.Errorf("%s: Content-Type %q", url, ct)
			}
		case ".svg":
			if !strings.HasPrefix(ct, "image/svg+xml") {
				t.Errorf("%s: Content-Type %q", url, ct)
			}
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", url)
		}
	}
	if !seen[firstKey(want, ".css")] {
		t.Errorf("the stylesheet is not linked by its hashed name: %v", seen)
	}
	// Unhashed or wrongly hashed names are not served.
	for _, p := range []string{"/static/style.css", "/static/logo.svg", "/static/style.0000000000.css", "/static/../go.mod", "/static/embed.go"} {
		resp, body := raw(t, a, "GET", p, "text/html")
		wantStatus(t, resp, body, http.StatusNotFound)
		if strings.Contains(resp.Header.Get("Cache-Control"), "max-age=31536000") {
			t.Errorf("%s: a 404 is cached for a year", p)
		}
	}
}

func firstKey(m map[string]string, ext string) string {
	for k := range m {
		if strings.HasSuffix(k, ext) {
			return k
		}
	}
	return ""
}

// TestErrorPages_WayBackAndWords: every error page says what went wrong in
// a sentence (capitalised, no field-name prefix, no RFC 3339 time) and
// offers a way back: the queue for staff, the request form for visitors.
func TestErrorPages_WayBackAndWords(t *testing.T) {
	a := newApp(t)
	staff := a.staffClient("sam@agency.gov")
	rfc3339 := regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d`)
	for _, tc := range []struct {
		name   string
		get    func() (*http.Response, string)
		status int
		says   string
		back   string
	}{
		{"visitor_unknown_page", func() (*http.Response, string) { return raw(t, a, "GET", "/nope", "text/html") },
			http.StatusNotFound, "There is no page at this address", `<a href="/">Back to the request form</a>`},
		{"staff_unknown_ticket", func() (*http.Response, string) { return staff.get("/tickets/SR-424242") },
			http.StatusNotFound, "Not found", `<a href="/queue">Back to the queue</a>`},
		{"staff_on_an_admin_page", func() (*http.Response, string) { return staff.get("/admin/users") },
			http.StatusForbidden, "Only an admin may do this", `<a href="/queue">Back to the queue</a>`},
		{"report_at_outside_the_calendar", func() (*http.Response, string) { return staff.get("/reports/compliance?at=2262-04-11T00:00:00Z") },
			http.StatusBadRequest, "Thu Apr 10, 2262 8:00 PM EDT is outside the dates reports cover", `href="/reports/overdue"`},
		{"report_bad_format", func() (*http.Response, string) { return staff.get("/reports/overdue?format=xml") },
			http.StatusBadRequest, "There is no format &#34;xml&#34;; the formats are html, csv, json", `<a href="/queue">Back to the queue</a>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := tc.get()
			wantStatus(t, resp, body, tc.status)
			wantContains(t, body, `role="alert"`, tc.says, tc.back)
			if m := rfc3339.FindString(body); m != "" {
				t.Errorf("the page shows a raw RFC 3339 time %q", m)
			}
			wantNoLeak(t, body)
		})
	}
}
