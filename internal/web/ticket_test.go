package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/sla"
)

// ticketApp is an app with one web ticket, SR-1001, class other, received
// Wed 2026-07-01 10:00 ET (due Thu 07-09 10:00), and a logged-in admin.
func ticketApp(t *testing.T) (*app, *client) {
	t.Helper()
	a := newApp(t)
	a.mkTicket(desk.NewTicket{
		Subject: "Question about invoices", Body: "Where is our invoice?\nSecond line.",
		RequesterEmail: "pat@example.gov", RequesterName: "Pat Doe", Class: "other",
	}, nil)
	return a, a.staffClient("admin@agency.gov")
}

var slaStateRE = regexp.MustCompile(`(?s)<dd id="sla-state">(.*?)</dd>`)

func slaStateOf(t *testing.T, body string) string {
	t.Helper()
	m := slaStateRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no SLA state on the page:\n%s", clip(body))
	}
	return m[1]
}

// timelineOf is the page's timeline list.
func timelineOf(t *testing.T, body string) string {
	t.Helper()
	i := strings.Index(body, `<ol class="timeline" id="timeline">`)
	j := strings.Index(body, "</ol>")
	if i < 0 || j < i {
		t.Fatalf("no timeline:\n%s", clip(body))
	}
	return body[i:j]
}

func eventKinds(evs []*desk.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Kind)
	}
	return out
}

func findEvent(evs []*desk.Event, kind string) *desk.Event {
	for _, e := range evs {
		if e.Kind == kind {
			return e
		}
	}
	return nil
}

