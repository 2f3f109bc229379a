package web_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
)

var versionRE = regexp.MustCompile(`name="expected_version" value="(\d+)"`)

// pageVersion is the version the ticket page's forms carry.
func pageVersion(t *testing.T, body string) string {
	t.Helper()
	m := versionRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no expected_version on the page:\n%s", clip(body))
	}
	return m[1]
}

var (
	tagRE   = regexp.MustCompile(`(?s)<[^>]*>`)
	rfcRE   = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d`)
	rawKind = regexp.MustCompile(`\b(message_in|status_changed|class_changed|due_changed|first_response|ack_skipped|mail_ignored|MESSAGE_IN|STATUS_CHANGED)\b`)
)

// visibleText is what a person reads on a page: the markup and the
// script's and style's text removed.
func visibleText(body string) string {
	body = regexp.MustCompile(`(?s)<script.*?</script>`).ReplaceAllString(body, "")
	return html.UnescapeString(tagRE.ReplaceAllString(body, " "))
}

// TestTicketPage_ReadsLikeAConversation: people by name (the address
// beside it, never "Name <address>"), kinds as words, times in words, no
// raw event names or RFC 3339 anywhere a person reads; the system's
// entries in collapsed groups; the reply box after the newest message and
// a link to it at the top; internal notes marked.
func TestTicketPage_ReadsLikeAConversation(t *testing.T) {
	a, c := ticketApp(t)
	ctx := context.Background()
	str := func(s string) *string { return &s }
	if _, err := a.svc.Reply(ctx, "SR-1001", a.staff, "First answer from Sam", false); err != nil {
		t.Fatal(err)
	}
	if _, err := a.svc.Reply(ctx, "SR-1001", a.admin, "Billing knows", true); err != nil {
		t.Fatal(err)
	}
	if _, err := a.svc.Update(ctx, "SR-1001", a.admin, desk.Patch{Class: str("availability"), Status: str(desk.StatusWaiting), AssigneeEmail: str("sam@agency.gov")}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.svc.AddMessage(ctx, "SR-1001", a.staff, desk.NewMessage{Body: "Pat called back"}); err != nil {
		t.Fatal(err)
	}
	resp, body := c.get("/tickets/SR-1001")
	wantStatus(t, resp, body, http.StatusOK)
	text := visibleText(body)
	if m := rawKind.FindString(text); m != "" {
		t.Errorf("a raw event name %q is shown", m)
	}
	if m := rfcRE.FindString(text); m != "" {
		t.Errorf("an RFC 3339 time %q is shown", m)
	}
	for _, bad := range []string{"<admin@agency.gov>", "<sam@agency.gov>", "2026 "} {
		if strings.Contains(text, bad) {
			t.Errorf("page text shows %q", bad)
		}
	}
	tl := timelineOf(t, body)
	wantContains(t, tl,
		`<strong class="ev-author" title="sam@agency.gov">Sam Staff</strong>`, `<span class="ev-label">Reply</span>`,
		`<strong class="ev-author" title="pat@example.gov">Pat Doe</strong>`, `<span class="ev-label">Message</span>`,
		`class="ev ev-note internal"`, `<span class="ev-label">Internal note</span>`,
		"Wed Jul 1, 10:00 AM ET",
		"Ada Admin changed the status from Open to Waiting on customer", "Ada Admin assigned it to Sam Staff",
		"Ada Admin changed the class from Other to Availability")
	// The system's entries between messages are collapsed groups.
	if n := strings.Count(tl, `<li class="sys">`); n < 2 {
		t.Errorf("%d collapsed groups, want the entries between messages grouped", n)
	}
	wantLacks(t, tl, `<details open>`)
	// The newest message is marked, and the reply box comes right after
	// the timeline; a link at the top jumps to it.
	if !strings.Contains(tl, `class="ev ev-message_in latest"`) {
		t.Errorf("the customer's last message is not the latest")
	}
	end := strings.Index(body, "</ol>")
	reply := strings.Index(body, `id="reply"`)
	if reply < end || strings.Contains(body[end:reply], `class="ev `) {
		t.Errorf("the reply box does not follow the newest message")
	}
	wantContains(t, body, `<a href="#reply" class="button primary" id="jump-reply">Reply</a>`, `<script src="/static/ticket.`)
}

