// Package smtpd is slatrack's inbound SMTP listener: the MX side that an MTA
// (or the internet, behind one) hands customer mail to. It accepts mail for a
// fixed set of addresses, reads each message whole (bounded in size), and
// hands the raw bytes to a Deliverer that commits them; the client hears 250
// only once the Deliverer says the message is safely stored, and a
// temporary 4xx otherwise, so a store outage makes the sending MTA queue and
// retry instead of losing mail.
//
// Every resource a client can hold is bounded (see Config): connections,
// in all and per client address; the time of a session and of each mail
// transaction, however slowly the client sends; the memory of the messages
// being received at once; and the messages accepted per sender (and,
// optionally, per client address) in a window, so a flood cannot make the
// desk answer thousands of forged senders. A client over a limit gets a
// temporary (4xx) reply that says which limit, so a real MTA retries later.
//
// It is built on github.com/emersion/go-smtp, except that it reads the
// DATA section itself (see data.go). There is no AUTH and no TLS: the
// listener is meant for loopback or a private network behind the MTA.
package smtpd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

// Defaults for the zero values in Config.
const (
	DefaultAddr            = "127.0.0.1:2525"
	DefaultMaxMessageBytes = 25 << 20 // 25 MiB
	DefaultMaxRecipients   = 50
	DefaultMaxLineLength   = 2000 // RFC 5321's 1000, doubled, as go-smtp does
	DefaultReadTimeout     = 60 * time.Second
	DefaultWriteTimeout    = 60 * time.Second

	DefaultMaxSessions        = 200 // twice Postfix's default_process_limit: sessions are goroutines, memory is bounded by MaxInflightBytes
	DefaultMaxSessionsPerIP   = 64  // above Postfix's smtpd_client_connection_count_limit (50), so one relay hub's burst fits
	DefaultTransactionTimeout = 5 * time.Minute
	DefaultSessionTimeout     = 30 * time.Minute
	DefaultMaxInflightBytes   = 100 << 20 // 100 MiB
	DefaultSenderLimit        = 60
	DefaultRateWindow         = time.Hour
)

// drainLinger is how long a connection whose DATA finished during a
// graceful shutdown is kept half-open (our side closed for writing) so the
// client reads its reply and says QUIT before the socket is torn down.
const drainLinger = time.Second

// ErrServerClosed is returned by Serve and ListenAndServe after Shutdown,
// and by a second Shutdown.
var ErrServerClosed = errors.New("smtpd: server closed")

// Config configures a Server. Zero values take the Default* constants.
type Config struct {
	// Addr is the address ListenAndServe listens on ("127.0.0.1:2525").
	Addr string
	// Domain is the hostname in the greeting and the EHLO reply.
	Domain string
	// Addresses are the recipient addresses accepted, compared
	// case-insensitively; RCPT TO any other address gets 550 5.1.1. With
	// none, every recipient is refused.
	Addresses []string
	// MaxMessageBytes bounds a message, counted after dot-unstuffing
	// (default 25 MiB); a longer one gets 552 5.3.4 and never reaches the
	// Deliverer. It is advertised as SIZE, and MAIL FROM with a larger SIZE
	// is refused at once.
	MaxMessageBytes int64
	// MaxRecipients bounds RCPT TO per message (default 50); beyond it the
	// client gets 452 4.5.3.
	MaxRecipients int
	// MaxLineLength bounds one line, commands and message alike (default
	// 2000 octets). A longer command ends the connection; a message with a
	// longer line is read to its end and refused with 500 5.4.0.
	MaxLineLength int
	// ReadTimeout bounds the wait for each command, and for each chunk of a
	// message being received (default 60 s). WriteTimeout bounds each reply
	// (default 60 s).
	ReadTimeout, WriteTimeout time.Duration

	// MaxSessions bounds the connections served at once (default 200), and
	// MaxSessionsPerIP those from one client address (default 64). A
	// connection over either gets "421 4.7.0" instead of the greeting and
	// is closed.
	MaxSessions, MaxSessionsPerIP int
	// TransactionTimeout bounds a mail transaction, from MAIL FROM to the
	// reply to its message, storing it included (default 5 min), and
	// SessionTimeout a whole connection (default 30 min). A client cannot
	// stretch either by sending slowly: when one runs out during a message
	// the client gets "421 4.4.2" naming it, otherwise go-smtp's "421 4.4.2
	// Idle timeout", and the connection is closed. The Deliverer's context
	// ends with the transaction.
	TransactionTimeout, SessionTimeout time.Duration
	// MaxInflightBytes bounds the memory the messages being received at
	// once hold between them (default 100 MiB; raised to twice
	// MaxMessageBytes and a 32 KiB chunk if lower). Each message is charged
	// twice its size, since it is read in pieces and then assembled in one
	// buffer, until the Deliverer returns. When the budget is spent, MAIL
	// FROM with a SIZE that does not fit, or a message that outgrows what is
	// left, gets "452 4.3.1" (try again later); a real MTA declares SIZE,
	// so it hears at MAIL FROM.
	MaxInflightBytes int64
	// SenderLimit bounds the messages accepted from one sender in any
	// RateWindow (default 60 per hour). The envelope sender (MAIL FROM) and
	// the header From: address are each counted, and a message that is not
	// stored is not; one over either limit gets "450 4.7.1", at MAIL FROM
	// when the envelope sender is over it. ClientLimit does the same per
	// client IP address; 0 (the default) means none, which suits a listener
	// behind the desk's own MTA, where every message comes from one
	// address.
	SenderLimit, ClientLimit int
	RateWindow               time.Duration
}

