package outbox_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/outbox"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// channelPager is a delivery channel that exists only in these tests.
const channelPager = "pager"

// pagerChannel records what it is handed, answering with errs in turn (nil
// once they run out). It is a whole channel: nothing in the outbox package
// knows of it.
type pagerChannel struct {
	mu             sync.Mutex
	opened, closed int
	got            []desk.OutboxMail
	errs           []error
}

func (p *pagerChannel) open(context.Context) outbox.Channel {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.opened++
	return p
}

func (p *pagerChannel) Send(_ context.Context, m *desk.OutboxMail) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.got = append(p.got, *m)
	if len(p.errs) == 0 {
		return nil
	}
	err := p.errs[0]
	p.errs = p.errs[1:]
	return err
}

func (p *pagerChannel) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed++
}

func pagerRow(target string) *desk.OutboxMail {
	return &desk.OutboxMail{Kind: desk.OutboxNotify, Channel: channelPager, Target: target, Subject: "Breached: SR-1001",
		Raw: []byte("SR-1001 breached"), NextAttemptAt: epoch.Add(-time.Minute), CreatedAt: epoch.Add(-time.Minute)}
}

// TestSender_RegisteredChannel: rows of a third channel, known only to this
// test, wait until a sender registers it, and are then claimed and handed
// to it (one channel opened and closed for the batch) with the same claim
// as mail; mail, with no relay configured, stays queued beside them.
func TestSender_RegisteredChannel(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		for _, m := range []*desk.OutboxMail{mail(1, "ann@customer.example"), pagerRow("pager:oncall-1"), pagerRow("pager:oncall-2")} {
			if err := st.EnqueueMail(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		s, _ := newSender(st, outbox.RelayConfig{}) // no relay: no mail channel
		if n := runOnce(t, s); n != 0 {
			t.Fatalf("sent %d before the pager channel was registered", n)
		}
		p := &pagerChannel{}
		s.Register(channelPager, p.open)
		if !s.Sends(channelPager) || !s.Sends(desk.DeliveryWebhook) || s.Sends(desk.DeliveryMail) {
			t.Errorf("Sends: pager %v, webhook %v, mail %v; want true, true, false",
				s.Sends(channelPager), s.Sends(desk.DeliveryWebhook), s.Sends(desk.DeliveryMail))
		}
		if n := runOnce(t, s); n != 2 {
			t.Fatalf("sent %d, want the 2 pager rows", n)
		}
		if len(p.got) != 2 || p.got[0].Target != "pager:oncall-1" || p.got[1].Target != "pager:oncall-2" || p.got[0].Attempts != 1 {
			t.Errorf("pager got %+v", p.got)
		}
		if p.opened != 1 || p.closed != 1 {
			t.Errorf("opened %d, closed %d; want one channel for the batch", p.opened, p.closed)
		}
		if n := runOnce(t, s); n != 0 || len(p.got) != 2 {
			t.Errorf("sent %d again (pager got %d): a sent row was claimed twice", n, len(p.got))
		}
		if n, _ := st.OutboxBacklog(ctx); n != 1 {
			t.Errorf("backlog %d, want the mail still queued", n)
		}
	})
}

// TestSender_ChannelFailures: a channel's temporary failure is retried
// after Backoff and a Permanent one is given up at once, by the same
// mechanism as mail.
func TestSender_ChannelFailures(t *testing.T) {
	q := newQueue()
	retried := q.add(pagerRow("pager:oncall-1"))
	s, clk := newSender(q, outbox.RelayConfig{})
	p := &pagerChannel{errs: []error{errors.New("pager network busy"), outbox.Permanent(errors.New("no such pager"))}}
	s.Register(channelPager, p.open)

	if n := runOnce(t, s); n != 0 {
		t.Fatalf("sent %d, want a failure", n)
	}
	m := q.get(retried)
	if m.Status != desk.OutboxQueued || m.LastError != "pager network busy" || !m.NextAttemptAt.Equal(epoch.Add(outbox.Backoff(1))) {
		t.Fatalf("after a temporary failure: %s %q next %v", m.Status, m.LastError, m.NextAttemptAt)
	}
	if n := runOnce(t, s); n != 0 || len(p.got) != 1 {
		t.Fatalf("retried before the backoff: sent %d, tries %d", n, len(p.got))
	}
	clk.Add(outbox.Backoff(1))
	if n := runOnce(t, s); n != 0 || len(p.got) != 2 || p.got[1].Attempts != 2 {
		t.Fatalf("after the backoff: sent %d, tries %+v", n, p.got)
	}
	m = q.get(retried)
	if m.Status != desk.OutboxFailed || !strings.Contains(m.LastError, "no such pager") {
		t.Errorf("after a permanent failure: %s %q", m.Status, m.LastError)
	}
	clk.Add(time.Hour)
	if runOnce(t, s); len(p.got) != 2 {
		t.Errorf("a row given up was tried again")
	}
}
