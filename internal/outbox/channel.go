package outbox

import (
	"context"
	"errors"

	"github.com/slatrack/slatrack/internal/desk"
)

// Channel delivers the outbox rows of one delivery channel
// (desk.OutboxMail.Channel: desk.DeliveryMail, desk.DeliveryWebhook, …). For
// each batch it claims, a Sender opens one Channel per channel that has rows
// in the batch, hands it those rows one at a time in claim order, and closes
// it when the batch is done, so a channel may keep something open across a
// batch (the mail channel keeps its relay connection). Leases, the claim
// order, retries with Backoff and giving up are the Sender's, the same for
// every channel.
//
// A new channel is a file with its Channel and one Register call: its rows
// are claimed as soon as a Sender has it registered, and left queued by
// Senders that do not.
type Channel interface {
	// Send delivers m. It returns nil when m went out, an error made with
	// Permanent when it never will (m is given up at once), and any other
	// error when it may later (m is retried after Backoff, up to
	// MaxAttempts). The error's text is kept on the row and may be shown
	// on the ticket page: it must not carry a secret such as m.Target.
	// ctx is the batch's (the one Open got); Send returns soon once it
	// ends.
	Send(ctx context.Context, m *desk.OutboxMail) error
	// Close ends the batch: whatever Send kept open is closed.
	Close()
}

// OpenFunc opens a Channel for one batch; ctx ends when the Sender stops.
type OpenFunc func(ctx context.Context) Channel

// Register makes s deliver the rows of channel through channels opened by
// open (replacing what the channel had), and claim them from then on.
func (s *Sender) Register(channel string, open OpenFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[channel] = open
}

// Sends reports whether s delivers the rows of channel: a queued row of a
// channel it does not send waits (mail while no relay is configured).
func (s *Sender) Sends(channel string) bool {
	return s.opener(channel) != nil
}

func (s *Sender) opener(channel string) OpenFunc {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.channels[channel]
}

// channelNames are the channels s claims.
func (s *Sender) channelNames() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	names := make([]string, 0, len(s.channels))
	for name := range s.channels {
		names = append(names, name)
	}
	return names
}

// channelOf is the channel of m; a row with none is mail.
func channelOf(m *desk.OutboxMail) string {
	if m.Channel == "" {
		return desk.DeliveryMail
	}
	return m.Channel
}

// Permanent marks err as a failure that trying again would not fix: the
// Sender gives the row up at once. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// isPermanentFailure reports whether err was made with Permanent.
func isPermanentFailure(err error) bool {
	var pe *permanentError
	return errors.As(err, &pe)
}
