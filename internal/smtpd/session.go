package smtpd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/slatrack/slatrack/internal/desk"
)

// SMTP replies of our own.
var (
	errNoMailbox = &smtp.SMTPError{
		Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
		Message: "no such mailbox here",
	}
	errShuttingDown = &smtp.SMTPError{
		Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2},
		Message: "service shutting down, please retry later",
	}
	errTemporary = &smtp.SMTPError{
		Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
		Message: "temporary failure, please retry",
	}
	errLineTooLong = &smtp.SMTPError{
		Code: 500, EnhancedCode: smtp.EnhancedCode{5, 4, 0},
		Message: "line too long",
	}
	errInflightFull = &smtp.SMTPError{
		Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1},
		Message: "too much mail is being received at once, try again later",
	}
	errStalled = &smtp.SMTPError{
		Code: 421, EnhancedCode: smtp.EnhancedCode{4, 4, 2},
		Message: "timed out waiting for the message, closing connection",
	}
)

// errInflight is readMessage's error when the message outgrows what is
// left of Config.MaxInflightBytes.
var errInflight = errors.New("smtpd: in-flight message budget spent")

// session is one client connection's transaction state. go-smtp calls its
// methods from the connection's goroutine, except Data for BDAT, which runs
// in a goroutine of its own; hence the mutex.
type session struct {
	s      *Server
	tc     *trackedConn // nil only if the listener was not ours
	remote string
	ip     string

	mu   sync.Mutex
	from string
	to   []string
	seen map[string]bool
	held int64 // bytes of Server.inflight the transaction holds
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	tc, _ := c.Conn().(*trackedConn)
	if tc != nil && !tc.beginIdle() {
		return nil, errShuttingDown
	}
	return &session{s: s, tc: tc, remote: c.Conn().RemoteAddr().String(), ip: clientIP(c.Conn().RemoteAddr())}, nil
}

// beginIdle reports whether the connection may start a session.
func (c *trackedConn) beginIdle() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.draining && !c.closed
}

// Mail starts a transaction, unless the sender or the client is over its
// limit, or the SIZE declared does not fit in the in-flight budget (which
// is then held for the message).
func (ss *session) Mail(from string, opts *smtp.MailOptions) error {
	if !ss.s.senders.allowed(normAddr(from)) {
		ss.s.log.Info("smtpd: sender over its limit", "remote", ss.remote, "from", from)
		return ss.s.rateReply("this sender", ss.s.cfg.SenderLimit)
	}
	if !ss.s.clients.allowed(ss.ip) {
		ss.s.log.Info("smtpd: client over its limit", "remote", ss.remote, "from", from)
		return ss.s.rateReply("your address", ss.s.cfg.ClientLimit)
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.releaseLocked()
	if opts != nil && opts.Size > 0 && !ss.holdLocked(2*(opts.Size+chunkSize)) {
		ss.s.log.Info("smtpd: in-flight budget spent", "remote", ss.remote, "from", from, "size", opts.Size)
		return errInflightFull
	}
	ss.from = from
	ss.to = nil
	ss.seen = nil
	if ss.tc != nil {
		ss.tc.beginTx(time.Now().Add(ss.s.cfg.TransactionTimeout))
	}
	return nil
}

// rateReply is the reply for a message over SenderLimit or ClientLimit.
func (s *Server) rateReply(who string, limit int) *smtp.SMTPError {
	return &smtp.SMTPError{
		Code: 450, EnhancedCode: smtp.EnhancedCode{4, 7, 1},
		Message: fmt.Sprintf("too many messages from %s (at most %d per %s), try again later", who, limit, shortDuration(s.cfg.RateWindow)),
	}
}

// shortDuration is d without the zero units at its end: "1h", "90m", "1m30s".
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// holdLocked makes the transaction hold total bytes of the in-flight budget
// (more than it does now), or reports false. ss.mu is held.
func (ss *session) holdLocked(total int64) bool {
	if total <= ss.held {
		return true
	}
	if !ss.s.inflight.take(total - ss.held) {
		return false
	}
	ss.held = total
	return true
}

func (ss *session) hold(total int64) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.holdLocked(total)
}

// release gives back what the transaction holds of the in-flight budget.
func (ss *session) release() {
	ss.mu.Lock()
	ss.releaseLocked()
	ss.mu.Unlock()
}

