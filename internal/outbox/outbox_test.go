package outbox_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"github.com/slatrack/slatrack/internal/mailtest"
	"io"
	"log/slog"
	"net"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/outbox"
)

// memQueue is an in-memory outbox table with the store's claim semantics.
type memQueue struct {
	mu       sync.Mutex
	mails    map[uint64]*desk.OutboxMail
	nextID   uint64
	claims   int
	claimErr error
	markErr  error
	renewErr error
	renewals int
	released []uint64
}

func newQueue() *memQueue { return &memQueue{mails: map[uint64]*desk.OutboxMail{}} }

func (q *memQueue) add(m *desk.OutboxMail) uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.nextID++
	m.ID = q.nextID
	if m.Status == "" {
		m.Status = desk.OutboxQueued
	}
	if m.Channel == "" {
		m.Channel = desk.DeliveryMail // as the store writes it
	}
	q.mails[m.ID] = m
	return m.ID
}

func (q *memQueue) get(id uint64) desk.OutboxMail {
	q.mu.Lock()
	defer q.mu.Unlock()
	return *q.mails[id]
}

func (q *memQueue) ClaimOutbox(_ context.Context, now time.Time, limit int, lease time.Duration, channels []string) ([]*desk.OutboxMail, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.claims++
	if q.claimErr != nil {
		return nil, q.claimErr
	}
	ids := make([]uint64, 0, len(q.mails))
	for id := range q.mails {
		ids = append(ids, id)
	}
	// Acknowledgements last, then oldest due first.
	sort.Slice(ids, func(i, j int) bool {
		a, b := q.mails[ids[i]], q.mails[ids[j]]
		if (a.Kind == desk.OutboxAck) != (b.Kind == desk.OutboxAck) {
			return b.Kind == desk.OutboxAck
		}
		if !a.NextAttemptAt.Equal(b.NextAttemptAt) {
			return a.NextAttemptAt.Before(b.NextAttemptAt)
		}
		return ids[i] < ids[j]
	})
	var out []*desk.OutboxMail
	for _, id := range ids {
		m := q.mails[id]
		if len(out) == limit {
			break
		}
		if m.Status != desk.OutboxQueued || m.NextAttemptAt.After(now) || (m.LeaseUntil != nil && m.LeaseUntil.After(now)) || (len(channels) > 0 && !slices.Contains(channels, m.Channel)) {
			continue
		}
		until := now.Add(lease)
		m.LeaseUntil = &until
		m.LeaseToken = int64(q.claims)
		m.Attempts++
		c := *m
		c.Raw = append([]byte(nil), m.Raw...)
		out = append(out, &c)
	}
	return out, nil
}

// held is the row c's claim still holds, or nil.
func (q *memQueue) held(c *desk.OutboxMail) *desk.OutboxMail {
	m := q.mails[c.ID]
	if m == nil || m.Status != desk.OutboxQueued || m.LeaseUntil == nil || m.LeaseToken != c.LeaseToken {
		return nil
	}
	return m
}

func (q *memQueue) RenewOutboxLeases(_ context.Context, claims []*desk.OutboxMail, until time.Time) ([]uint64, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.renewals++
	if q.renewErr != nil {
		return nil, q.renewErr
	}
	var renewed []uint64
	for _, c := range claims {
		if m := q.held(c); m != nil {
			m.LeaseUntil = &until
			renewed = append(renewed, c.ID)
		}
	}
	return renewed, nil
}

func (q *memQueue) ReleaseOutbox(_ context.Context, claims []*desk.OutboxMail) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, c := range claims {
		if m := q.held(c); m != nil {
			m.LeaseUntil, m.LeaseToken = nil, 0
			m.Attempts--
			q.released = append(q.released, c.ID)
		}
	}
	return nil
}

func (q *memQueue) MarkOutboxSent(_ context.Context, id uint64, at time.Time) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.markErr != nil {
		return q.markErr
	}
	m := q.mails[id]
	m.Status, m.SentAt, m.LeaseUntil = desk.OutboxSent, &at, nil
	return nil
}

