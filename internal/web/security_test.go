package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/config"
	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// csrfPair is a browser's CSRF cookie and the token its pages carry.
func csrfPair(t *testing.T, c *client, page string) (cookie, token string) {
	t.Helper()
	token = c.csrf(page)
	ck := c.cookies[csrfCookie]
	if ck == nil {
		t.Fatalf("no CSRF cookie after GET %s", page)
	}
	return ck.Value, token
}

// forged is a request as the victim's browser sends it once an attacker has
// planted his CSRF cookie there: the victim's session, the attacker's CSRF
// cookie, and the form token the attacker fetched for that cookie.
func forged(a *app, session, csrfCookieValue string) *client {
	c := a.client()
	c.cookies[sessionCookie] = &http.Cookie{Name: sessionCookie, Value: session}
	c.cookies[csrfCookie] = &http.Cookie{Name: csrfCookie, Value: csrfCookieValue}
	return c
}

// TestCSRF: a form token is bound to the logged-in session, so a cookie and
// token pair obtained elsewhere does not work with a victim's session.
func TestCSRF(t *testing.T) {
	t.Run("anonymous_pair_refused_with_a_victims_session", func(t *testing.T) {
		a := newApp(t)
		a.mkTicket(desk.NewTicket{Subject: "Quota question"}, nil)
		victim := a.staffClient("admin@agency.gov")
		cookie, token := csrfPair(t, a.client(), "/") // the attacker's, from the public form
		c := forged(a, sessionOf(victim), cookie)
		resp, body := c.postForm("/tickets/SR-1001/reply", url.Values{"csrf_token": {token}, "body": {"forged reply"}, "action": {"reply"}})
		wantStatus(t, resp, body, http.StatusForbidden)
		wantContains(t, body, "This form has expired or came from another site")
		if _, ev := a.getTicket("SR-1001"); len(ev) != 2 {
			t.Errorf("the forged reply changed the timeline: %d events", len(ev))
		}
		resp, body = c.postForm("/admin/users", url.Values{"csrf_token": {token},
			"email": {"mallory@agency.gov"}, "name": {"Mallory"}, "role": {"admin"}, "password": {"a long enough password"}})
		wantStatus(t, resp, body, http.StatusForbidden)
		wantLoggedIn(t, victim)
	})

	t.Run("token_of_another_session_refused", func(t *testing.T) {
		// A logged-in attacker's own pair does not fit the victim's session.
		a := newApp(t)
		attacker := a.staffClient("sam@agency.gov")
		cookie, token := csrfPair(t, attacker, "/queue")
		victim := a.staffClient("admin@agency.gov")
		resp, body := forged(a, sessionOf(victim), cookie).postForm("/logout", url.Values{"csrf_token": {token}})
		wantStatus(t, resp, body, http.StatusForbidden)
		wantLoggedIn(t, victim)
	})

	t.Run("own_session_token_accepted", func(t *testing.T) {
		a := newApp(t)
		a.mkTicket(desk.NewTicket{Subject: "Quota question"}, nil)
		c := a.staffClient("sam@agency.gov")
		resp, body := c.submit("/tickets/SR-1001", "/tickets/SR-1001/reply", url.Values{"body": {"On it."}, "action": {"reply"}})
		wantRedirect(t, resp, body, "/tickets/SR-1001")
		// The same form token is good for every form of the session…
		token := c.csrf("/queue")
		resp, body = c.postForm("/logout", url.Values{"csrf_token": {token}})
		wantRedirect(t, resp, body, "/login")
	})

	t.Run("token_ends_with_its_session", func(t *testing.T) {
		// …and no longer once the session is gone, even with the same cookie.
		a := newApp(t)
		c := a.staffClient("sam@agency.gov")
		token := c.csrf("/queue")
		a.clock.Set(a.clock.Now().Add(13 * time.Hour)) // past server.session_hours
		resp, body := c.postForm("/login", url.Values{"csrf_token": {token}, "email": {"sam@agency.gov"}, "password": {testPassword}})
		wantStatus(t, resp, body, http.StatusForbidden)
		// A fresh page gives a token that works: the expired cookie counts as logged out.
		resp, body = c.submit("/login", "/login", url.Values{"email": {"sam@agency.gov"}, "password": {testPassword}})
		wantRedirect(t, resp, body, "/queue")
		wantLoggedIn(t, c)
	})

	t.Run("anonymous_forms_keep_working", func(t *testing.T) {
		a := newApp(t)
		c := a.client()
		resp, body := c.submit("/", "/", neutral())
		wantRedirect(t, resp, body, "/submitted")
		resp, body = c.submit("/login", "/login", url.Values{"email": {"sam@agency.gov"}, "password": {testPassword}})
		wantRedirect(t, resp, body, "/queue")
		// A stale or forged session cookie does not make an anonymous form fail.
		junk := withSession(a, "not-a-session-not-a-session-not-a-session")
		resp, body = junk.submit("/login", "/login", url.Values{"email": {"sam@agency.gov"}, "password": {testPassword}})
		wantRedirect(t, resp, body, "/queue")
	})

	t.Run("public_form_with_a_session_needs_the_session_token", func(t *testing.T) {
		// Even the public form, which takes anonymous tokens, wants the
		// session's token from a request that carries a session.
		a := newApp(t)
		c := a.client()
		_, anon := csrfPair(t, c, "/")
		session := sessionOf(a.staffClient("sam@agency.gov"))
		c.cookies[sessionCookie] = &http.Cookie{Name: sessionCookie, Value: session}
		resp, body := c.postForm("/", mergeForm(neutral(), url.Values{"csrf_token": {anon}}))
		wantStatus(t, resp, body, http.StatusForbidden)
	})
}