// TestTicketPage_StaleReply: agent B's page goes stale when agent A
// replies; B's submit is not sent, the page comes back (409) saying who
// did what since, A's reply highlighted, B's text still in the box and a
// "Send anyway" button carrying the new version; sending it then works.
// A status change from a stale page is held the same way.
func TestTicketPage_StaleReply(t *testing.T) {
	a, _ := ticketApp(t)
	b := a.staffClient("sam@agency.gov")
	_, page := b.get("/tickets/SR-1001")
	seen := pageVersion(t, page)
	csrf := csrfRE.FindStringSubmatch(page)[1]
	if _, err := a.svc.Reply(context.Background(), "SR-1001", a.admin, "Ada: the invoice is attached <b>now</b>", false); err != nil {
		t.Fatal(err)
	}
	resp, body := b.postForm("/tickets/SR-1001/reply", url.Values{"csrf_token": {csrf}, "expected_version": {seen},
		"action": {"reply"}, "body": {"Sam: here is your invoice"}})
	wantStatus(t, resp, body, http.StatusConflict)
	wantContains(t, body, `id="stale"`, "Ada Admin changed this ticket since you opened it", "<strong>Ada Admin replied</strong>",
		"Ada: the invoice is attached &lt;b&gt;now&lt;/b&gt;", "Your reply was <strong>not sent</strong>",
		`>Sam: here is your invoice</textarea>`, `id="send-reply">Send anyway</button>`, `class="ev ev-reply fresh latest"`,
		"New since you opened this")
	now := pageVersion(t, body)
	if now == seen {
		t.Fatalf("the re-rendered page still carries version %s", seen)
	}
	_, ev := a.getTicket("SR-1001")
	for _, e := range ev {
		if strings.Contains(e.Body, "Sam: here") {
			t.Fatal("the stale reply was sent")
		}
	}
	resp, body = b.postForm("/tickets/SR-1001/reply", url.Values{"csrf_token": {csrf}, "expected_version": {now},
		"action": {"reply"}, "body": {"Sam: here is your invoice"}})
	wantRedirect(t, resp, body, "/tickets/SR-1001")
	_, ev = a.getTicket("SR-1001")
	if e := ev[len(ev)-1]; !strings.Contains(eventBodies(ev), "Sam: here is your invoice") {
		t.Errorf("the confirmed reply was not sent (last event %s)", e.Kind)
	}

	// A status change from the page as it was before Sam's reply.
	resp, body = b.postForm("/tickets/SR-1001/status", url.Values{"csrf_token": {csrf}, "expected_version": {now}, "status": {"closed"}})
	wantStatus(t, resp, body, http.StatusConflict)
	wantContains(t, body, "<strong>Sam Staff replied</strong>", "Your status change was <strong>not sent</strong>", "Change anyway", `<option value="closed" selected>`)
	if tk, _ := a.getTicket("SR-1001"); tk.Status == desk.StatusClosed {
		t.Error("the stale status change was made")
	}
	// Without expected_version (an old form, a script) nothing is checked.
	resp, body = b.postForm("/tickets/SR-1001/status", url.Values{"csrf_token": {csrf}, "status": {"waiting"}})
	wantRedirect(t, resp, body, "/tickets/SR-1001")
}

func eventBodies(ev []*desk.Event) string {
	var b strings.Builder
	for _, e := range ev {
		b.WriteString(e.Body + "\n")
	}
	return b.String()
}

