package store

import (
	"strings"
	"testing"
)

// TestTicketsFrom_QueryPlan: the organisation's tickets are found through
// the mail-domain index (the expression TicketsFrom writes is the one the
// migration indexed), the requester's through theirs, not by reading
// every ticket.
func TestTicketsFrom_QueryPlan(t *testing.T) {
	s := openSQLite(t)
	org := sqlitePlan(t, s, `SELECT 1 FROM tickets WHERE `+s.d.emailDomain("requester_email")+` = ? AND requester_email <> ? AND id <> ? LIMIT 1001`, "agency.gov", "a@agency.gov", 1)
	if !strings.Contains(org, "idx_tickets_requester_domain") {
		t.Errorf("the organisation's count does not use the domain index:\n%s", org)
	}
	mine := sqlitePlan(t, s, `SELECT 1 FROM tickets WHERE requester_email = ? AND id <> ? LIMIT 1001`, "a@agency.gov", 1)
	if !strings.Contains(mine, "idx_tickets_requester_email") {
		t.Errorf("the requester's count does not use their index:\n%s", mine)
	}
}
