package mail

import (
	"bytes"
	"net/textproto"
	"reflect"
	"strings"
	"testing"
	"time"
)

func composeOK(t *testing.T, o Outgoing) ([]byte, *Message) {
	t.Helper()
	raw, err := Compose(o)
	if err != nil {
		t.Fatalf("Compose: %v", err)
	}
	m, err := Parse(raw, Limits{})
	if err != nil {
		t.Fatalf("Parse(Compose(...)): %v\n%s", err, raw)
	}
	return raw, m
}

// headerNames lists the header field names of the composed bytes, as
// written (before any unfolding).
func headerNames(raw []byte) []string {
	head := raw
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		head = raw[:i]
	}
	var names []string
	for _, line := range strings.Split(string(head), "\r\n") {
		if line == "" || line[0] == ' ' || line[0] == '\t' {
			continue
		}
		if i := strings.IndexByte(line, ':'); i > 0 {
			names = append(names, textproto.CanonicalMIMEHeaderKey(line[:i]))
		}
	}
	return names
}

func TestComposeRoundTrip(t *testing.T) {
	signer := IDSigner{Secret: []byte("k"), Domain: "slatrack.example.gov"}
	id := signer.New("SR-1042")
	date := time.Date(2024, 3, 5, 9, 3, 14, 0, time.FixedZone("EST", -5*3600))
	text := "Hello,\r\n\r\nWe have received your request and given it the reference SR-1042.\r\n" +
		"Grüße — ünïcödé, and a line that is much longer than seventy-six characters so quoted-printable must soft-break it somewhere.\r\n" +
		strings.Repeat("x", 2000) + "\r\n-- \r\nService Desk\r\n"
	raw, m := composeOK(t, Outgoing{
		From:          Address{Name: "Service Desk", Email: "desk@slatrack.example.gov"},
		To:            []Address{{Name: "Jörg Müller", Email: "Joerg@Behoerde.example.de"}, {Email: "second@agency.gov"}},
		ReplyTo:       &Address{Name: "Desk replies", Email: "replies@slatrack.example.gov"},
		Subject:       "[SR-1042] Wir haben Ihre Anfrage erhalten – Grüße",
		Text:          text,
		MessageID:     id,
		InReplyTo:     "<CAFk3+7Qm0@mail.gmail.com>",
		References:    []string{"root@agency.gov", "CAFk3+7Qm0@mail.gmail.com"},
		AutoSubmitted: "auto-replied",
		Headers:       map[string]string{"X-Slatrack-Ticket": "SR-1042"},
		Date:          date,
	})
	if m.Subject != "[SR-1042] Wir haben Ihre Anfrage erhalten – Grüße" {
		t.Errorf("Subject = %q", m.Subject)
	}
	if m.From != (Address{Name: "Service Desk", Email: "desk@slatrack.example.gov"}) {
		t.Errorf("From = %#v", m.From)
	}
	if want := []Address{{Name: "Jörg Müller", Email: "joerg@behoerde.example.de"}, {Email: "second@agency.gov"}}; !reflect.DeepEqual(m.To, want) {
		t.Errorf("To = %#v", m.To)
	}
	if m.MessageID != id {
		t.Errorf("MessageID = %q, want %q", m.MessageID, id)
	}
	if ref, ok := signer.Verify(m.MessageID); !ok || ref != "SR-1042" {
		t.Errorf("composed id does not verify: %q %v", ref, ok)
	}
	if !reflect.DeepEqual(m.InReplyTo, []string{"CAFk3+7Qm0@mail.gmail.com"}) {
		t.Errorf("InReplyTo = %q", m.InReplyTo)
	}
	if !reflect.DeepEqual(m.References, []string{"root@agency.gov", "CAFk3+7Qm0@mail.gmail.com"}) {
		t.Errorf("References = %q", m.References)
	}
	if !m.Date.Equal(date) {
		t.Errorf("Date = %v, want %v", m.Date, date)
	}
	wantText := strings.ReplaceAll(strings.TrimSuffix(text, "\r\n"), "\r\n", "\n")
	if m.Text != wantText {
		t.Errorf("Text round trip:\n got %q\nwant %q", m.Text, wantText)
	}
	if m.Kind != KindAutoReply || m.KindReason != "Auto-Submitted: auto-replied" {
		t.Errorf("Kind = %s (%s), want auto_reply", m.Kind, m.KindReason)
	}
	h := m.Headers
	for k, want := range map[string]string{
		"Auto-Submitted":            "auto-replied",
		"X-Auto-Response-Suppress":  "All",
		"X-Slatrack-Ticket":         "SR-1042",
		"Mime-Version":              "1.0",
		"Content-Transfer-Encoding": "quoted-printable",
		"In-Reply-To":               "<CAFk3+7Qm0@mail.gmail.com>",
		"References":                "<root@agency.gov> <CAFk3+7Qm0@mail.gmail.com>",
		"Message-Id":                "<" + id + ">",
	} {
		if got := strings.Join(h[k], "|"); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	if ct := strings.Join(h["Content-Type"], ""); !strings.HasPrefix(ct, "text/plain") || !strings.Contains(ct, "charset=utf-8") {
		t.Errorf("Content-Type = %q", ct)
	}
	if _, err := time.Parse(time.RFC1123Z, strings.Join(h["Date"], "")); err != nil {
		t.Errorf("Date header %q is not RFC 5322: %v", h["Date"], err)
	}
	if !bytes.Contains(raw, []byte("Reply-To: ")) || !bytes.Contains(raw, []byte("<replies@slatrack.example.gov>")) {
		t.Errorf("no Reply-To in\n%s", raw)
	}
	checkComposedBytes(t, raw)
	// Non-ASCII only ever appears encoded.
	for _, c := range raw {
		if c >= 0x80 {
			t.Fatalf("8-bit byte in composed message:\n%s", raw)
		}
	}
}

// checkComposedBytes: CRLF only, no line over 998 octets.
func checkComposedBytes(t *testing.T, raw []byte) {
	t.Helper()
	if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) || bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\r")) {
		t.Errorf("bare CR or LF in composed message")
	}
	for i, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 998 {
			t.Errorf("line %d is %d octets", i+1, len(line))
		}
	}
}

