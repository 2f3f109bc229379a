// Package imappoll fetches support mail from an IMAP mailbox, for teams whose
// support address lives at a hosted mail provider.
//
// A [Poller] logs in, selects a folder, and hands every unseen message, byte
// for byte as the server stores it, to a [Sink]. Only once the sink has
// returned nil is the message marked \Seen (or moved to Config.DoneFolder),
// so a crash or an error between fetch and store leaves the message to be
// fetched again: delivery is at least once, and the sink must recognise
// duplicates. Mail a person has already read (\Seen) is left alone unless
// Config.IncludeSeen says otherwise.
//
// Bodies are fetched with BODY.PEEK[], so fetching never sets \Seen by itself.
package imappoll

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Defaults applied by [New] to zero fields of [Config].
const (
	// DefaultFolder is the folder polled when Config.Folder is empty.
	DefaultFolder = "INBOX"
	// DefaultInterval is the time between polls when Config.Interval is zero.
	DefaultInterval = time.Minute
	// DefaultBatch is the most messages handled by one poll when Config.Batch is zero.
	DefaultBatch = 50
	// DefaultMaxBytes is the message size limit when Config.MaxBytes is zero.
	DefaultMaxBytes = 25 << 20
	// DefaultTimeout is the per-command inactivity limit when Config.Timeout is zero.
	DefaultTimeout = time.Minute
	// MaxBackoff caps the wait between polls after consecutive failures
	// (unless Config.Interval is longer still).
	MaxBackoff = 5 * time.Minute
)

// KeywordTooLarge is the IMAP keyword set on messages larger than twice
// Config.MaxBytes. Such messages are left on the server, never handed to the
// sink, and skipped by later polls.
const KeywordTooLarge = "$SlatrackTooLarge"

// ErrAuth is wrapped by the error PollOnce returns when the server rejects
// the configured user name or password. The error text names the user and
// the server's answer, never the password.
var ErrAuth = errors.New("imappoll: authentication failed")

// ErrClosed is returned by PollOnce and Run once Close has been called.
var ErrClosed = errors.New("imappoll: poller closed")

// Config is [mail.imap] from the configuration.
type Config struct {
	// Addr is host:port of the IMAP server. Without a port, 993 is used for
	// TLS "tls" and 143 otherwise.
	Addr string
	// TLS is "tls" (implicit TLS, port 993; the default when empty),
	// "starttls", or "none" (tests and loopback only: the password is sent
	// in clear, so Validate refuses "none" for any other host).
	TLS string
	// User is the login name.
	User string
	// Password is the login password (often an app password at hosted
	// providers).
	Password string
	// Folder is the mailbox polled; default "INBOX".
	Folder string
	// DoneFolder, if set, is where stored messages are moved (it is created
	// if missing). If empty, stored messages are flagged \Seen. Either way
	// only unseen messages are fetched, unless IncludeSeen.
	DoneFolder string
	// IncludeSeen fetches messages already flagged \Seen too (someone read
	// them in a mail client before slatrack got to them). Only with
	// DoneFolder: without it, stored mail is told apart by \Seen alone.
	IncludeSeen bool
	// Interval is the time between polls; default 1m.
	Interval time.Duration
	// Batch is the most messages one poll hands to the sink; default 50.
	Batch int
	// MaxBytes is the size the sink accepts; default 25 MiB. Messages up to
	// twice this size are still handed to the sink whole (it quarantines
	// them); larger ones are left on the server, flagged [KeywordTooLarge],
	// and logged as errors.
	MaxBytes int
	// Timeout is how long a command may wait for the server without any
	// progress before the connection is dropped; default 1m.
	Timeout time.Duration
	// CAFile is a PEM file of the certificate authorities trusted to sign
	// the server's certificate, instead of the system's (a private CA).
	// Either way the certificate must name the host of Addr (a DNS name, or
	// an IP address SAN when Addr is an address).
	CAFile string
	// InsecureSkipVerify disables TLS certificate checks. Tests only.
	InsecureSkipVerify bool
}

// String describes cfg without the password, so that printing a Config
// with %v or %+v cannot leak it.
func (cfg Config) String() string {
	c := cfg
	if c.Password != "" {
		c.Password = "[redacted]"
	}
	type plain Config // no String method: no recursion
	return fmt.Sprintf("%+v", plain(c))
}

