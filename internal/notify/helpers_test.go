package notify_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/quotedprintable"
	netmail "net/mail"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/clock"
	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/desk/desktest"
	"github.com/slatrack/slatrack/internal/mail"
	"github.com/slatrack/slatrack/internal/notify"
	"github.com/slatrack/slatrack/internal/outbox"
	"github.com/slatrack/slatrack/internal/sla"
	"github.com/slatrack/slatrack/internal/store"
)

var ny = clock.DefaultOptions().Location

func at(month time.Month, day, hour, min int) time.Time {
	return time.Date(2026, month, day, hour, min, 0, 0, ny)
}

// testClock is the one clock the desk service and every scheduler read.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func policy(t testing.TB) *sla.Policy {
	t.Helper()
	return desktest.Policy(t)
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// desk is a service (without mail of its own: no acknowledgements) on st,
// with an admin (Ada), a staff member (Sam) and a deactivated account.
type deskFixture struct {
	svc   *desk.Service
	clock *testClock
	admin *desk.User
	sam   *desk.User
}

func newDesk(t *testing.T, st *store.Store, clk *testClock) *deskFixture {
	t.Helper()
	cl := desktest.Classifier(t)
	var err error
	f := &deskFixture{clock: clk}
	f.svc = desk.NewService(st, desk.Config{Policy: policy(t), Classifier: cl, RefPrefix: "SR", BcryptCost: 4, Now: clk.Now})
	ctx := context.Background()
	if f.admin, err = f.svc.CreateUser(ctx, desk.NewUser{Email: "admin@agency.gov", Name: "Ada", Role: desk.RoleAdmin, Password: "long enough password"}); err != nil {
		t.Fatal(err)
	}
	if f.sam, err = f.svc.CreateUser(ctx, desk.NewUser{Email: "sam@agency.gov", Name: "Sam", Role: desk.RoleStaff, Password: "long enough password"}); err != nil {
		t.Fatal(err)
	}
	gone, err := f.svc.CreateUser(ctx, desk.NewUser{Email: "gone@agency.gov", Name: "Gone", Role: desk.RoleStaff, Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	gone.Active = false
	if err := st.UpdateUser(ctx, gone); err != nil {
		t.Fatal(err)
	}
	return f
}

// create opens a ticket of class received at received (backdated by the
// admin when before the clock).
func (f *deskFixture) create(t *testing.T, subject, class string, received time.Time) *desk.Ticket {
	t.Helper()
	n := desk.NewTicket{Subject: subject, Body: "please see the subject", RequesterEmail: "ann@agency.gov", RequesterName: "Ann",
		Class: class, Channel: desk.ChannelWeb}
	if received.Before(f.clock.Now()) {
		n.ReceivedAt = received
	}
	tk, err := f.svc.CreateTicket(context.Background(), n, f.admin)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Class != class {
		t.Fatalf("%q was classified %s, want %s", subject, tk.Class, class)
	}
	return tk
}

func (f *deskFixture) assign(t *testing.T, tk *desk.Ticket, email string) {
	t.Helper()
	if _, err := f.svc.Update(context.Background(), tk.Ref, f.admin, desk.Patch{AssigneeEmail: &email}); err != nil {
		t.Fatal(err)
	}
}

// sent is one notification a scheduler recorded, with what it queued.
type sent struct {
	instance string
	n        notify.Notification
	ev       *desk.Event
	rows     []*desk.OutboxMail
}

// recorder wraps a scheduler's store and keeps every notification whose
// key that scheduler inserted (RecordNotification returned true).
type recorder struct {
	mu   sync.Mutex
	sent []sent
}

func (r *recorder) all() []sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sent(nil), r.sent...)
}

type recStore struct {
	notify.Store
	name string
	rec  *recorder
}

func (s recStore) RecordNotification(ctx context.Context, n notify.Notification, ev *desk.Event, rows []*desk.OutboxMail) (bool, error) {
	ok, err := s.Store.RecordNotification(ctx, n, ev, rows)
	if ok && err == nil {
		s.rec.mu.Lock()
		s.rec.sent = append(s.rec.sent, sent{instance: s.name, n: n, ev: ev, rows: rows})
		s.rec.mu.Unlock()
	}
	return ok, err
}

const testWebhook = "https://hooks.example.test/services/T0/B0/secret"

func newScheduler(st notify.Store, pol *sla.Policy, clk *testClock, cfg notify.Config) *notify.Scheduler {
	return &notify.Scheduler{
		Store:   st,
		Policy:  pol,
		Mail:    &desk.MailSettings{From: mail.Address{Name: "Service Desk", Email: "help@desk.test"}, Signer: mail.IDSigner{Secret: []byte("k"), Domain: "desk.test"}},
		Config:  cfg,
		BaseURL: "http://desk.test",
		Now:     clk.Now,
		Log:     quietLog(),
	}
}

// describe is one line of the schedule: "09:31 breached:D mail=admin@agency.gov webhook".
func describe(s sent, names map[uint64]string) string {
	what := s.n.Key
	if s.n.TicketID != nil {
		what = s.n.Kind + ":" + names[*s.n.TicketID]
	}
	line := s.n.CreatedAt.In(ny).Format("15:04") + " " + what
	for _, o := range s.rows {
		switch o.Kind {
		case outbox.KindWebhook:
			line += " webhook"
		default:
			line += " " + o.Kind + "=" + o.To
		}
	}
	return line
}

func sortedLines(lines []string) []string {
	out := append([]string(nil), lines...)
	sort.Strings(out)
	return out
}

// bodyText is the decoded text of a composed mail.
func bodyText(t *testing.T, raw []byte) (subject, text string) {
	t.Helper()
	m, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var r io.Reader = m.Body
	if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		r = quotedprintable.NewReader(m.Body)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return m.Header.Get("Subject"), strings.ReplaceAll(string(b), "\r\n", "\n")
}
