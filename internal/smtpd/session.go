package smtpd

import (
	"bytes"
	"errors"
	"io"
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
)

// session is one client connection's transaction state. go-smtp calls its
// methods from the connection's goroutine, except Data for BDAT, which runs
// in a goroutine of its own; hence the mutex.
type session struct {
	s      *Server
	tc     *trackedConn // nil only if the listener was not ours
	remote string

	mu   sync.Mutex
	from string
	to   []string
	seen map[string]bool
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	tc, _ := c.Conn().(*trackedConn)
	if tc != nil && !tc.beginIdle() {
		return nil, errShuttingDown
	}
	return &session{s: s, tc: tc, remote: c.Conn().RemoteAddr().String()}, nil
}

// beginIdle reports whether the connection may start a session.
func (c *trackedConn) beginIdle() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.draining && !c.closed
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.from = from
	ss.to = nil
	ss.seen = nil
	return nil
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
	ss.mu.Unlock()
	if ss.tc != nil {
		ss.tc.endData()
	}
}

func (ss *session) Logout() error { return nil }

func (ss *session) Data(r io.Reader) error {
	start := time.Now()
	ss.mu.Lock()
	env := Envelope{From: ss.from, To: append([]string(nil), ss.to...), RemoteAddr: ss.remote}
	ss.mu.Unlock()
	log := ss.s.log.With("remote", env.RemoteAddr, "from", env.From, "to", len(env.To))

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
		reply := readErrorReply(err)
		log.Info("smtpd: message not received", "bytes", n, "code", reply.Code, "err", err)
		return reply
	}
	env.ReceivedAt = time.Now()

	err = ss.s.deliver(ss.s.ctx, raw, env)
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

// readErrorReply is the reply for a message that could not be read whole.
func readErrorReply(err error) *smtp.SMTPError {
	var se *smtp.SMTPError
	switch {
	case errors.As(err, &se): // smtp.ErrDataTooLarge: 552 5.3.4
		return se
	case errors.Is(err, smtp.ErrTooLongLine), errors.Is(err, errDataLineTooLong):
		return errLineTooLong
	}
	return errTemporary // the connection broke; nobody will read this
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
// Return-Path. n is the number of message bytes read. A message over
// MaxMessageBytes is read to its end and dropped, and gets
// smtp.ErrDataTooLarge.
//
// dotReader bounds each wait for data itself; for BDAT, the connection's
// read deadline is extended as data arrives. Either way ReadTimeout bounds
// a stall rather than the whole transfer.
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
