package mail

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func mustReject(t *testing.T, raw []byte, lim Limits, contains string) {
	t.Helper()
	m, err := Parse(raw, lim)
	if m != nil || err == nil {
		t.Fatalf("want reject containing %q, got message %+v", contains, m)
	}
	var rej *RejectError
	if !errors.As(err, &rej) {
		t.Fatalf("error %T is not a *RejectError: %v", err, err)
	}
	if !strings.Contains(rej.Reason, contains) {
		t.Errorf("reason %q does not contain %q", rej.Reason, contains)
	}
	if !strings.HasPrefix(err.Error(), "mail: ") {
		t.Errorf("error %q lacks the mail: prefix", err)
	}
}

func mustParse(t *testing.T, raw []byte, lim Limits) *Message {
	t.Helper()
	m, err := Parse(raw, lim)
	if err != nil || m == nil {
		t.Fatalf("Parse: %v", err)
	}
	checkInvariants(t, m, raw)
	return m
}

const simpleHead = "From: a@agency.gov\r\nTo: desk@slatrack.example.gov\r\nSubject: s\r\nMessage-ID: <x@agency.gov>\r\n"

func TestParseHugeHeader(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(simpleHead)
	for b.Len() < 300<<10 {
		fmt.Fprintf(&b, "X-Filler-%d: %s\r\n", b.Len(), strings.Repeat("f", 70))
	}
	b.WriteString("\r\nbody\r\n")
	mustReject(t, b.Bytes(), Limits{}, "header section too large")

	// No blank line at all and more than the limit: also too large.
	noBlank := bytes.TrimSuffix(b.Bytes(), []byte("\r\nbody\r\n"))
	mustReject(t, noBlank, Limits{}, "header section too large")

	// One folded header line of 300 KiB.
	huge := simpleHead + "X-Huge: " + strings.Repeat("a ", 150<<10) + "\r\n\r\nbody"
	mustReject(t, []byte(huge), Limits{}, "header section too large")

	// Just under a raised limit is fine.
	m := mustParse(t, b.Bytes(), Limits{MaxHeaderBytes: 400 << 10})
	if m.Text != "body" || len(m.Headers) < 1000 {
		t.Errorf("Text %q, %d headers", m.Text, len(m.Headers))
	}
}

func TestParsePartHeaderBloat(t *testing.T) {
	for _, line := range []string{"X-A: v\r\n", "X-%d: v\r\n", " folded\r\n"} {
		var b bytes.Buffer
		b.WriteString(simpleHead + "Content-Type: multipart/mixed; boundary=p\r\n\r\n--p\r\nX-First: 1\r\n")
		for i := 0; b.Len() < 2_000_000; i++ {
			if strings.Contains(line, "%d") {
				fmt.Fprintf(&b, line, i)
			} else {
				b.WriteString(line)
			}
		}
		b.WriteString("\r\nbody\r\n--p--\r\n")
		mustReject(t, b.Bytes(), Limits{}, "MIME part header section too large")
	}
	// Header-like text in a part body is fine, and so are ordinary part
	// headers, however many parts.
	var b bytes.Buffer
	b.WriteString(simpleHead + "Content-Type: multipart/mixed; boundary=p\r\n\r\n")
	for i := 0; i < 500; i++ {
		b.WriteString("--p\r\nContent-Type: text/plain\r\nContent-Disposition: inline\r\n\r\n")
		b.WriteString(strings.Repeat("Key: value\r\n", 50))
	}
	b.WriteString("--p--\r\n")
	mustParse(t, b.Bytes(), Limits{})
	if n := largestPartHeader([]byte("--a\nX: 1\n Y\n\nbody\n--b\nZ: 2\n")); n != 8 {
		t.Errorf("largestPartHeader on delimiter-only lines = %d", n)
	}
}

func TestParseOversize(t *testing.T) {
	raw := []byte(simpleHead + "\r\n" + strings.Repeat("x", 2000))
	mustReject(t, raw, Limits{MaxMessageBytes: 1000}, fmt.Sprintf("oversize: %d bytes, limit 1000", len(raw)))
	mustParse(t, raw, Limits{MaxMessageBytes: len(raw)})
}

