package outbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/slatrack/slatrack/internal/desk"
)

// run is the mail channel for one batch: at most one open relay connection
// at a time, opened when the first mail needs it, closed with the batch.
type run struct {
	s   *Sender
	ctx context.Context

	c         *smtp.Client
	conn      net.Conn // the TCP connection under c
	stopWatch func() bool
	used      int   // transactions begun on c
	refused   bool  // the relay refused something on c with a 5xx: c is not used again
	connErr   error // opening a connection failed: the rest of the batch is not tried
}

// openMail opens the mail channel (desk.DeliveryMail) for a batch.
func (s *Sender) openMail(ctx context.Context) Channel { return &run{s: s, ctx: ctx} }

// Send sends one mail through the relay (Channel).
func (r *run) Send(_ context.Context, m *desk.OutboxMail) error {
	res := r.send(m)
	if res.permanent {
		return Permanent(res.err)
	}
	return res.err
}

// Close hangs up the batch's connection (Channel).
func (r *run) Close() { r.hangUp() }

// result is how sending one mail went.
type result struct {
	err       error // nil: sent
	permanent bool
}

// send sends one mail, opening (or reopening) the connection as needed.
func (r *run) send(m *desk.OutboxMail) result {
	rcpts, err := envelope(m)
	if err != nil {
		return result{err: err, permanent: true}
	}
	for try := 0; ; try++ {
		if r.c == nil {
			if r.connErr != nil {
				return result{err: r.connErr}
			}
			if err := r.dial(); err != nil {
				if r.ctx.Err() != nil {
					err = fmt.Errorf("interrupted: %w", r.ctx.Err())
				}
				r.connErr = err
				return result{err: err}
			}
		}
		reused := r.used > 0
		r.used++
		res, broken, atMail := r.transact(m, rcpts)
		if r.refused && !broken {
			// A relay that has refused mail on a connection may slow it
			// down (tarpit) or refuse everything after on it: the next
			// mail goes on a new one.
			r.s.log.Info("outbox: the relay refused mail; the next goes on a new connection", "id", m.ID)
		}
		if broken || r.refused {
			r.drop()
		}
		if res.err != nil && r.ctx.Err() != nil {
			return result{err: fmt.Errorf("interrupted: %w", r.ctx.Err())}
		}
		// A relay may close a connection it finds idle or has had enough
		// mail on (often with a 421 at MAIL): then nothing of this mail
		// was sent, and it gets one more go on a new connection.
		if res.err != nil && broken && reused && atMail && try == 0 {
			r.s.log.Info("outbox: relay dropped the connection; reconnecting", "err", res.err)
			continue
		}
		return res
	}
}

// transact runs one mail transaction on the open connection. broken says
// the connection is no longer usable; atMail that the failure came at the
// first command of the transaction. A 5xx reply sets r.refused.
func (r *run) transact(m *desk.OutboxMail, rcpts []string) (res result, broken, atMail bool) {
	c := r.c
	fail := func(step string, err error) (result, bool, bool) {
		broken := connBroken(err)
		permanent := isPermanent(err) && !broken
		switch {
		case permanent:
			r.refused = true // the connection is dropped, without RSET
		case !broken && step != "end of DATA":
			// The transaction is open on the relay's side: end it.
			if rerr := c.Reset(); rerr != nil {
				broken = true
			}
		}
		return result{err: stepError(step, err), permanent: permanent}, broken, step == "MAIL FROM"
	}

	opts := &smtp.MailOptions{Size: int64(len(m.Raw))} // sent when the relay announces SIZE
	if !isASCII(m.From) || !isASCII(strings.Join(rcpts, "")) {
		if ok, _ := c.Extension("SMTPUTF8"); !ok {
			return result{err: errors.New("the relay does not support SMTPUTF8, needed for a non-ASCII address"), permanent: true}, false, false
		}
		opts.UTF8 = true
	}
	if err := c.Mail(m.From, opts); err != nil {
		return fail("MAIL FROM", err)
	}
	var refused []error
	temporary := false
	for _, rcpt := range rcpts {
		err := c.Rcpt(rcpt, nil)
		if err == nil {
			continue
		}
		if connBroken(err) {
			return fail("RCPT TO <"+rcpt+">", err)
		}
		refused = append(refused, stepError("RCPT TO <"+rcpt+">", err))
		if isPermanent(err) {
			r.refused = true
		} else {
			temporary = true
		}
	}
	if len(refused) == len(rcpts) {
		err := errors.Join(refused...)
		if !r.refused {
			if rerr := c.Reset(); rerr != nil {
				broken = true
			}
		}
		return result{err: err, permanent: !temporary}, broken, false
	}

	w, err := c.Data()
	if err != nil {
		return fail("DATA", err)
	}
	// go-smtp sets no deadline while the message is written: allow the
	// timeout plus a second per 64 KiB.
	r.conn.SetWriteDeadline(time.Now().Add(r.s.relay.timeout() + time.Duration(len(m.Raw)>>16)*time.Second))
	if _, err := w.Write(m.Raw); err != nil {
		return result{err: stepError("DATA", err)}, true, false
	}
	if err := w.Close(); err != nil {
		return fail("end of DATA", err)
	}
	r.conn.SetWriteDeadline(time.Time{})
	if len(refused) > 0 {
		r.s.log.Warn("outbox: sent, but some recipients were refused", "id", m.ID, "err", errors.Join(refused...))
	}
	return result{}, false, false
}

