package mail

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParse: Parse never panics (its recover would turn a panic into an
// "internal error" rejection, which fails here), returns exactly one of a
// message or an error, and every message keeps the invariants: valid UTF-8
// without NUL everywhere, no "<script" in the sanitised HTML, safe
// attachment names, a sender unless it is a bounce.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/corpus/*.eml")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"",
		"From: a@b.example\n\n",
		"From: a@b.example\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: multipart/alternative; boundary=y\n\n--y\n\nhi\n--y--\n--x--\n",
		"From: a@b.example\nContent-Type: text/html\n\n<scr<script>ipt>alert(1)</script><svg/onload=alert(1)>",
		"From: a@b.example\nSubject: =?utf-8?b?PHNjcmlwdD4=?=\nContent-Transfer-Encoding: base64\n\nPHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
		"Return-Path: <>\nContent-Type: multipart/report; report-type=delivery-status; boundary=r\n\n--r\nContent-Type: text/rfc822-headers\n\nMessage-ID: <a@b>\n--r--",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := parseWithDeadline(t, raw, 10*time.Second)
		switch {
		case m == nil && err == nil:
			t.Fatal("Parse returned (nil, nil)")
		case m != nil && err != nil:
			t.Fatalf("Parse returned both a message and %v", err)
		case err != nil:
			var rej *RejectError
			if !errors.As(err, &rej) {
				t.Fatalf("error %T is not a *RejectError: %v", err, err)
			}
			if strings.HasPrefix(rej.Reason, "internal error") {
				t.Fatalf("Parse panicked: %s", rej.Reason)
			}
			if !utf8.ValidString(rej.Reason) {
				t.Fatalf("reason is not valid UTF-8: %q", rej.Reason)
			}
			return
		}
		checkInvariants(t, m, raw)
	})
}

// parseWithDeadline fails the test when Parse takes longer than d, so a
// hang shows up as a fuzzing failure with its input saved instead of a
// silent stall.
func parseWithDeadline(t *testing.T, raw []byte, d time.Duration) (*Message, error) {
	t.Helper()
	type result struct {
		m   *Message
		err error
	}
	done := make(chan result, 1)
	go func() {
		m, err := Parse(raw, Limits{})
		done <- result{m, err}
	}()
	select {
	case r := <-done:
		return r.m, r.err
	case <-time.After(d):
		t.Fatalf("Parse did not return within %v (%d-byte input)", d, len(raw))
		return nil, nil
	}
}

// FuzzComposeFields: whatever the subject, names, text and header values,
// Compose never lets a field start a header of its own, and what it writes
// parses back.
func FuzzComposeFields(f *testing.F) {
	f.Add("Hi\r\nBcc: victim@x", "Jane\r\nBcc: x@y", "body\r\n.\r\n", "SR-1\nBcc: z@z")
	f.Add("Grüße — =?utf-8?q?x?=", "\"quoted\" <name>", strings.Repeat("long ", 400), "")
	f.Fuzz(func(t *testing.T, subject, name, text, value string) {
		raw, err := Compose(Outgoing{
			From:    Address{Name: name, Email: "desk@slatrack.example.gov"},
			To:      []Address{{Name: name, Email: "someone@agency.gov"}},
			Subject: subject,
			Text:    text,
			Headers: map[string]string{"X-Slatrack-Ticket": value},
		})
		if err != nil {
			t.Fatalf("Compose: %v", err)
		}
		for _, n := range headerNames(raw) {
			switch n {
			case "From", "To", "Subject", "Date", "Message-Id", "Mime-Version", "Content-Type", "Content-Transfer-Encoding", "X-Slatrack-Ticket":
			default:
				t.Fatalf("unexpected header %q in\n%s", n, raw)
			}
		}
		m, err := Parse(raw, Limits{})
		if err != nil {
			t.Fatalf("Parse(Compose()): %v\n%s", err, raw)
		}
		if m.From.Email != "desk@slatrack.example.gov" || len(m.To) != 1 {
			t.Fatalf("addresses did not round-trip: %#v %#v", m.From, m.To)
		}
		checkInvariants(t, m, raw)
	})
}