// TestTicketPage_RelatedTickets: the requester's other tickets and their
// organisation's, linked, five at most with a link to the rest; none for a
// public mail provider's domain.
func TestTicketPage_RelatedTickets(t *testing.T) {
	a, c := ticketApp(t) // SR-1001 from pat@example.gov
	for i := 0; i < 6; i++ {
		a.mkTicket(desk.NewTicket{Subject: "Pat again " + strconv.Itoa(i), RequesterEmail: "pat@example.gov"}, nil)
	}
	a.mkTicket(desk.NewTicket{Subject: "Kim at the same agency", RequesterEmail: "kim@example.gov"}, nil)
	g := a.mkTicket(desk.NewTicket{Subject: "Personal mail", RequesterEmail: "carl@gmail.com"}, nil)
	a.mkTicket(desk.NewTicket{Subject: "Another gmail user", RequesterEmail: "dora@gmail.com"}, nil)

	_, body := c.get("/tickets/SR-1001")
	side := body[strings.Index(body, `id="side-requester"`):]
	if n := strings.Count(side[:strings.Index(side, "</section>")], `<li><a href="/tickets/`); n != 5 {
		t.Errorf("%d of Pat's other tickets listed, want 5", n)
	}
	wantContains(t, body, `<a href="/queue?status=all&amp;q=from%3Apat%40example.gov" id="more-mine">All 6 of their tickets</a>`,
		`id="side-org"`, "Others at example.gov", "Kim at the same agency")
	_, body = c.get("/tickets/" + g.Ref)
	wantContains(t, body, "None: this is their only ticket.")
	wantLacks(t, body, `id="side-org"`, "Another gmail user")
	// The "more" link's queue finds them.
	_, q := c.get("/queue?status=all&q=from%3Apat%40example.gov")
	if n := len(dataRefs(q)); n != 7 {
		t.Errorf("the queue behind the link lists %d tickets, want Pat's 7", n)
	}
	// The organisation's link finds everyone at the domain, never gmail.com.
	_, q = c.get("/queue?status=all&q=from%3Aexample.gov")
	if n := len(dataRefs(q)); n != 8 {
		t.Errorf("the queue behind the organisation's link lists %d tickets, want Pat's 7 and Kim's", n)
	}
}

// TestTicketPage_MacroWithoutJavaScript: the reply form's select and
// Insert button put the macro's text (placeholders filled, as text) into
// the box and keep the choice; sending applies its actions.
func TestTicketPage_MacroWithoutJavaScript(t *testing.T) {
	a, c := ticketApp(t)
	tk := a.mkTicket(desk.NewTicket{Subject: "Login trouble", RequesterName: `Jo <script>alert(1)</script>`, RequesterEmail: "jo@example.gov", Class: "other"}, nil)
	str := func(s string) *string { return &s }
	m, err := a.svc.CreateMacro(context.Background(), a.admin, desk.MacroPatch{Name: str("Ask for details"),
		Body: str("Hi {{requester_name}}, about {{ref}}: {{agent_name}} needs the error."), SetStatus: str(desk.StatusWaiting), AssignTo: str("me")})
	if err != nil {
		t.Fatal(err)
	}
	page := "/tickets/" + tk.Ref
	_, body := c.get(page)
	wantContains(t, body, `<select id="macro" name="macro_id"`, `>Ask for details</option>`, `id="insert-macro">Insert</button>`, `<dialog id="macro-picker"`)
	resp, body := c.submit(page, page+"/reply", url.Values{"action": {"insert"}, "macro_id": {strconv.FormatUint(m.ID, 10)}, "body": {"Thanks."}})
	wantStatus(t, resp, body, http.StatusOK)
	want := "Thanks.\n\nHi Jo &lt;script&gt;alert(1)&lt;/script&gt;, about " + tk.Ref + ": Ada Admin needs the error."
	wantContains(t, body, ">"+want+"</textarea>", `selected>Ask for details</option>`,
		"On send, this macro sets the status to Waiting on customer, assigns the ticket to the agent who sends it.")
	wantLacks(t, body, "<script>alert(1)")
	text := html.UnescapeString(want)
	resp, body = c.submit(page, page+"/reply", url.Values{"action": {"reply"}, "macro_id": {strconv.FormatUint(m.ID, 10)}, "body": {text}})
	wantRedirect(t, resp, body, page)
	got, ev := a.getTicket(tk.Ref)
	if got.Status != desk.StatusWaiting || got.Assignee == nil || got.Assignee.Email != "admin@agency.gov" {
		t.Errorf("after sending: status %s, assignee %v", got.Status, got.Assignee)
	}
	if !strings.Contains(eventBodies(ev), "Hi Jo <script>alert(1)</script>, about") {
		t.Errorf("reply text not stored as plain text: %s", eventBodies(ev))
	}
	_, body = c.get(page)
	wantContains(t, timelineOf(t, body), "(macro “Ask for details”)")
	wantLacks(t, body, "<script>alert(1)")
	// No macro chosen: the problem next to the select.
	resp, body = c.submit(page, page+"/reply", url.Values{"action": {"insert"}, "body": {"x"}})
	wantStatus(t, resp, body, http.StatusBadRequest)
	wantContains(t, fieldBlock(t, body, "macro"), "choose a macro to insert", `aria-invalid="true"`)
}

