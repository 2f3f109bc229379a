package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/outbox"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// enqueue adds n mails of kind to st, due at epoch.
func enqueue(t *testing.T, st *store.Store, kind string, n int) {
	t.Helper()
	for i := range n {
		m := mail(i, fmt.Sprintf("%s%d@customer.example", kind, i))
		m.Kind = kind
		if err := st.EnqueueMail(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
}

// blockFirstData makes r hold the first message it reads until the
// returned release is called; reached is closed when it is held.
func blockFirstData(r *relay) (reached <-chan struct{}, release func()) {
	got, free := make(chan struct{}), make(chan struct{})
	var once, freeOnce sync.Once
	r.set(func(r *relay) {
		r.dataHook = func() {
			first := false
			once.Do(func() { first = true; close(got) })
			if first {
				<-free
			}
		}
	})
	return got, func() { freeOnce.Do(func() { close(free) }) }
}

// TestSender_StopGivesBackUnsentMail: a sender stopped mid-batch gives back
// the mail it had not tried yet, and the next sender (another instance, or
// this one restarted) sends it at once instead of after a lease.
func TestSender_StopGivesBackUnsentMail(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		enqueue(t, st, desk.OutboxReply, 5)
		ra := startRelay(t, relayOpts{})
		reached, release := blockFirstData(ra)
		defer release()
		a, clk := newSender(st, relayConfig(ra))
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			<-reached
			cancel() // SIGTERM while the first mail is being sent
		}()
		if n, err := a.RunOnce(ctx); n != 0 || err != nil {
			t.Fatalf("stopped RunOnce = %d, %v", n, err)
		}
		release()

		// Same instant: the four untried mails go out at once, as first
		// attempts; the interrupted one waits for its retry.
		rb := startRelay(t, relayOpts{})
		b, _ := newSender(st, relayConfig(rb))
		b.Now = clk.Now
		if n := runOnce(t, b); n != 4 {
			t.Fatalf("the next sender sent %d at once, want the 4 untried", n)
		}
		clk.Add(outbox.Backoff(1))
		if n := runOnce(t, b); n != 1 {
			t.Fatalf("after the backoff, sent %d, want the interrupted one", n)
		}
		if got := rb.received(); len(got) != 5 {
			t.Errorf("relay B got %d of 5", len(got))
		}
		if n, _ := st.OutboxBacklog(context.Background()); n != 0 {
			t.Errorf("backlog %d", n)
		}
	})
}

// crashable is a Queue that stops answering when its process "crashes":
// from then on nothing reaches the database, as after kill -9.
type crashable struct {
	outbox.Queue
	mu        sync.Mutex
	crashed   bool
	lastUntil time.Time // the last lease renewal asked for
}

var errCrashed = errors.New("process gone")

func (c *crashable) crash() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.crashed = true
}

func (c *crashable) dead() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.crashed
}

func (c *crashable) renewedUntil() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastUntil
}

func (c *crashable) RenewOutboxLeases(ctx context.Context, claims []*desk.OutboxMail, until time.Time) ([]uint64, error) {
	if c.dead() {
		return nil, errCrashed
	}
	ids, err := c.Queue.RenewOutboxLeases(ctx, claims, until)
	if err == nil {
		c.mu.Lock()
		c.lastUntil = until
		c.mu.Unlock()
	}
	return ids, err
}

func (c *crashable) ReleaseOutbox(ctx context.Context, claims []*desk.OutboxMail) error {
	if c.dead() {
		return errCrashed
	}
	return c.Queue.ReleaseOutbox(ctx, claims)
}

func (c *crashable) MarkOutboxSent(ctx context.Context, id uint64, at time.Time) error {
	if c.dead() {
		return errCrashed
	}
	return c.Queue.MarkOutboxSent(ctx, id, at)
}

func (c *crashable) MarkOutboxFailed(ctx context.Context, id uint64, msg string, next time.Time, final bool) error {
	if c.dead() {
		return errCrashed
	}
	return c.Queue.MarkOutboxFailed(ctx, id, msg, next, final)
}

// TestSender_LeasesRenewedThenCrashRecovered: while a slow batch is being
// sent its leases are renewed, so no other sender takes its mail however
// long it takes; once the sender crashes (no release, no renewal), another
// sender claims all of its mail within a minute, not after a long lease.
func TestSender_LeasesRenewedThenCrashRecovered(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		enqueue(t, st, desk.OutboxReply, 5)
		ra := startRelay(t, relayOpts{})
		reached, release := blockFirstData(ra)
		q := &crashable{Queue: st}
		a, clk := newSender(q, relayConfig(ra))
		a.RenewEvery = 10 * time.Millisecond // real time; the leases themselves run on clk
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			a.RunOnce(ctx)
		}()
		defer func() { cancel(); release(); <-done }()
		<-reached

		rb := startRelay(t, relayOpts{})
		b, _ := newSender(st, relayConfig(rb))
		b.Now = clk.Now
		// A's first mail takes minutes: its leases are renewed meanwhile.
		for range 4 {
			clk.Add(outbox.DefaultLease * 2 / 3)
			waitFor(t, "a lease renewal", func() bool { return q.renewedUntil().Equal(clk.Now().Add(outbox.DefaultLease)) })
			if n := runOnce(t, b); n != 0 {
				t.Fatalf("at %v, another sender sent %d of a batch still being sent", clk.Now().Sub(epoch), n)
			}
		}

		// kill -9: the last renewal stands, nothing is released.
		q.crash()
		crashedAt := clk.Now()
		clk.Add(outbox.DefaultLease - time.Second)
		if n := runOnce(t, b); n != 0 {
			t.Fatalf("sent %d before the crashed sender's leases ran out", n)
		}
		// Senders poll every DefaultInterval: the mail is retried within a
		// minute of the crash.
		clk.Set(crashedAt.Add(time.Minute - outbox.DefaultInterval))
		if n := runOnce(t, b); n != 5 {
			t.Fatalf("%v after the crash another sender sent %d of 5", clk.Now().Sub(crashedAt), n)
		}
		if got := rb.received(); len(got) != 5 {
			t.Errorf("relay B got %d", len(got))
		}
	})
}

// waitFor polls cond for a few seconds (real time).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