// Deliverer stores one message. It must return nil only once the message is
// committed (or recognised as a duplicate, or quarantined, which are also
// "safely stored"). raw is the message exactly as received, with a
// Return-Path header line prepended when the message had none; the
// Deliverer may keep raw. Errors are mapped to SMTP replies: a desk.Error
// with code desk.TooLarge gives 552 5.3.4 and desk.Invalid gives 554 5.6.0
// (both permanent, with desk.ErrorMessage as the text); anything else gives
// 451 4.3.0, so the client retries later, and its text is only logged.
type Deliverer func(ctx context.Context, raw []byte, env Envelope) error

// Envelope is what the SMTP transaction said about a message.
type Envelope struct {
	// From is the MAIL FROM address, "" for the null reverse-path
	// (bounces and other automatic replies).
	From string
	// To are the accepted RCPT TO addresses, as the client wrote them,
	// without duplicates.
	To []string
	// RemoteAddr is the client's address ("127.0.0.1:53211").
	RemoteAddr string
	// ReceivedAt is when the end of the message was read.
	ReceivedAt time.Time
}

// Server is an inbound SMTP server. Make one with New.
type Server struct {
	cfg     Config
	deliver Deliverer
	log     *slog.Logger
	rcpts   map[string]bool
	srv     *smtp.Server

	inflight *budget
	senders  *rateLimiter
	clients  *rateLimiter // nil: no limit per client address

	// ctx is passed to the Deliverer; it is cancelled only when a
	// Shutdown gives up waiting.
	ctx    context.Context
	cancel context.CancelFunc

	mu        sync.Mutex
	closing   bool
	listeners []*listener
	conns     map[*trackedConn]struct{}
	perIP     map[string]int // open connections per client address
}