// LogValue makes slog log cfg without the password.
func (cfg Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("addr", cfg.Addr),
		slog.String("tls", cfg.TLS),
		slog.String("user", cfg.User),
		slog.String("folder", cfg.Folder),
		slog.String("done_folder", cfg.DoneFolder),
		slog.Bool("include_seen", cfg.IncludeSeen),
		slog.String("ca_file", cfg.CAFile),
		slog.Duration("interval", cfg.Interval),
		slog.Int("batch", cfg.Batch),
		slog.Int("max_bytes", cfg.MaxBytes),
	)
}

// Validate reports whether cfg is usable, after defaults are applied. New
// accepts any Config; an invalid one makes PollOnce and Run fail with the
// error Validate returns, so call it at start-up to fail early.
func (cfg Config) Validate() error {
	_, err := cfg.normalize()
	return err
}

func (cfg Config) normalize() (Config, error) {
	cfg.TLS = strings.ToLower(strings.TrimSpace(cfg.TLS))
	if cfg.TLS == "" {
		cfg.TLS = "tls"
	}
	switch cfg.TLS {
	case "tls", "starttls", "none":
	default:
		return cfg, fmt.Errorf("imappoll: mail.imap tls = %q: want \"tls\", \"starttls\" or \"none\"", cfg.TLS)
	}
	cfg.Addr = strings.TrimSpace(cfg.Addr)
	if cfg.Addr == "" {
		return cfg, errors.New("imappoll: mail.imap addr is empty")
	}
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		port := "143"
		if cfg.TLS == "tls" {
			port = "993"
		}
		cfg.Addr = net.JoinHostPort(strings.Trim(cfg.Addr, "[]"), port)
		if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
			return cfg, fmt.Errorf("imappoll: mail.imap addr %q: %v", cfg.Addr, err)
		}
	}
	if cfg.TLS == "none" {
		host, _, _ := net.SplitHostPort(cfg.Addr)
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return cfg, fmt.Errorf("imappoll: mail.imap tls = \"none\" would send the password in clear to %s: it is for loopback addresses only", host)
		}
	}
	if cfg.User == "" {
		return cfg, errors.New("imappoll: mail.imap user is empty")
	}
	if cfg.Folder == "" {
		cfg.Folder = DefaultFolder
	}
	if cfg.DoneFolder != "" && strings.EqualFold(cfg.DoneFolder, cfg.Folder) {
		return cfg, fmt.Errorf("imappoll: mail.imap done_folder %q is the polled folder", cfg.DoneFolder)
	}
	if cfg.IncludeSeen && cfg.DoneFolder == "" {
		return cfg, errors.New("imappoll: mail.imap include_seen needs done_folder: without it, mail already read would be fetched again at every poll")
	}
	if cfg.CAFile != "" {
		if _, err := loadCAFile(cfg.CAFile); err != nil {
			return cfg, err
		}
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultBatch
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	return cfg, nil
}

// loadCAFile reads the PEM certificates of Config.CAFile.
func loadCAFile(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("imappoll: mail.imap ca_file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("imappoll: mail.imap ca_file %q holds no PEM certificate", path)
	}
	return pool, nil
}

// Sink stores one raw RFC 822 message. It returns nil only once the message
// is safely stored (or recognised as a duplicate / quarantined — also
// "stored"). A non-nil error means: leave the message on the server untouched
// so it is tried again next poll.
type Sink func(ctx context.Context, raw []byte) error

// SinkError is how PollOnce reports that the sink refused a message; the
// message was left unseen on the server and will be offered again.
type SinkError struct {
	// UID is the message's IMAP UID in the polled folder.
	UID uint32
	// Err is what the sink returned.
	Err error
}

// Error implements error.
func (e *SinkError) Error() string {
	return fmt.Sprintf("imappoll: sink refused message UID %d: %v", e.UID, e.Err)
}

// Unwrap returns the sink's error.
func (e *SinkError) Unwrap() error { return e.Err }

// Poller polls one IMAP folder. Its methods are safe for concurrent use;
// polls are serialised.
type Poller struct {
	cfg    Config
	cfgErr error
	roots  *x509.CertPool // from CAFile; nil: the system's
	sink   Sink
	log    *slog.Logger

	pollMu sync.Mutex // held for a whole poll
	// Guarded by pollMu.
	uidValidity uint32
	tooLarge    map[imap.UID]struct{} // UIDs skipped in this UIDVALIDITY epoch

	mu     sync.Mutex
	c      *imapclient.Client // nil when not connected
	closed bool
	done   chan struct{} // closed by Close
}