func (q *memQueue) MarkOutboxFailed(_ context.Context, id uint64, errMsg string, next time.Time, final bool) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.markErr != nil {
		return q.markErr
	}
	m := q.mails[id]
	m.LastError, m.NextAttemptAt, m.LeaseUntil = errMsg, next, nil
	if final {
		m.Status = desk.OutboxFailed
	}
	return nil
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// received is one message the test relay accepted.
type received struct {
	from     string
	to       []string
	data     []byte
	tls      bool
	authUser string
	conn     int // which connection, counting from 1
}

// relay is a real go-smtp server on loopback that records what it gets and
// answers or misbehaves as told.
type relay struct {
	srv  *smtp.Server
	host string
	port int

	mu        sync.Mutex
	msgs      []received
	conns     int
	rcpts     []string           // every RCPT TO, in order
	shunning  bool               // after a 5xx on a connection, refuse every later MAIL FROM on it
	mailReply error              // reply to MAIL FROM
	rcptReply func(string) error // reply to RCPT TO
	dataReply error              // reply to the end of DATA
	dropData  int                // drop the connection at the end of the next dropData messages
	perConn   int                // drop the connection at the MAIL after this many messages on it
	dataHook  func()             // called when a message has been read, before answering
	users     map[string]string  // AUTH PLAIN accounts; nil: no AUTH
}

type relayOpts struct {
	tls      *tls.Config // STARTTLS offered with this
	implicit bool        // TLS from the start instead
	users    map[string]string
	addr     string // default 127.0.0.1:0

	insecureAuth bool // allow AUTH without TLS
}

func startRelay(t *testing.T, o relayOpts) *relay {
	t.Helper()
	r := &relay{users: o.users}
	r.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		r.mu.Lock()
		r.conns++
		n := r.conns
		r.mu.Unlock()
		return &relaySession{r: r, c: c, conn: n}, nil
	}))
	r.srv.Domain = "relay.example"
	r.srv.ErrorLog = silent{}
	r.srv.EnableSMTPUTF8 = true
	r.srv.AllowInsecureAuth = o.insecureAuth
	addr := o.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var l net.Listener
	var err error
	if o.implicit {
		l, err = tls.Listen("tcp", addr, o.tls)
	} else {
		r.srv.TLSConfig = o.tls
		l, err = net.Listen("tcp", addr)
	}
	if err != nil {
		t.Fatal(err)
	}
	h, p, _ := net.SplitHostPort(l.Addr().String())
	r.host = h
	r.port, _ = strconv.Atoi(p)
	go r.srv.Serve(l)
	t.Cleanup(func() { r.srv.Close() })
	return r
}

func (r *relay) received() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.msgs...)
}

func (r *relay) rcptLog() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.rcpts...)
}

func (r *relay) connCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.conns
}

func (r *relay) set(f func(r *relay)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f(r)
}

type silent struct{}

func (silent) Printf(string, ...any) {}
func (silent) Println(...any)        {}

type relaySession struct {
	r        *relay
	c        *smtp.Conn
	authUser string
	from     string
	to       []string
	count    int
	conn     int
	refused  bool // this session has answered a 5xx
}

func (s *relaySession) AuthMechanisms() []string {
	if s.r.users == nil {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *relaySession) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain || s.r.users == nil {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if pw, ok := s.r.users[username]; !ok || pw != password {
			return smtp.ErrAuthFailed
		}
		s.authUser = username
		return nil
	}), nil
}

func (s *relaySession) Mail(from string, _ *smtp.MailOptions) error {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	if s.r.users != nil && s.authUser == "" {
		return smtp.ErrAuthRequired
	}
	if s.r.perConn > 0 && s.count >= s.r.perConn {
		go s.c.Close()
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0}, Message: "enough for now"}
	}
	if s.r.shunning && s.refused {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "too many errors on this connection"}
	}
	if s.r.mailReply != nil {
		return s.r.mailReply
	}
	s.from, s.to = from, nil
	return nil
}

