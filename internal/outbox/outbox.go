// Package outbox sends what slatrack queues (acknowledgements, replies,
// notifications by mail; webhook POSTs), each row on its delivery channel.
// Rows are written to the outbox table in the same transaction as the
// change that caused them; a Sender claims batches of the channels it has a
// Channel for (see Register) with a short lease, renewed while the batch is
// being sent (so several instances never send a row twice, and a crashed
// instance's rows are claimed again within a minute), hands each row to its
// channel (mail goes over one relay connection per batch), and records the
// outcome: sent, retried later with exponential backoff after a temporary
// failure, or given up after a permanent one. Rows claimed but not tried
// when the Sender is stopped are given back at once.
package outbox

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/slatrack/slatrack/internal/desk"
)

// Queue is the outbox table, claimed safely across instances (SELECT … FOR
// UPDATE SKIP LOCKED on PostgreSQL). The store implements it.
type Queue interface {
	// ClaimOutbox leases up to limit queued rows of the given channels
	// whose NextAttemptAt <= now and whose lease is free or expired, sets
	// LeaseUntil = now+lease, a LeaseToken naming this claim, and
	// increments Attempts, and returns them: every other kind before
	// acknowledgements, then oldest first. No channels claims every
	// channel (a Sender always names the ones it has).
	ClaimOutbox(ctx context.Context, now time.Time, limit int, lease time.Duration, channels []string) ([]*desk.OutboxMail, error)
	// RenewOutboxLeases sets LeaseUntil = until on the claimed mails whose
	// lease this claim (ID and LeaseToken) still holds, and returns their
	// IDs.
	RenewOutboxLeases(ctx context.Context, claims []*desk.OutboxMail, until time.Time) ([]uint64, error)
	// ReleaseOutbox clears the lease of claimed mails not tried, where this
	// claim still holds it, and uncounts the attempt: they are claimable
	// again at once.
	ReleaseOutbox(ctx context.Context, claims []*desk.OutboxMail) error
	// MarkOutboxSent records that the mail went out.
	MarkOutboxSent(ctx context.Context, id uint64, at time.Time) error
	// MarkOutboxFailed records an error; with final=false the mail is
	// retried at next; with final=true it is given up (status failed).
	MarkOutboxFailed(ctx context.Context, id uint64, errMsg string, next time.Time, final bool) error
}

// TLS modes for RelayConfig.TLS.
const (
	TLSStartTLS = "starttls" // plain connection upgraded with STARTTLS, which the relay must offer
	TLSImplicit = "tls"      // TLS from the first byte (port 465)
	TLSNone     = "none"     // plaintext; for a relay on loopback or a trusted network
)

// Defaults for a Sender.
const (
	DefaultMaxAttempts = 20
	DefaultBatchSize   = 25
	// DefaultLease is short so that a crashed instance's mail is claimed
	// again soon (by another instance, or by this one restarted): within
	// DefaultLease plus the send interval, under a minute by default.
	DefaultLease    = 45 * time.Second
	DefaultInterval = 5 * time.Second
	DefaultTimeout  = 30 * time.Second
)

// RelayConfig says how to reach the relay.
type RelayConfig struct {
	// Host and Port of the relay. Host "" means no relay is configured:
	// the Sender logs that once and sends nothing (mail stays queued).
	Host string
	Port int // default 587, or 465 with TLS "tls"
	// TLS is TLSStartTLS (the default, and required: a relay that does not
	// offer STARTTLS is an error), TLSImplicit or TLSNone.
	TLS string
	// Username and Password, when Username is set, authenticate with AUTH
	// PLAIN, which is only done over TLS unless Host is loopback.
	Username, Password string
	// HeloName is the name given in EHLO (default "localhost"). With
	// STARTTLS, go-smtp's client says "localhost" in the EHLO before
	// TLS whatever this is; HeloName is used for the EHLO after it.
	HeloName string
	// RootCAs are the CAs that may sign the relay's certificate (from
	// mail.relay.ca_file); nil means the system's roots. With TLS or
	// STARTTLS the certificate must be valid and name Host (a DNS name, or
	// an IP address SAN when Host is an IP): there is no way to turn that
	// off outside tests.
	RootCAs *x509.CertPool
	// InsecureSkipVerify skips checking the relay's certificate (tests
	// only).
	InsecureSkipVerify bool
	// Timeout bounds connecting (TCP, TLS, greeting, EHLO, AUTH) and each
	// command; the reply to the end of a message may take four times as
	// long. Default 30 s.
	Timeout time.Duration
}

func (r RelayConfig) addr() string {
	port := r.Port
	if port == 0 {
		port = 587
		if r.TLS == TLSImplicit {
			port = 465
		}
	}
	return net.JoinHostPort(r.Host, strconv.Itoa(port))
}