// New returns a Poller for cfg that hands messages to sink and logs to log
// (nil discards). Zero fields of cfg take their defaults; see
// [Config.Validate] for what makes a Config invalid.
func New(cfg Config, sink Sink, log *slog.Logger) *Poller {
	ncfg, err := cfg.normalize()
	if err == nil && sink == nil {
		err = errors.New("imappoll: nil sink")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var roots *x509.CertPool
	if err == nil && ncfg.CAFile != "" {
		roots, err = loadCAFile(ncfg.CAFile)
	}
	return &Poller{
		cfg:      ncfg,
		cfgErr:   err,
		roots:    roots,
		sink:     sink,
		log:      log.With("imap_addr", ncfg.Addr, "imap_user", ncfg.User, "imap_folder", ncfg.Folder),
		tooLarge: make(map[imap.UID]struct{}),
		done:     make(chan struct{}),
	}
}

// PollOnce connects (or reuses a connection), selects the folder, fetches
// UNSEEN messages (UID SEARCH UNSEEN; every message with IncludeSeen),
// in UID order, up to Batch, reading each full body (BODY.PEEK[] so fetching
// does not set \Seen), hands it to the sink, and ONLY after the sink returns
// nil marks it \Seen (or moves it to DoneFolder). Returns how many were stored
// and the first error. A sink error for one message must not stop the others,
// but that message stays unseen.
//
// Messages flagged \Deleted or [KeywordTooLarge] are never fetched. A sink
// refusal is reported as a *[SinkError]; a rejected login wraps [ErrAuth].
// After a connection error the connection is dropped and the next call dials
// afresh.
func (p *Poller) PollOnce(ctx context.Context) (stored int, err error) {
	if p.cfgErr != nil {
		return 0, p.cfgErr
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	p.pollMu.Lock()
	defer p.pollMu.Unlock()

	c, reused, err := p.client(ctx)
	if err != nil {
		return 0, err
	}
	w := p.watch(ctx, c)
	uids, err := p.selectAndSearch(c, w)
	if err != nil && reused && !isIMAPStatus(err) && ctx.Err() == nil {
		// The kept connection went stale between polls: dial once more.
		w.stop()
		p.drop(c)
		p.log.Debug("imap connection lost between polls; reconnecting", "err", err)
		if c, _, err = p.client(ctx); err != nil {
			return 0, err
		}
		w = p.watch(ctx, c)
		uids, err = p.selectAndSearch(c, w)
	}
	defer w.stop()
	if err != nil {
		if !isIMAPStatus(err) {
			p.drop(c)
		}
		return 0, err
	}

	stored, broken, err := p.handle(ctx, c, w, uids)
	if broken {
		p.drop(c)
	}
	if stored > 0 {
		p.log.Info("imap messages stored", "count", stored)
	}
	return stored, err
}

// watch returns a watchdog that closes c.
func (p *Poller) watch(ctx context.Context, c *imapclient.Client) *watchdog {
	return newWatchdog(ctx, p.cfg.Timeout, func() { c.Close() })
}

// Run polls every Interval until ctx is done, logging errors with backoff
// (reconnect on connection loss, exponential backoff capped at 5 min), never
// exiting on a transient error.
//
// After a failed poll the next one waits Interval, then twice that, and so on
// up to [MaxBackoff]; a successful poll resets the wait. Sink refusals are
// not failures: the refused message is offered again after Interval. Run
// returns nil once ctx is done, [ErrClosed] once Close is called, and the
// configuration error at once if the Config is invalid.
func (p *Poller) Run(ctx context.Context) error {
	if p.cfgErr != nil {
		return p.cfgErr
	}
	failures := 0
	for {
		_, err := p.PollOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, ErrClosed) {
			return ErrClosed
		}
		var sinkErr *SinkError
		switch {
		case err == nil, errors.As(err, &sinkErr):
			// Sink refusals were logged message by message.
			failures = 0
		default:
			failures++
		}
		delay := backoff(p.cfg.Interval, failures)
		if failures > 0 {
			p.log.Error("imap poll failed", "err", err, "failures", failures, "retry_in", delay)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-p.done:
			t.Stop()
			return ErrClosed
		case <-t.C:
		}
	}
}

// backoff is the wait before the next poll after failures consecutive
// failed polls.
func backoff(interval time.Duration, failures int) time.Duration {
	limit := max(MaxBackoff, interval)
	d := interval
	for i := 1; i < failures && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// Close logs out and closes the connection, interrupting a poll in progress,
// and makes Run return. Later calls to PollOnce return [ErrClosed].
func (p *Poller) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	close(p.done)
	c := p.c
	p.c = nil
	p.mu.Unlock()
	if c == nil {
		return nil
	}
	if p.pollMu.TryLock() {
		// No poll in progress: say goodbye politely, briefly.
		done := make(chan struct{})
		go func() {
			c.Logout().Wait()
			close(done)
		}()
		t := time.NewTimer(2 * time.Second)
		select {
		case <-done:
		case <-t.C:
		}
		t.Stop()
		p.pollMu.Unlock()
	}
	c.Close()
	return nil
}

// client returns the kept connection, or dials a new one.
func (p *Poller) client(ctx context.Context) (c *imapclient.Client, reused bool, err error) {
	p.mu.Lock()
	c, closed := p.c, p.closed
	p.mu.Unlock()
	if closed {
		return nil, false, ErrClosed
	}
	if c != nil {
		select {
		case <-c.Closed():
			p.drop(c)
		default:
			return c, true, nil
		}
	}
	c, err = p.connect(ctx)
	if err != nil {
		return nil, false, err
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		c.Close()
		return nil, false, ErrClosed
	}
	p.c = c
	p.mu.Unlock()
	return c, false, nil
}

// drop forgets and closes c.
func (p *Poller) drop(c *imapclient.Client) {
	p.mu.Lock()
	if p.c == c {
		p.c = nil
	}
	p.mu.Unlock()
	c.Close()
}

// connect dials, logs in and, in DoneFolder mode, makes sure DoneFolder exists.
func (p *Poller) connect(ctx context.Context) (*imapclient.Client, error) {
	host, _, _ := net.SplitHostPort(p.cfg.Addr)
	tlsCfg := &tls.Config{
		ServerName:         host, // the certificate must name it
		RootCAs:            p.roots,
		InsecureSkipVerify: p.cfg.InsecureSkipVerify,
		MinVersion:         tls.VersionTLS12,
	}
	opts := &imapclient.Options{TLSConfig: tlsCfg}

	dctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	nd := &net.Dialer{KeepAlive: 30 * time.Second}
	var conn net.Conn
	var err error
	if p.cfg.TLS == "tls" {
		tlsCfg.NextProtos = []string{"imap"}
		conn, err = (&tls.Dialer{NetDialer: nd, Config: tlsCfg}).DialContext(dctx, "tcp", p.cfg.Addr)
	} else {
		conn, err = nd.DialContext(dctx, "tcp", p.cfg.Addr)
	}
	if err != nil {
		return nil, fmt.Errorf("imappoll: connect to %s: %w", p.cfg.Addr, err)
	}

	var c *imapclient.Client
	w := newWatchdog(ctx, p.cfg.Timeout, func() { conn.Close() })
	defer w.stop()
	if p.cfg.TLS == "starttls" {
		c, err = imapclient.NewStartTLS(conn, opts)
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("imappoll: STARTTLS with %s: %w", p.cfg.Addr, w.explain(err))
		}
	} else {
		c = imapclient.New(conn, opts)
		if err := c.WaitGreeting(); err != nil {
			c.Close()
			return nil, fmt.Errorf("imappoll: greeting from %s: %w", p.cfg.Addr, w.explain(err))
		}
	}

	if err := p.login(c, w); err != nil {
		c.Close()
		return nil, err
	}
	if p.cfg.DoneFolder != "" {
		w.kick()
		if err := p.ensureDoneFolder(c, w); err != nil {
			c.Close()
			return nil, err
		}
	}
	p.log.Debug("imap connected", "tls", p.cfg.TLS)
	return c, nil
}

