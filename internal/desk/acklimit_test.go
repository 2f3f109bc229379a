package desk_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/store"
)

// createConcurrently opens one web ticket per requester, all at once.
func createConcurrently(t *testing.T, f *fixture, requesters []string) []*desk.Ticket {
	t.Helper()
	out := make([]*desk.Ticket, len(requesters))
	var wg sync.WaitGroup
	for i, r := range requesters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk, err := f.svc.CreateTicket(context.Background(), desk.NewTicket{Subject: fmt.Sprintf("Question %d", i),
				Body: "How do I rotate my keys?", RequesterEmail: r, Channel: desk.ChannelWeb}, nil)
			if err != nil {
				t.Errorf("create %d: %v", i, err)
				return
			}
			out[i] = tk
		}()
	}
	wg.Wait()
	return out
}

func queuedMail(t *testing.T, st *store.Store) int64 {
	t.Helper()
	n, err := st.OutboxBacklog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAcknowledgementLimits(t *testing.T) {
	ctx := context.Background()
	eachStore(t, "per_sender_limit_holds_under_concurrency", func(t *testing.T, st *store.Store) {
		f := mailFixture(t, st) // 3 acknowledgements per sender per 3 h
		same := make([]string, 24)
		for i := range same {
			same[i] = "ann@agency.gov"
		}
		tickets := createConcurrently(t, f, same)
		if n := queuedMail(t, st); n != 3 {
			t.Fatalf("%d acknowledgements queued for 24 concurrent tickets from one sender, want exactly 3 (mail.ack_limit)", n)
		}
		skipped := 0
		for _, tk := range tickets {
			if tk == nil {
				continue
			}
			_, ev, err := f.svc.Get(ctx, tk.Ref)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range ev {
				if e.Kind == desk.EventAckSkipped {
					skipped++
				}
			}
		}
		if skipped != 21 {
			t.Errorf("%d timelines say the acknowledgement was held back, want 21", skipped)
		}
	})
	eachStore(t, "new_sender_flood_is_capped_desk_wide", func(t *testing.T, st *store.Store) {
		f := mailFixture(t, st)
		f.svc.Mail.NewSenderAckLimit = 5
		flood := make([]string, 20)
		for i := range flood {
			flood[i] = fmt.Sprintf("forged%d@spam.example.com", i)
		}
		createConcurrently(t, f, flood)
		if n := queuedMail(t, st); n != 5 {
			t.Fatalf("%d acknowledgements queued for 20 first-time senders at once, want exactly 5 (mail.ack_limit_new_senders)", n)
		}
		// A requester the desk already knows is still acknowledged.
		createConcurrently(t, f, []string{"forged3@spam.example.com"})
		if n := queuedMail(t, st); n != 6 {
			t.Errorf("%d acknowledgements after a known requester wrote again, want 6", n)
		}
	})
}