// New makes a Server that hands each accepted message to deliver. A nil
// log means slog.Default(). New panics if deliver is nil.
func New(cfg Config, deliver Deliverer, log *slog.Logger) *Server {
	if deliver == nil {
		panic("smtpd: New with a nil Deliverer")
	}
	if log == nil {
		log = slog.Default()
	}
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.Domain == "" {
		cfg.Domain = "localhost"
	}
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if cfg.MaxRecipients <= 0 {
		cfg.MaxRecipients = DefaultMaxRecipients
	}
	if cfg.MaxLineLength <= 0 {
		cfg.MaxLineLength = DefaultMaxLineLength
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = DefaultReadTimeout
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	if cfg.MaxSessionsPerIP <= 0 {
		cfg.MaxSessionsPerIP = DefaultMaxSessionsPerIP
	}
	if cfg.TransactionTimeout <= 0 {
		cfg.TransactionTimeout = DefaultTransactionTimeout
	}
	if cfg.SessionTimeout <= 0 {
		cfg.SessionTimeout = DefaultSessionTimeout
	}
	if cfg.MaxInflightBytes <= 0 {
		cfg.MaxInflightBytes = DefaultMaxInflightBytes
	}
	// Else the largest message could never be received: it takes one chunk
	// more than its size when that is a whole number of chunks.
	if min := 2 * (cfg.MaxMessageBytes + chunkSize); cfg.MaxInflightBytes < min {
		cfg.MaxInflightBytes = min
	}
	if cfg.SenderLimit <= 0 {
		cfg.SenderLimit = DefaultSenderLimit
	}
	if cfg.RateWindow <= 0 {
		cfg.RateWindow = DefaultRateWindow
	}
	s := &Server{
		cfg:      cfg,
		deliver:  deliver,
		log:      log,
		rcpts:    make(map[string]bool, len(cfg.Addresses)),
		inflight: &budget{free: cfg.MaxInflightBytes},
		senders:  newRateLimiter(cfg.SenderLimit, cfg.RateWindow),
		clients:  newRateLimiter(cfg.ClientLimit, cfg.RateWindow),
		conns:    make(map[*trackedConn]struct{}),
		perIP:    make(map[string]int),
	}
	for _, a := range cfg.Addresses {
		if a = normAddr(a); a != "" {
			s.rcpts[a] = true
		}
	}
	if len(s.rcpts) == 0 {
		log.Warn("smtpd: no recipient addresses configured; every RCPT TO will be refused")
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())

	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Addr = cfg.Addr
	srv.Domain = cfg.Domain
	srv.MaxMessageBytes = cfg.MaxMessageBytes
	srv.MaxRecipients = cfg.MaxRecipients
	srv.MaxLineLength = cfg.MaxLineLength
	srv.ReadTimeout = cfg.ReadTimeout
	srv.WriteTimeout = cfg.WriteTimeout
	srv.EnableSMTPUTF8 = true // 8BITMIME is always advertised by go-smtp
	srv.ErrorLog = errorLog{log}
	s.srv = srv
	return s
}

// ListenAndServe listens on Config.Addr and serves until Shutdown, after
// which it returns ErrServerClosed.
func (s *Server) ListenAndServe() error {
	l, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("smtpd: listen: %w", err)
	}
	return s.Serve(l)
}

// Serve accepts connections on l until Shutdown, after which it returns
// ErrServerClosed. Serve closes l when it returns.
func (s *Server) Serve(l net.Listener) error {
	wl := &listener{Listener: l, s: s}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	s.listeners = append(s.listeners, wl)
	s.mu.Unlock()

	s.log.Info("smtpd: listening", "addr", l.Addr().String())
	err := s.srv.Serve(wl)
	wl.Close()
	if s.isClosing() {
		return ErrServerClosed
	}
	if err != nil {
		return fmt.Errorf("smtpd: serve: %w", err)
	}
	return nil
}

// Addr is the address of the first listener being served, nil before Serve.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.listeners) == 0 {
		return nil
	}
	return s.listeners[0].Addr()
}

// Shutdown stops accepting connections, closes idle ones, lets a session
// that is receiving or delivering a message finish it (the client gets its
// reply), then closes that connection too. It returns when every connection
// is gone, or when ctx ends: then it cancels the Deliverers' context, closes
// whatever is left and returns ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.closing = true
	conns := make([]*trackedConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()

	for _, c := range conns {
		c.drain()
	}
	err := s.srv.Shutdown(ctx) // closes the listeners, waits for the conns
	s.closeListeners()         // any that raced into Serve after the above
	if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
		s.cancel()
		s.srv.Close()
		return ctxErr
	}
	s.cancel()
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("smtpd: shutdown: %w", err)
	}
	return nil
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

func (s *Server) closeListeners() {
	s.mu.Lock()
	ls := append([]*listener(nil), s.listeners...)
	s.mu.Unlock()
	for _, l := range ls {
		l.Close()
	}
}

// accepts reports whether addr is one of ours.
func (s *Server) accepts(addr string) bool {
	return s.rcpts[normAddr(addr)]
}

func normAddr(a string) string {
	a = strings.TrimSpace(a)
	a = strings.TrimPrefix(a, "<")
	a = strings.TrimSuffix(a, ">")
	return strings.ToLower(strings.TrimSpace(a))
}

// errorLog sends go-smtp's own complaints (failed connections and panics)
// to slog.
type errorLog struct{ log *slog.Logger }

func (e errorLog) Printf(format string, v ...any) {
	e.log.Warn("smtpd: " + strings.TrimSpace(fmt.Sprintf(format, v...)))
}

func (e errorLog) Println(v ...any) {
	e.log.Warn("smtpd: " + strings.TrimSpace(fmt.Sprintln(v...)))
}

