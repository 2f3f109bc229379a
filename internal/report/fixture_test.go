package report_test

import (
	"context"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/clock"
	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/desk/desktest"
	"github.com/slatrack/slatrack/internal/sla"
	"github.com/slatrack/slatrack/internal/store"
)

// The desk of these tests is the published one: America/New_York,
// Mon–Fri 09:00–17:00, US federal holidays as observed; first response
// within 3 business hours (availability), 2 business days = 16h
// (provisioning) and 5 business days = 40h (other).
var ny = clock.DefaultOptions().Location

// et is a wall-clock time in America/New_York.
func et(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, ny)
}

func testPolicy(t testing.TB) *sla.Policy {
	t.Helper()
	return desktest.Policy(t)
}

// fixture imports tickets through the desk service, as an admin importing
// history would (backdated ReceivedAt), and replies with the service's
// clock stood at the reply time, so the store holds exactly what the real
// code paths write.
type fixture struct {
	svc   *desk.Service
	st    *store.Store
	pol   *sla.Policy
	now   time.Time
	admin *desk.User
	staff *desk.User
}

func newFixture(t *testing.T, st *store.Store) *fixture {
	t.Helper()
	cl := desktest.Classifier(t)
	var err error
	f := &fixture{st: st, pol: testPolicy(t), now: et(2027, time.January, 4, 12, 0)}
	f.svc = desk.NewService(st, desk.Config{Policy: f.pol, Classifier: cl, RefPrefix: "SR", BcryptCost: 4, Now: func() time.Time { return f.now }})
	ctx := context.Background()
	if f.admin, err = f.svc.CreateUser(ctx, desk.NewUser{Email: "ada@agency.gov", Name: "Ada", Role: desk.RoleAdmin, Password: "long enough password"}); err != nil {
		t.Fatal(err)
	}
	if f.staff, err = f.svc.CreateUser(ctx, desk.NewUser{Email: "sam@agency.gov", Name: "Sam", Role: desk.RoleStaff, Password: "long enough password"}); err != nil {
		t.Fatal(err)
	}
	return f
}

// ticket imports a ticket of class received at received and checks the
// deadline the service gave it against the hand-computed wantDue.
func (f *fixture) ticket(t *testing.T, class, subject string, received, wantDue time.Time) *desk.Ticket {
	t.Helper()
	f.now = et(2027, time.January, 4, 12, 0) // after every receipt: imports may not be in the future
	tk, err := f.svc.CreateTicket(context.Background(), desk.NewTicket{
		Subject: subject, Body: "details", RequesterEmail: "ann@agency.gov", Channel: desk.ChannelAPI,
		Class: class, ReceivedAt: received,
	}, f.admin)
	if err != nil {
		t.Fatalf("import %q: %v", subject, err)
	}
	if tk.Class != class {
		t.Fatalf("%q classified %s, want %s", subject, tk.Class, class)
	}
	if !tk.ResponseDueAt.Equal(wantDue) {
		t.Fatalf("%q received %v: due %v, want %v (hand-computed)", subject, received.In(ny), tk.ResponseDueAt.In(ny), wantDue)
	}
	return tk
}

// reply gives the ticket its first public reply at at.
func (f *fixture) reply(t *testing.T, tk *desk.Ticket, at time.Time) {
	t.Helper()
	f.now = at
	got, err := f.svc.Reply(context.Background(), tk.Ref, f.staff, "On it.", false)
	if err != nil {
		t.Fatalf("reply to %s: %v", tk.Ref, err)
	}
	if got.FirstResponseAt == nil || !got.FirstResponseAt.Equal(at) {
		t.Fatalf("reply to %s: first response %v, want %v", tk.Ref, got.FirstResponseAt, at)
	}
}

// update changes a ticket's status and/or assignee.
func (f *fixture) update(t *testing.T, tk *desk.Ticket, status, assignee string) {
	t.Helper()
	var p desk.Patch
	if status != "" {
		p.Status = &status
	}
	if assignee != "" {
		p.AssigneeEmail = &assignee
	}
	if _, err := f.svc.Update(context.Background(), tk.Ref, f.admin, p); err != nil {
		t.Fatalf("update %s: %v", tk.Ref, err)
	}
}
