package imappoll_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"github.com/slatrack/slatrack/internal/mailtest"
	"io"
	"log"
	"log/slog"
	"maps"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/slatrack/slatrack/internal/imappoll"
)

const (
	testUser = "support@example.test"
	testPass = "correct horse battery staple"
)

// ---- an in-process IMAP server on loopback TCP ----

type serverOpts struct {
	tls  string      // "none" (default), "tls" or "starttls"
	caps imap.CapSet // default IMAP4rev1 + IMAP4rev2
	cert *tls.Config // the server's certificate; default self-signed for 127.0.0.1
}

type testServer struct {
	t      *testing.T
	mem    *imapmemserver.Server
	opts   serverOpts
	tlsCfg *tls.Config

	mu   sync.Mutex
	addr string
	srv  *imapserver.Server
	ln   net.Listener
	done chan struct{}
}

func newTestServer(t *testing.T, o serverOpts) *testServer {
	t.Helper()
	if o.tls == "" {
		o.tls = "none"
	}
	mem := imapmemserver.New()
	u := imapmemserver.NewUser(testUser, testPass)
	if err := u.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(u)
	s := &testServer{t: t, mem: mem, opts: o}
	if o.tls != "none" {
		s.tlsCfg = o.cert
		if s.tlsCfg == nil {
			s.tlsCfg = selfSignedTLS(t)
		}
	}
	s.start("127.0.0.1:0")
	t.Cleanup(s.stop)
	return s
}

func (s *testServer) start(addr string) {
	s.t.Helper()
	var ln net.Listener
	var err error
	for range 100 { // the same port can stay busy for a moment after a close
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("listen on %s: %v", addr, err)
	}
	var serveLn net.Listener = ln
	if s.opts.tls == "tls" {
		serveLn = tls.NewListener(ln, s.tlsCfg)
	}
	caps := s.opts.caps
	if caps == nil {
		caps = imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}}
	}
	o := &imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return s.mem.NewSession(), nil, nil
		},
		Caps:         caps,
		Logger:       log.New(io.Discard, "", 0),
		InsecureAuth: s.opts.tls == "none",
	}
	if s.opts.tls == "starttls" {
		o.TLSConfig = s.tlsCfg
	}
	srv := imapserver.New(o)
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(serveLn)
	}()
	s.mu.Lock()
	s.addr, s.srv, s.ln, s.done = ln.Addr().String(), srv, ln, done
	s.mu.Unlock()
}

// stop closes the listener and every connection.
func (s *testServer) stop() {
	s.mu.Lock()
	srv, ln, done := s.srv, s.ln, s.done
	s.srv = nil
	s.mu.Unlock()
	if srv == nil {
		return
	}
	srv.Close()
	ln.Close() // in case Serve had not registered it yet
	<-done
}

// restart drops every connection and listens again on the same address.
func (s *testServer) restart() {
	s.t.Helper()
	addr := s.address()
	s.stop()
	s.start(addr)
}

func (s *testServer) address() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

func (s *testServer) config() imappoll.Config {
	return imappoll.Config{
		Addr:               s.address(),
		TLS:                s.opts.tls,
		User:               testUser,
		Password:           testPass,
		Interval:           50 * time.Millisecond,
		Timeout:            5 * time.Second,
		InsecureSkipVerify: true,
	}
}

// client is a second, independent connection used to set up and inspect
// the mailbox.
func (s *testServer) client() *imapclient.Client {
	s.t.Helper()
	opts := &imapclient.Options{TLSConfig: &tls.Config{InsecureSkipVerify: true}}
	var c *imapclient.Client
	var err error
	switch s.opts.tls {
	case "tls":
		c, err = imapclient.DialTLS(s.address(), opts)
	case "starttls":
		c, err = imapclient.DialStartTLS(s.address(), opts)
	default:
		c, err = imapclient.DialInsecure(s.address(), opts)
	}
	if err != nil {
		s.t.Fatalf("test client dial: %v", err)
	}
	if err := c.Login(testUser, testPass).Wait(); err != nil {
		c.Close()
		s.t.Fatalf("test client login: %v", err)
	}
	return c
}