func (s *relaySession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.r.mu.Lock()
	reply := s.r.rcptReply
	s.r.rcpts = append(s.r.rcpts, to)
	s.r.mu.Unlock()
	if reply != nil {
		if err := reply(to); err != nil {
			var se *smtp.SMTPError
			if errors.As(err, &se) && se.Code/100 == 5 {
				s.refused = true
			}
			return err
		}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *relaySession) Data(rd io.Reader) error {
	data, err := io.ReadAll(rd)
	if err != nil {
		return err
	}
	s.r.mu.Lock()
	hook := s.r.dataHook
	s.r.mu.Unlock()
	if hook != nil {
		hook()
	}
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	if s.r.dropData > 0 {
		s.r.dropData--
		s.c.Conn().Close()
		return errors.New("dropped")
	}
	if s.r.dataReply != nil {
		return s.r.dataReply
	}
	_, isTLS := s.c.TLSConnectionState()
	s.r.msgs = append(s.r.msgs, received{from: s.from, to: s.to, data: data, tls: isTLS, authUser: s.authUser, conn: s.conn})
	s.count++
	return nil
}

func (s *relaySession) Reset()        { s.from, s.to = "", nil }
func (s *relaySession) Logout() error { return nil }

// selfSigned makes a throwaway certificate for 127.0.0.1 (the clients in
// these tests do not verify it; TestRelayCA does).
func selfSigned(t *testing.T) *tls.Config {
	t.Helper()
	return &tls.Config{Certificates: []tls.Certificate{mailtest.NewCA(t).Issue(t, "relay.example", "localhost", "127.0.0.1")}}
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

var epoch = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func newSender(q outbox.Queue, rc outbox.RelayConfig) (*outbox.Sender, *clock) {
	if rc.TLS == "" {
		rc.TLS = outbox.TLSNone
	}
	if rc.Timeout == 0 {
		rc.Timeout = 5 * time.Second
	}
	s := outbox.NewSender(q, rc, quietLog())
	clk := &clock{t: epoch}
	s.Now = clk.Now
	return s, clk
}

func relayConfig(r *relay) outbox.RelayConfig {
	return outbox.RelayConfig{Host: r.host, Port: r.port, HeloName: "desk.example"}
}

func mail(n int, to string) *desk.OutboxMail {
	raw := fmt.Sprintf("From: Support <support@desk.example>\r\n"+
		"To: %s\r\n"+
		"Subject: [#T-%d] We got your request\r\n"+
		"Message-ID: <ack-%d@desk.example>\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n"+
		"\r\n"+
		"Hello,\r\n.this line starts with a dot\r\n.\r\nGrüße\r\n", to, n, n)
	return &desk.OutboxMail{
		Kind: desk.OutboxAck, MessageID: fmt.Sprintf("ack-%d@desk.example", n),
		From: "bounces@desk.example", To: to, Raw: []byte(raw),
		NextAttemptAt: epoch.Add(-time.Minute), CreatedAt: epoch.Add(-time.Minute),
	}
}

func runOnce(t *testing.T, s *outbox.Sender) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	n, err := s.RunOnce(ctx)
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	return n
}

func TestSendByteIdentical(t *testing.T) {
	r := startRelay(t, relayOpts{})
	q := newQueue()
	id1 := q.add(mail(1, "alice@customer.example"))
	id2 := q.add(mail(2, "bob@customer.example, <carol@customer.example>"))
	s, clk := newSender(q, relayConfig(r))

	if n := runOnce(t, s); n != 2 {
		t.Fatalf("sent %d, want 2", n)
	}
	got := r.received()
	if len(got) != 2 {
		t.Fatalf("relay got %d messages", len(got))
	}
	for i, want := range []struct {
		id uint64
		to []string
	}{{id1, []string{"alice@customer.example"}}, {id2, []string{"bob@customer.example", "carol@customer.example"}}} {
		m := q.get(want.id)
		if !bytes.Equal(got[i].data, m.Raw) {
			t.Errorf("mail %d arrived as\n%q\nwant\n%q", want.id, got[i].data, m.Raw)
		}
		if got[i].from != "bounces@desk.example" || strings.Join(got[i].to, " ") != strings.Join(want.to, " ") {
			t.Errorf("mail %d envelope: from %q to %q", want.id, got[i].from, got[i].to)
		}
		if m.Status != desk.OutboxSent || m.SentAt == nil || !m.SentAt.Equal(clk.Now()) || m.Attempts != 1 {
			t.Errorf("mail %d after sending: %+v", want.id, m)
		}
	}
	if r.connCount() != 1 {
		t.Errorf("%d connections for one batch, want 1", r.connCount())
	}
	if n := runOnce(t, s); n != 0 || len(r.received()) != 2 {
		t.Errorf("second run sent %d more", n)
	}
}

func TestRelayDownThenBack(t *testing.T) {
	// A port with nothing listening.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	host, portStr, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(portStr)

	q := newQueue()
	id := q.add(mail(1, "alice@customer.example"))
	id2 := q.add(mail(2, "bob@customer.example"))
	s, clk := newSender(q, outbox.RelayConfig{Host: host, Port: port})

	if n := runOnce(t, s); n != 0 {
		t.Fatalf("sent %d with no relay", n)
	}
	for _, id := range []uint64{id, id2} {
		m := q.get(id)
		if m.Status != desk.OutboxQueued || m.Attempts != 1 || m.LeaseUntil != nil {
			t.Errorf("mail %d after relay down: status %s attempts %d lease %v", id, m.Status, m.Attempts, m.LeaseUntil)
		}
		if !strings.Contains(m.LastError, "connect "+addr) {
			t.Errorf("LastError = %q", m.LastError)
		}
		if want := clk.Now().Add(outbox.Backoff(1)); !m.NextAttemptAt.Equal(want) {
			t.Errorf("NextAttemptAt = %v, want %v", m.NextAttemptAt, want)
		}
	}

	r := startRelay(t, relayOpts{addr: addr})
	if n := runOnce(t, s); n != 0 {
		t.Errorf("sent %d before the backoff was over", n)
	}
	clk.Add(outbox.Backoff(1))
	if n := runOnce(t, s); n != 2 {
		t.Fatalf("sent %d after the relay came back, want 2", n)
	}
	if m := q.get(id); m.Status != desk.OutboxSent || m.Attempts != 2 {
		t.Errorf("after the relay came back: %+v", m)
	}
	if len(r.received()) != 2 {
		t.Errorf("relay got %d", len(r.received()))
	}
}

func TestTemporaryFailureRetried(t *testing.T) {
	r := startRelay(t, relayOpts{})
	r.set(func(r *relay) {
		r.dataReply = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "queue full, try later"}
	})
	q := newQueue()
	id := q.add(mail(1, "alice@customer.example"))
	s, clk := newSender(q, relayConfig(r))

	if n := runOnce(t, s); n != 0 {
		t.Fatalf("sent %d", n)
	}
	m := q.get(id)
	if m.Status != desk.OutboxQueued || m.LastError != "end of DATA: 451 4.3.0 queue full, try later" {
		t.Errorf("after 451: status %s LastError %q", m.Status, m.LastError)
	}
	if !m.NextAttemptAt.Equal(clk.Now().Add(30 * time.Second)) {
		t.Errorf("NextAttemptAt = %v", m.NextAttemptAt)
	}

	r.set(func(r *relay) { r.dataReply = nil })
	clk.Add(30 * time.Second)
	if n := runOnce(t, s); n != 1 {
		t.Fatalf("retry sent %d", n)
	}
	if got := r.received(); len(got) != 1 || !bytes.Equal(got[0].data, q.get(id).Raw) {
		t.Errorf("relay got %d messages", len(got))
	}
}