func (r RelayConfig) timeout() time.Duration {
	if r.Timeout > 0 {
		return r.Timeout
	}
	return DefaultTimeout
}

// Sender sends queued rows through the Channel registered for their
// channel. Make one with NewSender; the exported fields may be changed, and
// more channels registered, before the first RunOnce.
type Sender struct {
	// Now is the clock (default time.Now).
	Now func() time.Time
	// MaxAttempts is how many temporary failures a mail gets before it is
	// given up (default DefaultMaxAttempts).
	MaxAttempts int
	// BatchSize is how many mails one RunOnce claims (default
	// DefaultBatchSize).
	BatchSize int
	// Lease is how long a claimed mail is ours without news from us
	// (default DefaultLease). While a batch is being sent its leases are
	// renewed every RenewEvery; a mail whose lease ran out all the same
	// (the database did not answer) is left for the next claim.
	Lease time.Duration
	// RenewEvery is how often the leases of a batch in progress are
	// renewed (default a third of Lease).
	RenewEvery time.Duration

	q     Queue
	relay RelayConfig
	log   *slog.Logger

	mu       sync.RWMutex
	channels map[string]OpenFunc
}

// NewSender makes a Sender taking rows from q, with the built-in channels
// registered: webhooks always, mail when relay has a Host (without one,
// mail stays queued, and that is logged). A nil log means slog.Default().
func NewSender(q Queue, relay RelayConfig, log *slog.Logger) *Sender {
	if log == nil {
		log = slog.Default()
	}
	switch relay.TLS {
	case "":
		relay.TLS = TLSStartTLS
	case TLSStartTLS, TLSImplicit, TLSNone:
	default:
		log.Error("outbox: unknown relay TLS mode; every send will fail", "tls", relay.TLS)
	}
	s := &Sender{
		Now:         time.Now,
		MaxAttempts: DefaultMaxAttempts,
		BatchSize:   DefaultBatchSize,
		Lease:       DefaultLease,
		q:           q,
		relay:       relay,
		log:         log,
		channels:    map[string]OpenFunc{},
	}
	s.Register(desk.DeliveryWebhook, openWebhook)
	if relay.Host != "" {
		s.Register(desk.DeliveryMail, s.openMail)
	} else {
		log.Warn("outbox: no relay configured; outgoing mail stays queued")
	}
	return s
}

// Backoff is the delay before attempt n+1 after attempt n failed
// temporarily: 30 s, 1 min, 2 min, 4 min … doubling, capped at 1 h.
func Backoff(attempt int) time.Duration {
	const first, max = 30 * time.Second, time.Hour
	if attempt <= 1 {
		return first
	}
	if attempt > 8 { // 30s<<7 = 64 min: already past the cap
		return max
	}
	return min(first<<(attempt-1), max)
}

// Run calls RunOnce every interval (default 5 s; at once again after a full
// batch) until ctx is done, and then returns nil. Failures are logged.
func (s *Sender) Run(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		interval = DefaultInterval
	}
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		n, err := s.RunOnce(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.Error("outbox: run failed", "err", err)
			t.Reset(interval)
		case err == nil && n > 0 && n >= s.batchSize():
			t.Reset(0) // more may be waiting
		default:
			t.Reset(interval)
		}
	}
}

func (s *Sender) batchSize() int {
	if s.BatchSize > 0 {
		return s.BatchSize
	}
	return DefaultBatchSize
}

func (s *Sender) lease() time.Duration {
	if s.Lease > 0 {
		return s.Lease
	}
	return DefaultLease
}

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// RunOnce claims a batch of the registered channels' rows and hands each
// to its channel (mail goes over one relay connection, reconnecting if the
// relay drops it, or after it refused a mail), marking each sent or failed,
// and gives back the rows it did not get to when ctx ends. It returns how
// many were sent, and an error only when claiming or recording failed
// (sending problems are recorded on the rows).
func (s *Sender) RunOnce(ctx context.Context) (sent int, err error) {
	channels := s.channelNames()
	if len(channels) == 0 {
		return 0, nil
	}
	mails, err := s.q.ClaimOutbox(ctx, s.now(), s.batchSize(), s.lease(), channels)
	if err != nil {
		return 0, fmt.Errorf("outbox: claim: %w", err)
	}
	if len(mails) == 0 {
		return 0, nil
	}
	held := s.hold(ctx, mails)
	defer held.release()

	open := map[string]Channel{} // this batch's, closed before the rest is released
	defer func() {
		for _, ch := range open {
			ch.Close()
		}
	}()
	for _, m := range mails {
		if ctx.Err() != nil {
			break // released: the next claim sends them at once
		}
		if !held.ours(m.ID) {
			s.log.Warn("outbox: lease ran out before sending; left for the next claim", "id", m.ID)
			continue
		}
		name := channelOf(m)
		ch := open[name]
		if ch == nil {
			o := s.opener(name)
			if o == nil { // the queue ignored the channels asked for
				s.log.Warn("outbox: claimed a row of a channel this sender does not send; given back", "id", m.ID, "channel", name)
				continue
			}
			ch = o(ctx)
			open[name] = ch
		}
		sendErr := ch.Send(ctx, m)
		held.done(m.ID) // whatever happens next, m was tried: never released
		if err := s.record(ctx, m, sendErr); err != nil {
			return sent, err
		}
		if sendErr == nil {
			sent++
		}
	}
	return sent, nil
}

