package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
)

// apiOutage is a JSON ticket the classifier reads as availability.
const apiOutage = `{"subject":"Production app is down","body":"Every request returns 502 Bad Gateway.","requester_email":"Ops@Example.gov","requester_name":"Ops Team"}`

// listRefs are the refs of a GET /api/v1/tickets answer and its next cursor.
func listRefs(t *testing.T, body string) ([]string, *string) {
	t.Helper()
	var out struct {
		Tickets []struct {
			Ref string `json:"ref"`
		} `json:"tickets"`
		NextCursor *string `json:"next_cursor"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("list: %v\n%s", err, clip(body))
	}
	if !strings.Contains(body, `"next_cursor":`) {
		t.Errorf("list lacks next_cursor: %s", clip(body))
	}
	refs := []string{}
	for _, tk := range out.Tickets {
		refs = append(refs, tk.Ref)
	}
	return refs, out.NextCursor
}

func TestAPI(t *testing.T) {
	t.Run("no_token_is_401_json", func(t *testing.T) {
		a := newApp(t)
		for _, tc := range []struct{ method, path string }{
			{"GET", "/api/v1/tickets"}, {"POST", "/api/v1/tickets"}, {"GET", "/api/v1/tickets/SR-1001"},
			{"PATCH", "/api/v1/tickets/SR-1001"}, {"POST", "/api/v1/tickets/SR-1001/replies"},
		} {
			resp, body := a.api("", tc.method, tc.path, `{}`)
			m := wantJSONError(t, resp, body, http.StatusUnauthorized, "")
			if h := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(h, "Bearer") {
				t.Errorf("%s %s: WWW-Authenticate %q", tc.method, tc.path, h)
			}
			if !strings.Contains(m["error"].(string), "Authorization: Bearer") {
				t.Errorf("error %q does not say how to authenticate", m["error"])
			}
		}
		// Basic auth or a bare token is no bearer token.
		req, _ := http.NewRequest("GET", a.srv.URL+"/api/v1/tickets", nil)
		req.SetBasicAuth("admin@agency.gov", testPassword)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("basic auth: %d", resp.StatusCode)
		}
		// A session cookie does not open the API either.
		c := a.staffClient("admin@agency.gov")
		req, _ = http.NewRequest("GET", a.srv.URL+"/api/v1/tickets", nil)
		resp, body := c.do(req)
		wantJSONError(t, resp, body, http.StatusUnauthorized, "")
	})

	t.Run("bad_token_is_401", func(t *testing.T) {
		a := newApp(t)
		good := a.apiToken("sam@agency.gov")
		for _, tok := range []string{"slt_nope", "nope", good + "x", strings.TrimPrefix(good, "slt_"), desk.HashToken(good)} {
			resp, body := a.api(tok, "GET", "/api/v1/tickets", "")
			wantJSONError(t, resp, body, http.StatusUnauthorized, "")
			if h := resp.Header.Get("WWW-Authenticate"); !strings.Contains(h, `error="invalid_token"`) {
				t.Errorf("WWW-Authenticate %q", h)
			}
		}
		resp, body := a.api(good, "GET", "/api/v1/tickets", "")
		wantStatus(t, resp, body, http.StatusOK)
	})

	t.Run("create_ticket", func(t *testing.T) {
		a := newApp(t)
		tok := a.apiToken("sam@agency.gov")
		resp, body := a.api(tok, "POST", "/api/v1/tickets", apiOutage)
		wantStatus(t, resp, body, http.StatusCreated)
		if loc := resp.Header.Get("Location"); loc != "/api/v1/tickets/SR-1001" {
			t.Errorf("Location %q", loc)
		}
		m := jsonOf(t, body)
		want := map[string]any{
			"ref": "SR-1001", "class": "availability", "status": "new", "channel": "api",
			"requester_email": "ops@example.gov", "requester_name": "Ops Team",
			"subject":     "Production app is down",
			"received_at": "2026-07-01T10:00:00-04:00", "response_due_at": "2026-07-01T13:00:00-04:00",
			"first_response_at": nil, "sla_state": "on_track", "business_seconds_remaining": float64(10800),
			"assignee_email": nil, "class_by": "rule", "url": "http://localhost:8080/tickets/SR-1001",
		}
		for k, v := range want {
			got, ok := m[k]
			if !ok {
				t.Errorf("%s missing", k)
			} else if got != v {
				t.Errorf("%s = %#v, want %#v", k, got, v)
			}
		}
		if r, _ := m["class_reason"].(string); r == "" {
			t.Errorf("class_reason empty")
		}
		tk, _ := a.getTicket("SR-1001")
		if tk.Channel != desk.ChannelAPI {
			t.Errorf("stored channel %q", tk.Channel)
		}
		// Later, the remaining business time counts down with the clock.
		a.clock.Set(nyAt(time.July, 1, 12, 30))
		_, body = a.api(tok, "GET", "/api/v1/tickets/SR-1001", "")
		m = jsonOf(t, body)
		if m["sla_state"] != "at_risk" || m["business_seconds_remaining"] != float64(1800) {
			t.Errorf("at 12:30: %v, %v", m["sla_state"], m["business_seconds_remaining"])
		}
	})

	t.Run("create_with_class_choice", func(t *testing.T) {
		a := newApp(t)
		tok := a.apiToken("sam@agency.gov")
		resp, body := a.api(tok, "POST", "/api/v1/tickets", `{"subject":"Question about our invoice","body":"Please send it again.","requester_email":"pat@example.gov","class":"provisioning"}`)
		wantStatus(t, resp, body, http.StatusCreated)
		m := jsonOf(t, body)
		if m["class"] != "provisioning" || m["class_reason"] != "chosen by the requester" || m["response_due_at"] != "2026-07-06T10:00:00-04:00" {
			t.Errorf("class %v (%v) due %v", m["class"], m["class_reason"], m["response_due_at"])
		}
	})

	t.Run("received_at_only_for_admins", func(t *testing.T) {
		a := newApp(t)
		a.clock.Set(nyAt(time.July, 7, 10, 0))
		const in = `{"subject":"Production app is down","body":"502 Bad Gateway everywhere.","requester_email":"ops@example.gov","received_at":"2026-07-02T16:00:00-04:00"}`
		resp, body := a.api(a.apiToken("sam@agency.gov"), "POST", "/api/v1/tickets", in)
		m := wantJSONError(t, resp, body, http.StatusForbidden, "received_at")
		if !strings.Contains(m["error"].(string), "received_at") {
			t.Errorf("error %q does not name received_at", m["error"])
		}
		if n := a.ticketCount(); n != 0 {
			t.Errorf("%d tickets", n)
		}

		admin := a.apiToken("admin@agency.gov")
		resp, body = a.api(admin, "POST", "/api/v1/tickets", in)
		wantStatus(t, resp, body, http.StatusCreated)
		m = jsonOf(t, body)
		if m["received_at"] != "2026-07-02T16:00:00-04:00" || m["response_due_at"] != "2026-07-06T11:00:00-04:00" {
			t.Errorf("received %v due %v", m["received_at"], m["response_due_at"])
		}
		// Now (Tue 07-07 10:00) it is 6h (Mon 11-17) + 1h (Tue 9-10) overdue.
		if m["sla_state"] != "breached" || m["business_seconds_remaining"] != float64(-7*3600) {
			t.Errorf("state %v remaining %v", m["sla_state"], m["business_seconds_remaining"])
		}
		// Other zones are the same instant.
		resp, body = a.api(admin, "POST", "/api/v1/tickets", strings.Replace(in, "2026-07-02T16:00:00-04:00", "2026-07-02T20:00:00Z", 1))
		wantStatus(t, resp, body, http.StatusCreated)
		if m := jsonOf(t, body); m["response_due_at"] != "2026-07-06T11:00:00-04:00" {
			t.Errorf("UTC receipt: due %v", m["response_due_at"])
		}

		// A fraction of a second stays in the deadline (it used to be
		// printed up to a second early).
		resp, body = a.api(admin, "POST", "/api/v1/tickets", strings.Replace(in, "2026-07-02T16:00:00-04:00", "2026-07-02T16:00:00.25-04:00", 1))
		wantStatus(t, resp, body, http.StatusCreated)
		if m := jsonOf(t, body); m["received_at"] != "2026-07-02T16:00:00.25-04:00" || m["response_due_at"] != "2026-07-06T11:00:00.25-04:00" {
			t.Errorf("fractional receipt: received %v due %v", m["received_at"], m["response_due_at"])
		}

		for _, bad := range []string{"2026-07-02 16:00", "yesterday", "2026-07-08T10:00:00-04:00"} {
			resp, body = a.api(admin, "POST", "/api/v1/tickets", strings.Replace(in, "2026-07-02T16:00:00-04:00", bad, 1))
			wantJSONError(t, resp, body, http.StatusBadRequest, "received_at")
		}
	})

	t.Run("validation_names_the_field", func(t *testing.T) {
		a := newApp(t)
		tok := a.apiToken("sam@agency.gov")
		for _, tc := range []struct{ in, field string }{
			{`{"subject":"Hi","body":"Text","requester_email":"not-an-email"}`, "requester_email"},
			{`{"subject":"Hi","body":"Text"}`, "requester_email"},
			{`{"subject":"","body":"Text","requester_email":"a@b.gov"}`, "subject"},
			{`{"subject":"Hi","body":"  ","requester_email":"a@b.gov"}`, "body"},
			{`{"subject":"Hi","body":"Text","requester_email":"a@b.gov","class":"urgent"}`, "class"},
			{`{"subject":"` + strings.Repeat("s", 301) + `","body":"Text","requester_email":"a@b.gov"}`, "subject"},
			{`{"subject":5,"body":"Text","requester_email":"a@b.gov"}`, "subject"},
			{`{"subject":"Hi","body":"Text","requester_email":"a@b.gov","priority":"high"}`, "priority"},
		} {
			resp, body := a.api(tok, "POST", "/api/v1/tickets", tc.in)
			// "field" names it for programs; the message is for people,
			// without the field's name as a prefix.
			m := wantJSONError(t, resp, body, http.StatusBadRequest, tc.field)
			if msg := m["error"].(string); msg == "" || strings.HasPrefix(msg, tc.field+":") {
				t.Errorf("%s: error %q, want a message without the prefix %q", clip(tc.in), msg, tc.field+":")
			}
		}
		if n := a.ticketCount(); n != 0 {
			t.Errorf("%d tickets created from invalid input", n)
		}
	})

	t.Run("malformed_json_is_400", func(t *testing.T) {
		a := newApp(t)
		tok := a.apiToken("sam@agency.gov")
		for _, in := range []string{`{"subject":`, `not json`, `[]`, `{"subject":"a"} {"subject":"b"}`, `{"subject":"a"} trailing`, ` `, `null x`} {
			resp, body := a.api(tok, "POST", "/api/v1/tickets", in)
			wantJSONError(t, resp, body, http.StatusBadRequest, "")
		}
		// An empty body says so.
		resp, body := a.api(tok, "POST", "/api/v1/tickets", "")
		m := wantJSONError(t, resp, body, http.StatusBadRequest, "body")
		if !strings.Contains(m["error"].(string), "empty") {
			t.Errorf("empty body: %q", m["error"])
		}
		if n := a.ticketCount(); n != 0 {
			t.Errorf("%d tickets", n)
		}
	})

	t.Run("unknown_field_is_400_naming_it", func(t *testing.T) {
		a := newApp(t)
		resp, body := a.api(a.apiToken("sam@agency.gov"), "POST", "/api/v1/tickets",
			`{"subject":"Hi","body":"Text","requester_email":"a@b.gov","requestor_email":"typo@b.gov"}`)
		m := wantJSONError(t, resp, body, http.StatusBadRequest, "requestor_email")
		if !strings.Contains(m["error"].(string), "requestor_email") || !strings.Contains(m["error"].(string), "does not know") {
			t.Errorf("error %q", m["error"])
		}
	})

	t.Run("oversize_body_is_413", func(t *testing.T) {
		a := newApp(t)
		big := `{"subject":"Hi","requester_email":"a@b.gov","body":"` + strings.Repeat("x", (a.cfg.Server.MaxBodyKB+8)*1024) + `"}`
		resp, body := a.api(a.apiToken("sam@agency.gov"), "POST", "/api/v1/tickets", big)
		m := wantJSONError(t, resp, body, http.StatusRequestEntityTooLarge, "")
		if !strings.Contains(m["error"].(string), "256 KB") {
			t.Errorf("error %q does not give the limit", m["error"])
		}
		// Under the HTTP cap but over the body limit: a 400 on the field.
		mid := `{"subject":"Hi","requester_email":"a@b.gov","body":"` + strings.Repeat("x", desk.MaxBody+1) + `"}`
		resp, body = a.api(a.apiToken("sam@agency.gov"), "POST", "/api/v1/tickets", mid)
		wantJSONError(t, resp, body, http.StatusBadRequest, "body")
		if n := a.ticketCount(); n != 0 {
			t.Errorf("%d tickets", n)
		}
	})

	t.Run("list_filters_and_cursor", func(t *testing.T) {
		a := newApp(t)
		tok := a.apiToken("sam@agency.gov")
		queueFixture(t, a)
		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"", refsOf(1006, 1002, 1004, 1003, 1001, 1005)},
			{"sort=due", refsOf(1006, 1002, 1004, 1003, 1001, 1005)},
			{"class=availability", refsOf(1002, 1004, 1003)},
			{"status=resolved", refsOf(1007)},
			// Owing nothing, SR-1005 (answered) and SR-1007 (resolved) come last,
			// by the customer's last message.
			{"status=all", refsOf(1006, 1002, 1004, 1003, 1001, 1005, 1007)},
			{"state=breached", refsOf(1006, 1002)},
			{"state=at_risk", refsOf(1004)},
			{"state=on_track", refsOf(1003, 1001)},
			{"state=met", refsOf(1005)},
			{"assignee=sam@agency.gov", refsOf(1002)},
			{"q=kumquat", refsOf(1003)},
			{"q=SR-1006", refsOf(1006)},
		} {
			resp, body := a.api(tok, "GET", "/api/v1/tickets?"+tc.query, "")
			wantStatus(t, resp, body, http.StatusOK)
			refs, next := listRefs(t, body)
			if fmt.Sprint(refs) != fmt.Sprint(tc.want) {
				t.Errorf("?%s: %v, want %v", tc.query, refs, tc.want)
			}
			if next != nil {
				t.Errorf("?%s: next_cursor %q on the only page", tc.query, *next)
			}
		}
		// The list shows each ticket's SLA standing.
		_, body := a.api(tok, "GET", "/api/v1/tickets?q=SR-1004", "")
		if !strings.Contains(body, `"sla_state":"at_risk"`) || !strings.Contains(body, `"business_seconds_remaining":1800`) {
			t.Errorf("SR-1004 in the list: %s", body)
		}

		// Walk with limit=2: every open ticket once, in order, then null.
		var got []string
		path := "/api/v1/tickets?limit=2"
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatalf("the cursor does not advance")
			}
			resp, body := a.api(tok, "GET", path, "")
			wantStatus(t, resp, body, http.StatusOK)
			refs, next := listRefs(t, body)
			if len(refs) > 2 {
				t.Errorf("limit=2 gave %d", len(refs))
			}
			got = append(got, refs...)
			if next == nil {
				break
			}
			path = "/api/v1/tickets?limit=2&cursor=" + url.QueryEscape(*next)
		}
		if want := refsOf(1006, 1002, 1004, 1003, 1001, 1005); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("paged: %v, want %v", got, want)
		}
		// A filter with a cursor.
		_, body = a.api(tok, "GET", "/api/v1/tickets?class=availability&limit=1", "")
		refs, next := listRefs(t, body)
		if fmt.Sprint(refs) != "[SR-1002]" || next == nil {
			t.Fatalf("class=availability&limit=1: %v %v", refs, next)
		}
		_, body = a.api(tok, "GET", "/api/v1/tickets?class=availability&limit=5&cursor="+url.QueryEscape(*next), "")
		if refs, next := listRefs(t, body); fmt.Sprint(refs) != "[SR-1004 SR-1003]" || next != nil {
			t.Errorf("second page: %v %v", refs, next)
		}
	})

	t.Run("list_rejects_bad_parameters", func(t *testing.T) {
		a := newApp(t)
		tok := a.apiToken("sam@agency.gov")
		for q, field := range map[string]string{
			"limit=0": "limit", "limit=201": "limit", "limit=-1": "limit", "limit=ten": "limit", "limit=1.5": "limit",
			"class=bogus": "class", "status=gone": "status", "state=late": "state",
			"assignee=ghost@agency.gov": "assignee", "cursor=bogus": "cursor", "sort=priority": "sort",
		} {
			resp, body := a.api(tok, "GET", "/api/v1/tickets?"+q, "")
			wantJSONError(t, resp, body, http.StatusBadRequest, field)
		}
		for _, q := range []string{"limit=1", "limit=200"} {
			resp, body := a.api(tok, "GET", "/api/v1/tickets?"+q, "")
			wantStatus(t, resp, body, http.StatusOK)
			if refs, next := listRefs(t, body); len(refs) != 0 || next != nil {
				t.Errorf("?%s on an empty desk: %v %v", q, refs, next)
			}
		}
		if _, body := a.api(tok, "GET", "/api/v1/tickets", ""); !strings.Contains(body, `"tickets":[]`) {
			t.Errorf("an empty list should be [], not null: %s", body)
		}
	})

	t.Run("get_one_includes_timeline", func(t *testing.T) {
		a := newApp(t)
		tok := a.apiToken("sam@agency.gov")
		a.api(tok, "POST", "/api/v1/tickets", apiOutage)
		resp, body := a.api(tok, "GET", "/api/v1/tickets/sr-1001", "")
		wantStatus(t, resp, body, http.StatusOK)
		var out struct {
			Ref      string `json:"ref"`
			Timeline []struct {
				At, Kind, Actor, Body, New string
				Internal                   bool
			} `json:"timeline"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		if out.Ref != "SR-1001" || len(out.Timeline) != 2 {
			t.Fatalf("ticket %q with %d events: %s", out.Ref, len(out.Timeline), body)
		}
		e0, e1 := out.Timeline[0], out.Timeline[1]
		if e0.Kind != "message_in" || e0.Actor != "Ops Team <ops@example.gov>" || e0.New != "Production app is down" || e0.At != "2026-07-01T10:00:00-04:00" {
			t.Errorf("first event %+v", e0)
		}
		if e1.Kind != "created" || e1.Actor != "Sam Staff <sam@agency.gov>" || !strings.Contains(e1.Body, "Received via API") {
			t.Errorf("second event %+v", e1)
		}
	})

	t.Run("patch", func(t *testing.T) {
		a := newApp(t)
		tok := a.apiToken("sam@agency.gov")
		a.mkTicket(desk.NewTicket{Subject: "Question about invoices", Class: "other"}, nil)
		a.clock.Set(nyAt(time.July, 1, 11, 0))

		resp, body := a.api(tok, "PATCH", "/api/v1/tickets/SR-1001", `{"class":"availability","reason":"app is down"}`)
		wantStatus(t, resp, body, http.StatusOK)
		m := jsonOf(t, body)
		if m["class"] != "availability" || m["response_due_at"] != "2026-07-01T13:00:00-04:00" || m["received_at"] != "2026-07-01T10:00:00-04:00" {
			t.Errorf("after reclassify: class %v due %v received %v", m["class"], m["response_due_at"], m["received_at"])
		}
		if m["business_seconds_remaining"] != float64(7200) || m["class_by"] != "staff" {
			t.Errorf("remaining %v class_by %v", m["business_seconds_remaining"], m["class_by"])
		}

		resp, body = a.api(tok, "PATCH", "/api/v1/tickets/SR-1001", `{"status":"waiting","assignee_email":"ADMIN@agency.gov"}`)
		wantStatus(t, resp, body, http.StatusOK)
		m = jsonOf(t, body)
		if m["status"] != "waiting" || m["assignee_email"] != "admin@agency.gov" {
			t.Errorf("status %v assignee %v", m["status"], m["assignee_email"])
		}

		resp, body = a.api(tok, "PATCH", "/api/v1/tickets/SR-1001", `{"assignee_email":"ghost@agency.gov"}`)
		wantJSONError(t, resp, body, http.StatusBadRequest, "assignee_email")
		resp, body = a.api(tok, "PATCH", "/api/v1/tickets/SR-1001", `{"status":"bogus"}`)
		wantJSONError(t, resp, body, http.StatusBadRequest, "status")
		resp, body = a.api(tok, "PATCH", "/api/v1/tickets/SR-1001", `{"class":"urgent"}`)
		wantJSONError(t, resp, body, http.StatusBadRequest, "class")
		resp, body = a.api(tok, "PATCH", "/api/v1/tickets/SR-1001", `{}`)
		wantJSONError(t, resp, body, http.StatusBadRequest, "")
		resp, body = a.api(tok, "PATCH", "/api/v1/tickets/SR-1001", `{"ref":"SR-2000"}`)
		wantJSONError(t, resp, body, http.StatusBadRequest, "ref")

		resp, body = a.api(tok, "PATCH", "/api/v1/tickets/SR-1001", `{"assignee_email":""}`)
		wantStatus(t, resp, body, http.StatusOK)
		if m := jsonOf(t, body); m["assignee_email"] != nil {
			t.Errorf("unassigned: assignee_email %v", m["assignee_email"])
		}

		_, body = a.api(tok, "GET", "/api/v1/tickets/SR-1001", "")
		kinds := []string{}
		var tl struct {
			Timeline []struct{ Kind, Old, New, Reason string } `json:"timeline"`
		}
		_ = json.Unmarshal([]byte(body), &tl)
		for _, e := range tl.Timeline {
			kinds = append(kinds, e.Kind)
			if e.Kind == "class_changed" && (e.Old != "other" || e.New != "availability" || e.Reason != "app is down") {
				t.Errorf("class_changed %+v", e)
			}
		}
		if got := strings.Join(kinds, ","); got != "message_in,created,class_changed,due_changed,status_changed,assigned,assigned" {
			t.Errorf("timeline %s", got)
		}
	})

	t.Run("replies", func(t *testing.T) {
		a := newApp(t)
		tok := a.apiToken("sam@agency.gov")
		a.api(tok, "POST", "/api/v1/tickets", apiOutage)
		a.clock.Set(nyAt(time.July, 1, 11, 30))

		resp, body := a.api(tok, "POST", "/api/v1/tickets/SR-1001/replies", `{"body":"Looking at the logs.","internal":true}`)
		wantStatus(t, resp, body, http.StatusCreated)
		if m := jsonOf(t, body); m["first_response_at"] != nil || m["sla_state"] != "on_track" {
			t.Errorf("after a note: first response %v state %v", m["first_response_at"], m["sla_state"])
		}

		resp, body = a.api(tok, "POST", "/api/v1/tickets/SR-1001/replies", `{"body":"We are restarting the router."}`)
		wantStatus(t, resp, body, http.StatusCreated)
		m := jsonOf(t, body)
		if m["first_response_at"] != "2026-07-01T11:30:00-04:00" || m["sla_state"] != "met" || m["status"] != "open" {
			t.Errorf("after a reply: first response %v state %v status %v", m["first_response_at"], m["sla_state"], m["status"])
		}
		if m["business_seconds_remaining"] != float64(5400) {
			t.Errorf("remaining at the response %v, want 5400", m["business_seconds_remaining"])
		}

		for in, field := range map[string]string{`{"body":""}`: "body", `{"body":"   "}`: "body", `{"text":"hi"}`: "text", `{"body":"x","internal":"yes"}`: "internal"} {
			resp, body = a.api(tok, "POST", "/api/v1/tickets/SR-1001/replies", in)
			wantJSONError(t, resp, body, http.StatusBadRequest, field)
		}
		_, ev := a.getTicket("SR-1001")
		if got := strings.Join(eventKinds(ev), ","); got != "message_in,created,note,reply,first_response,status_changed" {
			t.Errorf("timeline %s", got)
		}
	})

	t.Run("unknown_ref_is_404_json", func(t *testing.T) {
		a := newApp(t)
		tok := a.apiToken("sam@agency.gov")
		for _, tc := range []struct{ method, path, body string }{
			{"GET", "/api/v1/tickets/SR-9999", ""},
			{"GET", "/api/v1/tickets/'%20OR%201=1--", ""},
			{"PATCH", "/api/v1/tickets/SR-9999", `{"status":"open"}`},
			{"POST", "/api/v1/tickets/SR-9999/replies", `{"body":"hi"}`},
		} {
			resp, body := a.api(tok, tc.method, tc.path, tc.body)
			wantJSONError(t, resp, body, http.StatusNotFound, "")
		}
	})

	t.Run("errors_never_leak_internals", func(t *testing.T) {
		a := newApp(t)
		tok := a.apiToken("admin@agency.gov")
		for _, tc := range []struct{ method, path, body string }{
			{"POST", "/api/v1/tickets", `{"subject":"x'; DROP TABLE tickets;--","body":"\u0000","requester_email":"a@b.gov"}`},
			{"POST", "/api/v1/tickets", `{"subject":"\ud800","body":"x","requester_email":"a@b.gov"}`},
			{"POST", "/api/v1/tickets", `{"subject":"a","body":"b","requester_email":"a@b.gov","received_at":"0001-01-01T00:00:00Z"}`},
			{"GET", "/api/v1/tickets?q=%25%27%22%5C", ""},
			{"GET", "/api/v1/tickets?cursor=MC45OTk5OTk5OTk5OTk5OTk5OTk5LjE", ""},
			{"GET", "/api/v1/tickets/" + strings.Repeat("A", 2000), ""},
			{"PATCH", "/api/v1/tickets/SR-1001", `{"reason":"` + strings.Repeat("r", 600) + `","status":"open"}`},
		} {
			resp, body := a.api(tok, tc.method, tc.path, tc.body)
			if resp.StatusCode >= 500 {
				t.Errorf("%s %s: %d %s", tc.method, clip(tc.path), resp.StatusCode, body)
			}
			wantNoLeak(t, body)
		}
	})
}