func TestComposeHeaderInjection(t *testing.T) {
	raw, m := composeOK(t, Outgoing{
		From:    Address{Name: "Desk\r\nBcc: victim@x", Email: "desk@slatrack.example.gov"},
		To:      []Address{{Name: "Jane\nBcc: victim2@x", Email: "jane@agency.gov"}},
		Subject: "Hi\r\nBcc: victim@x\r\n\r\nInjected body",
		Text:    "body",
		Headers: map[string]string{"X-Slatrack-Ticket": "SR-1\r\nBcc: victim3@x\nX-Evil: 1"},
	})
	names := headerNames(raw)
	for _, n := range names {
		if n == "Bcc" || n == "X-Evil" {
			t.Errorf("injected header %s in\n%s", n, raw)
		}
	}
	if _, ok := m.Headers["Bcc"]; ok {
		t.Errorf("Bcc header after parsing: %q", m.Headers["Bcc"])
	}
	if m.Subject != "Hi Bcc: victim@x Injected body" {
		t.Errorf("Subject = %q", m.Subject)
	}
	if len(m.To) != 1 || m.To[0].Email != "jane@agency.gov" {
		t.Errorf("To = %#v", m.To)
	}
	if m.Text != "body" {
		t.Errorf("Text = %q", m.Text)
	}
	if m.Kind != KindNormal {
		t.Errorf("Kind = %s without AutoSubmitted", m.Kind)
	}
	if _, ok := m.Headers["Auto-Submitted"]; ok {
		t.Error("Auto-Submitted set without AutoSubmitted")
	}
	checkComposedBytes(t, raw)
}

func TestComposeRejects(t *testing.T) {
	ok := Outgoing{From: Address{Email: "desk@slatrack.example.gov"}, To: []Address{{Email: "a@b.example"}}, Subject: "s", Text: "t"}
	cases := map[string]func(o *Outgoing){
		"no from":               func(o *Outgoing) { o.From = Address{} },
		"bad from":              func(o *Outgoing) { o.From = Address{Email: "desk"} },
		"no to":                 func(o *Outgoing) { o.To = nil },
		"bad to":                func(o *Outgoing) { o.To = []Address{{Email: "a@b\r\nBcc: x@y"}} },
		"bad reply-to":          func(o *Outgoing) { o.ReplyTo = &Address{Email: "nope"} },
		"bad message id":        func(o *Outgoing) { o.MessageID = "a b@c" },
		"bad in-reply-to":       func(o *Outgoing) { o.InReplyTo = "x\r\nBcc: y@z" },
		"bad reference":         func(o *Outgoing) { o.References = []string{"ok@x", "no-at"} },
		"bad auto-submitted":    func(o *Outgoing) { o.AutoSubmitted = "yes\r\nBcc: x@y" },
		"header name CRLF":      func(o *Outgoing) { o.Headers = map[string]string{"X-A\r\nBcc": "x@y"} },
		"header name colon":     func(o *Outgoing) { o.Headers = map[string]string{"Bcc: x@y\r\nX-A": "v"} },
		"header name space":     func(o *Outgoing) { o.Headers = map[string]string{"X A": "v"} },
		"override Bcc":          func(o *Outgoing) { o.Headers = map[string]string{"bcc": "x@y"} },
		"override From":         func(o *Outgoing) { o.Headers = map[string]string{"FROM": "x@y"} },
		"override Content-Type": func(o *Outgoing) { o.Headers = map[string]string{"Content-Type": "text/html"} },
	}
	for name, mutate := range cases {
		o := ok
		mutate(&o)
		if b, err := Compose(o); err == nil {
			t.Errorf("%s: Compose succeeded:\n%s", name, b)
		} else if !strings.HasPrefix(err.Error(), "mail: ") {
			t.Errorf("%s: error %q lacks the mail: prefix", name, err)
		}
	}
	if _, err := Compose(ok); err != nil {
		t.Errorf("baseline: %v", err)
	}
}

func TestComposeDefaultsAndLimits(t *testing.T) {
	before := time.Now().Add(-time.Second)
	longWord := strings.Repeat("w", 3000)
	raw, m := composeOK(t, Outgoing{
		From:    Address{Name: strings.Repeat("Ä", 500), Email: "desk@slatrack.example.gov"},
		To:      []Address{{Email: "a@b.example"}},
		Subject: strings.Repeat("long subject ", 100) + longWord,
		Text:    longWord + "\n\x00\x07bell",
		Headers: map[string]string{"X-Long": longWord},
	})
	checkComposedBytes(t, raw)
	if m.Date.Before(before) || m.Date.After(time.Now().Add(time.Second)) {
		t.Errorf("default Date = %v, want now", m.Date)
	}
	if m.MessageID == "" || !strings.HasSuffix(m.MessageID, "@slatrack.example.gov") {
		t.Errorf("default MessageID = %q", m.MessageID)
	}
	if m.Text != longWord+"\nbell" {
		t.Errorf("Text = %q...", m.Text[:40])
	}
}