func (p *Poller) login(c *imapclient.Client, w *watchdog) error {
	if c.State() == imap.ConnStateAuthenticated { // PREAUTH greeting
		return nil
	}
	w.kick()
	err := c.Login(p.cfg.User, p.cfg.Password).Wait()
	if err == nil {
		return nil
	}
	var st *imap.Error
	if !errors.As(err, &st) {
		return fmt.Errorf("imappoll: login to %s: %w", p.cfg.Addr, w.explain(err))
	}
	hint := ""
	if st.Code == imap.ResponseCodePrivacyRequired {
		hint = ` (the server wants TLS: set tls = "tls" or "starttls")`
	}
	// Build a fresh error rather than wrap st: the server's text is
	// echoed, and must never carry the password.
	return fmt.Errorf("%w for user %q at %s: server said %s%s",
		ErrAuth, p.cfg.User, p.cfg.Addr, p.redact(st.Error()), hint)
}

// redact removes the password from s, in case a server echoes it.
func (p *Poller) redact(s string) string {
	if len(p.cfg.Password) >= 3 {
		s = strings.ReplaceAll(s, p.cfg.Password, "[redacted]")
	}
	return s
}

func (p *Poller) ensureDoneFolder(c *imapclient.Client, w *watchdog) error {
	list, err := c.List("", p.cfg.DoneFolder, nil).Collect()
	if err != nil {
		return fmt.Errorf("imappoll: list folder %q: %w", p.cfg.DoneFolder, w.explain(err))
	}
	for _, m := range list {
		if m.Mailbox == p.cfg.DoneFolder {
			return nil
		}
	}
	w.kick()
	err = c.Create(p.cfg.DoneFolder, nil).Wait()
	var st *imap.Error
	if errors.As(err, &st) && st.Code == imap.ResponseCodeAlreadyExists {
		return nil
	}
	if err != nil {
		return fmt.Errorf("imappoll: create folder %q: %w", p.cfg.DoneFolder, w.explain(err))
	}
	p.log.Info("imap done folder created", "imap_done_folder", p.cfg.DoneFolder)
	// Some mail clients show only subscribed folders.
	w.kick()
	if err := c.Subscribe(p.cfg.DoneFolder).Wait(); err != nil {
		p.log.Debug("imap could not subscribe to the done folder", "err", w.explain(err))
	}
	return nil
}

