package outbox_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/slatrack/slatrack/internal/desk"
)

// TestPermanentRefusal_Reconnects: a relay that refused a recipient with
// 550 refuses everything after on that connection (as relays that tarpit
// or drop clients with errors do). The refused mail is given up, with the
// reason in words, and never tried again; the next mail goes out on a new
// connection.
func TestPermanentRefusal_Reconnects(t *testing.T) {
	r := startRelay(t, relayOpts{})
	r.set(func(r *relay) {
		r.shunning = true
		r.rcptReply = func(to string) error {
			if strings.HasPrefix(to, "gone") {
				return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
			}
			return nil
		}
	})
	q := newQueue()
	gone := q.add(mail(1, "gone@customer.example"))
	next := q.add(mail(2, "alice@customer.example"))
	after := q.add(mail(3, "bob@customer.example"))
	s, clk := newSender(q, relayConfig(r))
	if n := runOnce(t, s); n != 2 {
		t.Fatalf("sent %d, want 2 (%q, %q)", n, q.get(next).LastError, q.get(after).LastError)
	}
	m := q.get(gone)
	if want := "the recipient's mailbox does not exist: RCPT TO <gone@customer.example>: 550 5.1.1 no such user"; m.Status != desk.OutboxFailed || m.LastError != want {
		t.Errorf("refused mail: %s %q, want failed %q", m.Status, m.LastError, want)
	}
	got := r.received()
	if len(got) != 2 || got[0].conn != 2 || got[1].conn != 2 {
		t.Errorf("relay got %d messages on connections %v, want 2 on the second connection", len(got), conns(got))
	}
	// Given up: not tried again, however long we wait.
	clk.Add(48 * time.Hour)
	runOnce(t, s)
	rcpts := r.rcptLog()
	if n := slices.Index(rcpts, "gone@customer.example"); n < 0 || slices.Contains(rcpts[n+1:], "gone@customer.example") {
		t.Errorf("RCPT TO sequence %v: the refused recipient was tried again", rcpts)
	}
}

func conns(got []received) []int {
	var out []int
	for _, g := range got {
		out = append(out, g.conn)
	}
	return out
}