func TestPermanentFailure(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(r *relay)
		lastErr string
		okSent  bool // the other mail in the batch goes out
	}{
		{"rcpt 550", func(r *relay) {
			r.rcptReply = func(to string) error {
				if strings.HasPrefix(to, "gone") {
					return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
				}
				return nil
			}
		}, "the recipient's mailbox does not exist: RCPT TO <gone@customer.example>: 550 5.1.1 no such user", true},
		{"data 554", func(r *relay) {
			r.dataReply = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "spam"}
		}, "the relay's policy refused it (not allowed, or taken for spam): end of DATA: 554 5.7.1 spam", false},
		{"data 552 mailbox full", func(r *relay) {
			r.dataReply = &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 2, 2}, Message: "over quota"}
		}, "the recipient's mailbox is full: end of DATA: 552 5.2.2 over quota", false},
		{"data 554 unlisted code", func(r *relay) {
			r.dataReply = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 9}, Message: "no"}
		}, "the relay did not accept its content: end of DATA: 554 5.6.9 no", false},
		{"mail 553", func(r *relay) {
			r.mailReply = &smtp.SMTPError{Code: 553, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "sender not allowed"}
		}, "the relay's policy refused it (not allowed, or taken for spam): MAIL FROM: 553 5.7.1 sender not allowed", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := startRelay(t, relayOpts{})
			r.set(tt.setup)
			q := newQueue()
			id := q.add(mail(1, "gone@customer.example"))
			other := q.add(mail(2, "fine@customer.example"))
			s, clk := newSender(q, relayConfig(r))
			runOnce(t, s)
			m := q.get(id)
			if m.Status != desk.OutboxFailed || m.LastError != tt.lastErr || m.Attempts != 1 {
				t.Errorf("status %s LastError %q attempts %d, want failed %q after 1", m.Status, m.LastError, m.Attempts, tt.lastErr)
			}
			// The other mail goes on a new connection: none is used after
			// a refusal.
			if got := q.get(other).Status == desk.OutboxSent; got != tt.okSent {
				t.Errorf("other mail sent = %v, want %v", got, tt.okSent)
			}
			if r.connCount() != 2 {
				t.Errorf("%d connections, want 2", r.connCount())
			}
			clk.Add(48 * time.Hour)
			r.set(func(r *relay) { r.rcptReply, r.dataReply, r.mailReply = nil, nil, nil })
			runOnce(t, s)
			if q.get(id).Status != desk.OutboxFailed {
				t.Errorf("a failed mail was tried again")
			}
		})
	}
}