func (s *testServer) appendMsg(mailbox string, raw []byte, flags ...imap.Flag) {
	s.t.Helper()
	c := s.client()
	defer c.Close()
	cmd := c.Append(mailbox, int64(len(raw)), &imap.AppendOptions{Flags: flags})
	if _, err := cmd.Write(raw); err != nil {
		s.t.Fatalf("append: %v", err)
	}
	if err := cmd.Close(); err != nil {
		s.t.Fatalf("append: %v", err)
	}
	if _, err := cmd.Wait(); err != nil {
		s.t.Fatalf("append: %v", err)
	}
}

type serverMsg struct {
	num   int // from the Message-ID
	flags []imap.Flag
	raw   []byte
}

// has reports whether m carries flag f. IMAP flags and keywords are
// case-insensitive, and imapmemserver answers keywords in lower case.
func (m serverMsg) has(f imap.Flag) bool {
	return slices.ContainsFunc(m.flags, func(g imap.Flag) bool { return strings.EqualFold(string(g), string(f)) })
}

// mailbox lists the messages in mailbox, in UID order, without changing
// anything.
func (s *testServer) mailbox(name string) []serverMsg {
	s.t.Helper()
	c := s.client()
	defer c.Close()
	sel, err := c.Select(name, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		s.t.Fatalf("examine %s: %v", name, err)
	}
	if sel.NumMessages == 0 {
		return nil
	}
	bufs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{
		UID: true, Flags: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	}).Collect()
	if err != nil {
		s.t.Fatalf("fetch %s: %v", name, err)
	}
	slices.SortFunc(bufs, func(a, b *imapclient.FetchMessageBuffer) int { return int(a.UID) - int(b.UID) })
	var out []serverMsg
	for _, b := range bufs {
		raw := b.BodySection[0].Bytes
		out = append(out, serverMsg{num: msgNum(raw), flags: b.Flags, raw: raw})
	}
	return out
}

func nums(msgs []serverMsg) []int {
	var out []int
	for _, m := range msgs {
		out = append(out, m.num)
	}
	return out
}

func selfSignedTLS(t *testing.T) *tls.Config {
	t.Helper()
	return serverTLS(t, mailtest.NewCA(t), "127.0.0.1")
}

// serverTLS is a server configuration with a certificate signed by ca
// for names (host names or IP addresses).
func serverTLS(t *testing.T, ca *mailtest.CA, names ...string) *tls.Config {
	t.Helper()
	return &tls.Config{Certificates: []tls.Certificate{ca.Issue(t, names...)}}
}

// ---- messages and a recording sink ----

var msgIDRe = regexp.MustCompile(`Message-ID: <(\d+)@agency\.test>`)

func msgNum(raw []byte) int {
	m := msgIDRe.FindSubmatch(raw)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

func testMsg(n int) []byte {
	return fmt.Appendf(nil, "From: Ann Doe <ann@agency.test>\r\n"+
		"To: %s\r\n"+
		"Subject: ticket %d\r\n"+
		"Message-ID: <%d@agency.test>\r\n"+
		"Date: Mon, 02 Jun 2025 10:00:00 +0000\r\n"+
		"\r\n"+
		"Our app is down (message %d).\r\n", testUser, n, n, n)
}

// paddedMsg is testMsg(n) grown to exactly size bytes.
func paddedMsg(n, size int) []byte {
	b := testMsg(n)
	for len(b) < size {
		line := bytes.Repeat([]byte("x"), min(76, size-len(b)))
		if len(b)+len(line)+2 <= size {
			line = append(line, "\r\n"...)
		}
		b = append(b, line...)
	}
	return b[:size]
}

type recorder struct {
	mu     sync.Mutex
	calls  []int    // message numbers handed to the sink
	stored [][]byte // raw bytes of the ones it accepted
	fail   func(n, attempt int) error
	during func(raw []byte)
}

func (r *recorder) sink(ctx context.Context, raw []byte) error {
	n := msgNum(raw)
	r.mu.Lock()
	r.calls = append(r.calls, n)
	attempt := 0
	for _, c := range r.calls {
		if c == n {
			attempt++
		}
	}
	fail, during := r.fail, r.during
	r.mu.Unlock()
	if during != nil {
		during(raw)
	}
	if fail != nil {
		if err := fail(n, attempt); err != nil {
			return err
		}
	}
	r.mu.Lock()
	r.stored = append(r.stored, bytes.Clone(raw))
	r.mu.Unlock()
	return nil
}

func (r *recorder) callNums() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

func (r *recorder) storedNums() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []int
	for _, raw := range r.stored {
		out = append(out, msgNum(raw))
	}
	return out
}