// dial opens and sets up the relay connection: TLS, EHLO, AUTH.
func (r *run) dial() error {
	rc := r.s.relay
	timeout := rc.timeout()
	addr := rc.addr()
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(r.ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("connect %s: %w", addr, err)
	}
	// Stop mid-send when ctx ends.
	stopWatch := context.AfterFunc(r.ctx, func() { conn.Close() })
	// go-smtp's client uses its own 5-minute timeouts until it exists and
	// has said EHLO, so the setup as a whole is bounded here.
	expired := make(chan struct{})
	timer := time.AfterFunc(timeout, func() { close(expired); conn.Close() })

	c, err := r.setup(conn, timeout)
	if !timer.Stop() {
		<-expired
		if err == nil {
			c.Close()
		}
		err = fmt.Errorf("connect %s: setup took longer than %v", addr, timeout)
	}
	if err != nil {
		conn.Close()
		stopWatch()
		return err
	}
	r.c, r.conn, r.stopWatch, r.used = c, conn, stopWatch, 0
	return nil
}

func (r *run) setup(conn net.Conn, timeout time.Duration) (*smtp.Client, error) {
	rc := r.s.relay
	helo := rc.HeloName
	if helo == "" {
		helo = "localhost"
	}
	tlsConfig := &tls.Config{
		ServerName:         rc.Host, // verified against the certificate
		RootCAs:            rc.RootCAs,
		InsecureSkipVerify: rc.InsecureSkipVerify,
		MinVersion:         tls.VersionTLS12,
	}
	var c *smtp.Client
	switch rc.TLS {
	case TLSImplicit:
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(r.ctx); err != nil {
			return nil, fmt.Errorf("TLS handshake: %w", err)
		}
		c = smtp.NewClient(tc)
	case TLSNone:
		c = smtp.NewClient(conn)
	case TLSStartTLS:
		var err error
		// NewClientStartTLS fails unless the relay offers STARTTLS; its
		// EHLO before TLS says "localhost" (go-smtp has no way to set it).
		if c, err = smtp.NewClientStartTLS(conn, tlsConfig); err != nil {
			return nil, stepError("STARTTLS", err)
		}
	default:
		return nil, fmt.Errorf("unknown TLS mode %q (want %q, %q or %q)", rc.TLS, TLSStartTLS, TLSImplicit, TLSNone)
	}
	c.CommandTimeout = timeout
	c.SubmissionTimeout = 4 * timeout
	if err := c.Hello(helo); err != nil { // after STARTTLS this is also the TLS handshake
		c.Close()
		return nil, stepError("EHLO", err)
	}
	if rc.Username != "" {
		if _, isTLS := c.TLSConnectionState(); !isTLS && !isLoopback(rc.Host) {
			c.Close()
			return nil, errors.New("refusing to send the relay password without TLS to a host that is not loopback")
		}
		if err := c.Auth(sasl.NewPlainClient("", rc.Username, rc.Password)); err != nil {
			c.Close()
			return nil, stepError("AUTH", err)
		}
	}
	return c, nil
}

// drop closes a connection that is no longer usable.
func (r *run) drop() {
	if r.c == nil {
		return
	}
	r.c.Close()
	r.stopWatch()
	r.c, r.conn, r.stopWatch, r.refused = nil, nil, nil, false
}

// hangUp ends the run's connection politely.
func (r *run) hangUp() {
	if r.c == nil {
		return
	}
	r.c.Quit()
	r.drop()
}

// envelope checks the mail's envelope and returns its recipients.
func envelope(m *desk.OutboxMail) ([]string, error) {
	if len(m.Raw) == 0 {
		return nil, errors.New("empty message")
	}
	if m.From != "" && !validAddr(m.From) {
		return nil, fmt.Errorf("invalid envelope sender %q", m.From)
	}
	var rcpts []string
	for _, a := range strings.Split(m.To, ",") {
		a = strings.TrimSpace(a)
		a = strings.TrimSuffix(strings.TrimPrefix(a, "<"), ">")
		if a == "" {
			continue
		}
		if !validAddr(a) {
			return nil, fmt.Errorf("invalid envelope recipient %q", a)
		}
		rcpts = append(rcpts, a)
	}
	if len(rcpts) == 0 {
		return nil, errors.New("no envelope recipients")
	}
	return rcpts, nil
}

// validAddr is a loose check that a can go in MAIL FROM:<…> or RCPT TO:<…>.
func validAddr(a string) bool {
	at := strings.LastIndexByte(a, '@')
	if at <= 0 || at == len(a)-1 || len(a) > 320 {
		return false
	}
	return !strings.ContainsAny(a, " \t\r\n<>,")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