func (ss *session) releaseLocked() {
	ss.s.inflight.give(ss.held)
	ss.held = 0
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if !ss.s.accepts(to) {
		return errNoMailbox
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	key := normAddr(to)
	if ss.seen == nil {
		ss.seen = make(map[string]bool)
	}
	if !ss.seen[key] {
		ss.seen[key] = true
		ss.to = append(ss.to, to)
	}
	return nil
}

// Reset is called by go-smtp after every message (once the reply has been
// written), on RSET and on a new EHLO.
func (ss *session) Reset() {
	ss.mu.Lock()
	ss.from, ss.to, ss.seen = "", nil, nil
	ss.releaseLocked()
	ss.mu.Unlock()
	if ss.tc != nil {
		ss.tc.endTx()
		ss.tc.endData()
	}
}

func (ss *session) Logout() error {
	ss.release()
	return nil
}

func (ss *session) Data(r io.Reader) error {
	start := time.Now()
	ss.mu.Lock()
	env := Envelope{From: ss.from, To: append([]string(nil), ss.to...), RemoteAddr: ss.remote}
	ss.mu.Unlock()
	log := ss.s.log.With("remote", env.RemoteAddr, "from", env.From, "to", len(env.To))
	defer ss.release() // the message is stored or dropped by the time Data returns

	// After DATA (not BDAT) the message is read with dotReader (see
	// data.go); whatever happens, it is read to its end or the connection
	// is failed.
	var dot *dotReader
	if ss.tc != nil && ss.tc.takeDataStart() {
		dot = ss.tc.newDotReader(ss.s.cfg.ReadTimeout, ss.s.cfg.MaxLineLength)
		defer dot.finish(true)
		r = dot
	}
	if ss.tc != nil && !ss.tc.beginData() {
		if dot != nil {
			dot.finish(false) // no need to read a message we refuse
		}
		log.Info("smtpd: message refused, shutting down", "code", errShuttingDown.Code)
		return errShuttingDown
	}

	raw, n, err := ss.readMessage(r, env.From)
	if err != nil {
		reply := ss.readErrorReply(err)
		log.Info("smtpd: message not received", "bytes", n, "code", reply.Code, "err", err)
		return reply
	}
	env.ReceivedAt = time.Now()

	// The limits per sender and client count the message now, and give it
	// back if it is not stored, so concurrent transactions cannot overshoot.
	undoSender, ok := ss.s.senders.take(senderKeys(env.From, raw)...)
	if !ok {
		log.Info("smtpd: message refused, sender over its limit", "bytes", n, "code", 450)
		return ss.s.rateReply("this sender", ss.s.cfg.SenderLimit)
	}
	undoClient, ok := ss.s.clients.take(ss.ip)
	if !ok {
		undoSender()
		log.Info("smtpd: message refused, client over its limit", "bytes", n, "code", 450)
		return ss.s.rateReply("your address", ss.s.cfg.ClientLimit)
	}

	ctx, cancel := ss.deliveryContext(start)
	err = ss.s.deliver(ctx, raw, env)
	cancel()
	if err != nil {
		undoSender()
		undoClient()
	}
	reply := deliveryReply(err)
	attrs := []any{"bytes", n, "code", reply.Code, "duration", time.Since(start).Round(time.Microsecond)}
	switch {
	case err == nil:
		log.Info("smtpd: message delivered", attrs...)
		return nil
	case reply.Code/100 == 5:
		log.Warn("smtpd: message rejected", append(attrs, "err", err)...)
	default:
		log.Error("smtpd: delivery failed, client told to retry", append(attrs, "err", err)...)
	}
	return reply
}

// deliveryContext is the Deliverer's: it ends with the transaction (or
// when a Shutdown gives up waiting), so a store that hangs answers in time.
func (ss *session) deliveryContext(start time.Time) (context.Context, context.CancelFunc) {
	end := start.Add(ss.s.cfg.TransactionTimeout)
	if ss.tc != nil {
		if e := ss.tc.txDeadline(); !e.IsZero() {
			end = e
		}
	}
	return context.WithDeadline(ss.s.ctx, end)
}

// senderKeys are the addresses a message counts against SenderLimit: the
// envelope sender and the header From: address, once each.
func senderKeys(envFrom string, raw []byte) []string {
	env, hdr := normAddr(envFrom), headerSender(raw)
	if hdr == env {
		return []string{env}
	}
	return []string{env, hdr}
}

// headerSender is the first address in the message's From: field, or ""
// when it has none that parses.
func headerSender(raw []byte) string {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return ""
	}
	list, err := m.Header.AddressList("From")
	if err != nil || len(list) == 0 {
		return ""
	}
	return normAddr(list[0].Address)
}

// readErrorReply is the reply for a message that could not be read whole.
func (ss *session) readErrorReply(err error) *smtp.SMTPError {
	var se *smtp.SMTPError
	var ne net.Error
	switch {
	case errors.As(err, &se): // smtp.ErrDataTooLarge: 552 5.3.4
		return se
	case errors.Is(err, errInflight):
		return errInflightFull
	case errors.Is(err, smtp.ErrTooLongLine), errors.Is(err, errDataLineTooLong):
		return errLineTooLong
	case errors.As(err, &ne) && ne.Timeout():
		if ss.tc != nil {
			switch ss.tc.expired(time.Now()) {
			case "transaction":
				return ss.limitReply("transaction", ss.s.cfg.TransactionTimeout)
			case "session":
				return ss.limitReply("session", ss.s.cfg.SessionTimeout)
			}
		}
		return errStalled
	}
	return errTemporary // the connection broke; nobody will read this
}