func (r *recorder) storedRaw(n int) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, raw := range r.stored {
		if msgNum(raw) == n {
			return raw
		}
	}
	return nil
}

// syncBuffer collects log output; the test prints it if it fails.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newPoller(t *testing.T, cfg imappoll.Config, sink imappoll.Sink) (*imappoll.Poller, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	p := imappoll.New(cfg, sink, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() {
		p.Close()
		if t.Failed() {
			t.Logf("poller log:\n%s", logs.String())
		}
	})
	return p, logs
}

func pollOnce(t *testing.T, p *imappoll.Poller) (int, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return p.PollOnce(ctx)
}

func mustPoll(t *testing.T, p *imappoll.Poller, want int) {
	t.Helper()
	n, err := pollOnce(t, p)
	if err != nil {
		t.Fatalf("PollOnce: %v", err)
	}
	if n != want {
		t.Fatalf("PollOnce stored %d, want %d", n, want)
	}
}

func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ---- the cases ----

func TestPollOnce(t *testing.T) {
	t.Run("stores every unseen message once and marks it seen only after the sink returned nil", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t, serverOpts{})
		for n := 1; n <= 3; n++ {
			s.appendMsg("INBOX", testMsg(n))
		}
		rec := &recorder{}
		// While the sink holds a message, the server must still have it unseen.
		rec.during = func(raw []byte) {
			for _, m := range s.mailbox("INBOX") {
				if m.num == msgNum(raw) && m.has(imap.FlagSeen) {
					t.Errorf("message %d already \\Seen while the sink was storing it", m.num)
				}
			}
		}
		p, _ := newPoller(t, s.config(), rec.sink)
		mustPoll(t, p, 3)
		if got := rec.storedNums(); !slices.Equal(got, []int{1, 2, 3}) {
			t.Fatalf("sink got %v, want [1 2 3]", got)
		}
		for _, m := range s.mailbox("INBOX") {
			if !m.has(imap.FlagSeen) {
				t.Errorf("message %d not \\Seen after being stored: flags %v", m.num, m.flags)
			}
		}
		mustPoll(t, p, 0)
		if got := rec.callNums(); !slices.Equal(got, []int{1, 2, 3}) {
			t.Fatalf("second poll handed messages again: sink calls %v", got)
		}
	})

	t.Run("a sink error for message 2 of 3 leaves it unseen and the next poll retries it only", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t, serverOpts{})
		for n := 1; n <= 3; n++ {
			s.appendMsg("INBOX", testMsg(n))
		}
		dbDown := errors.New("database is down")
		rec := &recorder{fail: func(n, attempt int) error {
			if n == 2 && attempt == 1 {
				return dbDown
			}
			return nil
		}}
		p, _ := newPoller(t, s.config(), rec.sink)

		n, err := pollOnce(t, p)
		if n != 2 {
			t.Fatalf("first poll stored %d, want 2", n)
		}
		var se *imappoll.SinkError
		if !errors.As(err, &se) || !errors.Is(err, dbDown) {
			t.Fatalf("first poll error = %v, want a *SinkError wrapping %v", err, dbDown)
		}
		seen := map[int]bool{}
		for _, m := range s.mailbox("INBOX") {
			seen[m.num] = m.has(imap.FlagSeen)
		}
		if want := map[int]bool{1: true, 2: false, 3: true}; !maps.Equal(seen, want) {
			t.Fatalf("\\Seen after first poll = %v, want %v", seen, want)
		}

		mustPoll(t, p, 1)
		if got := rec.callNums(); !slices.Equal(got, []int{1, 2, 3, 2}) {
			t.Fatalf("sink calls = %v, want [1 2 3 2] (only 2 retried)", got)
		}
		for _, m := range s.mailbox("INBOX") {
			if !m.has(imap.FlagSeen) {
				t.Errorf("message %d still unseen after the retry", m.num)
			}
		}
	})

	t.Run("already-seen messages are not fetched", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t, serverOpts{})
		s.appendMsg("INBOX", testMsg(1), imap.FlagSeen)
		s.appendMsg("INBOX", testMsg(2))
		s.appendMsg("INBOX", testMsg(3), imap.FlagSeen, imap.FlagFlagged)
		rec := &recorder{}
		p, _ := newPoller(t, s.config(), rec.sink)
		mustPoll(t, p, 1)
		if got := rec.callNums(); !slices.Equal(got, []int{2}) {
			t.Fatalf("sink calls = %v, want [2]", got)
		}
	})

	t.Run("DoneFolder mode leaves mail a person already read", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t, serverOpts{})
		s.appendMsg("INBOX", testMsg(1))
		s.appendMsg("INBOX", testMsg(2), imap.FlagSeen)
		rec := &recorder{}
		cfg := s.config()
		cfg.DoneFolder = "Processed"
		p, _ := newPoller(t, cfg, rec.sink)
		mustPoll(t, p, 1)
		mustPoll(t, p, 0)
		if got := rec.callNums(); !slices.Equal(got, []int{1}) {
			t.Fatalf("sink calls = %v, want [1]: message 2 was read by a person", got)
		}
		if got := nums(s.mailbox("INBOX")); !slices.Equal(got, []int{2}) {
			t.Fatalf("INBOX = %v, want [2] left alone", got)
		}
		cfg.DoneFolder, cfg.IncludeSeen = "", true
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "include_seen") {
			t.Fatalf("Validate(IncludeSeen without DoneFolder) = %v", err)
		}
	})

	t.Run("DoneFolder mode with IncludeSeen moves stored messages, read or not", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t, serverOpts{})
		s.appendMsg("INBOX", testMsg(1))
		s.appendMsg("INBOX", testMsg(2), imap.FlagSeen) // read by a person: taken, as asked
		s.appendMsg("INBOX", testMsg(3))
		rec := &recorder{fail: func(n, attempt int) error {
			if n == 3 && attempt == 1 {
				return errors.New("try later")
			}
			return nil
		}}
		cfg := s.config()
		cfg.DoneFolder = "Processed" // does not exist yet
		cfg.IncludeSeen = true
		p, _ := newPoller(t, cfg, rec.sink)

		if n, err := pollOnce(t, p); n != 2 || err == nil {
			t.Fatalf("first poll = %d, %v; want 2 and the sink's error", n, err)
		}
		if got := nums(s.mailbox("INBOX")); !slices.Equal(got, []int{3}) {
			t.Fatalf("INBOX after first poll = %v, want [3]", got)
		}
		if got := nums(s.mailbox("Processed")); !slices.Equal(got, []int{1, 2}) {
			t.Fatalf("Processed after first poll = %v, want [1 2]", got)
		}

		mustPoll(t, p, 1)
		if got := s.mailbox("INBOX"); len(got) != 0 {
			t.Fatalf("INBOX not empty after second poll: %v", nums(got))
		}
		done := s.mailbox("Processed")
		if got := nums(done); !slices.Equal(got, []int{1, 2, 3}) {
			t.Fatalf("Processed = %v, want [1 2 3]", got)
		}
		for _, m := range done {
			if !bytes.Equal(m.raw, testMsg(m.num)) {
				t.Errorf("message %d changed on its way to Processed", m.num)
			}
		}
		mustPoll(t, p, 0)
	})

	t.Run("DoneFolder mode without the MOVE extension copies and expunges only its own", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t, serverOpts{caps: imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapUIDPlus: {}}})
		s.appendMsg("INBOX", testMsg(1))
		s.appendMsg("INBOX", testMsg(9), imap.FlagDeleted) // someone else's, awaiting EXPUNGE
		s.appendMsg("INBOX", testMsg(2))
		rec := &recorder{}
		cfg := s.config()
		cfg.DoneFolder = "Processed"
		p, _ := newPoller(t, cfg, rec.sink)
		mustPoll(t, p, 2)
		if got := rec.callNums(); !slices.Equal(got, []int{1, 2}) {
			t.Fatalf("sink calls = %v, want [1 2] (\\Deleted skipped)", got)
		}
		if got := nums(s.mailbox("INBOX")); !slices.Equal(got, []int{9}) {
			t.Fatalf("INBOX = %v, want only the other client's [9]", got)
		}
		if got := nums(s.mailbox("Processed")); !slices.Equal(got, []int{1, 2}) {
			t.Fatalf("Processed = %v, want [1 2]", got)
		}
	})

	t.Run("Batch limits the number per poll", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t, serverOpts{})
		for n := 1; n <= 5; n++ {
			s.appendMsg("INBOX", testMsg(n))
		}
		rec := &recorder{}
		cfg := s.config()
		cfg.Batch = 2
		p, _ := newPoller(t, cfg, rec.sink)
		for i, want := range []int{2, 2, 1, 0} {
			n, err := pollOnce(t, p)
			if err != nil || n != want {
				t.Fatalf("poll %d = %d, %v; want %d", i+1, n, err, want)
			}
		}
		if got := rec.callNums(); !slices.Equal(got, []int{1, 2, 3, 4, 5}) {
			t.Fatalf("sink calls = %v, want [1 2 3 4 5] in UID order", got)
		}
	})

	t.Run("the raw bytes handed to the sink are byte-identical to what was appended", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t, serverOpts{})
		var all8bit []byte
		for b := 1; b < 256; b++ {
			if b != '\r' && b != '\n' {
				all8bit = append(all8bit, byte(b))
			}
		}
		msgs := map[int][]byte{
			1: []byte("From: =?UTF-8?Q?Zo=C3=AB?= <zoe@agency.test>\r\nSubject: déjà vu \t \r\nMessage-ID: <1@agency.test>\r\n" +
				"Received: from mx.agency.test\r\n\tby mail.example.test;\r\n  Mon, 2 Jun 2025 10:00:00 +0000\r\n" +
				"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
				"Grüße, 東京 ✓ trailing spaces   \r\n.\r\n..\r\nFrom the start of a line\r\n" + strings.Repeat("long ", 400) + "\r\n"),
			2: append([]byte("Subject: every byte\r\nMessage-ID: <2@agency.test>\r\n\r\n"), append(all8bit, "\r\n"...)...),
			// (imapserver re-serialises the header it serves, so a bare-LF
			// header would come back as CRLF: not the client's doing.)
			3: []byte("Subject: no final newline\r\nMessage-ID: <3@agency.test>\r\n\r\nline one\nbare LF in the body\r\nlast line"),
			4: paddedMsg(4, 1<<20+17), // a megabyte: the literal arrives in many reads
		}
		for n := 1; n <= 4; n++ {
			s.appendMsg("INBOX", msgs[n])
		}
		rec := &recorder{}
		p, _ := newPoller(t, s.config(), rec.sink)
		mustPoll(t, p, 4)
		for n := 1; n <= 4; n++ {
			got := rec.storedRaw(n)
			if !bytes.Equal(got, msgs[n]) {
				t.Errorf("message %d: sink got %d bytes, appended %d; differ at byte %d",
					n, len(got), len(msgs[n]), firstDiff(got, msgs[n]))
			}
		}
	})

	t.Run("messages over twice MaxBytes are flagged and left on the server", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t, serverOpts{})
		s.appendMsg("INBOX", paddedMsg(1, 500))
		s.appendMsg("INBOX", paddedMsg(2, 1500)) // over MaxBytes, under twice: the sink quarantines it
		s.appendMsg("INBOX", paddedMsg(3, 2001)) // over twice MaxBytes
		s.appendMsg("INBOX", paddedMsg(4, 2000)) // exactly twice: handed over
		rec := &recorder{}
		cfg := s.config()
		cfg.MaxBytes = 1000
		p, logs := newPoller(t, cfg, rec.sink)
		mustPoll(t, p, 3)
		if got := rec.callNums(); !slices.Equal(got, []int{1, 2, 4}) {
			t.Fatalf("sink calls = %v, want [1 2 4]", got)
		}
		if got := rec.storedRaw(2); !bytes.Equal(got, paddedMsg(2, 1500)) {
			t.Fatalf("oversize message 2 not handed over whole (%d bytes)", len(got))
		}
		for _, m := range s.mailbox("INBOX") {
			big := m.num == 3
			if m.has(imap.FlagSeen) == big || m.has(imappoll.KeywordTooLarge) != big {
				t.Errorf("message %d flags %v", m.num, m.flags)
			}
		}
		if c := strings.Count(logs.String(), "too large"); c != 1 {
			t.Fatalf("logged 'too large' %d times, want 1", c)
		}
		// Later polls neither fetch it nor complain again.
		mustPoll(t, p, 0)
		if c := strings.Count(logs.String(), "too large"); c != 1 {
			t.Fatalf("after a second poll, logged 'too large' %d times, want 1", c)
		}
	})

	t.Run("a message the server serves empty is left unseen", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t, serverOpts{})
		// imapmemserver cannot parse this header, and answers BODY[] with
		// an empty literal although RFC822.SIZE is not 0.
		s.appendMsg("INBOX", []byte("this is no header line\r\n\r\nbody\r\n"))
		s.appendMsg("INBOX", testMsg(2))
		rec := &recorder{}
		p, _ := newPoller(t, s.config(), rec.sink)
		n, err := pollOnce(t, p)
		if n != 1 || err == nil || !strings.Contains(err.Error(), "empty body") {
			t.Fatalf("PollOnce = %d, %v; want 1 and an empty-body error", n, err)
		}
		if got := rec.callNums(); !slices.Equal(got, []int{2}) {
			t.Fatalf("sink calls = %v, want only [2]", got)
		}
		for _, m := range s.mailbox("INBOX") {
			if m.has(imap.FlagSeen) != (m.num == 2) {
				t.Errorf("message %d flags %v", m.num, m.flags)
			}
		}
	})

	t.Run("a cancelled context stops the poll but still marks the stored message", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t, serverOpts{})
		for n := 1; n <= 3; n++ {
			s.appendMsg("INBOX", testMsg(n))
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		rec := &recorder{during: func([]byte) { cancel() }}
		p, _ := newPoller(t, s.config(), rec.sink)
		n, err := p.PollOnce(ctx)
		if n != 1 || !errors.Is(err, context.Canceled) {
			t.Fatalf("PollOnce = %d, %v; want 1, context.Canceled", n, err)
		}
		seen := map[int]bool{}
		for _, m := range s.mailbox("INBOX") {
			seen[m.num] = m.has(imap.FlagSeen)
		}
		if want := map[int]bool{1: true, 2: false, 3: false}; !maps.Equal(seen, want) {
			t.Fatalf("\\Seen = %v, want %v", seen, want)
		}
	})

	t.Run("a server that stops answering is dropped after Timeout", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			for {
				conn, err := ln.Accept()
				if err != nil {
					return
				}
				go func() { // greets, then reads and never answers
					defer conn.Close()
					io.WriteString(conn, "* OK [CAPABILITY IMAP4rev1] mute server\r\n")
					io.Copy(io.Discard, conn)
				}()
			}
		}()
		cfg := imappoll.Config{Addr: ln.Addr().String(), TLS: "none", User: testUser, Password: testPass, Timeout: 300 * time.Millisecond}
		p, _ := newPoller(t, cfg, (&recorder{}).sink)
		start := time.Now()
		_, err = pollOnce(t, p)
		if err == nil || !strings.Contains(err.Error(), "no progress") {
			t.Fatalf("PollOnce = %v, want a no-progress error", err)
		}
		if el := time.Since(start); el > 3*time.Second {
			t.Fatalf("took %v to give up", el)
		}
	})

	t.Run("wrong password fails with an authentication error without the password", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t, serverOpts{})
		s.appendMsg("INBOX", testMsg(1))
		const wrong = "Tr0ub4dor&3-wrong"
		cfg := s.config()
		cfg.Password = wrong
		rec := &recorder{}
		p, logs := newPoller(t, cfg, rec.sink)
		n, err := pollOnce(t, p)
		if err == nil || n != 0 {
			t.Fatalf("PollOnce = %d, %v; want an error", n, err)
		}
		if !errors.Is(err, imappoll.ErrAuth) || !strings.Contains(strings.ToLower(err.Error()), "authentication") {
			t.Fatalf("error %q does not say authentication failed", err)
		}
		if !strings.Contains(err.Error(), testUser) {
			t.Errorf("error %q does not name the user", err)
		}
		for _, secret := range []string{wrong, testPass} {
			if strings.Contains(err.Error(), secret) || strings.Contains(logs.String(), secret) {
				t.Fatalf("password leaked: error %q, log %q", err, logs.String())
			}
		}
		if len(rec.callNums()) != 0 {
			t.Fatal("sink called without a login")
		}
	})

	t.Run("plain login refused by a server that wants TLS says so", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t, serverOpts{tls: "starttls"})
		cfg := s.config()
		cfg.TLS = "none"
		p, _ := newPoller(t, cfg, (&recorder{}).sink)
		_, err := pollOnce(t, p)
		if !errors.Is(err, imappoll.ErrAuth) || !strings.Contains(err.Error(), "TLS") {
			t.Fatalf("error = %v; want an authentication error mentioning TLS", err)
		}
	})

	for _, mode := range []string{"tls", "starttls"} {
		t.Run("works over "+mode, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, serverOpts{tls: mode})
			s.appendMsg("INBOX", testMsg(1))
			rec := &recorder{}
			p, _ := newPoller(t, s.config(), rec.sink)
			mustPoll(t, p, 1)
			if !bytes.Equal(rec.storedRaw(1), testMsg(1)) {
				t.Fatal("message not stored intact")
			}
			cfg := s.config()
			cfg.InsecureSkipVerify = false // self-signed: must be refused
			p2, _ := newPoller(t, cfg, rec.sink)
			if _, err := pollOnce(t, p2); err == nil || !strings.Contains(err.Error(), "certificate") {
				t.Fatalf("self-signed certificate accepted without InsecureSkipVerify: %v", err)
			}
		})
	}

	for _, mode := range []string{"tls", "starttls"} {
		t.Run("a private CA in CAFile is trusted over "+mode+", and the certificate must name the host", func(t *testing.T) {
			t.Parallel()
			ca, other := mailtest.NewCA(t), mailtest.NewCA(t)
			poll := func(cert *tls.Config, caFile string) (*recorder, error) {
				t.Helper()
				s := newTestServer(t, serverOpts{tls: mode, cert: cert})
				s.appendMsg("INBOX", testMsg(1))
				cfg := s.config()
				cfg.InsecureSkipVerify, cfg.CAFile = false, caFile
				rec := &recorder{}
				p, _ := newPoller(t, cfg, rec.sink)
				_, err := pollOnce(t, p)
				return rec, err
			}
			if rec, err := poll(serverTLS(t, ca, "127.0.0.1"), ca.File(t)); err != nil || !bytes.Equal(rec.storedRaw(1), testMsg(1)) {
				t.Fatalf("with the private CA: %v", err)
			}
			if _, err := poll(serverTLS(t, ca, "127.0.0.1"), other.File(t)); err == nil || !strings.Contains(err.Error(), "certificate") {
				t.Fatalf("signed by a CA not in ca_file: %v, want a certificate error", err)
			}
			if _, err := poll(serverTLS(t, ca, "imap.agency.test"), ca.File(t)); err == nil || !strings.Contains(err.Error(), "127.0.0.1") {
				t.Fatalf("certificate for another host name: %v, want a host name error", err)
			}
		})
	}

	t.Run("an unusable CAFile is a configuration error naming ca_file", func(t *testing.T) {
		t.Parallel()
		notPEM := filepath.Join(t.TempDir(), "ca.pem")
		os.WriteFile(notPEM, []byte("not a certificate"), 0o600)
		for file, want := range map[string]string{filepath.Join(t.TempDir(), "missing.pem"): "no such file", notPEM: "no PEM certificate"} {
			cfg := imappoll.Config{Addr: "imap.example.test", User: "u", CAFile: file}
			if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "ca_file") || !strings.Contains(err.Error(), want) {
				t.Errorf("Validate(ca_file %s) = %v, want %q", file, err, want)
			}
			p, _ := newPoller(t, cfg, (&recorder{}).sink)
			if _, err := pollOnce(t, p); err == nil || !strings.Contains(err.Error(), "ca_file") {
				t.Errorf("PollOnce with ca_file %s = %v", file, err)
			}
		}
	})

	t.Run("reuses one connection across polls and reconnects when it dies", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t, serverOpts{})
		rec := &recorder{}
		p, logs := newPoller(t, s.config(), rec.sink)
		mustPoll(t, p, 0)
		mustPoll(t, p, 0)
		if c := strings.Count(logs.String(), "imap connected"); c != 1 {
			t.Fatalf("connected %d times for two polls, want 1", c)
		}
		s.restart()
		s.appendMsg("INBOX", testMsg(1))
		mustPoll(t, p, 1)
		if c := strings.Count(logs.String(), "imap connected"); c != 2 {
			t.Fatalf("connected %d times, want 2 (one reconnect)", c)
		}
	})

	t.Run("an invalid configuration is reported", func(t *testing.T) {
		t.Parallel()
		cfg := imappoll.Config{Addr: "imap.example.test", TLS: "ssl", User: "u"}
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "tls") {
			t.Fatalf("Validate = %v, want a complaint about tls", err)
		}
		p, _ := newPoller(t, cfg, (&recorder{}).sink)
		if _, err := pollOnce(t, p); err == nil {
			t.Fatal("PollOnce accepted an invalid config")
		}
		if err := p.Run(context.Background()); err == nil {
			t.Fatal("Run accepted an invalid config")
		}
		same := imappoll.Config{Addr: "h", User: "u", Folder: "INBOX", DoneFolder: "inbox"}
		if err := same.Validate(); err == nil {
			t.Fatal("Validate accepted DoneFolder == Folder")
		}
		if err := (imappoll.Config{Addr: "imap.example.test", User: "u"}).Validate(); err != nil {
			t.Fatalf("Validate of a minimal config: %v", err)
		}
		for addr, ok := range map[string]bool{"imap.example.test:143": false, "10.1.2.3:143": false, "127.0.0.1:143": true, "[::1]:143": true, "localhost": true} {
			err := (imappoll.Config{Addr: addr, TLS: "none", User: "u"}).Validate()
			if (err == nil) != ok {
				t.Errorf("Validate(tls none, %s) = %v", addr, err)
			}
		}
		withPass := imappoll.Config{Addr: "h", User: "u", Password: "s3cr3t-pw"}
		if str := fmt.Sprintf("%v %+v %s", withPass, withPass, withPass); strings.Contains(str, "s3cr3t") {
			t.Errorf("Config printed its password: %s", str)
		}
		var logged bytes.Buffer
		slog.New(slog.NewTextHandler(&logged, nil)).Info("cfg", "imap", withPass)
		if strings.Contains(logged.String(), "s3cr3t") {
			t.Errorf("Config logged its password: %s", logged.String())
		}
	})

	t.Run("PollOnce after Close returns ErrClosed", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t, serverOpts{})
		p, _ := newPoller(t, s.config(), (&recorder{}).sink)
		mustPoll(t, p, 0)
		if err := p.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if _, err := pollOnce(t, p); !errors.Is(err, imappoll.ErrClosed) {
			t.Fatalf("PollOnce after Close = %v, want ErrClosed", err)
		}
	})
}