// selectAndSearch selects the folder and returns the UIDs to handle this
// poll, lowest first, at most Batch.
func (p *Poller) selectAndSearch(c *imapclient.Client, w *watchdog) ([]imap.UID, error) {
	w.kick()
	sel, err := c.Select(p.cfg.Folder, nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("imappoll: select folder %q: %w", p.cfg.Folder, w.explain(err))
	}
	if sel.UIDValidity != p.uidValidity {
		p.uidValidity = sel.UIDValidity
		clear(p.tooLarge)
	}
	if sel.NumMessages == 0 {
		return nil, nil
	}
	criteria := &imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagDeleted, KeywordTooLarge}}
	if !p.cfg.IncludeSeen {
		criteria.NotFlag = append(criteria.NotFlag, imap.FlagSeen)
	}
	w.kick()
	data, err := c.UIDSearch(criteria, nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("imappoll: search folder %q: %w", p.cfg.Folder, w.explain(err))
	}
	return lowestUIDs(data.All, p.cfg.Batch, p.tooLarge)
}

// lowestUIDs returns up to n UIDs of set, lowest first, leaving out skip.
// Unlike imap.SearchData.AllUIDs it does not panic on a server's dynamic set
// nor expand a huge range whole.
func lowestUIDs(set imap.NumSet, n int, skip map[imap.UID]struct{}) ([]imap.UID, error) {
	if set == nil {
		return nil, nil
	}
	uidSet, ok := set.(imap.UIDSet)
	if !ok {
		return nil, fmt.Errorf("imappoll: server answered UID SEARCH with %T", set)
	}
	ranges := make([]imap.UIDRange, 0, len(uidSet))
	for _, r := range uidSet {
		if r.Start == 0 || r.Stop == 0 {
			return nil, errors.New("imappoll: server answered UID SEARCH with a dynamic set")
		}
		if r.Start > r.Stop {
			r.Start, r.Stop = r.Stop, r.Start
		}
		ranges = append(ranges, r)
	}
	slices.SortFunc(ranges, func(a, b imap.UIDRange) int { return cmp.Compare(a.Start, b.Start) })
	var out []imap.UID
	var last imap.UID
	for _, r := range ranges {
		start := r.Start
		if start <= last {
			if r.Stop <= last {
				continue
			}
			start = last + 1
		}
		for u := start; len(out) < n; u++ {
			if _, skipped := skip[u]; !skipped {
				out = append(out, u)
			}
			last = u
			if u == r.Stop {
				break
			}
		}
		if len(out) >= n {
			break
		}
	}
	return out, nil
}

