package store

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/slatrack/slatrack/internal/desk"
)

// outboxClaimPlan is SQLite's EXPLAIN QUERY PLAN of ClaimOutbox's query.
func outboxClaimPlan(t *testing.T, s *Store, channels []string) string {
	t.Helper()
	var rows []*desk.OutboxMail
	stmt := s.claimQuery(s.db.Session(&gorm.Session{DryRun: true}), utc(time.Now()), 25, channels).Find(&rows).Statement
	type step struct {
		ID, Parent, Notused int
		Detail              string
	}
	var plan []step
	if err := s.db.Raw("EXPLAIN QUERY PLAN "+stmt.SQL.String(), stmt.Vars...).Scan(&plan).Error; err != nil {
		t.Fatal(err)
	}
	var details []string
	for _, p := range plan {
		details = append(details, p.Detail)
	}
	return strings.Join(details, "\n")
}

// TestClaimOutboxQueryPlan: with a backlog of thousands of acknowledgements,
// the claim reads due mail from idx_outbox_claim in claim order (replies
// first) and stops at its limit: no sort of the whole backlog.
func TestClaimOutboxQueryPlan(t *testing.T) {
	s := openSQLite(t)
	now := utc(time.Now())
	err := s.db.Transaction(func(tx *gorm.DB) error {
		for i := range 3000 {
			kind := desk.OutboxAck
			if i%100 == 0 {
				kind = desk.OutboxReply
			}
			status := desk.OutboxQueued
			if i%3 == 0 {
				status = desk.OutboxSent
			}
			o := &desk.OutboxMail{Kind: kind, To: fmt.Sprintf("u%d@example.org", i), Raw: []byte("x"), Status: status,
				NextAttemptAt: now.Add(time.Duration(i-1500) * time.Second), CreatedAt: now}
			if err := tx.Create(o).Error; err != nil {
				return err
			}
		}
		return tx.Exec("ANALYZE").Error
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, channels := range [][]string{nil, {desk.DeliveryWebhook}, {desk.DeliveryMail, desk.DeliveryWebhook}} {
		t.Run("channels="+strings.Join(channels, ","), func(t *testing.T) {
			plan := outboxClaimPlan(t, s, channels)
			if !strings.Contains(plan, "idx_outbox_claim") {
				t.Errorf("the claim index is not used:\n%s", plan)
			}
			if strings.Contains(plan, "TEMP B-TREE") {
				t.Errorf("the backlog is sorted, not read in index order:\n%s", plan)
			}
			if testing.Verbose() {
				t.Logf("plan:\n%s", plan)
			}
		})
	}
}