// limitReply says a transaction or session ran out of time; the connection
// is closed after it.
func (ss *session) limitReply(what string, limit time.Duration) *smtp.SMTPError {
	return &smtp.SMTPError{
		Code: 421, EnhancedCode: smtp.EnhancedCode{4, 4, 2},
		Message: fmt.Sprintf("%s time limit (%s) exceeded, closing connection", what, shortDuration(limit)),
	}
}

// deliveryReply maps the Deliverer's result to the reply to DATA. Only
// codes the client can act on show their (safe) message; the rest are a
// generic temporary failure.
func deliveryReply(err error) *smtp.SMTPError {
	if err == nil {
		return &smtp.SMTPError{Code: 250, EnhancedCode: smtp.EnhancedCode{2, 0, 0}, Message: "OK: queued"}
	}
	switch desk.ErrorCode(err) {
	case desk.TooLarge:
		return &smtp.SMTPError{
			Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4},
			Message: replyText(desk.ErrorMessage(err), "message too large"),
		}
	case desk.Invalid:
		return &smtp.SMTPError{
			Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
			Message: replyText(desk.ErrorMessage(err), "message refused"),
		}
	}
	return errTemporary
}

// replyText makes msg fit on one reply line: printable ASCII, at most 200
// characters.
func replyText(msg, fallback string) string {
	var b strings.Builder
	for _, r := range msg {
		switch {
		case b.Len() >= 200:
		case r >= ' ' && r <= '~':
			b.WriteRune(r)
		default:
			b.WriteByte(' ')
		}
	}
	out := strings.TrimSpace(b.String())
	if out == "" {
		return fallback
	}
	return out
}

// chunkSize is the unit the message is read in. Chunks are pooled, so
// reading a message allocates little beyond the final buffer.
const chunkSize = 32 << 10

var chunkPool = sync.Pool{New: func() any { b := make([]byte, chunkSize); return &b }}

// readMessage reads the whole message into one buffer of exactly the
// right size, with "Return-Path: <from>" in front when the header has no
// Return-Path. n is the number of message bytes read.
//
// The transaction holds twice the chunks read of the in-flight budget: the
// chunks, then the buffer they are copied into (the last chunk read is
// often part empty, which covers the Return-Path line). A
// message over MaxMessageBytes, or that outgrows the budget, is read to its
// end and dropped, and gets smtp.ErrDataTooLarge or errInflight.
//
// dotReader bounds each wait for data itself; for BDAT, the connection's
// read deadline is extended as data arrives. Either way ReadTimeout bounds
// a stall, and the transaction's and session's ends the whole transfer.
func (ss *session) readMessage(r io.Reader, from string) (raw []byte, n int, err error) {
	prefix := "Return-Path: <" + from + ">\r\n"
	var chunks []*[]byte
	putBack := func() {
		for _, c := range chunks {
			chunkPool.Put(c)
		}
		chunks = nil
	}
	defer putBack()
	drop := func(why error) ([]byte, int, error) {
		putBack()
		ss.release()
		m, err := io.Copy(io.Discard, r) // the reply comes after the end
		n += int(m)
		if err != nil && !errors.Is(err, errDataLineTooLong) {
			return nil, n, err
		}
		return nil, n, why
	}
	_, dotted := r.(*dotReader)
	last := 0 // bytes used in the last chunk
	for {
		if ss.tc != nil && !dotted {
			ss.tc.SetReadDeadline(time.Now().Add(ss.s.cfg.ReadTimeout))
		}
		if len(chunks) == 0 || last == chunkSize {
			if !ss.hold(2 * int64(len(chunks)+1) * chunkSize) {
				return drop(errInflight)
			}
			chunks = append(chunks, chunkPool.Get().(*[]byte))
			last = 0
		}
		buf := *chunks[len(chunks)-1]
		m, rerr := r.Read(buf[last:])
		last += m
		n += m
		if int64(n) > ss.s.cfg.MaxMessageBytes {
			return drop(smtp.ErrDataTooLarge)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return nil, n, rerr
		}
	}

	raw = make([]byte, len(prefix)+n)
	off := len(prefix)
	for i, c := range chunks {
		if i == len(chunks)-1 {
			off += copy(raw[off:], (*c)[:last])
		} else {
			off += copy(raw[off:], *c)
		}
	}
	if hasHeader(raw[len(prefix):], "Return-Path") {
		return raw[len(prefix):], n, nil
	}
	copy(raw, prefix)
	return raw, n, nil
}

// hasHeader reports whether the header section of msg (up to the first
// empty line) has a field called name (case-insensitive).
func hasHeader(msg []byte, name string) bool {
	for len(msg) > 0 {
		line := msg
		if i := bytes.IndexByte(msg, '\n'); i >= 0 {
			line, msg = msg[:i], msg[i+1:]
		} else {
			msg = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			return false // end of header
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue // folded continuation
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			continue
		}
		field := bytes.TrimRight(line[:colon], " \t")
		if bytes.EqualFold(field, []byte(name)) {
			return true
		}
	}
	return false
}
