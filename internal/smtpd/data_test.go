package smtpd_test

import (
	"bytes"
	"net"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/smtpd"
)

// rawConn is an SMTP conversation written by hand, for bytes no client
// library would send.
type rawConn struct {
	t    *testing.T
	conn net.Conn
	tp   *textproto.Conn
}

// dialRaw connects, reads the greeting and says EHLO. Every read and write
// must finish within 10 s.
func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	r := &rawConn{t: t, conn: conn, tp: textproto.NewConn(conn)}
	r.expect(220)
	r.send("EHLO client.example\r\n")
	r.expect(250)
	return r
}

func (r *rawConn) send(s string) {
	r.t.Helper()
	if _, err := r.conn.Write([]byte(s)); err != nil {
		r.t.Fatalf("write %q: %v", s, err)
	}
}

// reply reads one reply.
func (r *rawConn) reply() (int, string, error) {
	return r.tp.ReadResponse(0)
}

// expect reads one reply and fails unless its code is code.
func (r *rawConn) expect(code int) string {
	r.t.Helper()
	got, msg, err := r.reply()
	if got != code {
		r.t.Fatalf("reply %d %q (%v), want %d", got, msg, err, code)
	}
	return msg
}

// startData opens a transaction up to the 354 reply.
func (r *rawConn) startData(from string) {
	r.t.Helper()
	r.send("MAIL FROM:<" + from + ">\r\n")
	r.expect(250)
	r.send("RCPT TO:<" + deskAddr + ">\r\n")
	r.expect(250)
	r.send("DATA\r\n")
	r.expect(354)
}

// TestData_LineEnds sends DATA sections go-smtp's own reader gets wrong:
// after CR CR LF it misses the line start, so a message whose last line
// ends in a bare CR (what Python's smtplib sends for a body ending in
// "\r") never ends, and a stuffed dot after such a line is kept. Each must
// be stored exactly, answered 250 at once, and leave the session usable.
func TestData_LineEnds(t *testing.T) {
	head := string(message("crlf", ""))
	tests := []struct {
		name string
		wire string // after the header, up to and including the end marker
		want string // the stored message after the header
	}{
		{"body ending in a bare CR (Python smtplib)", "Hello\r\nlast line\r" + "\r\n.\r\n", "Hello\r\nlast line\r\r\n"},
		{"CR CR LF then a stuffed dot", "a\r\r\n..b\r\n.\r\n", "a\r\r\n.b\r\n"},
		{"CR CR LF then a stuffed dot then the end", "a\r\r\n..\r\n.\r\n", "a\r\r\n.\r\n"},
		{"three CRs before LF", "a\r\r\r\n.\r\n", "a\r\r\r\n"},
		{"bare CR inside a line", "a\rb\r\n.\r\n", "a\rb\r\n"},
		{"stuffed dot then a bare CR", "..\rx\r\n.\r\n", ".\rx\r\n"},
		{"dot and bare CR is not the end", ".\r\r\n.\r\n", "\r\r\n"},
		{"bare LF lines do not end it", "a\n.\nb\r\n.\r\n", "a\n.\nb\r\n"},
		{"stuffed dots", "..one\r\n...two\r\n.\r\n", ".one\r\n..two\r\n"},
		{"empty body", ".\r\n", ""},
	}
	rec := &recorder{}
	// A short read timeout: were the end missed, the reply would be a 421
	// after 2 s rather than a hang.
	_, addr := start(t, smtpd.Config{ReadTimeout: 2 * time.Second}, rec.deliver)
	c := dialRaw(t, addr)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.t = t
			before := len(rec.deliveries())
			c.startData("alice@customer.example")
			began := time.Now()
			c.send(head + tt.wire)
			if code, msg, err := c.reply(); code != 250 {
				t.Fatalf("end of DATA: %d %q %v, want 250", code, msg, err)
			}
			if took := time.Since(began); took > time.Second {
				t.Errorf("250 after %v", took)
			}
			got := rec.deliveries()
			if len(got) != before+1 {
				t.Fatalf("%d deliveries, want %d", len(got), before+1)
			}
			want := "Return-Path: <alice@customer.example>\r\n" + head + tt.want
			if raw := string(got[before].raw); raw != want {
				t.Errorf("stored\n%q\nwant\n%q", raw, want)
			}
		})
	}
	// The session is still in step: a command answers as one.
	c.t = t
	c.send("NOOP\r\n")
	c.expect(250)
}

// TestData_PipelinedAfterEnd sends the end of a message ending in a bare
// CR and the next commands in one write: they are commands, not message.
func TestData_PipelinedAfterEnd(t *testing.T) {
	rec := &recorder{}
	_, addr := start(t, smtpd.Config{ReadTimeout: 2 * time.Second}, rec.deliver)
	c := dialRaw(t, addr)
	c.startData("alice@customer.example")
	c.send(string(message("pipe", "tail\r")) + "\r\n.\r\nMAIL FROM:<bob@customer.example>\r\nRCPT TO:<" + deskAddr + ">\r\nDATA\r\n")
	c.expect(250) // the message
	c.expect(250) // MAIL
	c.expect(250) // RCPT
	c.expect(354)
	c.send(string(message("pipe2", "second\r\n")) + ".\r\nQUIT\r\n")
	c.expect(250)
	c.expect(221)
	got := rec.deliveries()
	if len(got) != 2 {
		t.Fatalf("%d deliveries, want 2", len(got))
	}
	if !bytes.HasSuffix(got[0].raw, []byte("tail\r\r\n")) || got[1].env.From != "bob@customer.example" {
		t.Errorf("deliveries = %q, %q", got[0].raw, got[1].raw)
	}
}

// TestData_ClientLeavesMidMessage checks a message cut off by the client
// is not delivered, and the server stays fine.
func TestData_ClientLeavesMidMessage(t *testing.T) {
	rec := &recorder{}
	_, addr := start(t, smtpd.Config{}, rec.deliver)
	c := dialRaw(t, addr)
	c.startData("alice@customer.example")
	c.send(string(message("cut", "half a line\r")))
	c.conn.Close()

	c2 := dialRaw(t, addr)
	c2.startData("alice@customer.example")
	c2.send(string(message("whole", "fine\r\n")) + ".\r\n")
	c2.expect(250)
	got := rec.deliveries()
	if len(got) != 1 || !strings.Contains(string(got[0].raw), "<whole@") {
		t.Errorf("deliveries = %d, want only the whole message", len(got))
	}
}