// listener tracks the connections it accepts, so Shutdown can close the
// idle ones (go-smtp's own Shutdown waits for clients to leave by
// themselves).
type listener struct {
	net.Listener
	s         *Server
	closeOnce sync.Once
	closeErr  error
}

func (l *listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		now := time.Now()
		tc := &trackedConn{Conn: c, s: l.s, ip: clientIP(c.RemoteAddr()), sessionEnd: now.Add(l.s.cfg.SessionTimeout)}
		if code, refusal := l.s.admit(tc); refusal != "" {
			l.s.log.Warn("smtpd: connection refused", "remote", c.RemoteAddr().String(), "reason", refusal)
			// The client has sent nothing yet, so this small write goes
			// straight into an empty socket buffer.
			c.SetWriteDeadline(now.Add(time.Second))
			fmt.Fprintf(c, "421 %s %s %s, try again later\r\n", code, l.s.cfg.Domain, refusal)
			c.Close()
			continue
		}
		return tc, nil
	}
}

// admit counts a new connection in, or says why it may not be served
// (with the enhanced status code): shutting down, or over MaxSessions or
// MaxSessionsPerIP.
func (s *Server) admit(tc *trackedConn) (code, refusal string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closing:
		return "4.3.2", "service shutting down"
	case len(s.conns) >= s.cfg.MaxSessions:
		return "4.7.0", "too many connections"
	case s.perIP[tc.ip] >= s.cfg.MaxSessionsPerIP:
		return "4.7.0", "too many connections from your address"
	}
	s.conns[tc] = struct{}{}
	s.perIP[tc.ip]++
	return "", ""
}

// clientIP is the host part of a client's address, the key of the limits
// per client address.
func clientIP(a net.Addr) string {
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

func (l *listener) Close() error {
	l.closeOnce.Do(func() { l.closeErr = l.Listener.Close() })
	return l.closeErr
}

// trackedConn is one client connection. busy is set while a message is
// being received and delivered; a connection that is not busy may be closed
// at once by Shutdown. It also reads for go-smtp (see data.go) and holds the
// session's and the transaction's deadlines.
type trackedConn struct {
	net.Conn
	s  *Server
	ip string // the client's address, for the limits per address

	// Read state. Only the connection's goroutine reads.
	rbuf       []byte // read from the network: rbuf[rpos:rend] is not handed on yet
	rpos, rend int
	rerr       error  // the read error that ended reading
	pending    []byte // handed to go-smtp before anything else
	dataStarts atomic.Bool

	mu         sync.Mutex
	busy       bool
	draining   bool
	closed     bool
	sessionEnd time.Time
	txEnd      time.Time // zero outside a mail transaction
}

func (c *trackedConn) Close() error {
	c.mu.Lock()
	already := c.closed
	c.closed = true
	c.mu.Unlock()
	if already {
		return nil
	}
	c.s.mu.Lock()
	delete(c.s.conns, c)
	if c.s.perIP[c.ip]--; c.s.perIP[c.ip] <= 0 {
		delete(c.s.perIP, c.ip)
	}
	c.s.mu.Unlock()
	return c.Conn.Close()
}

// beginData marks the connection busy; false means the server is shutting
// down and the message must be refused.
func (c *trackedConn) beginData() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.draining || c.closed {
		return false
	}
	c.busy = true
	return true
}

// endData is called once the reply to a message has been written (from the
// session's Reset). If Shutdown came meanwhile, the connection is half
// closed now and fully closed shortly after.
func (c *trackedConn) endData() {
	c.mu.Lock()
	wasBusy := c.busy
	c.busy = false
	draining := c.draining
	c.mu.Unlock()
	if wasBusy && draining {
		c.closeSoon()
	}
}

// drain is called by Shutdown: an idle connection is closed now, a busy
// one when its message is done.
func (c *trackedConn) drain() {
	c.mu.Lock()
	c.draining = true
	busy := c.busy
	c.mu.Unlock()
	if !busy {
		c.Close()
	}
}

// closeSoon sends FIN after the reply just written, so the client reads the
// reply rather than a reset, and closes the socket after drainLinger if the
// client has not gone by then.
func (c *trackedConn) closeSoon() {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		if cw.CloseWrite() == nil {
			time.AfterFunc(drainLinger, func() { c.Close() })
			return
		}
	}
	c.Close()
}
