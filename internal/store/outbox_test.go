package store_test

import (
	"fmt"
	"slices"
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
		a, err := s.ClaimOutbox(ctx(t), now, 10, time.Minute, nil)
		if err != nil || len(a) != 1 {
			t.Fatalf("claim A: %v %d", err, len(a))
		}
		if again, _ := s.ClaimOutbox(ctx(t), now, 10, time.Minute, nil); len(again) != 0 {
			t.Fatalf("a leased mail was claimed twice")
		}
		b, err := s.ClaimOutbox(ctx(t), now.Add(2*time.Minute), 10, time.Minute, nil) // A's lease has run out
		if err != nil || len(b) != 1 {
			t.Fatalf("claim B: %v %d", err, len(b))
		}
		if err := s.MarkOutboxSent(ctx(t), b[0].ID, now.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkOutboxFailed(ctx(t), a[0].ID, "relay timed out", now, false); err != nil {
			t.Fatal(err)
		}
		if left, _ := s.ClaimOutbox(ctx(t), now.Add(time.Hour), 10, time.Minute, nil); len(left) != 0 {
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

// TestClaimOutbox_RepliesBeforeAcks: with a backlog of acknowledgements
// older than them, a staff reply, a warning, a digest and a webhook are
// claimed first; the acknowledgements follow, oldest first.
func TestClaimOutbox_RepliesBeforeAcks(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		now := time.Now()
		var acks []uint64
		for i := range 30 {
			m := &desk.OutboxMail{Kind: desk.OutboxAck, From: "a@desk.gov", To: fmt.Sprintf("r%d@agency.gov", i), Raw: []byte("x"),
				NextAttemptAt: now.Add(-time.Hour + time.Duration(i)*time.Second)}
			if err := s.EnqueueMail(ctx(t), m); err != nil {
				t.Fatal(err)
			}
			acks = append(acks, m.ID)
		}
		var first []uint64
		for _, kind := range []string{desk.OutboxReply, desk.OutboxNotify, desk.OutboxDigest, "webhook"} {
			m := &desk.OutboxMail{Kind: kind, From: "a@desk.gov", To: "b@agency.gov", Raw: []byte("x"), NextAttemptAt: now}
			if err := s.EnqueueMail(ctx(t), m); err != nil {
				t.Fatal(err)
			}
			first = append(first, m.ID)
		}
		got, err := s.ClaimOutbox(ctx(t), now, 6, time.Minute, nil)
		if err != nil {
			t.Fatal(err)
		}
		var ids []uint64
		for _, m := range got {
			ids = append(ids, m.ID)
		}
		if want := append(append([]uint64{}, first...), acks[0], acks[1]); !slices.Equal(ids, want) {
			t.Errorf("claimed %v, want %v (the others first, then the oldest acknowledgements)", ids, want)
		}
	})
}

// TestRenewOutboxLeases: a sender renews the leases it holds; a claim whose
// lease ran out and was taken by another sender, or that was sent, is not
// renewed, so the first sender knows it is no longer its to send.
func TestRenewOutboxLeases(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		now := time.Now()
		for i := range 3 {
			m := &desk.OutboxMail{Kind: desk.OutboxReply, From: "a@desk.gov", To: fmt.Sprintf("r%d@agency.gov", i), Raw: []byte("x"), NextAttemptAt: now}
			if err := s.EnqueueMail(ctx(t), m); err != nil {
				t.Fatal(err)
			}
		}
		a, err := s.ClaimOutbox(ctx(t), now, 10, time.Minute, nil)
		if err != nil || len(a) != 3 {
			t.Fatalf("claim: %v %d", err, len(a))
		}
		// Renewed at +50s: still A's at +90s.
		renewed, err := s.RenewOutboxLeases(ctx(t), a, now.Add(50*time.Second+time.Minute))
		if err != nil || len(renewed) != 3 {
			t.Fatalf("renew: %v %v", err, renewed)
		}
		if b, _ := s.ClaimOutbox(ctx(t), now.Add(90*time.Second), 10, time.Minute, nil); len(b) != 0 {
			t.Fatalf("another sender claimed %d renewed mails", len(b))
		}
		// A stalls; its leases run out; B claims them and sends one.
		b, err := s.ClaimOutbox(ctx(t), now.Add(3*time.Minute), 10, time.Minute, nil)
		if err != nil || len(b) != 3 {
			t.Fatalf("claim B: %v %d", err, len(b))
		}
		if err := s.MarkOutboxSent(ctx(t), b[0].ID, now.Add(3*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if renewed, err := s.RenewOutboxLeases(ctx(t), a, now.Add(4*time.Minute)); err != nil || len(renewed) != 0 {
			t.Errorf("A renewed %v (err %v) after B took them", renewed, err)
		}
		if renewed, err := s.RenewOutboxLeases(ctx(t), b, now.Add(4*time.Minute)); err != nil || !slices.Equal(renewed, []uint64{b[1].ID, b[2].ID}) {
			t.Errorf("B renewed %v (err %v), want the two unsent", renewed, err)
		}
	})
}

// TestReleaseOutbox: claims given back are claimable at once, with their
// attempt uncounted; a claim that is no longer held is left alone.
func TestReleaseOutbox(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		now := time.Now()
		for i := range 2 {
			m := &desk.OutboxMail{Kind: desk.OutboxReply, From: "a@desk.gov", To: fmt.Sprintf("r%d@agency.gov", i), Raw: []byte("x"), NextAttemptAt: now}
			if err := s.EnqueueMail(ctx(t), m); err != nil {
				t.Fatal(err)
			}
		}
		a, err := s.ClaimOutbox(ctx(t), now, 10, 15*time.Minute, nil)
		if err != nil || len(a) != 2 {
			t.Fatalf("claim: %v %d", err, len(a))
		}
		if err := s.ReleaseOutbox(ctx(t), a[:1]); err != nil {
			t.Fatal(err)
		}
		b, err := s.ClaimOutbox(ctx(t), now.Add(time.Second), 10, time.Minute, nil)
		if err != nil || len(b) != 1 || b[0].ID != a[0].ID || b[0].Attempts != 1 {
			t.Fatalf("after release, claimed %v (err %v), want mail %d at attempt 1", b, err, a[0].ID)
		}
		// A's claim of it is gone: releasing it again leaves B's lease.
		if err := s.ReleaseOutbox(ctx(t), a[:1]); err != nil {
			t.Fatal(err)
		}
		if c, _ := s.ClaimOutbox(ctx(t), now.Add(2*time.Second), 10, time.Minute, nil); len(c) != 0 {
			t.Errorf("a stale release freed B's lease: claimed %d", len(c))
		}
	})
}
