package outbox_test

import (
	"bytes"
	"testing"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// TestSender_RepliesBeforeAcks: behind a backlog of acknowledgements (a
// burst of new tickets), a staff reply queued last goes out in the very
// next batch, first.
func TestSender_RepliesBeforeAcks(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		enqueue(t, st, desk.OutboxAck, 40)
		enqueue(t, st, desk.OutboxReply, 1)
		r := startRelay(t, relayOpts{})
		s, _ := newSender(st, relayConfig(r))
		s.BatchSize = 10
		if n := runOnce(t, s); n != 10 {
			t.Fatalf("sent %d, want a batch of 10", n)
		}
		got := r.received()
		if len(got) != 10 || !bytes.Contains(got[0].data, []byte("To: reply0@customer.example")) {
			t.Fatalf("relay got %d; the first mail out was not the reply", len(got))
		}
	})
}