func TestSomeRecipientsRefused(t *testing.T) {
	r := startRelay(t, relayOpts{})
	r.set(func(r *relay) {
		r.rcptReply = func(to string) error {
			switch {
			case strings.HasPrefix(to, "gone"):
				return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
			case strings.HasPrefix(to, "later"):
				return &smtp.SMTPError{Code: 450, EnhancedCode: smtp.EnhancedCode{4, 2, 1}, Message: "mailbox busy"}
			}
			return nil
		}
	})
	q := newQueue()
	mixed := q.add(mail(1, "gone@customer.example, alice@customer.example"))
	allBad := q.add(mail(2, "gone@customer.example, later@customer.example"))
	s, _ := newSender(q, relayConfig(r))
	if n := runOnce(t, s); n != 1 {
		t.Fatalf("sent %d, want 1", n)
	}
	if m := q.get(mixed); m.Status != desk.OutboxSent {
		t.Errorf("mail with one good recipient: %s %q", m.Status, m.LastError)
	}
	if got := r.received(); len(got) != 1 || strings.Join(got[0].to, ",") != "alice@customer.example" {
		t.Errorf("relay got %+v", got)
	}
	// All refused, one only temporarily: retried, not given up.
	m := q.get(allBad)
	if m.Status != desk.OutboxQueued || !strings.Contains(m.LastError, "550 5.1.1") || !strings.Contains(m.LastError, "450 4.2.1") {
		t.Errorf("all recipients refused, one temporarily: %s %q", m.Status, m.LastError)
	}
}

func TestGiveUpAfterMaxAttempts(t *testing.T) {
	r := startRelay(t, relayOpts{})
	r.set(func(r *relay) {
		r.rcptReply = func(string) error {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 4, 3}, Message: "DNS trouble"}
		}
	})
	q := newQueue()
	id := q.add(mail(1, "alice@customer.example"))
	s, clk := newSender(q, relayConfig(r))
	s.MaxAttempts = 3
	for attempt := 1; attempt <= 3; attempt++ {
		runOnce(t, s)
		m := q.get(id)
		if m.Attempts != attempt {
			t.Fatalf("attempt %d: Attempts = %d", attempt, m.Attempts)
		}
		wantStatus := desk.OutboxQueued
		if attempt == 3 {
			wantStatus = desk.OutboxFailed
		}
		if m.Status != wantStatus {
			t.Fatalf("after attempt %d: status %s, want %s", attempt, m.Status, wantStatus)
		}
		if attempt < 3 && !m.NextAttemptAt.Equal(clk.Now().Add(outbox.Backoff(attempt))) {
			t.Errorf("after attempt %d: next %v", attempt, m.NextAttemptAt)
		}
		clk.Add(outbox.Backoff(attempt))
	}
}

