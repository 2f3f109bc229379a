// Package smtpd is slatrack's inbound SMTP listener: the MX side that an MTA
// (or the internet, behind one) hands customer mail to. It accepts mail for a
// fixed set of addresses, reads each message whole (bounded in size), and
// hands the raw bytes to a Deliverer that commits them; the client hears 250
// only once the Deliverer says the message is safely stored, and a
// temporary 4xx otherwise, so a store outage makes the sending MTA queue and
// retry instead of losing mail.
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

	// ctx is passed to the Deliverer; it is cancelled only when a
	// Shutdown gives up waiting.
	ctx    context.Context
	cancel context.CancelFunc

	mu        sync.Mutex
	closing   bool
	listeners []*listener
	conns     map[*trackedConn]struct{}
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
	s := &Server{
		cfg:     cfg,
		deliver: deliver,
		log:     log,
		rcpts:   make(map[string]bool, len(cfg.Addresses)),
		conns:   make(map[*trackedConn]struct{}),
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
		tc := &trackedConn{Conn: c, s: l.s}
		l.s.mu.Lock()
		closing := l.s.closing
		if !closing {
			l.s.conns[tc] = struct{}{}
		}
		l.s.mu.Unlock()
		if closing {
			c.Close()
			continue
		}
		return tc, nil
	}
}

func (l *listener) Close() error {
	l.closeOnce.Do(func() { l.closeErr = l.Listener.Close() })
	return l.closeErr
}

// trackedConn is one client connection. busy is set while a message is
// being received and delivered; a connection that is not busy may be closed
// at once by Shutdown. It also reads for go-smtp (see data.go).
type trackedConn struct {
	net.Conn
	s *Server

	// Read state. Only the connection's goroutine reads.
	rbuf       []byte // read from the network: rbuf[rpos:rend] is not handed on yet
	rpos, rend int
	rerr       error  // the read error that ended reading
	pending    []byte // handed to go-smtp before anything else
	dataStarts atomic.Bool

	mu       sync.Mutex
	busy     bool
	draining bool
	closed   bool
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
