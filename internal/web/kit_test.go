package web_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
)

// This file holds small helpers for the HTTP tests (intake, auth, queue,
// ticket, api, errors). helpers_test.go provides newApp and the client.

// nyAt is a wall time in the desk's zone (America/New_York).
func nyAt(month time.Month, day, hour, minute int) time.Time {
	return time.Date(2026, month, day, hour, minute, 0, 0, ny)
}

// staffClient is a new client logged in as email.
func (a *app) staffClient(email string) *client {
	a.t.Helper()
	c := a.client()
	c.login(email)
	return c
}

// mkTicket creates a ticket through the service, as actor (nil: anonymous).
func (a *app) mkTicket(n desk.NewTicket, actor *desk.User) *desk.Ticket {
	a.t.Helper()
	if n.Channel == "" {
		n.Channel = desk.ChannelWeb
	}
	if n.RequesterEmail == "" {
		n.RequesterEmail = "pat@example.gov"
	}
	if n.Body == "" {
		n.Body = "Details: " + n.Subject
	}
	t, err := a.svc.CreateTicket(context.Background(), n, actor)
	if err != nil {
		a.t.Fatalf("CreateTicket %q: %v", n.Subject, err)
	}
	return t
}

// getTicket reads a ticket and its timeline through the service.
func (a *app) getTicket(ref string) (*desk.Ticket, []*desk.Event) {
	a.t.Helper()
	t, ev, err := a.svc.Get(context.Background(), ref)
	if err != nil {
		a.t.Fatalf("Get %s: %v", ref, err)
	}
	return t, ev
}

// ticketCount is how many tickets exist, in any status.
func (a *app) ticketCount() int {
	a.t.Helper()
	n, cursor := 0, ""
	for {
		ts, next, err := a.svc.List(context.Background(), desk.Filter{Status: "all", Limit: 200, Cursor: cursor})
		if err != nil {
			a.t.Fatal(err)
		}
		n += len(ts)
		if next == "" {
			return n
		}
		cursor = next
	}
}

var dataRefRE = regexp.MustCompile(`data-ref="([^"]+)"`)

// dataRefs lists the data-ref attributes of a queue page, in order.
func dataRefs(body string) []string {
	var out []string
	for _, m := range dataRefRE.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

var nextLinkRE = regexp.MustCompile(`<a href="([^"]+)" rel="next">Next page`)

// nextLink is the queue's "Next page" URL, "" when there is none.
func nextLink(body string) string {
	m := nextLinkRE.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// fieldBlock is the markup of the form field whose label is for id: from
// the element holding the label to the next field, so a message found in it
// is shown next to that field.
func fieldBlock(t testing.TB, body, id string) string {
	t.Helper()
	i := strings.Index(body, `<label for="`+id+`">`)
	if i < 0 {
		t.Fatalf("no field %q on the page:\n%s", id, body)
	}
	start := strings.LastIndex(body[:i], "<div")
	if start < 0 {
		start = i
	}
	rest := body[i:]
	end := len(rest)
	for _, stop := range []string{`<div class="field`, `<fieldset`, `</form>`, `<button`} {
		if j := strings.Index(rest[1:], stop); j >= 0 && j+1 < end {
			end = j + 1
		}
	}
	return body[start : i+end]
}

// wantStatus fails unless resp has the status.
func wantStatus(t testing.TB, resp *http.Response, body string, want int) {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d; body:\n%s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, want, clip(body))
	}
}

// wantRedirect fails unless resp is a 303 to location.
func wantRedirect(t testing.TB, resp *http.Response, body, location string) {
	t.Helper()
	wantStatus(t, resp, body, http.StatusSeeOther)
	if got := resp.Header.Get("Location"); got != location {
		t.Fatalf("%s %s: Location %q, want %q", resp.Request.Method, resp.Request.URL.Path, got, location)
	}
}

// wantContains fails unless body has every one of subs.
func wantContains(t testing.TB, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			t.Errorf("body lacks %q:\n%s", s, clip(body))
		}
	}
}

// wantLacks fails if body has any of subs.
func wantLacks(t testing.TB, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(body, s) {
			t.Errorf("body has %q but must not:\n%s", s, clip(body))
		}
	}
}

// leakWords must never reach a client.
var leakWords = []string{"SQL", "gorm", "sqlite", "goroutine", "panic"}

// wantNoLeak fails if an error body shows internals.
func wantNoLeak(t testing.TB, body string) {
	t.Helper()
	// Random values (CSRF tokens) may spell anything: look past them.
	low := strings.ToLower(randomValues.ReplaceAllString(body, `value=""`))
	for _, w := range leakWords {
		if strings.Contains(low, strings.ToLower(w)) {
			t.Errorf("response leaks %q: %s", w, clip(body))
		}
	}
}

// randomValues are the form values a page carries that are random.
var randomValues = regexp.MustCompile(`value="[A-Za-z0-9_-]{20,}"`)

func clip(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}

// jsonOf decodes a JSON object body.
func jsonOf(t testing.TB, body string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("not a JSON object: %v\n%s", err, clip(body))
	}
	return m
}

// wantJSONError checks an API error: the status, a JSON {"error": ...}
// (with field, when field is not ""), and no internals.
func wantJSONError(t testing.TB, resp *http.Response, body string, status int, field string) map[string]any {
	t.Helper()
	wantStatus(t, resp, body, status)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want JSON", ct)
	}
	m := jsonOf(t, body)
	msg, _ := m["error"].(string)
	if msg == "" {
		t.Errorf("no error message in %s", body)
	}
	if field != "" && m["field"] != field {
		t.Errorf("field = %v, want %q (body %s)", m["field"], field, body)
	}
	wantNoLeak(t, body)
	return m
}

// setCookies are the raw Set-Cookie headers of resp for name.
func setCookies(resp *http.Response, name string) []string {
	var out []string
	for _, h := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(h, name+"=") {
			out = append(out, h)
		}
	}
	return out
}

// formBlock is the markup of the form posting to action.
func formBlock(t testing.TB, body, action string) string {
	t.Helper()
	i := strings.Index(body, `action="`+action+`"`)
	if i < 0 {
		t.Fatalf("no form for %s on the page:\n%s", action, clip(body))
	}
	j := strings.Index(body[i:], "</form>")
	if j < 0 {
		t.Fatalf("form for %s is not closed", action)
	}
	return body[i : i+j]
}
