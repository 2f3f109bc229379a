package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/slatrack/slatrack/internal/desk"
)

// TestJSONBody_Text: strings that are not Unicode text were silently turned
// into U+FFFD; they are refused with a 400 naming the field. Proper text,
// escaped pairs and an escaped backslash still go through unchanged.
func TestJSONBody_Text(t *testing.T) {
	a := newApp(t)
	tok := a.apiToken("sam@agency.gov")
	tk := a.mkTicket(desk.NewTicket{Subject: "Quota question"}, nil)
	const rest = `, "body": "details", "requester_email": "ann@agency.gov"}`
	refused := []struct {
		name, method, path, body, field, says string
	}{
		{"invalid_utf8_subject", "POST", "/api/v1/tickets", "{\"subject\": \"caf\xe9 down\"" + rest, "subject", "not valid UTF-8"},
		{"truncated_utf8_sequence", "POST", "/api/v1/tickets", "{\"subject\": \"x\xc3\"" + rest, "subject", "not valid UTF-8"},
		{"lone_high_surrogate", "POST", "/api/v1/tickets", `{"subject": "a\ud800b"` + rest, "subject", `lone UTF-16 surrogate escape (\ud800)`},
		{"high_surrogate_at_end", "POST", "/api/v1/tickets", `{"subject": "a\uD83D"` + rest, "subject", "lone UTF-16 surrogate"},
		{"high_then_non_low", "POST", "/api/v1/tickets", `{"subject": "\ud83d\u0041"` + rest, "subject", "lone UTF-16 surrogate"},
		{"lone_low_surrogate", "POST", "/api/v1/tickets", `{"subject": "ok", "body": "\udc00", "requester_email": "ann@agency.gov"}`, "body", `(\udc00)`},
		{"in_a_field_name", "POST", "/api/v1/tickets", "{\"subj\xffect\": \"x\"" + rest, "body", "field name"},
		{"patch_reason", "PATCH", "/api/v1/tickets/" + tk.Ref, `{"status": "open", "reason": "\udfff"}`, "reason", "lone UTF-16 surrogate"},
		{"reply_body", "POST", "/api/v1/tickets/" + tk.Ref + "/replies", "{\"body\": \"\xff\xfe\", \"internal\": true}", "body", "not valid UTF-8"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := a.api(tok, tc.method, tc.path, tc.body)
			m := wantJSONError(t, resp, body, http.StatusBadRequest, tc.field)
			if msg, _ := m["error"].(string); !strings.Contains(msg, tc.says) {
				t.Errorf("message %q does not say %q", msg, tc.says)
			}
		})
	}
	if n := a.ticketCount(); n != 1 {
		t.Errorf("%d tickets after the refused bodies, want 1", n)
	}
	accepted := []struct{ name, subject, want string }{
		{"surrogate_pair", `smile \ud83d\ude00`, "smile 😀"},
		{"escaped_backslash", `path \\ud800`, `path \ud800`},
		{"real_replacement_character", "what \ufffd is", "what \ufffd is"},
		{"utf8_text", "Renée Müller 東京", "Renée Müller 東京"},
	}
	for _, tc := range accepted {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := a.api(tok, "POST", "/api/v1/tickets", `{"subject": "`+tc.subject+`"`+rest)
			wantStatus(t, resp, body, http.StatusCreated)
			if got := jsonOf(t, body)["subject"]; got != tc.want {
				t.Errorf("subject %q, want %q", got, tc.want)
			}
		})
	}
}

// TestJSONBody_NotAnObject: a body that is JSON but not an object gets a
// message showing what is wanted, on every endpoint that reads JSON.
func TestJSONBody_NotAnObject(t *testing.T) {
	a := newApp(t)
	tok := a.apiToken("sam@agency.gov")
	tk := a.mkTicket(desk.NewTicket{Subject: "Quota question"}, nil)
	endpoints := []struct{ method, path, example string }{
		{"POST", "/api/v1/tickets", `{"subject": "…", "body": "…"}`},
		{"PATCH", "/api/v1/tickets/" + tk.Ref, `{"class": "…", "status": "…"}`},
		{"POST", "/api/v1/tickets/" + tk.Ref + "/replies", `{"body": "…", "internal": true}`},
	}
	bodies := map[string]string{
		`[{"subject": "x"}]`: "not an array",
		`"App down"`:         "not a string",
		` 42 `:               "not a number",
		`-1.5e3`:             "not a number",
		"null":               "not null",
		"\ttrue\n":           "not true",
		"false":              "not false",
	}
	for _, ep := range endpoints {
		for in, says := range bodies {
			resp, body := a.api(tok, ep.method, ep.path, in)
			m := wantJSONError(t, resp, body, http.StatusBadRequest, "body")
			msg, _ := m["error"].(string)
			if want := "the request body must be a JSON object like " + ep.example; !strings.Contains(msg, want) || !strings.Contains(msg, says) {
				t.Errorf("%s %s with %q: message %q, want %q … %q", ep.method, ep.path, in, msg, want, says)
			}
		}
	}
	t.Run("not_json_at_all_is_still_a_syntax_error", func(t *testing.T) {
		resp, body := a.api(tok, "POST", "/api/v1/tickets", `[oops`)
		m := wantJSONError(t, resp, body, http.StatusBadRequest, "body")
		if msg, _ := m["error"].(string); !strings.Contains(msg, "not valid JSON") {
			t.Errorf("message %q", msg)
		}
	})
}