func TestStartTLSWithAuth(t *testing.T) {
	r := startRelay(t, relayOpts{tls: selfSigned(t), users: map[string]string{"desk": "s3cret"}})
	q := newQueue()
	id := q.add(mail(1, "alice@customer.example"))
	rc := relayConfig(r)
	rc.TLS = outbox.TLSStartTLS
	rc.InsecureSkipVerify = true
	rc.Username, rc.Password = "desk", "s3cret"
	s, _ := newSender(q, rc)
	if n := runOnce(t, s); n != 1 {
		t.Fatalf("sent %d (%q)", n, q.get(id).LastError)
	}
	got := r.received()
	if len(got) != 1 || !got[0].tls || got[0].authUser != "desk" || !bytes.Equal(got[0].data, q.get(id).Raw) {
		t.Errorf("relay got %+v", got)
	}

	// A wrong password is a temporary failure: the mail waits for the
	// configuration to be fixed.
	id2 := q.add(mail(2, "bob@customer.example"))
	rc.Password = "wrong"
	s2, _ := newSender(q, rc)
	if n := runOnce(t, s2); n != 0 {
		t.Fatalf("sent %d with a wrong password", n)
	}
	if m := q.get(id2); m.Status != desk.OutboxQueued || !strings.HasPrefix(m.LastError, "AUTH: 535 5.7.8") {
		t.Errorf("wrong password: %s %q", m.Status, m.LastError)
	}

	// Without verification skipped, the self-signed certificate is refused.
	rc.Password, rc.InsecureSkipVerify = "s3cret", false
	s3, clk := newSender(q, rc)
	clk.Add(time.Hour)
	if n := runOnce(t, s3); n != 0 {
		t.Fatalf("sent %d to an unverified relay", n)
	}
	if m := q.get(id2); m.Status != desk.OutboxQueued || !strings.Contains(m.LastError, "certificate") {
		t.Errorf("unverified certificate: %s %q", m.Status, m.LastError)
	}
}

func TestStartTLSRequired(t *testing.T) {
	r := startRelay(t, relayOpts{}) // no STARTTLS
	q := newQueue()
	id := q.add(mail(1, "alice@customer.example"))
	// TLS "" is the default: STARTTLS, required.
	s := outbox.NewSender(q, outbox.RelayConfig{Host: r.host, Port: r.port, Timeout: 5 * time.Second}, quietLog())
	s.Now = (&clock{t: epoch}).Now
	if n := runOnce(t, s); n != 0 {
		t.Fatalf("sent %d without TLS", n)
	}
	if m := q.get(id); m.Status != desk.OutboxQueued || !strings.Contains(m.LastError, "STARTTLS") {
		t.Errorf("no STARTTLS: %s %q", m.Status, m.LastError)
	}
	if len(r.received()) != 0 {
		t.Error("the relay got the mail in plaintext")
	}
}

func TestImplicitTLS(t *testing.T) {
	r := startRelay(t, relayOpts{tls: selfSigned(t), implicit: true, users: map[string]string{"desk": "pw"}})
	q := newQueue()
	q.add(mail(1, "alice@customer.example"))
	rc := relayConfig(r)
	rc.TLS = outbox.TLSImplicit
	rc.InsecureSkipVerify = true
	rc.Username, rc.Password = "desk", "pw"
	s, _ := newSender(q, rc)
	if n := runOnce(t, s); n != 1 {
		t.Fatalf("sent %d (%q)", n, q.get(1).LastError)
	}
	if got := r.received(); len(got) != 1 || !got[0].tls {
		t.Errorf("relay got %+v", got)
	}
}

func TestPlainAuthOverLoopback(t *testing.T) {
	// AUTH without TLS is allowed to a loopback relay (a local MTA); the
	// test relay must allow it too.
	r := startRelay(t, relayOpts{users: map[string]string{"desk": "pw"}, insecureAuth: true})
	q := newQueue()
	q.add(mail(1, "alice@customer.example"))
	rc := relayConfig(r)
	rc.Username, rc.Password = "desk", "pw"
	s, _ := newSender(q, rc)
	if n := runOnce(t, s); n != 1 {
		t.Fatalf("sent %d (%q)", n, q.get(1).LastError)
	}
}

