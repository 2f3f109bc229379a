package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
)

// The cookie names under the default configuration: secure cookies, so
// with the __Host- prefix.
const (
	sessionCookie = "__Host-slatrack_session"
	csrfCookie    = "__Host-slatrack_csrf"
	doneCookie    = "__Host-slatrack_submitted"
)

// sessionOf is the session cookie value a client holds ("" when none).
func sessionOf(c *client) string {
	if ck := c.cookies[sessionCookie]; ck != nil {
		return ck.Value
	}
	return ""
}

// withSession is a fresh client carrying only the given session cookie.
func withSession(a *app, tok string) *client {
	c := a.client()
	c.cookies[sessionCookie] = &http.Cookie{Name: sessionCookie, Value: tok}
	return c
}

// wantLoggedOut fails unless the client's /queue request is sent to login.
func wantLoggedOut(t *testing.T, c *client) {
	t.Helper()
	resp, body := c.get("/queue")
	wantRedirect(t, resp, body, "/login?next=%2Fqueue")
}

// wantLoggedIn fails unless the client sees the queue.
func wantLoggedIn(t *testing.T, c *client) {
	t.Helper()
	resp, body := c.get("/queue")
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, "<h1>Queue</h1>")
}

// relogin logs an already logged-in client in again (the login page itself
// redirects logged-in users, so the token comes from the queue page).
func relogin(t *testing.T, c *client, email string) {
	t.Helper()
	resp, body := c.submit("/queue", "/login", url.Values{"email": {email}, "password": {testPassword}})
	wantRedirect(t, resp, body, "/queue")
}