// presenceOf posts a heartbeat as the client and decodes the answer.
func presenceOf(t *testing.T, c *client, ref string, typing bool, since string) (out struct {
	Version int64 `json:"version"`
	Others  []struct {
		Name   string `json:"name"`
		Typing bool   `json:"typing"`
	} `json:"others"`
	Changes []struct {
		Words, Body, When string
	} `json:"changes"`
}) {
	t.Helper()
	ty := "0"
	if typing {
		ty = "1"
	}
	resp, body := c.submit("/tickets/"+ref, "/tickets/"+ref+"/presence", url.Values{"typing": {ty}, "since": {since}})
	wantStatus(t, resp, body, http.StatusOK)
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("presence answer: %v\n%s", err, body)
	}
	return out
}

// TestTicketPage_Presence: each agent's heartbeat lists the others with
// the ticket open (typing or not), never themselves, and what changed since
// the version their page was loaded at, in words; it needs a login and
// the page's CSRF token.
func TestTicketPage_Presence(t *testing.T) {
	a, ada := ticketApp(t)
	sam := a.staffClient("sam@agency.gov")
	_, page := sam.get("/tickets/SR-1001")
	seen := pageVersion(t, page)
	if got := presenceOf(t, sam, "SR-1001", false, seen); len(got.Others) != 0 || len(got.Changes) != 0 {
		t.Errorf("alone: %+v", got)
	}
	if got := presenceOf(t, ada, "SR-1001", true, seen); len(got.Others) != 1 || got.Others[0].Name != "Sam Staff" || got.Others[0].Typing {
		t.Errorf("Ada sees %+v, want Sam viewing", got.Others)
	}
	if _, err := a.svc.Reply(context.Background(), "SR-1001", a.admin, "Ada's answer", false); err != nil {
		t.Fatal(err)
	}
	got := presenceOf(t, sam, "SR-1001", false, seen)
	if len(got.Others) != 1 || got.Others[0].Name != "Ada Admin" || !got.Others[0].Typing {
		t.Errorf("Sam sees %+v, want Ada typing", got.Others)
	}
	if strconv.FormatInt(got.Version, 10) == seen || len(got.Changes) == 0 || got.Changes[0].Words != "Ada Admin replied" ||
		got.Changes[0].Body != "Ada's answer" || got.Changes[0].When != "Wed Jul 1, 10:00 AM ET" {
		t.Errorf("Sam's changes: %+v (version %d)", got.Changes, got.Version)
	}
	// Closing the page leaves at once.
	resp, body := ada.submit("/tickets/SR-1001", "/tickets/SR-1001/presence/leave", url.Values{})
	wantStatus(t, resp, body, http.StatusNoContent)
	if got := presenceOf(t, sam, "SR-1001", false, seen); len(got.Others) != 0 {
		t.Errorf("after Ada left Sam sees %+v", got.Others)
	}
	// No CSRF token: refused; no login: refused.
	resp, _ = sam.postForm("/tickets/SR-1001/presence", url.Values{"typing": {"1"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("heartbeat without a CSRF token: %d, want 403", resp.StatusCode)
	}
	anon := a.client()
	resp, _ = anon.submit("/login", "/tickets/SR-1001/presence", url.Values{})
	if resp.StatusCode == http.StatusOK {
		t.Errorf("anonymous heartbeat answered 200")
	}
}

// TestMacrosAdmin: admins list, add, edit and delete macros on a page
// with every problem next to its field; staff may not open it.
func TestMacrosAdmin(t *testing.T) {
	a := newApp(t)
	c := a.staffClient("admin@agency.gov")
	resp, body := c.get("/admin/macros")
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, "No macros yet", `<a href="/admin/macros" aria-current="page">Macros</a>`, "<code>{{requester_name}}</code>")
	resp, body = c.submit("/admin/macros", "/admin/macros", url.Values{"name": {""}, "body": {"Hi {{nme}}"}, "set_status": {"soon"}, "assign_to": {"ghost@agency.gov"}})
	wantStatus(t, resp, body, http.StatusBadRequest)
	wantContains(t, fieldBlock(t, body, "macro-name"), "please give the macro a name", `aria-invalid="true"`)
	wantContains(t, fieldBlock(t, body, "macro-body"), "{{nme}} is not a placeholder", "Hi {{nme}}</textarea>")
	wantContains(t, fieldBlock(t, body, "macro-status"), "choose one of new, open")
	wantContains(t, fieldBlock(t, body, "macro-assign"), "no active staff member has the address ghost@agency.gov")
	wantLacks(t, body, "name: ", "body: ")

	resp, body = c.submit("/admin/macros", "/admin/macros", url.Values{"name": {"Closing"}, "body": {"Thanks {{requester_name}}, closing {{ref}}."}, "set_status": {"resolved"}})
	wantRedirect(t, resp, body, "/admin/macros")
	_, body = c.get("/admin/macros")
	wantContains(t, body, "Macro “Closing” added.", ">Closing</a>", "sets the status to Resolved")
	ms, _ := a.svc.Macros(context.Background())
	id := strconv.FormatUint(ms[0].ID, 10)
	resp, body = c.submit("/admin/macros", "/admin/macros", url.Values{"name": {"closing"}, "body": {"x"}})
	wantStatus(t, resp, body, http.StatusConflict)
	wantContains(t, fieldBlock(t, body, "macro-name"), "there is already a macro called")

	_, body = c.get("/admin/macros/" + id)
	wantContains(t, body, `value="Closing"`, `<option value="resolved" selected>`)
	resp, body = c.submit("/admin/macros/"+id, "/admin/macros/"+id, url.Values{"name": {"Closing up"}, "body": {"Bye {{agent_name}}"}, "set_status": {""}})
	wantRedirect(t, resp, body, "/admin/macros")
	if m, _ := a.svc.Macro(context.Background(), ms[0].ID); m.Name != "Closing up" || m.SetStatus != "" {
		t.Errorf("after edit: %+v", m)
	}
	resp, body = c.submit("/admin/macros", "/admin/macros/"+id+"/delete", url.Values{})
	wantRedirect(t, resp, body, "/admin/macros")
	if ms, _ := a.svc.Macros(context.Background()); len(ms) != 0 {
		t.Errorf("after delete: %d macros", len(ms))
	}
	staff := a.staffClient("sam@agency.gov")
	resp, body = staff.get("/admin/macros")
	wantStatus(t, resp, body, http.StatusForbidden)
}

// TestAPI_ExpectedVersion: ticket JSON carries the version; a reply or
// PATCH on a stale version answers 409 with what changed since, in words,
// and writes nothing; the current version goes through.
func TestAPI_ExpectedVersion(t *testing.T) {
	a := newApp(t)
	tok := a.apiToken("sam@agency.gov")
	adminTok := a.apiToken("admin@agency.gov")
	resp, body := a.api(tok, "POST", "/api/v1/tickets", apiOutage)
	wantStatus(t, resp, body, http.StatusCreated)
	v := int64(jsonOf(t, body)["version"].(float64))
	if v < 1 {
		t.Fatalf("new ticket version %d", v)
	}
	ref := jsonOf(t, body)["ref"].(string)
	resp, body = a.api(adminTok, "POST", "/api/v1/tickets/"+ref+"/replies", `{"body":"Ada is on it"}`)
	wantStatus(t, resp, body, http.StatusCreated)
	now := int64(jsonOf(t, body)["version"].(float64))
	if now <= v {
		t.Fatalf("version after a reply %d, before %d", now, v)
	}
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/replies", `{"body":"Sam too","expected_version":` + strconv.FormatInt(v, 10) + `}`},
		{"POST", "/replies", `{"body":"a note","internal":true,"expected_version":` + strconv.FormatInt(v, 10) + `}`},
		{"PATCH", "", `{"status":"waiting","expected_version":` + strconv.FormatInt(v, 10) + `}`},
	} {
		resp, body = a.api(tok, c.method, "/api/v1/tickets/"+ref+c.path, c.body)
		m := wantJSONError(t, resp, body, http.StatusConflict, "expected_version")
		if int64(m["current_version"].(float64)) != now {
			t.Errorf("%s: current_version %v, want %d", c.body, m["current_version"], now)
		}
		changes, _ := m["changes"].([]any)
		if len(changes) == 0 {
			t.Fatalf("%s: no changes in %s", c.body, body)
		}
		ch := changes[0].(map[string]any)
		if ch["words"] != "Ada Admin replied" || ch["body"] != "Ada is on it" || ch["kind"] != "reply" || ch["when"] == "" {
			t.Errorf("%s: change %v", c.body, ch)
		}
		if !strings.Contains(m["error"].(string), "changed since you opened it: Ada Admin replied") {
			t.Errorf("error %q", m["error"])
		}
	}
	_, body = a.api(tok, "GET", "/api/v1/tickets/"+ref, "")
	if int64(jsonOf(t, body)["version"].(float64)) != now || strings.Contains(body, "Sam too") {
		t.Errorf("a refused write changed the ticket: %s", clip(body))
	}
	resp, body = a.api(tok, "PATCH", "/api/v1/tickets/"+ref, `{"status":"waiting","expected_version":`+strconv.FormatInt(now+5, 10)+`}`)
	wantJSONError(t, resp, body, http.StatusBadRequest, "expected_version")
	resp, body = a.api(tok, "PATCH", "/api/v1/tickets/"+ref, `{"status":"waiting","expected_version":`+strconv.FormatInt(now, 10)+`}`)
	wantStatus(t, resp, body, http.StatusOK)
	if got := int64(jsonOf(t, body)["version"].(float64)); got != now+1 {
		t.Errorf("version after the patch %d, want %d", got, now+1)
	}
}