func TestRun(t *testing.T) {
	t.Run("keeps going after the server restarts", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t, serverOpts{})
		rec := &recorder{}
		p, _ := newPoller(t, s.config(), rec.sink)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		runErr := make(chan error, 1)
		go func() { runErr <- p.Run(ctx) }()

		// Delivery is at least once: a restart between the sink's nil and
		// the \Seen flag hands that message over again, as the real sink
		// (which deduplicates) allows. So count distinct messages.
		has := func(n int) func() bool {
			return func() bool { return slices.Contains(rec.storedNums(), n) }
		}
		s.appendMsg("INBOX", testMsg(1))
		waitFor(t, "message 1", 5*time.Second, has(1))

		s.restart() // every connection dropped, a new listener on the same address
		s.appendMsg("INBOX", testMsg(2))
		waitFor(t, "message 2 after the restart", 5*time.Second, has(2))

		// And once more with the server down for a few polls.
		addr := s.address()
		s.stop()
		time.Sleep(300 * time.Millisecond)
		s.start(addr)
		s.appendMsg("INBOX", testMsg(3))
		waitFor(t, "message 3 after an outage", 8*time.Second, has(3))

		got := rec.storedNums()
		slices.Sort(got)
		if got = slices.Compact(got); !slices.Equal(got, []int{1, 2, 3}) {
			t.Fatalf("stored %v, want [1 2 3]", got)
		}
		cancel()
		select {
		case err := <-runErr:
			if err != nil {
				t.Fatalf("Run returned %v after cancel, want nil", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return after cancel")
		}
	})

	t.Run("returns ErrClosed after Close", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t, serverOpts{})
		rec := &recorder{}
		p, _ := newPoller(t, s.config(), rec.sink)
		runErr := make(chan error, 1)
		go func() { runErr <- p.Run(context.Background()) }()
		s.appendMsg("INBOX", testMsg(1))
		waitFor(t, "message 1", 5*time.Second, func() bool { return len(rec.storedNums()) == 1 })
		p.Close()
		select {
		case err := <-runErr:
			if !errors.Is(err, imappoll.ErrClosed) {
				t.Fatalf("Run returned %v, want ErrClosed", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return after Close")
		}
	})
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
