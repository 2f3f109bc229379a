package store

import (
	"strings"
	"testing"
	"time"
)

// sqlitePlan is SQLite's EXPLAIN QUERY PLAN of q, one step a line.
func sqlitePlan(t *testing.T, s *Store, q string, args ...any) string {
	t.Helper()
	type step struct {
		ID, Parent, Notused int
		Detail              string
	}
	var plan []step
	if err := s.db.Raw("EXPLAIN QUERY PLAN "+q, args...).Scan(&plan).Error; err != nil {
		t.Fatal(err)
	}
	var details []string
	for _, p := range plan {
		details = append(details, p.Detail)
	}
	return strings.Join(details, "\n")
}

// TestReportQueryPlans: the overdue report reads the owing tickets through
// the queue's index, in its order (no sort), and each owed promise's start
// through the promises' ticket index; the compliance report reads the
// promises started in a period through idx_promises_started.
func TestReportQueryPlans(t *testing.T) {
	s := openSQLite(t)
	now := utc(time.Now())
	owing := sqlitePlan(t, s, s.openOwingSQL(), true, false, now)
	for _, want := range []string{"USING INDEX idx_tickets_owed", "USING INDEX idx_promises_ticket"} {
		if !strings.Contains(owing, want) {
			t.Errorf("OpenOwing's plan lacks %q:\n%s", want, owing)
		}
	}
	if strings.Contains(owing, "TEMP B-TREE") {
		t.Errorf("OpenOwing sorts instead of reading the index in order:\n%s", owing)
	}
	promises := sqlitePlan(t, s, s.promiseRowsSQL(), now, now)
	if !strings.Contains(promises, "USING INDEX idx_promises_started") || strings.Contains(promises, "TEMP B-TREE") {
		t.Errorf("PromiseRows' plan:\n%s", promises)
	}
}
