package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const (
	xssScript = `<script>alert(1)</script>`
	xssImg    = `"><img src=x onerror=alert(1)>`
)

// wantEscaped fails unless body shows both payloads escaped and neither raw.
func wantEscaped(t *testing.T, where, body string) {
	t.Helper()
	for _, raw := range []string{xssScript, "<script>alert", "<img src=x"} {
		if strings.Contains(body, raw) {
			t.Errorf("%s: raw %q in the page", where, raw)
		}
	}
	for _, esc := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"} {
		if !strings.Contains(body, esc) {
			t.Errorf("%s: escaped %q not in the page:\n%s", where, esc, clip(body))
		}
	}
}

func TestEscaping(t *testing.T) {
	a := newApp(t)
	evil := url.Values{
		"name":    {xssScript + " " + xssImg},
		"email":   {"pat@example.gov"},
		"subject": {xssScript + " " + xssImg},
		"body":    {xssScript + "\n" + xssImg},
	}

	t.Run("confirmation", func(t *testing.T) {
		c := a.client()
		resp, body := c.submit("/", "/", clone(evil))
		wantRedirect(t, resp, body, "/submitted")
		resp, body = c.get("/submitted")
		wantStatus(t, resp, body, http.StatusOK)
		wantContains(t, body, "SR-1001")
		wantLacks(t, body, xssScript, "<img src=x")
	})

	t.Run("intake_form_redisplay", func(t *testing.T) {
		f := clone(evil)
		f.Set("email", xssImg)
		resp, body := a.client().submit("/", "/", f)
		wantStatus(t, resp, body, http.StatusBadRequest)
		wantEscaped(t, "intake form", body)
	})

	staff := a.staffClient("sam@agency.gov")

	t.Run("queue", func(t *testing.T) {
		resp, body := staff.get("/queue")
		wantStatus(t, resp, body, http.StatusOK)
		wantContains(t, body, `data-ref="SR-1001"`)
		wantEscaped(t, "queue", body)
		// The search box echoes the query escaped.
		_, body = staff.get("/queue?q=" + url.QueryEscape(xssImg))
		wantLacks(t, body, "<img src=x")
		wantContains(t, body, `value="&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"`)
	})

	t.Run("ticket_page", func(t *testing.T) {
		resp, body := staff.get("/tickets/SR-1001")
		wantStatus(t, resp, body, http.StatusOK)
		wantEscaped(t, "ticket page", body)
		// Replies and notes are escaped on the timeline too.
		staff.submit("/tickets/SR-1001", "/tickets/SR-1001/reply", url.Values{"body": {xssScript + "\n" + xssImg}, "action": {"note"}})
		staff.submit("/tickets/SR-1001", "/tickets/SR-1001/reclassify", url.Values{"class": {"other"}, "reason": {xssScript + " " + xssImg}})
		_, body = staff.get("/tickets/SR-1001")
		wantEscaped(t, "ticket page after note", body)
		// A re-rendered reply keeps the text escaped in the textarea.
		resp, body = staff.submit("/tickets/SR-1001", "/tickets/SR-1001/reclassify", url.Values{"class": {"bogus"}})
		wantStatus(t, resp, body, http.StatusBadRequest)
		wantLacks(t, body, xssScript)
	})

	t.Run("login_form_redisplay", func(t *testing.T) {
		resp, body := a.client().submit("/login", "/login", url.Values{"email": {xssImg}, "password": {"x"}, "next": {xssScript}})
		wantStatus(t, resp, body, http.StatusUnauthorized)
		wantLacks(t, body, xssScript, "<img src=x")
	})

	t.Run("admin_users_page", func(t *testing.T) {
		admin := a.staffClient("admin@agency.gov")
		resp, body := admin.submit("/admin/users", "/admin/users", url.Values{
			"email": {"x@agency.gov"}, "name": {xssScript + " " + xssImg}, "role": {"staff"}, "password": {"a long enough password"},
		})
		wantRedirect(t, resp, body, "/admin/users")
		_, body = admin.get("/admin/users")
		wantEscaped(t, "users page", body)
	})
}
