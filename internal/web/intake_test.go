package web_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
)

// outage is request text the classifier must read as availability.
var outage = url.Values{
	"name":    {"Pat Doe"},
	"email":   {"Pat@Example.gov"},
	"subject": {"Our app is down"},
	"body":    {"Since 3pm every request to our production app returns 502 Bad Gateway."},
}

// neutral is request text that is clearly not an outage.
func neutral() url.Values {
	return url.Values{
		"name":    {"Pat Doe"},
		"email":   {"pat@example.gov"},
		"subject": {"Question about our invoice"},
		"body":    {"Could you send a copy of last quarter's invoice to our finance office?"},
	}
}

func clone(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func TestIntake(t *testing.T) {
	t.Run("form_renders_with_csrf_token", func(t *testing.T) {
		a := newApp(t)
		c := a.client()
		resp, body := c.get("/")
		wantStatus(t, resp, body, http.StatusOK)
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("Content-Type %q", ct)
		}
		m := csrfRE.FindStringSubmatch(body)
		if m == nil || len(m[1]) < 20 {
			t.Fatalf("no CSRF token in the form:\n%s", body)
		}
		if c.cookies[csrfCookie] == nil {
			t.Errorf("no CSRF cookie set")
		}
		wantContains(t, body, `<form method="post" action="/"`, `name="subject"`, `name="email"`, `name="body"`,
			`value="availability"`, `value="provisioning"`, `value="other"`)
		// The token is stable for one browser and differs between browsers.
		if again := c.csrf("/"); again != m[1] {
			t.Errorf("CSRF token changed between two pages of one browser")
		}
		if other := a.client().csrf("/"); other == m[1] {
			t.Errorf("two browsers got the same CSRF token")
		}
	})

	t.Run("valid_submission_shows_ref_and_promise", func(t *testing.T) {
		a := newApp(t)
		// Thursday 4 PM: one business hour left Thursday, Friday July 3 is the
		// observed Independence Day, then the weekend: 2 more hours Monday.
		a.clock.Set(nyAt(time.July, 2, 16, 0))
		c := a.client()
		resp, body := c.submit("/", "/", clone(outage))
		wantRedirect(t, resp, body, "/submitted")
		resp, body = c.get("/submitted")
		wantStatus(t, resp, body, http.StatusOK)
		wantContains(t, body, "SR-1001", "We will respond by Monday, July 6, 11:00 AM ET.")
		// A reload shows the same confirmation and creates nothing.
		_, again := c.get("/submitted")
		wantContains(t, again, "SR-1001")
		if n := a.ticketCount(); n != 1 {
			t.Errorf("%d tickets, want 1", n)
		}
		tk, ev := a.getTicket("SR-1001")
		if tk.Class != "availability" || tk.Channel != desk.ChannelWeb || tk.RequesterEmail != "pat@example.gov" || tk.Status != desk.StatusNew {
			t.Errorf("ticket = class %q channel %q email %q status %q", tk.Class, tk.Channel, tk.RequesterEmail, tk.Status)
		}
		if want := nyAt(time.July, 2, 16, 0); !tk.ReceivedAt.Equal(want) {
			t.Errorf("received %v, want %v", tk.ReceivedAt, want)
		}
		if want := nyAt(time.July, 6, 11, 0); !tk.ResponseDueAt.Equal(want) {
			t.Errorf("due %v, want %v", tk.ResponseDueAt.In(ny), want)
		}
		if len(ev) < 2 || ev[0].Kind != desk.EventMessageIn || ev[1].Kind != desk.EventCreated {
			t.Errorf("timeline starts %v", ev)
		}
	})

	t.Run("promise_in_words", func(t *testing.T) {
		for _, tc := range []struct {
			name     string
			at       time.Time
			class    string
			form     url.Values
			want     string
			wantDue  time.Time
			wantName string
		}{
			{"wednesday_morning_availability", nyAt(time.July, 1, 10, 0), "", outage, "Wednesday, July 1, 1:00 PM ET", nyAt(time.July, 1, 13, 0), ""},
			{"wednesday_afternoon_availability_runs_overnight", nyAt(time.July, 1, 15, 30), "availability", neutral(), "Thursday, July 2, 10:30 AM ET", nyAt(time.July, 2, 10, 30), ""},
			{"saturday_holiday_weekend", nyAt(time.July, 4, 12, 0), "availability", neutral(), "Monday, July 6, 12:00 PM ET", nyAt(time.July, 6, 12, 0), ""},
			{"provisioning_two_days_skip_holiday", nyAt(time.July, 1, 10, 0), "provisioning", neutral(), "Monday, July 6, 10:00 AM ET", nyAt(time.July, 6, 10, 0), ""},
			{"other_five_days", nyAt(time.July, 1, 10, 0), "other", neutral(), "Thursday, July 9, 10:00 AM ET", nyAt(time.July, 9, 10, 0), ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				a := newApp(t)
				a.clock.Set(tc.at)
				c := a.client()
				f := clone(tc.form)
				f.Set("class", tc.class)
				resp, body := c.submit("/", "/", f)
				wantRedirect(t, resp, body, "/submitted")
				_, body = c.get("/submitted")
				wantContains(t, body, "We will respond by "+tc.want+".")
				tk, _ := a.getTicket("SR-1001")
				if !tk.ResponseDueAt.Equal(tc.wantDue) {
					t.Errorf("due %v, want %v", tk.ResponseDueAt.In(ny), tc.wantDue)
				}
			})
		}
	})

	t.Run("validation_messages_next_to_fields", func(t *testing.T) {
		a := newApp(t)
		c := a.client()
		resp, body := c.submit("/", "/", url.Values{
			"name": {"Jo Q"}, "email": {"not-an-email"}, "subject": {"   "},
			"body": {"My text stays here"}, "class": {"provisioning"},
		})
		wantStatus(t, resp, body, http.StatusBadRequest)
		wantContains(t, body, "Please correct the fields marked below.")
		subj := fieldBlock(t, body, "subject")
		wantContains(t, subj, "has-error", `class="field-error"`, "Please give a short summary")
		email := fieldBlock(t, body, "email")
		wantContains(t, email, "has-error", `class="field-error"`, "is not an email address", `value="not-an-email"`)
		name := fieldBlock(t, body, "name")
		wantContains(t, name, `value="Jo Q"`)
		wantLacks(t, name, "has-error")
		bodyField := fieldBlock(t, body, "body")
		wantContains(t, bodyField, ">My text stays here</textarea>")
		wantLacks(t, bodyField, "has-error")
		wantContains(t, body, `value="provisioning" checked`)
		// The form can be sent again: it still carries a CSRF token.
		if csrfRE.FindStringSubmatch(body) == nil {
			t.Errorf("re-rendered form has no CSRF token")
		}
		if n := a.ticketCount(); n != 0 {
			t.Errorf("%d tickets created from an invalid form", n)
		}
	})

	t.Run("empty_form_marks_every_required_field", func(t *testing.T) {
		a := newApp(t)
		c := a.client()
		resp, body := c.submit("/", "/", url.Values{})
		wantStatus(t, resp, body, http.StatusBadRequest)
		wantContains(t, fieldBlock(t, body, "subject"), "Please give a short summary")
		wantContains(t, fieldBlock(t, body, "body"), "Please describe what you need")
		wantContains(t, fieldBlock(t, body, "email"), "Please give an email address")
	})

	t.Run("csrf_missing_or_wrong_is_403_and_creates_nothing", func(t *testing.T) {
		a := newApp(t)
		c := a.client()
		c.get("/") // has a CSRF cookie, but sends no token
		resp, body := c.postForm("/", clone(outage))
		wantStatus(t, resp, body, http.StatusForbidden)
		wantContains(t, body, "please reload the page")

		f := clone(outage)
		f.Set("csrf_token", "forged-token-forged-token-forged-token")
		resp, body = c.postForm("/", f)
		wantStatus(t, resp, body, http.StatusForbidden)

		// A valid token of another browser does not fit this one's cookie.
		f.Set("csrf_token", a.client().csrf("/"))
		resp, body = c.postForm("/", f)
		wantStatus(t, resp, body, http.StatusForbidden)

		// No cookie at all (a cross-site POST from a fresh browser).
		fresh := a.client()
		f.Set("csrf_token", c.csrf("/"))
		resp, body = fresh.postForm("/", f)
		wantStatus(t, resp, body, http.StatusForbidden)

		if n := a.ticketCount(); n != 0 {
			t.Errorf("%d tickets created without a valid CSRF token", n)
		}
	})

	t.Run("submitted_without_cookie_redirects_home", func(t *testing.T) {
		a := newApp(t)
		resp, body := a.client().get("/submitted")
		wantRedirect(t, resp, body, "/")
	})

	t.Run("forged_submitted_cookie_ignored", func(t *testing.T) {
		a := newApp(t)
		enc := base64.RawURLEncoding.EncodeToString([]byte("SR-4242\nTuesday, never, 9:00 AM ET"))
		for _, v := range []string{
			enc,                     // unsigned
			enc + ".bm90LWEtc2ln",   // bad signature
			enc + ".",               // empty signature
			"garbage.garbage",       // nonsense
			"U1ItMTAwMQ.xxxxxxxxxx", // "SR-1001", bad signature
		} {
			c := a.client()
			c.cookies[doneCookie] = &http.Cookie{Name: doneCookie, Value: v}
			resp, body := c.get("/submitted")
			wantRedirect(t, resp, body, "/")
			wantLacks(t, body, "SR-4242", "never")
		}
		// A genuine confirmation cookie cannot be edited either.
		c := a.client()
		resp, body := c.submit("/", "/", neutral())
		wantRedirect(t, resp, body, "/submitted")
		raw := c.cookies[doneCookie].Value
		val, sig, _ := strings.Cut(raw, ".")
		b, _ := base64.RawURLEncoding.DecodeString(val)
		edited := base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(b), "SR-1001", "SR-1002", 1)))
		c.cookies[doneCookie] = &http.Cookie{Name: doneCookie, Value: edited + "." + sig}
		resp, body = c.get("/submitted")
		wantRedirect(t, resp, body, "/")
	})

	t.Run("rate_limit_per_client", func(t *testing.T) {
		a := newApp(t)
		limit := a.cfg.Server.IntakePerHour
		if limit != 20 {
			t.Fatalf("server.intake_per_hour = %d, this test expects the default 20", limit)
		}
		c := a.client()
		tok := c.csrf("/")
		for i := 0; i < limit; i++ {
			f := neutral()
			f.Set("csrf_token", tok)
			resp, body := c.postForm("/", f)
			wantRedirect(t, resp, body, "/submitted")
		}
		f := neutral()
		f.Set("csrf_token", tok)
		resp, body := c.postForm("/", f)
		wantStatus(t, resp, body, http.StatusTooManyRequests)
		wantContains(t, body, "You have sent many requests in a short time", `value="Question about our invoice"`)

		// A spoofed X-Forwarded-For from an untrusted client does not reset it.
		req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/", strings.NewReader(f.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", "203.0.113.9")
		req.Header.Set("X-Real-IP", "203.0.113.9")
		resp, body = c.do(req)
		wantStatus(t, resp, body, http.StatusTooManyRequests)

		if n := a.ticketCount(); n != limit {
			t.Errorf("%d tickets, want %d", n, limit)
		}
	})

	t.Run("category_choice_honoured", func(t *testing.T) {
		a := newApp(t)
		c := a.client()
		f := neutral()
		f.Set("class", "provisioning")
		resp, body := c.submit("/", "/", f)
		wantRedirect(t, resp, body, "/submitted")
		tk, _ := a.getTicket("SR-1001")
		if tk.Class != "provisioning" || tk.ClassBy != desk.ClassByRequester || tk.ClassReason != "chosen by the requester" {
			t.Errorf("class %q by %q (%q), want provisioning chosen by the requester", tk.Class, tk.ClassBy, tk.ClassReason)
		}
		_, body = c.get("/submitted")
		wantContains(t, body, "Monday, July 6, 10:00 AM ET")
	})

	t.Run("availability_wins_over_choice_for_outage", func(t *testing.T) {
		a := newApp(t)
		c := a.client()
		f := clone(outage)
		f.Set("class", "other")
		resp, body := c.submit("/", "/", f)
		wantRedirect(t, resp, body, "/submitted")
		tk, _ := a.getTicket("SR-1001")
		if tk.Class != "availability" || tk.ClassBy != desk.ClassByRule {
			t.Errorf("class %q by %q, want availability by rule", tk.Class, tk.ClassBy)
		}
		if !strings.Contains(tk.ClassReason, "requester chose other") || !strings.Contains(tk.ClassReason, "availability wins") {
			t.Errorf("class reason %q", tk.ClassReason)
		}
		_, body = c.get("/submitted")
		wantContains(t, body, "Wednesday, July 1, 1:00 PM ET")
	})

	t.Run("unknown_class_is_a_field_error", func(t *testing.T) {
		a := newApp(t)
		f := neutral()
		f.Set("class", "urgent")
		resp, body := a.client().submit("/", "/", f)
		wantStatus(t, resp, body, http.StatusBadRequest)
		wantContains(t, body, "The category must be one of availability, provisioning, other")
		if n := a.ticketCount(); n != 0 {
			t.Errorf("%d tickets", n)
		}
	})

	t.Run("oversize_form_is_413", func(t *testing.T) {
		a := newApp(t)
		c := a.client()
		f := neutral()
		f.Set("body", strings.Repeat("a", (a.cfg.Server.MaxBodyKB+16)*1024))
		resp, body := c.submit("/", "/", f)
		wantNoLeak(t, body)
		if n := a.ticketCount(); n != 0 {
			t.Errorf("%d tickets from an oversize form", n)
		}
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("oversize form body: status %d, want 413 (the body cap must not be reported as a "+
				"missing CSRF token)\n%s", resp.StatusCode, clip(body))
		}
		wantContains(t, body, "larger than 256 KB")
	})

	t.Run("malformed_form_is_400", func(t *testing.T) {
		a := newApp(t)
		c := a.client()
		c.get("/")
		req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/", strings.NewReader("subject=%zz&csrf_token=x"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "text/html")
		resp, body := c.do(req)
		wantStatus(t, resp, body, http.StatusBadRequest)
		wantNoLeak(t, body)
		if n := a.ticketCount(); n != 0 {
			t.Errorf("%d tickets", n)
		}
	})

	t.Run("body_over_desk_limit_is_field_error", func(t *testing.T) {
		a := newApp(t)
		f := neutral()
		f.Set("body", strings.Repeat("b", desk.MaxBody+1))
		resp, body := a.client().submit("/", "/", f)
		wantStatus(t, resp, body, http.StatusBadRequest)
		wantContains(t, fieldBlock(t, body, "body"), "must be at most 100,000 bytes")
	})

}
