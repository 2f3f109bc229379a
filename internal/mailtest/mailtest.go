// Package mailtest gives tests a real SMTP relay on loopback that records
// what it receives, so outgoing mail can be checked end to end.
package mailtest

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Mail is one message the relay accepted.
type Mail struct {
	From string
	To   []string
	Data []byte
}

// Relay is a recording SMTP server.
type Relay struct {
	Host string
	Port int

	mu    sync.Mutex
	mails []Mail
	added chan struct{}
}

// NewRelay starts a relay on 127.0.0.1 that is stopped when tb ends.
func NewRelay(tb testing.TB) *Relay {
	tb.Helper()
	r := &Relay{added: make(chan struct{}, 1000)}
	s := smtp.NewServer(backend{r})
	s.Domain = "relay.test"
	s.AllowInsecureAuth = true
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	a := ln.Addr().(*net.TCPAddr)
	r.Host, r.Port = "127.0.0.1", a.Port
	go s.Serve(ln)
	tb.Cleanup(func() { s.Close() })
	return r
}

// Mails returns what the relay has received so far.
func (r *Relay) Mails() []Mail {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Mail(nil), r.mails...)
}

// WaitFor waits until the relay holds at least n mails or the timeout
// passes, and returns them.
func (r *Relay) WaitFor(n int, timeout time.Duration) []Mail {
	deadline := time.After(timeout)
	for {
		if m := r.Mails(); len(m) >= n {
			return m
		}
		select {
		case <-r.added:
		case <-deadline:
			return r.Mails()
		}
	}
}

type backend struct{ r *Relay }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{r: b.r}, nil }

type session struct {
	r    *Relay
	from string
	to   []string
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error { s.from = from; return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error   { s.to = append(s.to, to); return nil }
func (s *session) Reset()                                      { s.from, s.to = "", nil }
func (s *session) Logout() error                               { return nil }
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.r.mu.Lock()
	s.r.mails = append(s.r.mails, Mail{From: s.from, To: s.to, Data: b})
	s.r.mu.Unlock()
	select {
	case s.r.added <- struct{}{}:
	default:
	}
	return nil
}
