package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestAPI_ImportedHistoryTimesEveryPromise imports a ticket's history
// through the API with its real instants (received_at, then replies and
// requester messages with at) and checks every promise against answers
// computed by hand in business time; and that only admins may backdate,
// and only in order.
func TestAPI_ImportedHistoryTimesEveryPromise(t *testing.T) {
	a := withMail(newApp(t))
	a.clock.Set(nyAt(time.December, 9, 10, 0)) // Wednesday
	admin := a.apiToken("admin@agency.gov")
	staff := a.apiToken("sam@agency.gov")

	// Received Tuesday Dec 1, 10:00: availability, due 13:00.
	resp, body := a.api(admin, "POST", "/api/v1/tickets",
		`{"subject":"Our app is down","body":"502 since the deploy","requester_email":"ops@example.gov","received_at":"2026-12-01T10:00:00-05:00"}`)
	wantStatus(t, resp, body, http.StatusCreated)
	ref := jsonOf(t, body)["ref"].(string)

	step := func(token, path, in string, want int) map[string]any {
		t.Helper()
		resp, body := a.api(token, "POST", "/api/v1/tickets/"+ref+path, in)
		wantStatus(t, resp, body, want)
		return jsonOf(t, body)
	}
	// Answered at 11:00: the first response is kept.
	m := step(admin, "/replies", `{"body":"On it","at":"2026-12-01T11:00:00-05:00"}`, http.StatusCreated)
	if m["owed"] != nil {
		t.Errorf("owed after the first reply: %v", m["owed"])
	}
	// The requester writes Friday Dec 4, 16:30: a next response is owed by
	// Monday 11:30 (30 minutes Friday, 2h30 Monday).
	m = step(admin, "/messages", `{"body":"Still failing","at":"2026-12-04T16:30:00-05:00"}`, http.StatusCreated)
	owed, _ := m["owed"].(map[string]any)
	if owed == nil || owed["kind"] != "next_response" || owed["due_at"] != "2026-12-07T11:30:00-05:00" {
		t.Fatalf("owed %v, want a next response due 2026-12-07T11:30:00-05:00", m["owed"])
	}
	// Now (Wednesday 10:00) it is overdue: Monday 11:30–17:00, Tuesday, and
	// Wednesday 09:00–10:00 = 5h30 + 8h + 1h.
	if m["sla_state"] != "breached" || owed["business_seconds_remaining"] != float64(-(14*3600+30*60)) {
		t.Errorf("state %v remaining %v, want breached by 14h30m", m["sla_state"], owed["business_seconds_remaining"])
	}

	// Backdating is for admins, in order, and never into the future.
	for _, tc := range []struct {
		name, token, in string
		status          int
		says            string
	}{
		{"staff", staff, `{"body":"x","at":"2026-12-07T10:00:00-05:00"}`, http.StatusForbidden, "only an admin"},
		{"before_the_last_entry", admin, `{"body":"x","at":"2026-12-04T16:00:00-05:00"}`, http.StatusBadRequest, "before the ticket's last timeline entry"},
		{"before_receipt", admin, `{"body":"x","at":"2026-11-30T10:00:00-05:00"}`, http.StatusBadRequest, "before the ticket was received"},
		{"future", admin, `{"body":"x","at":"2026-12-10T10:00:00-05:00"}`, http.StatusBadRequest, "in the future"},
		{"not_a_time", admin, `{"body":"x","at":"Monday"}`, http.StatusBadRequest, "RFC 3339"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := a.api(tc.token, "POST", "/api/v1/tickets/"+ref+"/replies", tc.in)
			e := wantJSONError(t, resp, body, tc.status, "at")
			if !strings.Contains(e["error"].(string), tc.says) {
				t.Errorf("error %q, want it to say %q", e["error"], tc.says)
			}
		})
	}

	// Answered Monday 11:00, in time; the list shows the promises in order.
	m = step(admin, "/replies", `{"body":"Fixed","at":"2026-12-07T11:00:00-05:00"}`, http.StatusCreated)
	if m["sla_state"] != "met" || m["owed"] != nil {
		t.Errorf("after the next reply: state %v owed %v", m["sla_state"], m["owed"])
	}
	ps := m["promises"].([]any)
	if len(ps) != 2 {
		t.Fatalf("%d promises: %v", len(ps), ps)
	}
	first, next := ps[0].(map[string]any), ps[1].(map[string]any)
	if first["kind"] != "first_response" || first["outcome"] != "met" || first["due_at"] != "2026-12-01T13:00:00-05:00" || first["ended_at"] != "2026-12-01T11:00:00-05:00" {
		t.Errorf("first response %v", first)
	}
	if next["kind"] != "next_response" || next["outcome"] != "met" || next["started_at"] != "2026-12-04T16:30:00-05:00" || next["state"] != "met" {
		t.Errorf("next response %v", next)
	}
	// A backdated reply is recorded, not mailed (it went out long ago).
	tk, _ := a.getTicket(ref)
	if _, out, err := a.svc.TicketMail(context.Background(), tk); err != nil || len(out) != 0 {
		t.Errorf("%d mails queued for a ticket imported from history (%v)", len(out), err)
	}
}