func TestTicket(t *testing.T) {
	t.Run("page_shows_ticket_and_timeline", func(t *testing.T) {
		a, c := ticketApp(t)
		resp, body := c.get("/tickets/SR-1001")
		wantStatus(t, resp, body, http.StatusOK)
		wantContains(t, body, "<title>SR-1001 Question about invoices · slatrack</title>",
			`datetime="2026-07-09T10:00:00-04:00"`, "Thu Jul 9, 10:00 AM ET",
			`datetime="2026-07-01T10:00:00-04:00"`, "via web", `<span class="person" title="pat@example.gov">Pat Doe</span> <small class="muted">pat@example.gov</small>`,
			"chosen by the requester", "On track", "5d 0h left")
		tl := timelineOf(t, body)
		wantContains(t, tl, `class="ev ev-message_in`, `class="ev ev-created"`, "Where is our invoice?<br>Second line.<br>",
			"Received via web form; classified other (chosen by the requester); first response due Thursday, July 9, 10:00 AM ET.")
		// Lower-case references work too.
		resp, body = c.get("/tickets/sr-1001")
		wantStatus(t, resp, body, http.StatusOK)
		_ = a
	})

	t.Run("reply_records_first_response", func(t *testing.T) {
		a, c := ticketApp(t)
		a.clock.Set(nyAt(time.July, 1, 11, 0))
		resp, body := c.submit("/tickets/SR-1001", "/tickets/SR-1001/reply", url.Values{"body": {"We are on it.\nMore soon."}, "action": {"reply"}})
		wantRedirect(t, resp, body, "/tickets/SR-1001")
		resp, body = c.get("/tickets/SR-1001")
		wantStatus(t, resp, body, http.StatusOK)
		wantContains(t, body, `<p class="flash" role="status">Reply sent to the requester.</p>`)
		wantContains(t, slaStateOf(t, body), "state-met", "Met")
		tl := timelineOf(t, body)
		wantContains(t, tl, `class="ev ev-reply`, `class="ev ev-first_response"`, "We are on it.<br>More soon.<br>",
			"First response within the objective")
		// The flash shows once.
		_, again := c.get("/tickets/SR-1001")
		wantLacks(t, again, "Reply sent to the requester.")

		tk, ev := a.getTicket("SR-1001")
		if tk.FirstResponseAt == nil || !tk.FirstResponseAt.Equal(nyAt(time.July, 1, 11, 0)) {
			t.Errorf("first response at %v, want 11:00", tk.FirstResponseAt)
		}
		if tk.Status != desk.StatusOpen {
			t.Errorf("status %q after the first reply, want open", tk.Status)
		}
		fr := findEvent(ev, desk.EventFirstResponse)
		if fr == nil || fr.New != string(sla.Met) || !strings.Contains(fr.Actor, "admin@agency.gov") {
			t.Errorf("first_response event %+v", fr)
		}
		// A second reply does not move the first response.
		a.clock.Set(nyAt(time.July, 1, 12, 0))
		c.submit("/tickets/SR-1001", "/tickets/SR-1001/reply", url.Values{"body": {"Done."}, "action": {"reply"}})
		tk, ev = a.getTicket("SR-1001")
		if !tk.FirstResponseAt.Equal(nyAt(time.July, 1, 11, 0)) {
			t.Errorf("first response moved to %v", tk.FirstResponseAt)
		}
		n := 0
		for _, e := range ev {
			if e.Kind == desk.EventFirstResponse {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d first_response events, want 1 (%v)", n, eventKinds(ev))
		}
	})

	t.Run("internal_note_does_not_stop_the_clock", func(t *testing.T) {
		a, c := ticketApp(t)
		resp, body := c.submit("/tickets/SR-1001", "/tickets/SR-1001/reply", url.Values{"body": {"Checking with billing."}, "action": {"note"}})
		wantRedirect(t, resp, body, "/tickets/SR-1001")
		_, body = c.get("/tickets/SR-1001")
		wantContains(t, body, "Internal note added.")
		wantContains(t, timelineOf(t, body), `class="ev ev-note internal`, "Checking with billing.")
		wantLacks(t, timelineOf(t, body), "ev-first_response", "ev-reply")
		st := slaStateOf(t, body)
		wantLacks(t, st, "state-met")
		wantContains(t, st, "state-on_track")
		tk, ev := a.getTicket("SR-1001")
		if tk.FirstResponseAt != nil || tk.Status != desk.StatusNew {
			t.Errorf("a note stopped the clock: first response %v, status %q", tk.FirstResponseAt, tk.Status)
		}
		if n := findEvent(ev, desk.EventNote); n == nil || !n.Internal {
			t.Errorf("note event %+v", n)
		}
		// The hidden-field form of the note does the same.
		c.submit("/tickets/SR-1001", "/tickets/SR-1001/reply", url.Values{"body": {"Another note."}, "internal": {"1"}})
		if tk, _ := a.getTicket("SR-1001"); tk.FirstResponseAt != nil {
			t.Errorf("internal=1 stopped the clock")
		}
	})

	t.Run("reclassify_recomputes_deadline_from_receipt", func(t *testing.T) {
		a, c := ticketApp(t)
		a.clock.Set(nyAt(time.July, 1, 11, 0))
		resp, body := c.submit("/tickets/SR-1001", "/tickets/SR-1001/reclassify", url.Values{"class": {"availability"}, "reason": {"customer app is down"}})
		wantRedirect(t, resp, body, "/tickets/SR-1001")
		tk, ev := a.getTicket("SR-1001")
		// 3 business hours from the receipt at 10:00, not from now (11:00).
		if want := nyAt(time.July, 1, 13, 0); tk.Class != "availability" || !tk.ResponseDueAt.Equal(want) {
			t.Errorf("class %q due %v, want availability due %v", tk.Class, tk.ResponseDueAt.In(ny), want)
		}
		if tk.ClassBy != desk.ClassByStaff || tk.ClassReason != "reclassified by Ada Admin <admin@agency.gov>: customer app is down" {
			t.Errorf("class by %q reason %q", tk.ClassBy, tk.ClassReason)
		}
		cc := findEvent(ev, desk.EventClassChanged)
		if cc == nil || cc.Old != "other" || cc.New != "availability" || cc.Reason != "customer app is down" || cc.Actor != "Ada Admin <admin@agency.gov>" {
			t.Errorf("class_changed event %+v", cc)
		}
		dc := findEvent(ev, desk.EventDueChanged)
		if dc == nil {
			t.Fatalf("no due_changed event: %v", eventKinds(ev))
		}
		oldDue, err1 := time.Parse(time.RFC3339, dc.Old)
		newDue, err2 := time.Parse(time.RFC3339, dc.New)
		if err1 != nil || err2 != nil || !oldDue.Equal(nyAt(time.July, 9, 10, 0)) || !newDue.Equal(nyAt(time.July, 1, 13, 0)) {
			t.Errorf("due_changed %q → %q", dc.Old, dc.New)
		}

		_, body = c.get("/tickets/SR-1001")
		wantContains(t, body, "Class changed; the deadline was recomputed from the receipt time.",
			`<dt>Response due</dt><dd><time datetime="2026-07-01T13:00:00-04:00">Wed Jul 1, 1:00 PM ET</time>`,
			"2h 00m left", `<option value="availability" selected>`)
		tl := timelineOf(t, body)
		wantContains(t, tl, `class="ev ev-class_changed"`, "Ada Admin changed the class from Other to Availability (customer app is down)",
			`class="ev ev-due_changed"`, "The first response is now due Wednesday, July 1, 1:00 PM ET (was Thursday, July 9, 10:00 AM ET)")
		// People by name; no address in angle brackets, no raw kinds.
		wantLacks(t, tl, "&lt;admin@agency.gov&gt;", ">class_changed<", "→")
	})

	t.Run("due_changed_old_and_new_in_one_zone", func(t *testing.T) {
		a, c := ticketApp(t)
		c.submit("/tickets/SR-1001", "/tickets/SR-1001/reclassify", url.Values{"class": {"availability"}})
		_, ev := a.getTicket("SR-1001")
		dc := findEvent(ev, desk.EventDueChanged)
		if dc == nil {
			t.Fatalf("no due_changed event: %v", eventKinds(ev))
		}
		// Staff read these side by side on the timeline ("old → new"); they
		// should be written the same way, in the desk's zone.
		if !strings.HasSuffix(dc.Old, "-04:00") || !strings.HasSuffix(dc.New, "-04:00") {
			t.Errorf("due_changed shows %q → %q: both should be in the desk's zone (America/New_York)", dc.Old, dc.New)
		}
	})

	t.Run("reclassify_unknown_class_is_400", func(t *testing.T) {
		a, c := ticketApp(t)
		resp, body := c.submit("/tickets/SR-1001", "/tickets/SR-1001/reclassify", url.Values{"class": {"urgent"}})
		wantStatus(t, resp, body, http.StatusBadRequest)
		wantContains(t, formBlock(t, body, "/tickets/SR-1001/reclassify"), "field-error", "must be one of availability, provisioning, other")
		if tk, _ := a.getTicket("SR-1001"); tk.Class != "other" {
			t.Errorf("class changed to %q", tk.Class)
		}
	})

	t.Run("assign", func(t *testing.T) {
		a, c := ticketApp(t)
		resp, body := c.submit("/tickets/SR-1001", "/tickets/SR-1001/assign", url.Values{"assignee_email": {"sam@agency.gov"}})
		wantRedirect(t, resp, body, "/tickets/SR-1001")
		_, body = c.get("/tickets/SR-1001")
		wantContains(t, body, "Assignment saved.", `<dt>Assignee</dt><dd id="assignee-now"><span title="sam@agency.gov">Sam Staff</span></dd>`,
			`<option value="sam@agency.gov" selected>`)
		wantContains(t, timelineOf(t, body), `class="ev ev-assigned"`, "Ada Admin assigned it to Sam Staff")
		tk, ev := a.getTicket("SR-1001")
		if tk.Assignee == nil || tk.Assignee.Email != "sam@agency.gov" {
			t.Errorf("assignee %+v", tk.Assignee)
		}
		if e := findEvent(ev, desk.EventAssigned); e == nil || e.Old != "" || e.New != "sam@agency.gov" {
			t.Errorf("assigned event %+v", e)
		}

		// Unknown assignee: 400 next to the field, nothing changed.
		resp, body = c.submit("/tickets/SR-1001", "/tickets/SR-1001/assign", url.Values{"assignee_email": {"ghost@agency.gov"}})
		wantStatus(t, resp, body, http.StatusBadRequest)
		wantContains(t, formBlock(t, body, "/tickets/SR-1001/assign"), "field-error", "no active staff member has the address")
		if tk, _ := a.getTicket("SR-1001"); tk.Assignee == nil || tk.Assignee.Email != "sam@agency.gov" {
			t.Errorf("a failed assignment changed the assignee")
		}

		// Unassign.
		resp, body = c.submit("/tickets/SR-1001", "/tickets/SR-1001/assign", url.Values{"assignee_email": {""}})
		wantRedirect(t, resp, body, "/tickets/SR-1001")
		_, body = c.get("/tickets/SR-1001")
		wantContains(t, body, `<dt>Assignee</dt><dd id="assignee-now"><span class="muted">Unassigned</span></dd>`, "Ada Admin unassigned it (was Sam Staff)")
	})

	t.Run("status_change", func(t *testing.T) {
		a, c := ticketApp(t)
		resp, body := c.submit("/tickets/SR-1001", "/tickets/SR-1001/status", url.Values{"status": {"waiting"}})
		wantRedirect(t, resp, body, "/tickets/SR-1001")
		_, body = c.get("/tickets/SR-1001")
		wantContains(t, body, "Status changed.", `<dt>Status</dt><dd id="status-now">Waiting on customer</dd>`)
		wantContains(t, timelineOf(t, body), `class="ev ev-status_changed"`, "Ada Admin changed the status from New to Waiting on customer")
		if tk, _ := a.getTicket("SR-1001"); tk.Status != desk.StatusWaiting || !tk.Open {
			t.Errorf("status %q open %v", tk.Status, tk.Open)
		}
		c.submit("/tickets/SR-1001", "/tickets/SR-1001/status", url.Values{"status": {"closed"}})
		if tk, _ := a.getTicket("SR-1001"); tk.Status != desk.StatusClosed || tk.Open {
			t.Errorf("status %q open %v", tk.Status, tk.Open)
		}
		_, q := c.get("/queue")
		wantLacks(t, q, `data-ref="SR-1001"`)
		resp, body = c.submit("/tickets/SR-1001", "/tickets/SR-1001/status", url.Values{"status": {"bogus"}})
		wantStatus(t, resp, body, http.StatusBadRequest)
		wantContains(t, body, "must be one of new, open, waiting, resolved, closed")
	})

	t.Run("empty_reply_is_400_next_to_field", func(t *testing.T) {
		a, c := ticketApp(t)
		_, before := a.getTicket("SR-1001")
		resp, body := c.submit("/tickets/SR-1001", "/tickets/SR-1001/reply", url.Values{"body": {"  \n  "}, "action": {"reply"}})
		wantStatus(t, resp, body, http.StatusBadRequest)
		f := fieldBlock(t, body, "reply-body")
		wantContains(t, f, "has-error", `class="field-error"`, "please write something")
		if csrfRE.FindStringSubmatch(body) == nil {
			t.Errorf("the re-rendered page has no CSRF token")
		}
		tk, after := a.getTicket("SR-1001")
		if len(after) != len(before) || tk.FirstResponseAt != nil {
			t.Errorf("an empty reply changed the ticket: %v", eventKinds(after))
		}
	})

	t.Run("unknown_ref_is_404_page", func(t *testing.T) {
		_, c := ticketApp(t)
		for _, ref := range []string{"SR-9999", "nonsense", "SR-1001x", "%27%3B--"} {
			resp, body := c.get("/tickets/" + ref)
			wantStatus(t, resp, body, http.StatusNotFound)
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type %q", ct)
			}
			wantContains(t, body, "404 · Not Found", "Not found", `href="/queue"`)
			wantNoLeak(t, body)
		}
		resp, body := c.submit("/tickets/SR-1001", "/tickets/SR-9999/reply", url.Values{"body": {"hello"}})
		wantStatus(t, resp, body, http.StatusNotFound)
		wantNoLeak(t, body)
		resp, body = c.submit("/tickets/SR-1001", "/tickets/SR-9999/status", url.Values{"status": {"open"}})
		wantStatus(t, resp, body, http.StatusNotFound)
	})

	t.Run("actions_without_csrf_are_403", func(t *testing.T) {
		a, c := ticketApp(t)
		_, before := a.getTicket("SR-1001")
		for action, form := range map[string]url.Values{
			"reply":      {"body": {"hi"}},
			"reclassify": {"class": {"availability"}},
			"assign":     {"assignee_email": {"sam@agency.gov"}},
			"status":     {"status": {"closed"}},
		} {
			resp, body := c.postForm("/tickets/SR-1001/"+action, form)
			wantStatus(t, resp, body, http.StatusForbidden)
			form.Set("csrf_token", "x")
			resp, body = c.postForm("/tickets/SR-1001/"+action, form)
			wantStatus(t, resp, body, http.StatusForbidden)
		}
		tk, after := a.getTicket("SR-1001")
		if len(after) != len(before) || tk.Class != "other" || tk.Status != desk.StatusNew || tk.Assignee != nil {
			t.Errorf("a request without CSRF token changed the ticket: %v", eventKinds(after))
		}
	})

	t.Run("staff_can_act_too", func(t *testing.T) {
		a, _ := ticketApp(t)
		c := a.staffClient("sam@agency.gov")
		resp, body := c.submit("/tickets/SR-1001", "/tickets/SR-1001/reply", url.Values{"body": {"Hello from Sam."}})
		wantRedirect(t, resp, body, "/tickets/SR-1001")
		_, ev := a.getTicket("SR-1001")
		if r := findEvent(ev, desk.EventReply); r == nil || r.Actor != "Sam Staff <sam@agency.gov>" || r.Internal {
			t.Errorf("reply event %+v", r)
		}
	})
}