func TestReconnectWhenRelayDrops(t *testing.T) {
	r := startRelay(t, relayOpts{})
	r.set(func(r *relay) { r.perConn = 1 }) // one mail per connection, then 421 and hang up
	q := newQueue()
	for i := 1; i <= 3; i++ {
		q.add(mail(i, fmt.Sprintf("user%d@customer.example", i)))
	}
	s, _ := newSender(q, relayConfig(r))
	if n := runOnce(t, s); n != 3 {
		t.Fatalf("sent %d of 3 (%q)", n, q.get(2).LastError)
	}
	if r.connCount() != 3 {
		t.Errorf("%d connections, want 3", r.connCount())
	}
	if len(r.received()) != 3 {
		t.Errorf("relay got %d", len(r.received()))
	}
}

func TestDropDuringData(t *testing.T) {
	r := startRelay(t, relayOpts{})
	r.set(func(r *relay) { r.dropData = 1 })
	q := newQueue()
	id := q.add(mail(1, "alice@customer.example"))
	id2 := q.add(mail(2, "bob@customer.example"))
	s, clk := newSender(q, relayConfig(r))

	// The first mail's connection dies at the end of DATA: whether the
	// relay took it is unknown, so it is retried later, not at once; the
	// second goes out on a new connection.
	if n := runOnce(t, s); n != 1 {
		t.Fatalf("sent %d, want 1", n)
	}
	if m := q.get(id); m.Status != desk.OutboxQueued || !strings.HasPrefix(m.LastError, "end of DATA") {
		t.Errorf("dropped mail: %s %q", m.Status, m.LastError)
	}
	if m := q.get(id2); m.Status != desk.OutboxSent {
		t.Errorf("second mail: %s %q", m.Status, m.LastError)
	}
	clk.Add(outbox.Backoff(1))
	if n := runOnce(t, s); n != 1 {
		t.Fatalf("retry sent %d", n)
	}
	if got := r.received(); len(got) != 2 {
		t.Errorf("relay got %d messages, want 2", len(got))
	}
}