func TestParseEmptyAndGarbage(t *testing.T) {
	mustReject(t, nil, Limits{}, "empty")
	mustReject(t, []byte{}, Limits{}, "empty")
	mustReject(t, []byte("\r\n\r\nbody only"), Limits{}, "not a message")
	mustReject(t, []byte("\n\n\n\n\n\nFrom: a@b.example\n\nx"), Limits{}, "not a message")
	if m := mustParse(t, []byte("\r\nFrom: a@b.example\r\n\r\nx"), Limits{}); m.From.Email != "a@b.example" || m.Text != "x" {
		t.Errorf("leading blank line: %+v", m)
	}
	if m := mustParse(t, []byte("From : a@b.example\r\n\r\nx"), Limits{}); m.From.Email != "a@b.example" {
		t.Errorf("\"From :\" header taken for an mbox line: %+v", m)
	}
	mustReject(t, []byte("Just some text\nwithout headers\n"), Limits{}, "not a message")
	mustReject(t, []byte(" continuation: first\n\nx"), Limits{}, "not a message")
	mustReject(t, []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"), Limits{}, "not a message")
	mustReject(t, []byte("From: a@b.example\nnot a header\nnor this\nnor that\n\nbody"), Limits{}, "mostly garbage")
}

// nested builds a message with depth nested multiparts.
func nested(depth int) []byte {
	var b bytes.Buffer
	b.WriteString(simpleHead)
	b.WriteString("MIME-Version: 1.0\r\n")
	for i := 0; i < depth; i++ {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n", i, i)
	}
	b.WriteString("Content-Type: text/plain\r\n\r\ndeepest text\r\n")
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	return b.Bytes()
}

func TestParseDeepNesting(t *testing.T) {
	m := mustParse(t, nested(20), Limits{})
	if m.Text != "deepest text" {
		t.Errorf("depth 20: Text = %q", m.Text)
	}
	// Far deeper than any client goes: bounded work, no stack blow-up; the
	// part below the cap is kept as an opaque attachment.
	m = mustParse(t, nested(900), Limits{})
	if strings.Contains(m.Text, "deepest text") {
		t.Errorf("text below the nesting cap was parsed")
	}
	if len(m.Attachments) != 1 || m.Attachments[0].ContentType != "application/octet-stream" {
		t.Errorf("attachments %v", names(m.Attachments))
	}
	// A nesting bomb has more delimiter lines than any real mail.
	mustReject(t, nested(20000), Limits{}, "too many MIME parts: 40000, limit 2000")
}

func TestParseTooManyParts(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(simpleHead + "Content-Type: multipart/mixed; boundary=p\r\n\r\n")
	for i := 0; i < 5000; i++ {
		b.WriteString("--p\r\n\r\nx\r\n")
	}
	b.WriteString("--p--\r\n")
	mustReject(t, b.Bytes(), Limits{}, "too many MIME parts")

	// Many "--" lines that are not delimiters are fine.
	var c bytes.Buffer
	c.WriteString(simpleHead + "Content-Type: text/plain\r\n\r\n")
	for i := 0; i < 5000; i++ {
		c.WriteString("-- not a boundary\r\n")
	}
	mustParse(t, c.Bytes(), Limits{})
}

func TestParseAttachmentLimits(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(simpleHead + "Content-Type: multipart/mixed; boundary=p\r\n\r\n--p\r\nContent-Type: text/plain\r\n\r\nhi\r\n")
	for i := 0; i < 6; i++ {
		size := 100
		if i == 1 {
			size = 5000
		}
		fmt.Fprintf(&b, "--p\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"f%d.bin\"\r\n\r\n%s\r\n", i, strings.Repeat("z", size))
	}
	b.WriteString("--p--\r\n")
	m := mustParse(t, b.Bytes(), Limits{MaxAttachmentBytes: 1000, MaxAttachments: 3})
	if got := names(m.Attachments); !reflect.DeepEqual(got, []string{"f0.bin", "f2.bin", "f3.bin"}) {
		t.Errorf("attachments = %v", got)
	}
	if !hasProblem(m, `attachment "f1.bin" dropped: 5000 bytes, limit 1000`) || !hasProblem(m, "2 attachments dropped: more than 3") {
		t.Errorf("problems = %q", m.Problems)
	}
	if m.Text != "hi" {
		t.Errorf("Text = %q", m.Text)
	}
}

func TestDefaultLimits(t *testing.T) {
	want := Limits{MaxMessageBytes: 25 << 20, MaxAttachmentBytes: 10 << 20, MaxAttachments: 50, MaxHeaderBytes: 256 << 10}
	if DefaultLimits() != want {
		t.Errorf("DefaultLimits() = %+v", DefaultLimits())
	}
	if (Limits{}).withDefaults() != want || (Limits{-1, -1, -1, -1}).withDefaults() != want {
		t.Error("zero or negative limits do not default")
	}
}

func TestParseKindOrder(t *testing.T) {
	base := "From: someone@agency.gov\r\nTo: desk@slatrack.example.gov\r\nMessage-ID: <k@agency.gov>\r\n"
	cases := []struct {
		head, subject string
		kind          Kind
		reason        string
	}{
		{"", "Hello", KindNormal, ""},
		{"Auto-Submitted: no\r\n", "Hello", KindNormal, ""},
		{"Auto-Submitted: Auto-Replied; owner-email=\"x@y\"\r\n", "Hello", KindAutoReply, "Auto-Submitted: auto-replied"},
		{"Return-Path: <>\r\n", "Hello", KindBounce, "null return path"},
		{"Return-Path: <>\r\nAuto-Submitted: auto-replied\r\n", "Hello", KindAutoReply, "Auto-Submitted: auto-replied"},
		{"Return-Path: <>\r\n", "Out of Office: back Monday", KindAutoReply, "out-of-office subject"},
		{"Precedence: bulk\r\nAuto-Submitted: auto-generated\r\n", "x", KindAutoReply, "Auto-Submitted: auto-generated"},
		{"Precedence: junk\r\n", "x", KindBulk, "Precedence: junk"},
		{"List-Id: <a.b>\r\nPrecedence: list\r\n", "x", KindBulk, "Precedence: list"},
		{"X-Autoreply: yes\r\n", "x", KindAutoReply, "X-Autoreply: yes"},
		{"", "Automatic reply: your mail", KindAutoReply, "out-of-office subject"},
		{"", "AUTOREPLY: test", KindAutoReply, "out-of-office subject"},
		{"", "Auto-Reply", KindAutoReply, "out-of-office subject"},
		{"", "I am out of the office until Friday", KindAutoReply, "out-of-office subject"},
		{"", "Re: Out of office", KindNormal, ""},
		{"", "Autoreplying is broken in our tool", KindNormal, ""},
		{"X-Failed-Recipients: a@b.example\r\n", "x", KindBounce, "X-Failed-Recipients: a@b.example"},
	}
	for _, c := range cases {
		raw := base + c.head + "Subject: " + c.subject + "\r\n\r\nbody\r\n"
		m := mustParse(t, []byte(raw), Limits{})
		if m.Kind != c.kind || m.KindReason != c.reason {
			t.Errorf("%q / %q: %s (%s), want %s (%s)", c.head, c.subject, m.Kind, m.KindReason, c.kind, c.reason)
		}
	}
	// MAILER-DAEMON needs a DSN-ish subject (or a null path).
	m := mustParse(t, []byte("From: MAILER-DAEMON (Mail Delivery System)\r\nSubject: Undeliverable: x\r\n\r\nx"), Limits{})
	if m.Kind != KindBounce || m.KindReason != "From: MAILER-DAEMON" || m.From.Email != "" {
		t.Errorf("bare MAILER-DAEMON bounce: %s (%s) from %q", m.Kind, m.KindReason, m.From.Email)
	}
	mustReject(t, []byte("From: MAILER-DAEMON (Mail Delivery System)\r\nSubject: hello\r\n\r\nx"), Limits{}, "no usable sender")
}

func TestParseAddresses(t *testing.T) {
	raw := "From: \"Doe, Jane\" <Jane.Doe@Agency.GOV>, second@agency.gov\r\n" +
		"To: a@x.example, , B <b@x.example>; c@x.example, broken <d@x.example, \"Quoted, Name\" <e@x.example>, a@x.example\r\n" +
		"Cc: =?utf-8?q?M=C3=BCller?= <m@x.example>, not-an-address, <f@x.example>\r\n" +
		"Subject: s\r\n\r\nx"
	m := mustParse(t, []byte(raw), Limits{})
	if m.From != (Address{Name: "Doe, Jane", Email: "jane.doe@agency.gov"}) {
		t.Errorf("From = %#v", m.From)
	}
	if got := emails(m.To); !reflect.DeepEqual(got, []string{"a@x.example", "b@x.example", "c@x.example", "d@x.example", "e@x.example"}) {
		t.Errorf("To = %v", got)
	}
	if len(m.Cc) != 2 || m.Cc[0] != (Address{Name: "Müller", Email: "m@x.example"}) || m.Cc[1].Email != "f@x.example" {
		t.Errorf("Cc = %#v", m.Cc)
	}
}

func TestAddressString(t *testing.T) {
	cases := []struct {
		a    Address
		want string
	}{
		{Address{Email: "a@b.example"}, "a@b.example"},
		{Address{Name: "Jane Doe", Email: "a@b.example"}, `"Jane Doe" <a@b.example>`},
		{Address{Name: "Doe, Jane", Email: "a@b.example"}, `"Doe, Jane" <a@b.example>`},
		{Address{Name: `Say "hi"`, Email: "a@b.example"}, `"Say \"hi\"" <a@b.example>`},
		{Address{Name: "Jörg", Email: "a@b.example"}, "=?utf-8?q?J=C3=B6rg?= <a@b.example>"},
		{Address{Name: "Evil\r\nBcc: x@y", Email: "a@b.example"}, `"Evil Bcc: x@y" <a@b.example>`},
		{Address{Name: "   ", Email: "a@b.example"}, "a@b.example"},
	}
	for _, c := range cases {
		if got := c.a.String(); got != c.want {
			t.Errorf("%#v.String() = %q, want %q", c.a, got, c.want)
		}
	}
}

func TestValidEmail(t *testing.T) {
	good := []string{"a@b.example", "first.last+tag@sub.agency.gov", "o'brien@x.ie", "root@localhost", "user@[192.0.2.1]", "jörg@bücher.example", "x_y@a-b.example"}
	bad := []string{"", "a", "@b", "a@", "a@@b", "a b@c", "a@b c", ".a@b", "a.@b", "a..b@c", "a@.b", "a@b.", "a@b..c", "a@-b.c", "a<b@c", "a@b,c", "a\x00@b", "a@b\r\n", strings.Repeat("a", 129) + "@b", "a@" + strings.Repeat("b", 64) + ".c"}
	for _, e := range good {
		if !validEmail(e) {
			t.Errorf("validEmail(%q) = false", e)
		}
	}
	for _, e := range bad {
		if validEmail(e) {
			t.Errorf("validEmail(%q) = true", e)
		}
	}
}

func TestCleanFilename(t *testing.T) {
	cases := []struct{ in, ct, want string }{
		{"report.pdf", "application/pdf", "report.pdf"},
		{"../../etc/passwd", "text/plain", "passwd"},
		{`C:\evil\x.exe`, "", "x.exe"},
		{"a\r\nb.txt", "", "ab.txt"},
		{"invoice\u202Egpj.exe", "", "invoicegpj.exe"},
		{"zero\u200bwidth.txt", "", "zerowidth.txt"},
		{".htaccess", "", "htaccess"},
		{"...", "image/png", "attachment.png"},
		{"", "application/pdf", "attachment.pdf"},
		{"", "", "attachment"},
		{"", "application/x-unknown", "attachment.bin"},
		{"dir/", "message/rfc822", "attachment.eml"},
		{"a:b*c?.txt", "", "a_b_c_.txt"},
		{"CON.txt", "", "_CON.txt"},
		{"  spaced   name .doc  ", "", "spaced name .doc"},
		{"bad\xffutf8.txt", "", "badutf8.txt"},
		{"tab\there.txt", "", "tab here.txt"},
	}
	for _, c := range cases {
		if got := cleanFilename(c.in, c.ct); got != c.want {
			t.Errorf("cleanFilename(%q, %q) = %q, want %q", c.in, c.ct, got, c.want)
		}
	}
	long := strings.Repeat("é", 300) + ".pdf"
	if got := cleanFilename(long, ""); len([]rune(got)) != 200 || !strings.HasSuffix(got, ".pdf") {
		t.Errorf("long name: %d runes, %q", len([]rune(got)), got[len(got)-10:])
	}
	longExt := "x." + strings.Repeat("e", 300)
	if got := cleanFilename(longExt, ""); len([]rune(got)) != 200 {
		t.Errorf("long extension: %d runes", len([]rune(got)))
	}
}

func TestDecodeText(t *testing.T) {
	cases := []struct {
		in, label string
		html      bool
		want      string
		note      string
	}{
		{"plain", "", false, "plain", ""},
		{"caf\xe9", "iso-8859-1", false, "café", ""},
		{"\x93q\x94", "ISO-8859-1", false, "“q”", ""},
		{"caf\xe9", "", false, "café", "charset guessed: windows-1252"},
		{"caf\xe9", "us-ascii", false, "café", "charset guessed: windows-1252"},
		{"café", "us-ascii", false, "café", "charset guessed: utf-8"},
		{"caf\xe9 ok é", "utf-8", false, "café ok é", "invalid UTF-8"},
		{"café", "iso-8859-1", false, "café", "charset guessed: utf-8 (declared iso-8859-1)"},
		{"\xef\xbb\xbfbom", "iso-8859-1", false, "bom", ""},
		{"\xd0\xd2\xc9\xd7\xc5\xd4", "koi8-r", false, "привет", ""},
		{"x", "x-no-such-charset", false, "x", ""},
		{"caf\xe9", "x-no-such-charset", false, "café", "unknown charset"},
		{"caf\xe9", `"charset=windows-1252"`, false, "café", ""},
		{"a\x00b\r\nc\rd", "utf-8", false, "ab\nc\nd", ""},
		{"\x1b$B$3$s$K$A$O\x1b(B", "", false, "こんにちは", "iso-2022-jp"},
		{`<meta charset="koi8-r">` + "\xd0\xd2\xc9\xd7\xc5\xd4", "", true, `<meta charset="koi8-r">привет`, ""},
		{"\xff\xfeh\x00i\x00", "", false, "hi", ""},
		{"x", "iso-2022-kr", false, "x", ""},
	}
	for _, c := range cases {
		got, note := decodeText([]byte(c.in), c.label, c.html)
		if got != c.want || (c.note == "" && note != "") || !strings.Contains(note, c.note) {
			t.Errorf("decodeText(%q, %q) = %q, %q; want %q, %q", c.in, c.label, got, note, c.want, c.note)
		}
	}
}

func TestDecodeHeaderText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain", "plain"},
		{"=?utf-8?q?caf=C3=A9?=", "café"},
		{"=?ISO-8859-1?Q?=93q=94?=", "“q”"},
		{"=?us-ascii?q?abc?=", "abc"},
		{"=?x-unknown?q?abc?=", "=?x-unknown?q?abc?="},
		{"=?utf-8?b?w6k=?= =?utf-8?b?w6k=?=", "éé"},
		{"=?utf-8?q?broken", "=?utf-8?q?broken"},
		{"caf\xe9", "café"},
	}
	for _, c := range cases {
		if got, _ := decodeHeaderText(c.in); got != c.want {
			t.Errorf("decodeHeaderText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := truncateRunes(oneLine(" a\r\n\tb  c\x00\x7f\u0085 "), 300); got != "a b c" {
		t.Errorf("oneLine = %q", got)
	}
	if got := truncateRunes("abcdef", 4); got != "abc…" {
		t.Errorf("truncateRunes = %q", got)
	}
}

func TestUnflow(t *testing.T) {
	in := "Hello \nworld.\n> quoted \n> more\n>> deeper\n \nstuffed\n-- \nsig"
	want := "Hello world.\n> quoted more\n>> deeper\n\nstuffed\n-- \nsig"
	if got := unflow(in, false); got != want {
		t.Errorf("unflow = %q, want %q", got, want)
	}
	if got := unflow("Hel \nlo", true); got != "Hello" {
		t.Errorf("unflow delsp = %q", got)
	}
	if got := unflow("soft at depth 0 \n> quoted", false); got != "soft at depth 0 \n> quoted" {
		t.Errorf("unflow across depths = %q", got)
	}
}

func TestHTMLToText(t *testing.T) {
	in := `<html><head><title>T</title><style>p{}</style><script>x()</script></head><body>
<h1>Title</h1><p>One &amp; two&nbsp;three</p><p>Line<br>break</p>
<ul><li>first</li><li>second</li></ul>
<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>
<pre>  keep
   spacing</pre><div>inline <b>bold</b> <i>it</i></div></body></html>`
	want := "Title\n\nOne & two three\n\nLine\nbreak\n\n- first\n- second\n\na\tb\nc\td\n\n  keep\n   spacing\n\ninline bold it"
	if got := htmlToText(in); got != want {
		t.Errorf("htmlToText =\n%q\nwant\n%q", got, want)
	}
	// Unclosed non-raw-text elements do not swallow the rest.
	if got := htmlToText("<noscript>a<template>b<p>c"); got != "ab\n\nc" {
		t.Errorf("htmlToText unclosed = %q", got)
	}
}

func TestSanitizeHTML(t *testing.T) {
	in := `<p onclick="x()">a<script>alert(1)</script><img src="http://x/y.png"><img src="cid:a@b" alt="ok">` +
		`<a href="javascript:alert(1)">j</a><a href="//evil.example/">p</a><a href="https://ok.example/">k</a>` +
		`<svg onload=alert(1)></svg><iframe src=x></iframe><style>*{}</style><form><input></form><object></object></p>`
	out := sanitizeHTML(in)
	for _, bad := range []string{"<script", "onclick", "http://x", "javascript", "evil.example", "<svg", "<iframe", "<style", "<form", "<input", "<object"} {
		if strings.Contains(out, bad) {
			t.Errorf("sanitized HTML contains %q: %s", bad, out)
		}
	}
	for _, good := range []string{`<img src="cid:a@b" alt="ok">`, `href="https://ok.example/"`, `rel="nofollow noreferrer noopener"`} {
		if !strings.Contains(out, good) {
			t.Errorf("sanitized HTML lacks %q: %s", good, out)
		}
	}
}

func TestRejectError(t *testing.T) {
	err := error(&RejectError{Reason: "because"})
	if err.Error() != "mail: rejected: because" {
		t.Errorf("Error() = %q", err.Error())
	}
	wrapped := fmt.Errorf("ingest: %w", err)
	var rej *RejectError
	if !errors.As(wrapped, &rej) || rej.Reason != "because" {
		t.Error("errors.As through wrapping failed")
	}
}

func names(as []Attachment) []string {
	out := []string{}
	for _, a := range as {
		out = append(out, a.Filename)
	}
	return out
}

func hasProblem(m *Message, s string) bool {
	for _, p := range m.Problems {
		if strings.Contains(p, s) {
			return true
		}
	}
	return false
}
