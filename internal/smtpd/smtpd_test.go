package smtpd_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/textproto"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/smtpd"
)

const (
	deskAddr  = "support@desk.example"
	deskAddr2 = "billing@desk.example"
)

// delivery is one call of the Deliverer.
type delivery struct {
	raw []byte
	env smtpd.Envelope
}

// recorder is a Deliverer that keeps what it is given, and fails or waits
// when told to.
type recorder struct {
	mu   sync.Mutex
	got  []delivery
	err  error
	wait func(ctx context.Context) error // called before recording, when set
}

func (r *recorder) deliver(ctx context.Context, raw []byte, env smtpd.Envelope) error {
	if r.wait != nil {
		if err := r.wait(ctx); err != nil {
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.got = append(r.got, delivery{raw: raw, env: env})
	return nil
}

func (r *recorder) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// start serves a new Server on a loopback port and shuts it down at the
// end of the test.
func start(t testing.TB, cfg smtpd.Config, deliver smtpd.Deliverer) (*smtpd.Server, string) {
	t.Helper()
	if cfg.Addresses == nil {
		cfg.Addresses = []string{deskAddr, deskAddr2}
	}
	if cfg.Domain == "" {
		cfg.Domain = "mx.desk.example"
	}
	srv := smtpd.New(cfg, deliver, quietLog())
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, smtpd.ErrServerClosed) {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, smtpd.ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return srv, l.Addr().String()
}

func dial(t testing.TB, addr string) *smtp.Client {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Hello("client.example"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// send runs one mail transaction; the error is the first one the server
// answered.
func send(c *smtp.Client, from string, to []string, msg []byte) error {
	if err := c.Mail(from, nil); err != nil {
		return fmt.Errorf("MAIL: %w", err)
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt, nil); err != nil {
			return fmt.Errorf("RCPT %s: %w", rcpt, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("DATA write: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("end of DATA: %w", err)
	}
	return nil
}

// smtpCode is the reply code in err, 0 if err is no SMTP reply.
func smtpCode(err error) int {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

func smtpErr(t *testing.T, err error) *smtp.SMTPError {
	t.Helper()
	var se *smtp.SMTPError
	if !errors.As(err, &se) {
		t.Fatalf("got %v, want an SMTP error reply", err)
	}
	return se
}

func message(id string, body string) []byte {
	return []byte("From: Alice <alice@customer.example>\r\n" +
		"To: support@desk.example\r\n" +
		"Subject: Printer on fire\r\n" +
		"Message-ID: <" + id + "@customer.example>\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: 8bit\r\n" +
		"\r\n" + body)
}

func TestDeliverByteIdentical(t *testing.T) {
	rec := &recorder{}
	_, addr := start(t, smtpd.Config{}, rec.deliver)
	c := dial(t, addr)

	// A leading dot (stuffed on the wire), 8-bit text, a bare "." inside a
	// line, trailing white space and an empty last line must all survive.
	msg := message("m1", "Hello,\r\n.leading dot\r\n..two dots\r\nGrüße, naïve café \r\nend.\r\n\r\n")
	if err := send(c, "alice@customer.example", []string{deskAddr}, msg); err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}

	got := rec.deliveries()
	if len(got) != 1 {
		t.Fatalf("%d deliveries, want 1", len(got))
	}
	want := append([]byte("Return-Path: <alice@customer.example>\r\n"), msg...)
	if !bytes.Equal(got[0].raw, want) {
		t.Errorf("raw =\n%q\nwant\n%q", got[0].raw, want)
	}
	env := got[0].env
	if env.From != "alice@customer.example" || len(env.To) != 1 || env.To[0] != deskAddr {
		t.Errorf("envelope = %+v", env)
	}
	if !strings.HasPrefix(env.RemoteAddr, "127.0.0.1:") {
		t.Errorf("RemoteAddr = %q", env.RemoteAddr)
	}
	if time.Since(env.ReceivedAt) > time.Minute || env.ReceivedAt.After(time.Now()) {
		t.Errorf("ReceivedAt = %v", env.ReceivedAt)
	}
}

func TestReturnPathKeptWhenPresent(t *testing.T) {
	rec := &recorder{}
	_, addr := start(t, smtpd.Config{}, rec.deliver)
	c := dial(t, addr)

	msg := append([]byte("return-path : <bounces@list.example>\r\n"), message("m2", "hi\r\n")...)
	if err := send(c, "bounces@list.example", []string{deskAddr}, msg); err != nil {
		t.Fatal(err)
	}
	// A Return-Path in the body is not a header: one is added.
	msg2 := message("m3", "Return-Path: <not-a-header@example>\r\n")
	if err := send(c, "x@list.example", []string{deskAddr}, msg2); err != nil {
		t.Fatal(err)
	}
	got := rec.deliveries()
	if len(got) != 2 {
		t.Fatalf("%d deliveries, want 2", len(got))
	}
	if !bytes.Equal(got[0].raw, msg) {
		t.Errorf("raw =\n%q\nwant it unchanged:\n%q", got[0].raw, msg)
	}
	if want := append([]byte("Return-Path: <x@list.example>\r\n"), msg2...); !bytes.Equal(got[1].raw, want) {
		t.Errorf("raw =\n%q\nwant\n%q", got[1].raw, want)
	}
}

func TestNullSenderAccepted(t *testing.T) {
	rec := &recorder{}
	_, addr := start(t, smtpd.Config{}, rec.deliver)
	c := dial(t, addr)

	bounce := []byte("From: MAILER-DAEMON@mx.example\r\nSubject: Undelivered Mail\r\n\r\nsorry\r\n")
	if err := send(c, "", []string{deskAddr}, bounce); err != nil {
		t.Fatal(err)
	}
	got := rec.deliveries()
	if len(got) != 1 {
		t.Fatalf("%d deliveries, want 1", len(got))
	}
	if got[0].env.From != "" {
		t.Errorf("From = %q, want the null path", got[0].env.From)
	}
	if want := append([]byte("Return-Path: <>\r\n"), bounce...); !bytes.Equal(got[0].raw, want) {
		t.Errorf("raw =\n%q\nwant\n%q", got[0].raw, want)
	}
}

func TestDeliveryErrorsMapToReplies(t *testing.T) {
	const secret = "pq: connection refused to 10.0.0.7"
	tests := []struct {
		name     string
		err      error
		code     int
		enhanced smtp.EnhancedCode
		text     string // the reply must contain this
	}{
		{"unavailable", desk.Errorf(desk.Unavailable, "store down: %s", secret), 451, smtp.EnhancedCode{4, 3, 0}, "temporary failure"},
		{"internal", errors.New(secret), 451, smtp.EnhancedCode{4, 3, 0}, "temporary failure"},
		{"wrapped internal", &desk.Error{Code: desk.Internal, Message: "oops", Err: errors.New(secret)}, 451, smtp.EnhancedCode{4, 3, 0}, "temporary failure"},
		{"context", fmt.Errorf("insert: %w", context.DeadlineExceeded), 451, smtp.EnhancedCode{4, 3, 0}, "temporary failure"},
		{"rate limited", desk.Errorf(desk.RateLimited, "slow down"), 451, smtp.EnhancedCode{4, 3, 0}, "temporary failure"},
		{"too large", &desk.Error{Code: desk.TooLarge, Message: "attachments over 20 MB", Err: errors.New(secret)}, 552, smtp.EnhancedCode{5, 3, 4}, "attachments over 20 MB"},
		{"invalid", &desk.Error{Code: desk.Invalid, Message: "no usable sender\r\naddress", Err: errors.New(secret)}, 554, smtp.EnhancedCode{5, 6, 0}, "no usable sender  address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{err: tt.err}
			_, addr := start(t, smtpd.Config{}, rec.deliver)
			c := dial(t, addr)
			err := send(c, "alice@customer.example", []string{deskAddr}, message("e", "x\r\n"))
			se := smtpErr(t, err)
			if se.Code != tt.code || se.EnhancedCode != tt.enhanced {
				t.Errorf("reply %d %v, want %d %v (%v)", se.Code, se.EnhancedCode, tt.code, tt.enhanced, err)
			}
			if se.Temporary() != (tt.code/100 == 4) {
				t.Errorf("Temporary() = %v for %d", se.Temporary(), se.Code)
			}
			if !strings.Contains(se.Message, tt.text) {
				t.Errorf("reply text %q does not contain %q", se.Message, tt.text)
			}
			if strings.Contains(se.Message, "pq:") || strings.Contains(se.Message, "10.0.0.7") {
				t.Errorf("reply text %q leaks the internal error", se.Message)
			}
			// The session goes on: the next message is fine.
			rec.mu.Lock()
			rec.err = nil
			rec.mu.Unlock()
			if err := send(c, "alice@customer.example", []string{deskAddr}, message("f", "y\r\n")); err != nil {
				t.Errorf("next message: %v", err)
			}
		})
	}
}

func TestRecipients(t *testing.T) {
	rec := &recorder{}
	_, addr := start(t, smtpd.Config{}, rec.deliver)
	c := dial(t, addr)

	if err := c.Mail("alice@customer.example", nil); err != nil {
		t.Fatal(err)
	}
	err := c.Rcpt("nobody@desk.example", nil)
	if se := smtpErr(t, err); se.Code != 550 || se.EnhancedCode != (smtp.EnhancedCode{5, 1, 1}) || se.Message != "no such mailbox here" {
		t.Errorf("unknown recipient: %d %v %q", se.Code, se.EnhancedCode, se.Message)
	}
	// Case-insensitive; a repeated recipient is kept once.
	for _, rcpt := range []string{"Support@Desk.EXAMPLE", "evil@elsewhere.example", deskAddr2, "support@desk.example"} {
		err := c.Rcpt(rcpt, nil)
		if want := strings.Contains(rcpt, "evil"); (err != nil) != want {
			t.Errorf("RCPT %s: %v", rcpt, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write(message("r", "two of us\r\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := rec.deliveries()
	if len(got) != 1 {
		t.Fatalf("%d deliveries, want 1", len(got))
	}
	if want := []string{"Support@Desk.EXAMPLE", deskAddr2}; strings.Join(got[0].env.To, ",") != strings.Join(want, ",") {
		t.Errorf("To = %q, want %q", got[0].env.To, want)
	}

	// With only unknown recipients there is no DATA.
	if err := c.Mail("alice@customer.example", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("nobody@desk.example", nil); smtpCode(err) != 550 {
		t.Fatalf("RCPT: %v", err)
	}
	if _, err := c.Data(); smtpCode(err)/100 != 5 {
		t.Errorf("DATA without recipients: %v, want a 5xx", err)
	}
	if n := len(rec.deliveries()); n != 1 {
		t.Errorf("%d deliveries, want still 1", n)
	}
}

func TestNoAddressesRefusesAll(t *testing.T) {
	rec := &recorder{}
	_, addr := start(t, smtpd.Config{Addresses: []string{}}, rec.deliver)
	c := dial(t, addr)
	if err := c.Mail("a@b.example", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt(deskAddr, nil); smtpCode(err) != 550 {
		t.Errorf("RCPT with no addresses configured: %v, want 550", err)
	}
}

func TestNoAuthAdvertised(t *testing.T) {
	_, addr := start(t, smtpd.Config{}, (&recorder{}).deliver)
	c := dial(t, addr)
	if ok, _ := c.Extension("AUTH"); ok {
		t.Error("AUTH advertised")
	}
	for _, ext := range []string{"8BITMIME", "SMTPUTF8", "PIPELINING", "ENHANCEDSTATUSCODES"} {
		if ok, _ := c.Extension(ext); !ok {
			t.Errorf("%s not advertised", ext)
		}
	}
	if size, ok := c.MaxMessageSize(); !ok || size != smtpd.DefaultMaxMessageBytes {
		t.Errorf("SIZE = %d, %v; want %d", size, ok, smtpd.DefaultMaxMessageBytes)
	}
}

func TestSMTPUTF8(t *testing.T) {
	rec := &recorder{}
	_, addr := start(t, smtpd.Config{Addresses: []string{"støtte@desk.example"}}, rec.deliver)
	c := dial(t, addr)
	msg := []byte("From: Jörg <jörg@kunde.example>\r\nSubject: Grüße\r\n\r\nHallo\r\n")
	if err := c.SendMail("jörg@kunde.example", []string{"STØTTE@desk.example"}, bytes.NewReader(msg)); err != nil {
		t.Fatal(err)
	}
	got := rec.deliveries()
	if len(got) != 1 || got[0].env.From != "jörg@kunde.example" || !bytes.HasSuffix(got[0].raw, msg) {
		t.Fatalf("deliveries = %+v", got)
	}
}

func TestMessageTooLarge(t *testing.T) {
	const max = 4096
	rec := &recorder{}
	_, addr := start(t, smtpd.Config{MaxMessageBytes: max}, rec.deliver)
	c := dial(t, addr)

	sized := func(n int) []byte {
		head := message("big", "")
		body := bytes.Repeat([]byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\r\n"), n/65+1)
		return append(head, body...)[: n-2 : n-2]
	}
	withCRLF := func(b []byte) []byte { return append(b, '\r', '\n') }

	// Over the limit: 552 5.3.4, and the Deliverer never sees it.
	err := send(c, "alice@customer.example", []string{deskAddr}, withCRLF(sized(max+1)))
	if se := smtpErr(t, err); se.Code != 552 || se.EnhancedCode != (smtp.EnhancedCode{5, 3, 4}) {
		t.Errorf("over the limit: %v", err)
	}
	if err := send(c, "alice@customer.example", []string{deskAddr}, withCRLF(sized(50*max))); smtpCode(err) != 552 {
		t.Errorf("far over the limit: %v", err)
	}
	if n := len(rec.deliveries()); n != 0 {
		t.Fatalf("Deliverer called %d times for oversize mail", n)
	}

	// A message of exactly MaxMessageBytes passes, as SIZE says.
	ok := withCRLF(sized(max))
	if err := send(c, "alice@customer.example", []string{deskAddr}, ok); err != nil {
		t.Errorf("exactly at the limit: %v", err)
	}
	if got := rec.deliveries(); len(got) != 1 || !bytes.HasSuffix(got[0].raw, ok) {
		t.Errorf("message at the limit not delivered intact")
	}

	// A declared SIZE over the limit is refused at MAIL.
	err = c.Mail("alice@customer.example", &smtp.MailOptions{Size: 10 * max})
	if se := smtpErr(t, err); se.Code != 552 {
		t.Errorf("MAIL SIZE over the limit: %v", err)
	}
}

func TestTooManyRecipients(t *testing.T) {
	addrs := []string{"a@desk.example", "b@desk.example", "c@desk.example", "d@desk.example"}
	rec := &recorder{}
	_, addr := start(t, smtpd.Config{Addresses: addrs, MaxRecipients: 3}, rec.deliver)
	c := dial(t, addr)
	if err := c.Mail("alice@customer.example", nil); err != nil {
		t.Fatal(err)
	}
	for i, a := range addrs {
		err := c.Rcpt(a, nil)
		if i < 3 && err != nil {
			t.Fatalf("RCPT %d: %v", i, err)
		}
		if i == 3 {
			se := smtpErr(t, err)
			if se.Code != 452 || se.EnhancedCode != (smtp.EnhancedCode{4, 5, 3}) {
				t.Errorf("4th recipient: %v, want 452 4.5.3", err)
			}
		}
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write(message("many", "hi\r\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := rec.deliveries(); len(got) != 1 || len(got[0].env.To) != 3 {
		t.Errorf("deliveries = %+v, want one to 3 recipients", got)
	}
}

func TestLineTooLong(t *testing.T) {
	rec := &recorder{}
	_, addr := start(t, smtpd.Config{MaxLineLength: 1000}, rec.deliver)

	t.Run("in message", func(t *testing.T) {
		c := dial(t, addr)
		msg := message("long", strings.Repeat("x", 3000)+"\r\n")
		err := send(c, "alice@customer.example", []string{deskAddr}, msg)
		se := smtpErr(t, err)
		if se.Code != 500 || se.EnhancedCode != (smtp.EnhancedCode{5, 4, 0}) {
			t.Errorf("long line in DATA: %v, want 500 5.4.0", err)
		}
		if n := len(rec.deliveries()); n != 0 {
			t.Errorf("Deliverer called %d times", n)
		}
	})

	t.Run("in command", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		tp := textproto.NewConn(conn)
		if _, _, err := tp.ReadResponse(220); err != nil {
			t.Fatal(err)
		}
		tp.PrintfLine("EHLO %s", strings.Repeat("h", 1500))
		code, msg, err := tp.ReadResponse(0)
		if code != 500 || !strings.HasPrefix(msg, "5.4.0") {
			t.Errorf("long command: %d %q %v, want 500 5.4.0 (go-smtp's reply)", code, msg, err)
		}
		// go-smtp closes the connection after it.
		conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, err := tp.ReadLine(); err == nil {
			t.Error("connection still open after a too-long line")
		}
	})
}

func TestBDAT(t *testing.T) {
	rec := &recorder{}
	_, addr := start(t, smtpd.Config{}, rec.deliver)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	tp := textproto.NewConn(conn)
	expect := func(code int) {
		t.Helper()
		if _, msg, err := tp.ReadResponse(code); err != nil {
			t.Fatalf("want %d: %v %q", code, err, msg)
		}
	}
	expect(220)
	tp.PrintfLine("EHLO client.example")
	expect(250)
	tp.PrintfLine("MAIL FROM:<alice@customer.example>")
	expect(250)
	tp.PrintfLine("RCPT TO:<%s>", deskAddr)
	expect(250)
	msg := message("bdat", "line one\r\n.not stuffed in BDAT\r\n")
	half := len(msg) / 2
	fmt.Fprintf(tp.W, "BDAT %d\r\n%s", half, msg[:half])
	tp.W.Flush()
	expect(250)
	fmt.Fprintf(tp.W, "BDAT %d LAST\r\n%s", len(msg)-half, msg[half:])
	tp.W.Flush()
	expect(250)

	got := rec.deliveries()
	if len(got) != 1 {
		t.Fatalf("%d deliveries", len(got))
	}
	if want := append([]byte("Return-Path: <alice@customer.example>\r\n"), msg...); !bytes.Equal(got[0].raw, want) {
		t.Errorf("raw =\n%q\nwant\n%q", got[0].raw, want)
	}
}

func TestGracefulShutdown(t *testing.T) {
	const slow = 300 * time.Millisecond
	started := make(chan struct{})
	var calls atomic.Int32
	rec := &recorder{wait: func(ctx context.Context) error {
		calls.Add(1)
		close(started)
		select {
		case <-time.After(slow):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}
	srv := smtpd.New(smtpd.Config{Addresses: []string{deskAddr}}, rec.deliver, quietLog())
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()

	// An idle client must not hold the shutdown up.
	idle := dial(t, addr)
	if err := idle.Noop(); err != nil {
		t.Fatal(err)
	}

	busy := dial(t, addr)
	sent := make(chan error, 1)
	go func() { sent <- send(busy, "alice@customer.example", []string{deskAddr}, message("slow", "hi\r\n")) }()

	<-started
	begin := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	took := time.Since(begin)
	if err := <-sent; err != nil {
		t.Fatalf("in-flight message: %v, want 250", err)
	}
	if took < slow/2 {
		t.Errorf("Shutdown returned after %v, before the delivery finished", took)
	}
	if took > 5*time.Second {
		t.Errorf("Shutdown took %v", took)
	}
	if n := len(rec.deliveries()); n != 1 || calls.Load() != 1 {
		t.Errorf("%d deliveries in %d calls, want 1", n, calls.Load())
	}
	if err := <-served; !errors.Is(err, smtpd.ErrServerClosed) {
		t.Errorf("Serve: %v, want ErrServerClosed", err)
	}
	if err := idle.Noop(); err == nil {
		t.Error("idle connection still open after Shutdown")
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("still accepting connections after Shutdown")
	}
	if err := srv.Shutdown(ctx); !errors.Is(err, smtpd.ErrServerClosed) {
		t.Errorf("second Shutdown: %v", err)
	}
	if err := srv.Serve(l); !errors.Is(err, smtpd.ErrServerClosed) {
		t.Errorf("Serve after Shutdown: %v", err)
	}
}

func TestShutdownDeadline(t *testing.T) {
	started := make(chan struct{})
	cancelled := make(chan struct{})
	rec := &recorder{wait: func(ctx context.Context) error {
		close(started)
		<-ctx.Done()
		close(cancelled)
		return ctx.Err()
	}}
	srv := smtpd.New(smtpd.Config{Addresses: []string{deskAddr}}, rec.deliver, quietLog())
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	c := dial(t, l.Addr().String())
	sent := make(chan error, 1)
	go func() { sent <- send(c, "alice@customer.example", []string{deskAddr}, message("stuck", "hi\r\n")) }()
	<-started

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v, want DeadlineExceeded", err)
	}
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the Deliverer's context was not cancelled")
	}
	if err := <-sent; err == nil {
		t.Error("client got 250 for a message that was not stored")
	}
}

func TestListenAndServe(t *testing.T) {
	rec := &recorder{}
	srv := smtpd.New(smtpd.Config{Addr: "127.0.0.1:0", Addresses: []string{deskAddr}}, rec.deliver, quietLog())
	if srv.Addr() != nil {
		t.Errorf("Addr before serving = %v", srv.Addr())
	}
	served := make(chan error, 1)
	go func() { served <- srv.ListenAndServe() }()
	var addr net.Addr
	for deadline := time.Now().Add(5 * time.Second); addr == nil && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
		addr = srv.Addr()
	}
	if addr == nil {
		t.Fatal("no Addr after ListenAndServe")
	}
	c := dial(t, addr.String())
	if err := send(c, "a@b.example", []string{deskAddr}, message("las", "x\r\n")); err != nil {
		t.Fatal(err)
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-served; !errors.Is(err, smtpd.ErrServerClosed) {
		t.Errorf("ListenAndServe = %v", err)
	}
}

func TestConcurrentClients(t *testing.T) {
	rec := &recorder{}
	_, addr := start(t, smtpd.Config{}, rec.deliver)

	const clients = 20
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := smtp.Dial(addr)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			id := fmt.Sprintf("client-%02d", i)
			if err := send(c, id+"@customer.example", []string{deskAddr}, message(id, "from "+id+"\r\n")); err != nil {
				errs <- fmt.Errorf("%s: %w", id, err)
				return
			}
			if err := c.Quit(); err != nil {
				errs <- fmt.Errorf("%s: QUIT: %w", id, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	seen := map[string]int{}
	for _, d := range rec.deliveries() {
		id := strings.TrimSuffix(d.env.From, "@customer.example")
		seen[id]++
		if !bytes.HasSuffix(d.raw, message(id, "from "+id+"\r\n")) {
			t.Errorf("%s: message mixed up with another", id)
		}
	}
	if len(seen) != clients {
		t.Errorf("%d distinct messages, want %d", len(seen), clients)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s delivered %d times", id, n)
		}
	}
}

// TestLargeMessageMemory checks a 25 MiB message costs a bounded amount of
// memory: the bytes themselves, not repeated regrowth of a buffer.
func TestLargeMessageMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("25 MiB over loopback")
	}
	const size = 25 << 20
	var gotLen atomic.Int64
	deliver := func(_ context.Context, raw []byte, _ smtpd.Envelope) error {
		gotLen.Store(int64(len(raw)))
		return nil
	}
	_, addr := start(t, smtpd.Config{MaxMessageBytes: size + 1<<20}, deliver)
	c := dial(t, addr)

	// Build the message before measuring.
	msg := make([]byte, 0, size)
	msg = append(msg, message("huge", "")...)
	line := []byte(strings.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit. 0123456789", 1) + "\r\n")
	for len(msg)+len(line) <= size {
		msg = append(msg, line...)
	}
	for len(msg) < size-2 {
		msg = append(msg, 'z')
	}
	msg = append(msg, '\r', '\n')

	if err := c.Mail("alice@customer.example", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt(deskAddr, nil); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(msg); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)

	if want := int64(size + len("Return-Path: <alice@customer.example>\r\n")); gotLen.Load() != want {
		t.Fatalf("delivered %d bytes, want %d", gotLen.Load(), want)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("TotalAlloc delta %.1f MiB for a %d MiB message (%.2fx)", float64(alloc)/(1<<20), size>>20, float64(alloc)/size)
	if alloc > 4*size {
		t.Errorf("allocated %d bytes for a %d-byte message: more than 4x", alloc, size)
	}
}

// BenchmarkSMTPIngest measures small-message throughput over real SMTP on
// loopback to a Deliverer that does nothing.
func BenchmarkSMTPIngest(b *testing.B) {
	body := bytes.Repeat([]byte("The quick brown fox jumps over the lazy dog; 0123456789 ABCDEFGHIJ.\r\n"), 5000/70)
	msg := message("bench", string(body)) // about 5 KB
	for _, conns := range []int{1, 4} {
		b.Run(fmt.Sprintf("conns=%d", conns), func(b *testing.B) {
			var delivered atomic.Int64
			deliver := func(context.Context, []byte, smtpd.Envelope) error { delivered.Add(1); return nil }
			_, addr := start(b, smtpd.Config{SenderLimit: math.MaxInt32}, deliver) // one sender throughout
			clients := make([]*smtp.Client, conns)
			for i := range clients {
				clients[i] = dial(b, addr)
			}
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			b.ResetTimer()
			var next atomic.Int64
			var wg sync.WaitGroup
			for _, c := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for next.Add(1) <= int64(b.N) {
						if err := send(c, "alice@customer.example", []string{deskAddr}, msg); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
			if delivered.Load() != int64(b.N) {
				b.Errorf("delivered %d of %d", delivered.Load(), b.N)
			}
		})
	}
}