func TestHungRelay(t *testing.T) {
	// Accepts connections and never says a word.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var held []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	}()
	host, port, _ := net.SplitHostPort(l.Addr().String())
	p, _ := strconv.Atoi(port)
	q := newQueue()
	id := q.add(mail(1, "alice@customer.example"))
	q.add(mail(2, "bob@customer.example"))
	s, _ := newSender(q, outbox.RelayConfig{Host: host, Port: p, TLS: outbox.TLSStartTLS, Timeout: 200 * time.Millisecond})
	begin := time.Now()
	if n := runOnce(t, s); n != 0 {
		t.Fatalf("sent %d", n)
	}
	if took := time.Since(begin); took > 3*time.Second {
		t.Errorf("RunOnce took %v against a silent relay with a 200ms timeout", took)
	}
	if m := q.get(id); m.Status != desk.OutboxQueued || !strings.Contains(m.LastError, "200ms") {
		t.Errorf("silent relay: %s %q", m.Status, m.LastError)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(held) != 1 {
		t.Errorf("%d connections for one batch, want 1 (no redial after a failed connect)", len(held))
	}
}

func TestCancelDuringSend(t *testing.T) {
	r := startRelay(t, relayOpts{})
	release := make(chan struct{})
	reached := make(chan struct{}, 1)
	r.set(func(r *relay) {
		r.dataHook = func() {
			reached <- struct{}{}
			<-release
		}
	})
	defer close(release)
	q := newQueue()
	id := q.add(mail(1, "alice@customer.example"))
	s, _ := newSender(q, relayConfig(r))
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-reached
		cancel()
	}()
	begin := time.Now()
	n, err := s.RunOnce(ctx)
	if n != 0 || err != nil {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	if took := time.Since(begin); took > 3*time.Second {
		t.Errorf("RunOnce took %v after cancel", took)
	}
	// Recorded despite the cancelled context, so the lease does not hold it.
	if m := q.get(id); m.Status != desk.OutboxQueued || m.LeaseUntil != nil || !strings.Contains(m.LastError, "interrupted") {
		t.Errorf("interrupted mail: %s lease %v %q", m.Status, m.LeaseUntil, m.LastError)
	}
}

func TestInvalidEnvelope(t *testing.T) {
	r := startRelay(t, relayOpts{})
	q := newQueue()
	noRcpt := q.add(mail(1, " , "))
	bad := q.add(mail(2, "alice@customer.example\r\nRCPT TO:<evil@x.example>"))
	empty := mail(3, "alice@customer.example")
	empty.Raw = nil
	emptyID := q.add(empty)
	s, _ := newSender(q, relayConfig(r))
	runOnce(t, s)
	for _, id := range []uint64{noRcpt, bad, emptyID} {
		if m := q.get(id); m.Status != desk.OutboxFailed || m.LastError == "" {
			t.Errorf("mail %d: %s %q, want failed", id, m.Status, m.LastError)
		}
	}
	if r.connCount() != 0 || len(r.received()) != 0 {
		t.Errorf("the relay was contacted for invalid mail")
	}
}

func TestNoRelayConfigured(t *testing.T) {
	var logged bytes.Buffer
	q := newQueue()
	id := q.add(mail(1, "alice@customer.example"))
	s := outbox.NewSender(q, outbox.RelayConfig{}, slog.New(slog.NewTextHandler(&logged, nil)))
	for range 3 {
		if n, err := s.RunOnce(context.Background()); n != 0 || err != nil {
			t.Fatalf("RunOnce = %d, %v", n, err)
		}
	}
	// Without a relay the sender claims webhooks only: the mail is never
	// leased or attempted.
	if m := q.get(id); m.Status != desk.OutboxQueued || m.Attempts != 0 || m.LeaseUntil != nil {
		t.Errorf("mail touched without a relay: %+v (claims %d)", m, q.claims)
	}
	if n := strings.Count(logged.String(), "no relay configured"); n != 1 {
		t.Errorf("logged %d times, want once:\n%s", n, logged.String())
	}
}

func TestStoreErrors(t *testing.T) {
	r := startRelay(t, relayOpts{})
	q := newQueue()
	q.add(mail(1, "alice@customer.example"))
	s, _ := newSender(q, relayConfig(r))

	q.claimErr = desk.Errorf(desk.Unavailable, "db down")
	if _, err := s.RunOnce(context.Background()); err == nil || desk.ErrorCode(err) != desk.Unavailable || !strings.HasPrefix(err.Error(), "outbox: ") {
		t.Errorf("claim failure: %v", err)
	}
	q.claimErr = nil
	q.markErr = errors.New("db gone")
	if n, err := s.RunOnce(context.Background()); err == nil || n != 0 {
		t.Errorf("mark failure: %d, %v", n, err)
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	r := startRelay(t, relayOpts{})
	q := newQueue()
	q.add(mail(1, "alice@customer.example"))
	s, _ := newSender(q, relayConfig(r))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, 10*time.Millisecond) }()

	deadline := time.Now().Add(5 * time.Second)
	for len(r.received()) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if len(r.received()) != 1 {
		t.Fatal("Run did not send the queued mail")
	}
	// It keeps polling: a mail queued later goes out too.
	q.add(mail(2, "bob@customer.example"))
	for len(r.received()) < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if len(r.received()) != 2 {
		t.Fatal("Run did not pick up a later mail")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not stop after cancel")
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		attempt int
		want    time.Duration
	}{
		{-1, 30 * time.Second},
		{0, 30 * time.Second},
		{1, 30 * time.Second},
		{2, time.Minute},
		{3, 2 * time.Minute},
		{4, 4 * time.Minute},
		{5, 8 * time.Minute},
		{6, 16 * time.Minute},
		{7, 32 * time.Minute},
		{8, time.Hour},
		{9, time.Hour},
		{20, time.Hour},
		{64, time.Hour},
		{1 << 30, time.Hour},
	}
	for _, tt := range tests {
		if got := outbox.Backoff(tt.attempt); got != tt.want {
			t.Errorf("Backoff(%d) = %v, want %v", tt.attempt, got, tt.want)
		}
	}
	var total time.Duration
	for a := 1; a < outbox.DefaultMaxAttempts; a++ {
		total += outbox.Backoff(a)
	}
	if total < 12*time.Hour || total > 26*time.Hour {
		t.Errorf("default attempts span %v, want roughly a day", total)
	}
}
