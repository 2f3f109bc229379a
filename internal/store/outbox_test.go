package store_test

import (
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// TestOutbox_LateFailureDoesNotResend: sender A's lease runs out, sender B
// claims and sends the mail; A's late failure must not queue it again.
func TestOutbox_LateFailureDoesNotResend(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		now := time.Now()
		m := &desk.OutboxMail{Kind: desk.OutboxAck, From: "a@desk.gov", To: "b@agency.gov", Raw: []byte("x"), NextAttemptAt: now}
		if err := s.EnqueueMail(ctx(t), m); err != nil {
			t.Fatal(err)
		}
		a, err := s.ClaimOutbox(ctx(t), now, 10, time.Minute, "")
		if err != nil || len(a) != 1 {
			t.Fatalf("claim A: %v %d", err, len(a))
		}
		if again, _ := s.ClaimOutbox(ctx(t), now, 10, time.Minute, ""); len(again) != 0 {
			t.Fatalf("a leased mail was claimed twice")
		}
		b, err := s.ClaimOutbox(ctx(t), now.Add(2*time.Minute), 10, time.Minute, "") // A's lease has run out
		if err != nil || len(b) != 1 {
			t.Fatalf("claim B: %v %d", err, len(b))
		}
		if err := s.MarkOutboxSent(ctx(t), b[0].ID, now.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkOutboxFailed(ctx(t), a[0].ID, "relay timed out", now, false); err != nil {
			t.Fatal(err)
		}
		if left, _ := s.ClaimOutbox(ctx(t), now.Add(time.Hour), 10, time.Minute, ""); len(left) != 0 {
			t.Errorf("a sent mail was queued again by a late failure")
		}
		if n, _ := s.OutboxBacklog(ctx(t)); n != 0 {
			t.Errorf("backlog %d", n)
		}
	})
}

// TestTouchLogin: a login is recorded only while the account is active and
// its password unchanged, so a login racing a deactivation or a password
// reset cannot undo it.
func TestTouchLogin(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		u := &desk.User{Email: "sam@agency.gov", Name: "Sam", Role: desk.RoleStaff, PasswordHash: "old", Active: true}
		if err := s.CreateUser(ctx(t), u); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.TouchLogin(ctx(t), u.ID, "old", time.Now()); !ok || err != nil {
			t.Fatalf("active, same hash: %v %v", ok, err)
		}
		hash, off := "new", false
		s.ChangeUser(ctx(t), u.ID, desk.UserChange{PasswordHash: &hash})
		if ok, _ := s.TouchLogin(ctx(t), u.ID, "old", time.Now()); ok {
			t.Errorf("login with a hash replaced meanwhile was recorded")
		}
		s.ChangeUser(ctx(t), u.ID, desk.UserChange{Active: &off})
		if ok, _ := s.TouchLogin(ctx(t), u.ID, "new", time.Now()); ok {
			t.Errorf("login of a deactivated account was recorded")
		}
		got, _ := s.GetUser(ctx(t), u.ID)
		if got.Active || got.PasswordHash != "new" {
			t.Errorf("user after: %+v", got)
		}
	})
}
