package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// TestMigrate_OutboxChannels: rows queued before delivery channels existed
// come out of the migration on their channel: webhook rows (kind webhook,
// the URL in to_addrs) on the webhook channel with the URL moved to the
// target, everything else on mail, untouched.
func TestMigrate_OutboxChannels(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			s, err := store.Open(ctx, e.NewDSN(t))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.MigrateTo(ctx, 11); err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC().Truncate(time.Second)
			const hook = "https://hooks.example.test/services/T0/B0/secret"
			for _, row := range [][2]string{{desk.OutboxAck, "ann@agency.gov"}, {"webhook", hook}} {
				if err := s.ExecSQL(ctx, `INSERT INTO outbox (kind, to_addrs, raw, status, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
					row[0], row[1], []byte("x"), desk.OutboxQueued, now, now); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			claim := func(channel string) *desk.OutboxMail {
				t.Helper()
				got, err := s.ClaimOutbox(ctx, now.Add(time.Minute), 10, time.Minute, []string{channel})
				if err != nil || len(got) != 1 {
					t.Fatalf("claim %s: %d rows, %v", channel, len(got), err)
				}
				return got[0]
			}
			if m := claim(desk.DeliveryWebhook); m.Kind != "webhook" || m.Channel != desk.DeliveryWebhook || m.Target != hook || m.To != "" {
				t.Errorf("webhook row: kind %q channel %q target %q to %q", m.Kind, m.Channel, m.Target, m.To)
			}
			if m := claim(desk.DeliveryMail); m.Kind != desk.OutboxAck || m.Channel != desk.DeliveryMail || m.Target != "" || m.To != "ann@agency.gov" {
				t.Errorf("mail row: kind %q channel %q target %q to %q", m.Kind, m.Channel, m.Target, m.To)
			}
		})
	}
}

// TestEnqueueMail_ChannelDefaultsToMail: a row queued without a channel is
// mail, and claimed only with the mail channel.
func TestEnqueueMail_ChannelDefaultsToMail(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		now := time.Now().UTC()
		if err := s.EnqueueMail(ctx(t), &desk.OutboxMail{Kind: desk.OutboxDigest, To: "sam@agency.gov", Raw: []byte("x"), NextAttemptAt: now}); err != nil {
			t.Fatal(err)
		}
		if got, err := s.ClaimOutbox(ctx(t), now.Add(time.Minute), 10, time.Minute, []string{desk.DeliveryWebhook}); err != nil || len(got) != 0 {
			t.Fatalf("the webhook channel claimed %d rows, %v", len(got), err)
		}
		got, err := s.ClaimOutbox(ctx(t), now.Add(time.Minute), 10, time.Minute, []string{desk.DeliveryMail})
		if err != nil || len(got) != 1 || got[0].Channel != desk.DeliveryMail {
			t.Fatalf("mail claim: %+v, %v", got, err)
		}
	})
}