// handle fetches, stores and marks the messages uids. broken reports that the
// connection can no longer be trusted.
func (p *Poller) handle(ctx context.Context, c *imapclient.Client, w *watchdog, uids []imap.UID) (stored int, broken bool, firstErr error) {
	if len(uids) == 0 {
		return 0, false, nil
	}
	note := func(err error) {
		if firstErr == nil {
			firstErr = err
		}
	}

	// Sizes first, so that nothing huge is downloaded.
	w.kick()
	bufs, err := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, RFC822Size: true}).Collect()
	if err != nil {
		err = fmt.Errorf("imappoll: fetch sizes: %w", w.explain(err))
		return 0, !isIMAPStatus(err), err
	}
	sizes := make(map[imap.UID]int64, len(bufs))
	for _, b := range bufs {
		if b.UID != 0 {
			sizes[b.UID] = b.RFC822Size
		}
	}

	limit := 2 * int64(p.cfg.MaxBytes)
	for _, uid := range uids {
		if err := ctx.Err(); err != nil {
			note(err)
			break
		}
		size, ok := sizes[uid]
		if !ok {
			continue // expunged meanwhile
		}
		log := p.log.With("uid", uint32(uid))
		if size > limit {
			p.markTooLarge(c, w, log, uid, size)
			continue
		}

		w.kick()
		raw, err := p.fetchBody(ctx, c, w, uid, limit)
		var tl tooLargeError
		if errors.As(err, &tl) {
			p.markTooLarge(c, w, log, uid, tl.size)
			continue
		}
		if err != nil {
			err = fmt.Errorf("imappoll: fetch message UID %d: %w", uid, w.explain(err))
			note(err)
			if !isIMAPStatus(err) {
				return stored, true, firstErr
			}
			log.Error("imap fetch failed", "err", err)
			continue
		}
		if raw == nil {
			continue // expunged meanwhile
		}
		if len(raw) == 0 && size > 0 {
			// Storing nothing and marking the message done would lose it.
			err := fmt.Errorf("imappoll: server sent an empty body for message UID %d of %d bytes; left on server", uid, size)
			log.Error("imap fetch failed", "err", err)
			note(err)
			continue
		}

		w.pause()
		err = p.sink(ctx, raw)
		w.kick()
		if err != nil {
			log.Warn("imap message left on server: sink refused it", "err", err, "size", len(raw))
			note(&SinkError{UID: uint32(uid), Err: err})
			continue
		}
		stored++

		if err := p.markStored(c, uid); err != nil {
			err = fmt.Errorf("imappoll: message UID %d stored but not marked done (it will be offered again): %w", uid, w.explain(err))
			log.Error("imap mark failed", "err", err)
			note(err)
			if !isIMAPStatus(err) {
				return stored, true, firstErr
			}
			continue
		}
		log.Debug("imap message stored", "size", len(raw))
	}
	return stored, false, firstErr
}

type tooLargeError struct{ size int64 }

func (e tooLargeError) Error() string { return fmt.Sprintf("message of %d bytes is too large", e.size) }

// markTooLarge logs the message, flags it KeywordTooLarge and remembers to
// skip it.
func (p *Poller) markTooLarge(c *imapclient.Client, w *watchdog, log *slog.Logger, uid imap.UID, size int64) {
	p.tooLarge[uid] = struct{}{}
	log.Error("imap message too large: left on server, flagged "+KeywordTooLarge,
		"size", size, "limit", 2*int64(p.cfg.MaxBytes))
	w.kick()
	err := c.Store(imap.UIDSetNum(uid), &imap.StoreFlags{
		Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{KeywordTooLarge},
	}, nil).Close()
	if err != nil {
		log.Warn("imap could not flag message "+KeywordTooLarge+"; skipping it until reconnect to a new UIDVALIDITY", "err", w.explain(err))
	}
}