func mergeForm(a, b url.Values) url.Values {
	for k, v := range b {
		a[k] = v
	}
	return a
}

// TestCookies: with secure cookies every cookie has the __Host- prefix
// (Secure, Path=/, no Domain); without, plain names.
func TestCookies(t *testing.T) {
	all := func(t *testing.T, a *app) []string {
		t.Helper()
		c := a.client()
		var hs []string
		resp, _ := c.get("/")
		hs = append(hs, resp.Header.Values("Set-Cookie")...)
		resp, _ = c.submit("/", "/", neutral())
		hs = append(hs, resp.Header.Values("Set-Cookie")...)
		resp, _ = c.submit("/login", "/login", url.Values{"email": {"sam@agency.gov"}, "password": {testPassword}})
		hs = append(hs, resp.Header.Values("Set-Cookie")...)
		resp, _ = c.submit("/queue", "/logout", url.Values{})
		hs = append(hs, resp.Header.Values("Set-Cookie")...)
		return hs
	}
	names := func(hs []string) map[string]bool {
		m := map[string]bool{}
		for _, h := range hs {
			name, _, _ := strings.Cut(h, "=")
			m[name] = true
		}
		return m
	}
	t.Run("secure_have_the_host_prefix", func(t *testing.T) {
		hs := all(t, newApp(t))
		got := names(hs)
		for _, n := range []string{sessionCookie, csrfCookie, doneCookie, "__Host-slatrack_flash"} {
			if !got[n] {
				t.Errorf("no %s cookie among %v", n, hs)
			}
		}
		for _, h := range hs {
			if !strings.HasPrefix(h, "__Host-") || !strings.Contains(h, "; Secure") || !strings.Contains(h, "; Path=/") || strings.Contains(h, "Domain=") {
				t.Errorf("cookie without __Host- attributes: %s", h)
			}
		}
	})
	t.Run("unprefixed_session_cookie_ignored", func(t *testing.T) {
		// A cookie a sibling subdomain could set (no prefix) is not read.
		a := newApp(t)
		session := sessionOf(a.staffClient("sam@agency.gov"))
		c := a.client()
		c.cookies["slatrack_session"] = &http.Cookie{Name: "slatrack_session", Value: session}
		wantLoggedOut(t, c)
	})
	t.Run("plain_names_without_secure_cookies", func(t *testing.T) {
		a := newAppWith(t, storetest.OpenEnv(t), func(c *config.Config) { c.Server.SecureCookies = false })
		hs := all(t, a)
		got := names(hs)
		for _, n := range []string{"slatrack_session", "slatrack_csrf", "slatrack_submitted", "slatrack_flash"} {
			if !got[n] {
				t.Errorf("no %s cookie among %v", n, hs)
			}
		}
		for _, h := range hs {
			if strings.HasPrefix(h, "__Host-") || strings.Contains(h, "; Secure") {
				t.Errorf("insecure configuration set %s", h)
			}
		}
		c := a.client()
		resp, body := c.submit("/login", "/login", url.Values{"email": {"sam@agency.gov"}, "password": {testPassword}})
		wantRedirect(t, resp, body, "/queue")
		resp, body = c.get("/queue")
		wantStatus(t, resp, body, http.StatusOK)
	})
}

// TestHSTS: Strict-Transport-Security on every answer when secure cookies
// are on (so the desk is behind HTTPS), never otherwise.
func TestHSTS(t *testing.T) {
	paths := []string{"/", "/login", "/healthz", "/no-such-page", "/api/v1/tickets"}
	t.Run("secure_cookies", func(t *testing.T) {
		a := newApp(t)
		for _, p := range paths {
			resp, _ := a.client().get(p)
			if got := resp.Header.Get("Strict-Transport-Security"); got != "max-age=31536000; includeSubDomains" {
				t.Errorf("GET %s: Strict-Transport-Security %q", p, got)
			}
		}
	})
	t.Run("plain_http", func(t *testing.T) {
		a := newAppWith(t, storetest.OpenEnv(t), func(c *config.Config) { c.Server.SecureCookies = false })
		for _, p := range paths {
			resp, _ := a.client().get(p)
			if got := resp.Header.Get("Strict-Transport-Security"); got != "" {
				t.Errorf("GET %s: Strict-Transport-Security %q without secure cookies", p, got)
			}
		}
	})
}

// TestForwardedPrefix: no redirect is built from a client's
// X-Forwarded-Prefix (gin's trailing-slash redirect would prepend it).
func TestForwardedPrefix(t *testing.T) {
	a := newApp(t)
	a.mkTicket(desk.NewTicket{Subject: "Quota question"}, nil)
	staff := a.staffClient("sam@agency.gov")
	for _, path := range []string{"/queue/", "/tickets/SR-1001/", "/admin/users/", "/login/", "/reports/overdue/", "/api/v1/tickets/"} {
		for _, prefix := range []string{"//evil.example", "/", "evil.example", "https://evil.example", `/\evil.example`, "/evil.example", "/../..//evil.example"} {
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				req, _ := http.NewRequest(method, a.srv.URL+path, nil)
				req.Header.Set("X-Forwarded-Prefix", prefix)
				resp, body := staff.do(req)
				loc := resp.Header.Get("Location")
				if loc == "" {
					continue
				}
				if want := strings.TrimSuffix(path, "/"); loc != want {
					t.Errorf("%s %s with X-Forwarded-Prefix %q: %d to %q, want %q at most\n%s", method, path, prefix, resp.StatusCode, loc, want, clip(body))
				}
			}
		}
	}
}
