package outbox_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/outbox"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// TestWebhooksGoWithoutARelay: with no mail relay configured, mail waits in
// the outbox but webhooks (which need none) are still delivered.
func TestWebhooksGoWithoutARelay(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	var hits atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer hook.Close()
	now := time.Now()
	mail := &desk.OutboxMail{Kind: desk.OutboxNotify, From: "a@desk.gov", To: "b@agency.gov", Raw: []byte("x"), NextAttemptAt: now}
	web := &desk.OutboxMail{Kind: outbox.KindWebhook, Channel: desk.DeliveryWebhook, Target: hook.URL + "/secret-token", Raw: []byte(`{"text":"hi"}`), NextAttemptAt: now}
	for _, m := range []*desk.OutboxMail{mail, web} {
		if err := st.EnqueueMail(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	s := outbox.NewSender(st, outbox.RelayConfig{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	sent, err := s.RunOnce(ctx)
	if err != nil || sent != 1 || hits.Load() != 1 {
		t.Fatalf("sent %d, webhook hits %d, err %v", sent, hits.Load(), err)
	}
	if n, _ := st.OutboxBacklog(ctx); n != 1 {
		t.Errorf("backlog %d, want the mail still queued", n)
	}
}