// fetchBody returns the whole message uid, nil if it is gone, or a
// tooLargeError if it is bigger than limit.
func (p *Poller) fetchBody(ctx context.Context, c *imapclient.Client, w *watchdog, uid imap.UID, limit int64) ([]byte, error) {
	cmd := c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{
		UID:         true,
		BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	})
	var raw []byte
	var readErr error
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		var msgUID imap.UID
		var body []byte
		var got bool
		for item := msg.Next(); item != nil; item = msg.Next() {
			switch item := item.(type) {
			case imapclient.FetchItemDataUID:
				msgUID = item.UID
			case imapclient.FetchItemDataBodySection:
				if got || readErr != nil {
					continue
				}
				got = true
				if item.Literal == nil { // NIL: an empty message
					body = []byte{}
					continue
				}
				n := item.Literal.Size()
				if n > limit {
					readErr = tooLargeError{n}
					continue
				}
				body = make([]byte, n)
				if _, err := io.ReadFull(progressReader{item.Literal, w, ctx}, body); err != nil {
					readErr = err
					body = nil
				}
			}
		}
		if got && (msgUID == 0 || msgUID == uid) {
			raw = body
		}
	}
	if err := cmd.Close(); err != nil {
		return nil, err
	}
	if readErr != nil {
		return nil, readErr
	}
	return raw, nil
}

// markStored flags uid \Seen, or moves it to DoneFolder.
func (p *Poller) markStored(c *imapclient.Client, uid imap.UID) error {
	set := imap.UIDSetNum(uid)
	if p.cfg.DoneFolder == "" {
		return c.Store(set, &imap.StoreFlags{
			Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen},
		}, nil).Close()
	}
	caps := c.Caps()
	if caps.Has(imap.CapMove) {
		_, err := c.Move(set, p.cfg.DoneFolder).Wait()
		return err
	}
	// No MOVE. imapclient's own fallback pipelines COPY, STORE \Deleted and
	// EXPUNGE without waiting for COPY's answer, and without UIDPLUS expunges
	// every \Deleted message: a failed COPY would lose mail. Do it in steps.
	if _, err := c.Copy(set, p.cfg.DoneFolder).Wait(); err != nil {
		return err
	}
	if err := c.Store(set, &imap.StoreFlags{
		Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen, imap.FlagDeleted},
	}, nil).Close(); err != nil {
		return err
	}
	if caps.Has(imap.CapUIDPlus) {
		return c.UIDExpunge(set).Close()
	}
	// Without UIDPLUS, EXPUNGE would also remove messages someone else
	// marked \Deleted; leave ours flagged (later polls skip \Deleted).
	return nil
}

// isIMAPStatus reports whether err is the server's NO or BAD answer to one
// command, after which the connection is still usable.
func isIMAPStatus(err error) bool {
	var st *imap.Error
	return errors.As(err, &st)
}

// progressReader reads a literal, telling the watchdog of progress and
// stopping when ctx is done.
type progressReader struct {
	r   io.Reader
	w   *watchdog
	ctx context.Context
}

func (r progressReader) Read(b []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := r.r.Read(b)
	if n > 0 {
		r.w.kick()
	}
	return n, err
}

// shutdownGrace is how long a command may still run once the poll's context
// is done, so that a message already stored can still be marked.
const shutdownGrace = 5 * time.Second

// watchdog closes a connection when the server makes no progress for d, or
// shortly after ctx is done. imapclient bounds only the reading of a
// response once it has started, not the wait for it.
type watchdog struct {
	d       time.Duration
	t       *time.Timer
	stopCtx func() bool
	fired   atomic.Bool
	ctxDone atomic.Bool
	ctx     context.Context
}

func newWatchdog(ctx context.Context, d time.Duration, closeConn func()) *watchdog {
	w := &watchdog{d: d, ctx: ctx}
	w.t = time.AfterFunc(d, func() {
		w.fired.Store(true)
		closeConn()
	})
	w.stopCtx = context.AfterFunc(ctx, func() {
		w.ctxDone.Store(true)
		w.t.Reset(min(d, shutdownGrace))
	})
	return w
}

// kick restarts the countdown.
func (w *watchdog) kick() {
	d := w.d
	if w.ctxDone.Load() {
		d = min(d, shutdownGrace)
	}
	w.t.Reset(d)
}

// pause stops the countdown while the sink runs.
func (w *watchdog) pause() { w.t.Stop() }

// stop disarms the watchdog for good.
func (w *watchdog) stop() {
	w.t.Stop()
	w.stopCtx()
}

// explain turns the connection error caused by the watchdog into a clear one.
func (w *watchdog) explain(err error) error {
	if err == nil || !w.fired.Load() {
		return err
	}
	if w.ctxDone.Load() {
		return fmt.Errorf("interrupted (%w): %v", w.ctx.Err(), err)
	}
	return fmt.Errorf("no progress from the server for %v, connection dropped (%v)", w.d, err)
}
