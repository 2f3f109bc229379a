package outbox

import (
	"context"
	"sync"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
)

// held is the claimed mail of one RunOnce that is not yet tried: its leases
// are renewed in the background until release, which gives back whatever
// is left.
type held struct {
	s     *Sender
	ctx   context.Context
	stop  chan struct{}
	ended chan struct{}

	mu      sync.Mutex
	pending map[uint64]*desk.OutboxMail
	until   map[uint64]time.Time // lease end as last set by us
}

// hold starts renewing the leases of mails, just claimed.
func (s *Sender) hold(ctx context.Context, mails []*desk.OutboxMail) *held {
	h := &held{s: s, ctx: ctx, stop: make(chan struct{}), ended: make(chan struct{}),
		pending: make(map[uint64]*desk.OutboxMail, len(mails)), until: make(map[uint64]time.Time, len(mails))}
	for _, m := range mails {
		h.pending[m.ID] = m
		if m.LeaseUntil != nil {
			h.until[m.ID] = *m.LeaseUntil
		}
	}
	every := s.RenewEvery
	if every <= 0 {
		every = s.lease() / 3
	}
	go h.renewEvery(every)
	return h
}

// ours reports whether id is still leased to us.
func (h *held) ours(id uint64) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	until, ok := h.until[id]
	return h.pending[id] != nil && ok && h.s.now().Before(until)
}

// done takes id out of the batch: it was tried, and its row is recorded
// (or will be retried when its lease runs out).
func (h *held) done(id uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.pending, id)
}

func (h *held) renewEvery(every time.Duration) {
	defer close(h.ended)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-h.ctx.Done():
			return // released when RunOnce returns
		case <-t.C:
		}
		h.renew(every)
	}
}

// renew extends the leases still pending; those the queue says are no
// longer ours are dropped from the batch.
func (h *held) renew(timeout time.Duration) {
	h.mu.Lock()
	claims := make([]*desk.OutboxMail, 0, len(h.pending))
	for _, m := range h.pending {
		claims = append(claims, m)
	}
	h.mu.Unlock()
	if len(claims) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(h.ctx, timeout)
	defer cancel()
	until := h.s.now().Add(h.s.lease())
	renewed, err := h.s.q.RenewOutboxLeases(ctx, claims, until)
	if err != nil {
		if h.ctx.Err() == nil {
			h.s.log.Warn("outbox: could not renew the leases of the batch being sent", "err", err)
		}
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	kept := make(map[uint64]bool, len(renewed))
	for _, id := range renewed {
		kept[id] = true
		h.until[id] = until
	}
	for _, m := range claims {
		if !kept[m.ID] && h.pending[m.ID] != nil {
			delete(h.pending, m.ID) // sent meanwhile, or claimed by another sender
		}
	}
}

// release stops the renewals and gives back the mail not tried, with a
// context that outlives ctx's cancellation (briefly): a stopping instance
// leaves its unsent mail to the next claim instead of to its leases.
func (h *held) release() {
	close(h.stop)
	<-h.ended
	h.mu.Lock()
	left := make([]*desk.OutboxMail, 0, len(h.pending))
	for _, m := range h.pending {
		left = append(left, m)
	}
	h.pending = nil
	h.mu.Unlock()
	if len(left) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(h.ctx), 10*time.Second)
	defer cancel()
	if err := h.s.q.ReleaseOutbox(ctx, left); err != nil {
		h.s.log.Warn("outbox: could not give back unsent mail; it goes out when its lease runs out", "count", len(left), "err", err)
		return
	}
	h.s.log.Info("outbox: gave back unsent mail for the next claim", "count", len(left))
}