// record writes how sending m went (sendErr nil: sent) to the queue. It
// uses a context that outlives ctx's cancellation (briefly), so a row that
// did go out is not sent again because we were stopped just after.
func (s *Sender) record(ctx context.Context, m *desk.OutboxMail, sendErr error) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	now := s.now()
	name := channelOf(m)
	log := s.log.With("id", m.ID, "channel", name, "kind", m.Kind, "attempt", m.Attempts)
	if name == desk.DeliveryMail {
		log = log.With("to", m.To) // never Target: it may be a secret (a webhook URL)
	}
	if sendErr == nil {
		log.Info("outbox: sent")
		if err := s.q.MarkOutboxSent(rctx, m.ID, now); err != nil {
			return fmt.Errorf("outbox: mark %d sent: %w", m.ID, err)
		}
		return nil
	}
	maxAttempts := s.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = DefaultMaxAttempts
	}
	permanent := isPermanentFailure(sendErr)
	final := permanent || m.Attempts >= maxAttempts
	next := now.Add(Backoff(m.Attempts))
	msg := errorText(sendErr)
	// A row given up keeps why, in words, for the ticket page.
	switch {
	case permanent:
		msg = oneLine(refusalWords(sendErr) + msg)
		log.Warn("outbox: refused for good; giving up", "err", msg)
	case final:
		msg = oneLine(fmt.Sprintf("gave up after %d attempts; the last failed with: %s", m.Attempts, msg))
		log.Warn("outbox: too many attempts; giving up", "err", msg)
	default:
		log.Info("outbox: will retry", "err", msg, "next", next)
	}
	if err := s.q.MarkOutboxFailed(rctx, m.ID, msg, next, final); err != nil {
		return fmt.Errorf("outbox: mark %d failed: %w", m.ID, err)
	}
	return nil
}

// errorText is err as LastError shows it: one line, bounded.
func errorText(err error) string {
	if pe, ok := err.(*permanentError); ok {
		err = pe.err
	}
	var msg string
	if se, ok := err.(*smtp.SMTPError); ok {
		msg = smtpErrorText(se)
	} else {
		msg = err.Error()
	}
	return oneLine(msg)
}

// oneLine is msg on one line, at most 1000 bytes of whole characters.
func oneLine(msg string) string {
	msg = strings.Join(strings.Fields(msg), " ")
	if len(msg) > 1000 {
		msg = strings.ToValidUTF8(msg[:1000], "")
	}
	return msg
}

func smtpErrorText(se *smtp.SMTPError) string {
	if se.EnhancedCode != smtp.EnhancedCodeNotSet && se.EnhancedCode != smtp.NoEnhancedCode {
		return fmt.Sprintf("%d %d.%d.%d %s", se.Code, se.EnhancedCode[0], se.EnhancedCode[1], se.EnhancedCode[2], se.Message)
	}
	return fmt.Sprintf("%d %s", se.Code, se.Message)
}

// replyError is an SMTP reply to a step of sending, with the step named.
type replyError struct {
	step string
	se   *smtp.SMTPError
}

func (e *replyError) Error() string { return e.step + ": " + smtpErrorText(e.se) }
func (e *replyError) Unwrap() error { return e.se }

// stepError names the step a non-reply error (network, TLS, protocol)
// happened in.
func stepError(step string, err error) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return &replyError{step: step, se: se}
	}
	return fmt.Errorf("%s: %w", step, err)
}

// isPermanent reports whether err is a 5xx reply.
func isPermanent(err error) bool {
	var se *smtp.SMTPError
	return errors.As(err, &se) && se.Code/100 == 5
}

// connBroken reports whether the connection can no longer be used after
// err: anything but a 4xx/5xx reply, or 421 (the relay is closing it).
func connBroken(err error) bool {
	var se *smtp.SMTPError
	return !errors.As(err, &se) || se.Code == 421
}