// TestAPI_Macros: staff read the library, admins change it; problems come
// back as JSON errors naming the field; ?ticket= expands a macro for a
// ticket; a reply's macro_id applies its actions.
func TestAPI_Macros(t *testing.T) {
	a := newApp(t)
	staff, admin := a.apiToken("sam@agency.gov"), a.apiToken("admin@agency.gov")
	resp, body := a.api(staff, "GET", "/api/v1/macros", "")
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, `{"macros":[]}`)
	resp, body = a.api(staff, "POST", "/api/v1/macros", `{"name":"x","body":"y"}`)
	wantJSONError(t, resp, body, http.StatusForbidden, "")
	resp, body = a.api(admin, "POST", "/api/v1/macros", `{"name":"x","body":"Hi {{who}}"}`)
	wantJSONError(t, resp, body, http.StatusBadRequest, "body")
	resp, body = a.api(admin, "POST", "/api/v1/macros", `{"name":"x","body":"y","colour":"red"}`)
	wantJSONError(t, resp, body, http.StatusBadRequest, "colour")
	resp, body = a.api(admin, "POST", "/api/v1/macros", `{"name":"Need logs","body":"Hi {{requester_name}}, please send logs for {{ref}} by {{promise}}. {{agent_name}}","set_status":"waiting","assign_to":"me"}`)
	wantStatus(t, resp, body, http.StatusCreated)
	mac := jsonOf(t, body)["macro"].(map[string]any)
	id := strconv.FormatFloat(mac["id"].(float64), 'f', 0, 64)
	if loc := resp.Header.Get("Location"); loc != "/api/v1/macros/"+id || mac["actions"] != "sets the status to Waiting on customer, assigns the ticket to the agent who sends it" {
		t.Errorf("created: Location %q, %v", loc, mac)
	}
	resp, body = a.api(admin, "POST", "/api/v1/macros", `{"name":"NEED LOGS","body":"y"}`)
	wantJSONError(t, resp, body, http.StatusConflict, "name")
	resp, body = a.api(staff, "PATCH", "/api/v1/macros/"+id, `{"name":"z"}`)
	wantJSONError(t, resp, body, http.StatusForbidden, "")
	resp, body = a.api(admin, "PATCH", "/api/v1/macros/"+id, `{"set_class":"nope"}`)
	wantJSONError(t, resp, body, http.StatusBadRequest, "set_class")
	resp, body = a.api(admin, "PATCH", "/api/v1/macros/"+id, `{"set_class":"other"}`)
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, `"set_class":"other"`, `"name":"Need logs"`)

	tk := a.mkTicket(desk.NewTicket{Subject: "Broken export", RequesterName: "Lee"}, nil)
	resp, body = a.api(staff, "GET", "/api/v1/macros/"+id+"?ticket="+tk.Ref, "")
	wantStatus(t, resp, body, http.StatusOK)
	expanded := jsonOf(t, body)["expanded"].(string)
	if !strings.HasPrefix(expanded, "Hi Lee, please send logs for "+tk.Ref+" by ") || !strings.HasSuffix(expanded, " ET. Sam Staff") {
		t.Errorf("expanded %q", expanded)
	}
	in, _ := json.Marshal(map[string]any{"body": expanded, "macro_id": mac["id"]})
	resp, body = a.api(staff, "POST", "/api/v1/tickets/"+tk.Ref+"/replies", string(in))
	wantStatus(t, resp, body, http.StatusCreated)
	if m := jsonOf(t, body); m["status"] != "waiting" || m["assignee_email"] != "sam@agency.gov" || m["class"] != "other" {
		t.Errorf("after the macro reply: %v %v %v", m["status"], m["assignee_email"], m["class"])
	}
	resp, body = a.api(staff, "DELETE", "/api/v1/macros/"+id, "")
	wantJSONError(t, resp, body, http.StatusForbidden, "")
	resp, body = a.api(admin, "DELETE", "/api/v1/macros/"+id, "")
	wantStatus(t, resp, body, http.StatusNoContent)
	resp, body = a.api(staff, "GET", "/api/v1/macros/"+id, "")
	wantJSONError(t, resp, body, http.StatusNotFound, "")
	resp, body = a.api("", "GET", "/api/v1/macros", "")
	wantJSONError(t, resp, body, http.StatusUnauthorized, "")
}

// TestTicketPage_TimesInWords: this year's times without the year, an
// older one with it, always in the desk's zone.
func TestTicketPage_TimesInWords(t *testing.T) {
	a := newApp(t)
	a.clock.Set(nyAt(time.January, 5, 10, 0))
	old := a.mkTicket(desk.NewTicket{Subject: "Old one", Class: "other", ReceivedAt: time.Date(2025, 12, 29, 15, 30, 0, 0, ny)}, a.admin)
	c := a.staffClient("sam@agency.gov")
	_, body := c.get("/tickets/" + old.Ref)
	wantContains(t, body, "Mon Dec 29, 2025, 3:30 PM ET")
	if _, err := a.svc.Reply(context.Background(), old.Ref, a.staff, "Happy new year", false); err != nil {
		t.Fatal(err)
	}
	_, body = c.get("/tickets/" + old.Ref)
	wantContains(t, timelineOf(t, body), "Mon Jan 5, 10:00 AM ET")
}