func TestAuth(t *testing.T) {
	t.Run("session_follows_the_service_clock", func(t *testing.T) {
		// Sessions live server.session_hours (12) on the service's clock.
		a := newApp(t)
		c := a.client()
		c.login("sam@agency.gov")
		wantLoggedIn(t, c)
		a.clock.Set(nyAt(time.July, 1, 21, 59))
		wantLoggedIn(t, c)
		a.clock.Set(nyAt(time.July, 1, 22, 0).Add(time.Second))
		wantLoggedOut(t, c)
	})

	t.Run("login_required_redirects_to_login", func(t *testing.T) {
		a := newApp(t)
		c := a.client()
		for path, loc := range map[string]string{
			"/queue":                       "/login?next=%2Fqueue",
			"/queue?class=other&state=met": "/login?next=%2Fqueue%3Fclass%3Dother%26state%3Dmet",
			"/tickets/SR-1001":             "/login?next=%2Ftickets%2FSR-1001",
			"/admin/users":                 "/login?next=%2Fadmin%2Fusers",
		} {
			resp, body := c.get(path)
			wantRedirect(t, resp, body, loc)
		}
		// A POST is refused outright (no redirect loses the form).
		a.mkTicket(desk.NewTicket{Subject: "Question"}, nil)
		resp, body := c.submit("/", "/tickets/SR-1001/reply", url.Values{"body": {"hi"}})
		wantStatus(t, resp, body, http.StatusUnauthorized)
		if _, ev := a.getTicket("SR-1001"); len(ev) != 2 {
			t.Errorf("an anonymous reply changed the timeline: %d events", len(ev))
		}
	})

	t.Run("login_returns_to_next", func(t *testing.T) {
		a := newApp(t)
		c := a.client()
		_, body := c.get("/login?next=" + url.QueryEscape("/queue?class=other"))
		wantContains(t, body, `name="next" value="/queue?class=other"`)
		resp, body := c.submit("/login?next=x", "/login", url.Values{
			"email": {"sam@agency.gov"}, "password": {testPassword}, "next": {"/queue?class=other"},
		})
		wantRedirect(t, resp, body, "/queue?class=other")
		// Logged in, the login page sends you on.
		resp, body = c.get("/login?next=/admin/users")
		wantRedirect(t, resp, body, "/admin/users")
	})

	t.Run("wrong_password_401_without_session", func(t *testing.T) {
		a := newApp(t)
		for _, email := range []string{"sam@agency.gov", "nobody@agency.gov", "SAM@agency.gov "} {
			c := a.client()
			resp, body := c.submit("/login", "/login", url.Values{"email": {email}, "password": {"wrong password!!"}})
			wantStatus(t, resp, body, http.StatusUnauthorized)
			wantContains(t, body, "Wrong email or password", `value="`+email+`"`, `aria-invalid="true" aria-describedby="page-error"`)
			if h := setCookies(resp, sessionCookie); len(h) != 0 {
				t.Errorf("a failed login set a session cookie: %v", h)
			}
			if sessionOf(c) != "" {
				t.Errorf("client holds a session after a failed login")
			}
			wantLoggedOut(t, c)
		}
	})

	t.Run("login_rate_limited", func(t *testing.T) {
		a := newApp(t)
		c := a.client()
		tok := c.csrf("/login")
		var last *http.Response
		var lastBody string
		for i := 0; i < 21; i++ {
			last, lastBody = c.postForm("/login", url.Values{"csrf_token": {tok}, "email": {"sam@agency.gov"}, "password": {fmt.Sprintf("guess number %d", i)}})
		}
		wantStatus(t, last, lastBody, http.StatusTooManyRequests)
		wantContains(t, lastBody, "Too many login attempts")
		// Even the right password is refused now.
		resp, body := c.postForm("/login", url.Values{"csrf_token": {tok}, "email": {"sam@agency.gov"}, "password": {testPassword}})
		wantStatus(t, resp, body, http.StatusTooManyRequests)
		if sessionOf(c) != "" {
			t.Errorf("a rate-limited login set a session")
		}
	})

	t.Run("login_renews_session_and_csrf", func(t *testing.T) {
		a := newApp(t)
		c := a.client()
		_, _ = c.get("/login")
		csrf0 := c.cookies[csrfCookie].Value
		token0 := c.csrf("/login")

		// A planted session id (fixation) is replaced at login.
		c.cookies[sessionCookie] = &http.Cookie{Name: sessionCookie, Value: "planted-by-attacker-planted-by-attacker"}
		resp, body := c.postForm("/login", url.Values{"csrf_token": {token0}, "email": {"sam@agency.gov"}, "password": {testPassword}})
		wantRedirect(t, resp, body, "/queue")
		s1, csrf1 := sessionOf(c), c.cookies[csrfCookie].Value
		if s1 == "" || s1 == "planted-by-attacker-planted-by-attacker" {
			t.Fatalf("session after login = %q", s1)
		}
		if csrf1 == csrf0 {
			t.Errorf("CSRF cookie not rotated at login")
		}
		// The form token from before login no longer works.
		resp, body = c.postForm("/logout", url.Values{"csrf_token": {token0}})
		wantStatus(t, resp, body, http.StatusForbidden)
		wantLoggedIn(t, c)

		relogin(t, c, "sam@agency.gov")
		s2, csrf2 := sessionOf(c), c.cookies[csrfCookie].Value
		if s2 == "" || s2 == s1 {
			t.Errorf("re-login kept the session id (%q → %q)", s1, s2)
		}
		if csrf2 == csrf1 {
			t.Errorf("CSRF cookie not rotated at re-login")
		}
		// The session replaced at re-login has ended.
		wantLoggedOut(t, withSession(a, s1))
		wantLoggedIn(t, withSession(a, s2))
	})

	t.Run("old_sessions_dead_after_logout", func(t *testing.T) {
		a := newApp(t)
		c := a.staffClient("sam@agency.gov")
		s1 := sessionOf(c)
		relogin(t, c, "sam@agency.gov")
		s2 := sessionOf(c)
		other := a.staffClient("sam@agency.gov") // another browser, own session
		resp, body := c.submit("/queue", "/logout", url.Values{})
		wantRedirect(t, resp, body, "/login")
		if sessionOf(c) != "" {
			t.Errorf("logout did not clear the session cookie")
		}
		wantLoggedOut(t, c)
		wantLoggedOut(t, withSession(a, s1))
		wantLoggedOut(t, withSession(a, s2))
		wantLoggedIn(t, other)
		_, body = c.get("/login")
		wantContains(t, body, "You have logged out.")
	})

	t.Run("logout_requires_post_and_csrf", func(t *testing.T) {
		a := newApp(t)
		c := a.staffClient("sam@agency.gov")
		resp, body := c.get("/logout")
		wantStatus(t, resp, body, http.StatusMethodNotAllowed)
		wantLoggedIn(t, c)
		resp, body = c.postForm("/logout", url.Values{})
		wantStatus(t, resp, body, http.StatusForbidden)
		wantLoggedIn(t, c)
		resp, body = c.postForm("/logout", url.Values{"csrf_token": {"not-the-token-not-the-token-not-the-token"}})
		wantStatus(t, resp, body, http.StatusForbidden)
		wantLoggedIn(t, c)
		resp, body = c.submit("/queue", "/logout", url.Values{})
		wantRedirect(t, resp, body, "/login")
		wantLoggedOut(t, c)
	})

	t.Run("no_open_redirect", func(t *testing.T) {
		a := newApp(t)
		for _, next := range []string{
			"https://evil.example", "//evil.example", "/\\evil.example", "\\\\evil.example",
			"javascript:alert(1)", "http:/evil.example", "evil.example", "/\t/evil.example", "/\\/evil.example", "/%0d%0aSet-Cookie:x=y", " //evil.example",
		} {
			c := a.client()
			resp, body := c.submit("/login", "/login", url.Values{"email": {"sam@agency.gov"}, "password": {testPassword}, "next": {next}})
			wantStatus(t, resp, body, http.StatusSeeOther)
			loc := resp.Header.Get("Location")
			u, err := url.Parse(loc)
			if err != nil || u.Host != "" || u.Scheme != "" || !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || strings.Contains(loc, "\\") {
				t.Errorf("next=%q: redirected off site to %q", next, loc)
			}
			if resp.Header.Get("Set-Cookie") != "" && strings.Contains(strings.Join(resp.Header.Values("Set-Cookie"), ";"), "x=y") {
				t.Errorf("next=%q: header injection", next)
			}
			switch next {
			case "https://evil.example", "//evil.example", "/\\evil.example", "javascript:alert(1)":
				if loc != "/queue" {
					t.Errorf("next=%q: Location %q, want /queue", next, loc)
				}
			}
			// Same for a logged-in visit to the login page.
			resp, _ = c.get("/login?next=" + url.QueryEscape(next))
			if l := resp.Header.Get("Location"); !strings.HasPrefix(l, "/") || strings.HasPrefix(l, "//") || strings.Contains(l, "\\") {
				t.Errorf("GET /login next=%q: Location %q", next, l)
			}
		}
	})

	t.Run("staff_cannot_use_admin_pages", func(t *testing.T) {
		a := newApp(t)
		c := a.staffClient("sam@agency.gov")
		resp, body := c.get("/admin/users")
		wantStatus(t, resp, body, http.StatusForbidden)
		wantContains(t, body, "Only an admin may do this")
		_, q := c.get("/queue")
		wantLacks(t, q, `href="/admin/users"`)
		resp, body = c.submit("/queue", "/admin/users", url.Values{
			"email": {"mallory@agency.gov"}, "name": {"Mallory"}, "role": {"admin"}, "password": {"a long enough password"},
		})
		wantStatus(t, resp, body, http.StatusForbidden)
		if _, err := a.store.GetUserByEmail(context.Background(), "mallory@agency.gov"); desk.ErrorCode(err) != desk.NotFound {
			t.Errorf("staff created a user (err %v)", err)
		}
		resp, body = c.submit("/queue", fmt.Sprintf("/admin/users/%d/active", a.admin.ID), url.Values{"active": {"0"}})
		wantStatus(t, resp, body, http.StatusForbidden)
		if u, _ := a.store.GetUser(context.Background(), a.admin.ID); u == nil || !u.Active {
			t.Errorf("staff deactivated the admin")
		}
	})

	t.Run("session_cookie_attributes", func(t *testing.T) {
		a := newApp(t)
		c := a.client()
		resp, body := c.submit("/login", "/login", url.Values{"email": {"sam@agency.gov"}, "password": {testPassword}})
		wantStatus(t, resp, body, http.StatusSeeOther)
		for _, name := range []string{sessionCookie, csrfCookie} {
			hs := setCookies(resp, name)
			if len(hs) != 1 {
				t.Fatalf("%s: Set-Cookie headers %v", name, hs)
			}
			h := hs[0]
			for _, attr := range []string{"HttpOnly", "SameSite=Lax", "Secure", "Path=/"} {
				if !strings.Contains(h, "; "+attr) {
					t.Errorf("%s cookie lacks %s: %s", name, attr, h)
				}
			}
		}
		if h := setCookies(resp, sessionCookie)[0]; !strings.Contains(h, "Max-Age=43200") {
			t.Errorf("session cookie should last session_hours (12h): %s", h)
		}
		// The intake and confirmation cookies too.
		resp, _ = a.client().get("/")
		for _, h := range setCookies(resp, csrfCookie) {
			if !strings.Contains(h, "HttpOnly") || !strings.Contains(h, "SameSite=Lax") || !strings.Contains(h, "Secure") {
				t.Errorf("csrf cookie: %s", h)
			}
		}
		ic := a.client()
		resp, _ = ic.submit("/", "/", neutral())
		hs := setCookies(resp, doneCookie)
		if len(hs) != 1 || !strings.Contains(hs[0], "HttpOnly") || !strings.Contains(hs[0], "Secure") || !strings.Contains(hs[0], "SameSite=Lax") {
			t.Errorf("submitted cookie: %v", hs)
		}
	})

	t.Run("admin_creates_user", func(t *testing.T) {
		a := newApp(t)
		c := a.staffClient("admin@agency.gov")
		resp, body := c.get("/admin/users")
		wantStatus(t, resp, body, http.StatusOK)
		wantContains(t, body, "sam@agency.gov", "admin@agency.gov", "Add a staff member")

		resp, body = c.submit("/admin/users", "/admin/users", url.Values{
			"email": {"not-an-email"}, "name": {"  "}, "role": {"root"}, "password": {"short"},
		})
		wantStatus(t, resp, body, http.StatusBadRequest)
		wantContains(t, fieldBlock(t, body, "email"), "has-error", "is not an email address", `value="not-an-email"`)
		wantContains(t, fieldBlock(t, body, "name"), "has-error", "Please give a name")
		wantContains(t, fieldBlock(t, body, "role"), "has-error", "The role must be staff or admin")
		wantContains(t, fieldBlock(t, body, "password"), "has-error", "The password must be at least 12 characters")
		wantLacks(t, body, `value="short"`)

		resp, body = c.submit("/admin/users", "/admin/users", url.Values{
			"email": {"New.Person@Agency.gov"}, "name": {"New Person"}, "role": {"staff"}, "password": {"a long enough password"},
		})
		wantRedirect(t, resp, body, "/admin/users")
		_, body = c.get("/admin/users")
		wantContains(t, body, "Account created for new.person@agency.gov.", "New Person")

		resp, body = c.submit("/admin/users", "/admin/users", url.Values{
			"email": {"SAM@agency.gov"}, "name": {"Sam Again"}, "role": {"staff"}, "password": {"a long enough password"},
		})
		wantStatus(t, resp, body, http.StatusConflict)
		wantContains(t, fieldBlock(t, body, "email"), "has-error", "field-error")
		wantContains(t, body, `value="Sam Again"`)
		wantNoLeak(t, body)

		// The new account works.
		nc := a.client()
		resp, body = nc.submit("/login", "/login", url.Values{"email": {"new.person@agency.gov"}, "password": {"a long enough password"}})
		wantRedirect(t, resp, body, "/queue")
		wantLoggedIn(t, nc)
	})

	t.Run("deactivated_user_session_rejected", func(t *testing.T) {
		a := newApp(t)
		sam := a.staffClient("sam@agency.gov")
		samTok := sessionOf(sam)
		apiTok := a.apiToken("sam@agency.gov")
		wantLoggedIn(t, sam)
		admin := a.staffClient("admin@agency.gov")
		resp, body := admin.submit("/admin/users", fmt.Sprintf("/admin/users/%d/active", a.staff.ID), url.Values{"active": {"0"}})
		wantRedirect(t, resp, body, "/admin/users")
		_, body = admin.get("/admin/users")
		wantContains(t, body, "sam@agency.gov is deactivated and logged out everywhere.", "Deactivated")

		wantLoggedOut(t, sam)
		wantLoggedOut(t, withSession(a, samTok))
		resp, body = a.api(apiTok, http.MethodGet, "/api/v1/tickets", "")
		wantJSONError(t, resp, body, http.StatusUnauthorized, "")

		resp, body = a.client().submit("/login", "/login", url.Values{"email": {"sam@agency.gov"}, "password": {testPassword}})
		wantStatus(t, resp, body, http.StatusUnauthorized)

		// Reactivated, Sam may log in again; the old session stays dead.
		resp, body = admin.submit("/admin/users", fmt.Sprintf("/admin/users/%d/active", a.staff.ID), url.Values{"active": {"1"}})
		wantRedirect(t, resp, body, "/admin/users")
		wantLoggedOut(t, withSession(a, samTok))
		wantLoggedIn(t, a.staffClient("sam@agency.gov"))
	})

	t.Run("deactivated_user_session_row_grants_nothing", func(t *testing.T) {
		// Even if a deactivated user's session row survived, it grants nothing.
		a := newApp(t)
		sam := a.staffClient("sam@agency.gov")
		u, err := a.store.GetUser(context.Background(), a.staff.ID)
		if err != nil {
			t.Fatal(err)
		}
		u.Active = false
		if err := a.store.UpdateUser(context.Background(), u); err != nil {
			t.Fatal(err)
		}
		wantLoggedOut(t, sam)
		resp, body := sam.get("/tickets/SR-1001")
		wantStatus(t, resp, body, http.StatusSeeOther)
	})

	t.Run("admin_cannot_deactivate_self", func(t *testing.T) {
		a := newApp(t)
		c := a.staffClient("admin@agency.gov")
		resp, body := c.submit("/admin/users", fmt.Sprintf("/admin/users/%d/active", a.admin.ID), url.Values{"active": {"0"}})
		wantStatus(t, resp, body, http.StatusConflict)
		wantContains(t, body, "You cannot deactivate your own account")
		wantLoggedIn(t, c)
		for _, id := range []string{"999", "abc"} {
			resp, body = c.submit("/admin/users", "/admin/users/"+id+"/active", url.Values{"active": {"0"}})
			wantStatus(t, resp, body, http.StatusNotFound)
			wantNoLeak(t, body)
		}
	})

	t.Run("forged_session_cookie_grants_nothing", func(t *testing.T) {
		a := newApp(t)
		real := a.staffClient("sam@agency.gov")
		tok := sessionOf(real)
		for _, v := range []string{
			desk.RandomToken(), "", "x", desk.HashToken(tok), // the stored hash is not a cookie
			tok[:len(tok)-1] + "A", strings.ToUpper(tok), tok + "x",
		} {
			if v == tok {
				continue
			}
			c := withSession(a, v)
			wantLoggedOut(t, c)
			resp, body := c.get("/admin/users")
			wantStatus(t, resp, body, http.StatusSeeOther)
			resp, body = c.submit("/", "/logout", url.Values{})
			wantStatus(t, resp, body, http.StatusUnauthorized)
		}
		// A session cookie is no API token, and an API token no session.
		resp, body := a.api(tok, http.MethodGet, "/api/v1/tickets", "")
		wantJSONError(t, resp, body, http.StatusUnauthorized, "")
		wantLoggedOut(t, withSession(a, a.apiToken("admin@agency.gov")))
		wantLoggedIn(t, real)
	})
}
