package desk_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/clock"
	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/desk/desktest"
	"github.com/slatrack/slatrack/internal/sla"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

var ny = clock.DefaultOptions().Location

type fixture struct {
	svc   *desk.Service
	st    *store.Store
	now   time.Time
	admin *desk.User
	staff *desk.User
}

func newFixture(t *testing.T, st *store.Store) *fixture {
	t.Helper()
	f := &fixture{now: time.Date(2026, 7, 2, 16, 0, 0, 0, ny), st: st}
	f.svc = desk.NewService(st, desk.Config{Policy: desktest.Policy(t), Classifier: desktest.Classifier(t), RefPrefix: "SR", BcryptCost: 4,
		Now: func() time.Time { return f.now }})
	ctx := context.Background()
	var err error
	f.admin, err = f.svc.CreateUser(ctx, desk.NewUser{Email: "Admin@Agency.gov", Name: "Ada", Role: desk.RoleAdmin, Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	f.staff, err = f.svc.CreateUser(ctx, desk.NewUser{Email: "sam@agency.gov", Name: "Sam", Role: desk.RoleStaff, Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) create(t *testing.T, n desk.NewTicket) *desk.Ticket {
	t.Helper()
	if n.RequesterEmail == "" {
		n.RequesterEmail = "ann@agency.gov"
	}
	if n.Body == "" {
		n.Body = "details"
	}
	if n.Channel == "" {
		n.Channel = desk.ChannelWeb
	}
	tk, err := f.svc.CreateTicket(context.Background(), n, f.admin)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// eachStore runs fn on a fresh store per engine, named by case.
func eachStore(t *testing.T, name string, fn func(t *testing.T, st *store.Store)) {
	t.Helper()
	t.Run(name, func(t *testing.T) { storetest.ForEach(t, fn) })
}

func TestService(t *testing.T) {
	ctx := context.Background()
	{
		eachStore(t, "create_classifies_and_sets_deadline_from_receipt", func(t *testing.T, st *store.Store) {
			f := newFixture(t, st)
			tk := f.create(t, desk.NewTicket{Subject: "Our app is down", Body: "502 Bad Gateway on every request"})
			if tk.Class != "availability" || tk.ClassBy != desk.ClassByRule || !strings.Contains(tk.ClassReason, "rule") {
				t.Errorf("class %s by %s (%s)", tk.Class, tk.ClassBy, tk.ClassReason)
			}
			if want := time.Date(2026, 7, 6, 11, 0, 0, 0, ny); !tk.ResponseDueAt.Equal(want) {
				t.Errorf("due %v, want %v", tk.ResponseDueAt, want)
			}
			if !strings.HasPrefix(tk.Ref, "SR-") || tk.Status != desk.StatusNew {
				t.Errorf("ref %q status %q", tk.Ref, tk.Status)
			}
			_, ev, err := f.svc.Get(ctx, tk.Ref)
			if err != nil || len(ev) != 2 || ev[0].Kind != desk.EventMessageIn || ev[1].Kind != desk.EventCreated {
				t.Fatalf("timeline %v %v", ev, err)
			}
		})
		eachStore(t, "availability_wins_over_requester_choice", func(t *testing.T, st *store.Store) {
			f := newFixture(t, st)
			tk := f.create(t, desk.NewTicket{Subject: "Question", Body: "our site returns 503 errors since noon", Class: "other"})
			if tk.Class != "availability" || !strings.Contains(tk.ClassReason, "requester chose other") {
				t.Errorf("class %s (%s)", tk.Class, tk.ClassReason)
			}
			tk = f.create(t, desk.NewTicket{Subject: "Please add me", Body: "to the org", Class: "provisioning"})
			if tk.Class != "provisioning" || tk.ClassBy != desk.ClassByRequester {
				t.Errorf("class %s by %s", tk.Class, tk.ClassBy)
			}
		})
		eachStore(t, "reclassify_recomputes_from_original_receipt_and_logs", func(t *testing.T, st *store.Store) {
			f := newFixture(t, st)
			tk := f.create(t, desk.NewTicket{Subject: "Billing question", Body: "How is usage billed?"})
			if tk.Class != "other" {
				t.Fatalf("class %s", tk.Class)
			}
			f.now = time.Date(2026, 7, 8, 10, 0, 0, 0, ny) // days later: must not matter
			class := "provisioning"
			up, err := f.svc.Update(ctx, tk.Ref, f.staff, desk.Patch{Class: &class, Reason: "actually a quota request"})
			if err != nil {
				t.Fatal(err)
			}
			// Received Thu Jul 2 16:00; 2 business days: Thu 1h, Mon 8h, Tue 7h → Tue Jul 7 16:00.
			if want := time.Date(2026, 7, 7, 16, 0, 0, 0, ny); !up.ResponseDueAt.Equal(want) {
				t.Errorf("due %v, want %v", up.ResponseDueAt.In(ny), want)
			}
			if up.ClassBy != desk.ClassByStaff || !strings.Contains(up.ClassReason, "Sam") || !strings.Contains(up.ClassReason, "quota request") {
				t.Errorf("class reason %q", up.ClassReason)
			}
			_, ev, _ := f.svc.Get(ctx, tk.Ref)
			var cls, due *desk.Event
			for _, e := range ev {
				switch e.Kind {
				case desk.EventClassChanged:
					cls = e
				case desk.EventDueChanged:
					due = e
				}
			}
			if cls == nil || cls.Old != "other" || cls.New != "provisioning" || cls.Reason != "actually a quota request" || cls.ActorID == nil || *cls.ActorID != f.staff.ID {
				t.Errorf("class event %+v", cls)
			}
			if due == nil || due.New != "2026-07-07T16:00:00-04:00" {
				t.Errorf("due event %+v", due)
			}
		})
		eachStore(t, "first_public_reply_stops_clock_note_does_not", func(t *testing.T, st *store.Store) {
			f := newFixture(t, st)
			tk := f.create(t, desk.NewTicket{Subject: "Site down", Body: "connection refused"})
			f.now = time.Date(2026, 7, 6, 9, 30, 0, 0, ny)
			tk, err := f.svc.Reply(ctx, tk.Ref, f.staff, "looking", true)
			if err != nil || tk.FirstResponseAt != nil {
				t.Fatalf("note stopped the clock: %v %v", tk.FirstResponseAt, err)
			}
			f.now = time.Date(2026, 7, 6, 10, 0, 0, 0, ny)
			tk, err = f.svc.Reply(ctx, tk.Ref, f.staff, "fixed the route", false)
			if err != nil || tk.FirstResponseAt == nil || !tk.FirstResponseAt.Equal(f.now) || tk.Status != desk.StatusOpen {
				t.Fatalf("reply: %+v %v", tk, err)
			}
			if st, rem := f.svc.SLA(tk, f.now.Add(48*time.Hour)); st != sla.Met || rem != time.Hour {
				t.Errorf("state %s rem %v, want met with 1h to spare", st, rem)
			}
			f.now = f.now.Add(time.Hour)
			tk, _ = f.svc.Reply(ctx, tk.Ref, f.staff, "second reply", false)
			if !tk.FirstResponseAt.Equal(time.Date(2026, 7, 6, 10, 0, 0, 0, ny)) {
				t.Errorf("second reply moved the first response to %v", tk.FirstResponseAt)
			}
		})
		eachStore(t, "late_reply_is_breached", func(t *testing.T, st *store.Store) {
			f := newFixture(t, st)
			tk := f.create(t, desk.NewTicket{Subject: "App crashed", Body: "500 errors"})
			f.now = time.Date(2026, 7, 6, 11, 0, 1, 0, ny)
			tk, _ = f.svc.Reply(ctx, tk.Ref, f.staff, "sorry", false)
			if st, _ := f.svc.SLA(tk, f.now); st != sla.Breached {
				t.Errorf("state %s", st)
			}
		})
		eachStore(t, "states_as_time_passes", func(t *testing.T, st *store.Store) {
			f := newFixture(t, st)
			tk := f.create(t, desk.NewTicket{Subject: "App down", Body: "timeouts"}) // due Mon Jul 6 11:00
			for _, c := range []struct {
				at   time.Time
				want sla.State
				rem  time.Duration
			}{
				{time.Date(2026, 7, 3, 12, 0, 0, 0, ny), sla.OnTrack, 2 * time.Hour}, // holiday: clock stopped
				{time.Date(2026, 7, 6, 10, 0, 0, 0, ny), sla.AtRisk, time.Hour},
				{time.Date(2026, 7, 6, 11, 30, 0, 0, ny), sla.Breached, -30 * time.Minute},
			} {
				if st, rem := f.svc.SLA(tk, c.at); st != c.want || rem != c.rem {
					t.Errorf("at %v: %s %v, want %s %v", c.at, st, rem, c.want, c.rem)
				}
			}
		})
		eachStore(t, "list_by_state_matches_evaluate", func(t *testing.T, st *store.Store) {
			f := newFixture(t, st)
			f.create(t, desk.NewTicket{Subject: "outage", Body: "site down"})                                                    // due Mon 11:00
			f.create(t, desk.NewTicket{Subject: "quota", Body: "increase memory quota", ReceivedAt: f.now.Add(-72 * time.Hour)}) // old
			f.create(t, desk.NewTicket{Subject: "docs", Body: "question about docs"})
			f.now = time.Date(2026, 7, 6, 10, 30, 0, 0, ny)
			seen := 0
			for _, s := range []sla.State{sla.OnTrack, sla.AtRisk, sla.Breached, sla.Met} {
				got, _, err := f.svc.List(ctx, desk.Filter{State: string(s)})
				if err != nil {
					t.Fatal(err)
				}
				for _, tk := range got {
					if st, _ := f.svc.SLA(tk, f.now); st != s {
						t.Errorf("filter %s returned %s which is %s", s, tk.Ref, st)
					}
				}
				seen += len(got)
			}
			if seen != 3 {
				t.Errorf("states partition %d tickets, want 3", seen)
			}
		})
		eachStore(t, "validation_names_fields", func(t *testing.T, st *store.Store) {
			f := newFixture(t, st)
			_, err := f.svc.CreateTicket(ctx, desk.NewTicket{Subject: " ", Body: "", RequesterEmail: "nope", Class: "urgent"}, nil)
			fe := desk.FieldErrors(err)
			for _, k := range []string{"subject", "body", "requester_email", "class"} {
				if fe[k] == "" {
					t.Errorf("no message for %s: %v", k, fe)
				}
			}
			_, err = f.svc.CreateTicket(ctx, desk.NewTicket{Subject: "x", Body: "y", RequesterEmail: "a@b.gov", ReceivedAt: f.now.Add(-time.Hour)}, f.staff)
			if desk.ErrorCode(err) != desk.Forbidden {
				t.Errorf("staff backdating: %v", err)
			}
		})
		eachStore(t, "concurrent_replies_and_reclassifications_lose_nothing", func(t *testing.T, st *store.Store) {
			f := newFixture(t, st)
			tk := f.create(t, desk.NewTicket{Subject: "question", Body: "hello"})
			var wg sync.WaitGroup
			for i := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for j := range 5 {
						if _, err := f.svc.Reply(ctx, tk.Ref, f.staff, "note", true); err != nil {
							t.Error(err)
						}
						class := []string{"availability", "provisioning", "other"}[(i+j)%3]
						if _, err := f.svc.Update(ctx, tk.Ref, f.staff, desk.Patch{Class: &class}); err != nil {
							t.Error(err)
						}
					}
				}()
			}
			wg.Wait()
			final, ev, _ := f.svc.Get(ctx, tk.Ref)
			notes, changes := 0, 0
			class := "other"
			for _, e := range ev {
				switch e.Kind {
				case desk.EventNote:
					notes++
				case desk.EventClassChanged:
					changes++
					if e.Old != class {
						t.Errorf("class change from %s, but the class was %s: a lost update", e.Old, class)
					}
					class = e.New
				}
			}
			if notes != 40 || class != final.Class {
				t.Errorf("notes %d (want 40), last logged class %s, ticket class %s", notes, class, final.Class)
			}
			want, _ := f.svc.Policy.Due(final.Class, final.ReceivedAt)
			if !final.ResponseDueAt.Equal(want) {
				t.Errorf("due %v does not match class %s", final.ResponseDueAt, final.Class)
			}
		})
	}
}

func TestAccounts(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, storetest.Open(t))
	t.Run("authenticate", func(t *testing.T) {
		if _, err := f.svc.Authenticate(ctx, "admin@agency.gov", "long enough password"); err != nil {
			t.Errorf("good password: %v", err)
		}
		if _, err := f.svc.Authenticate(ctx, "admin@agency.gov", "wrong password!!"); desk.ErrorCode(err) != desk.Unauthorized {
			t.Errorf("bad password: %v", err)
		}
		if _, err := f.svc.Authenticate(ctx, "nobody@agency.gov", "long enough password"); desk.ErrorCode(err) != desk.Unauthorized || desk.ErrorMessage(err) != "wrong email or password" {
			t.Errorf("unknown user: %v", err)
		}
	})
	t.Run("password_is_hashed_slowly", func(t *testing.T) {
		u, _ := f.st.GetUserByEmail(ctx, "admin@agency.gov")
		if !strings.HasPrefix(u.PasswordHash, "$2a$") || strings.Contains(u.PasswordHash, "long enough") {
			t.Errorf("hash %q", u.PasswordHash)
		}
	})
	t.Run("short_password_refused", func(t *testing.T) {
		_, err := f.svc.CreateUser(ctx, desk.NewUser{Email: "x@agency.gov", Name: "X", Role: desk.RoleStaff, Password: "short"})
		if desk.FieldErrors(err)["password"] == "" {
			t.Errorf("err %v", err)
		}
	})
	t.Run("sessions_are_new_each_time_and_end", func(t *testing.T) {
		a, _ := f.svc.StartSession(ctx, f.staff, time.Hour)
		b, _ := f.svc.StartSession(ctx, f.staff, time.Hour)
		if a == b || len(a) < 40 {
			t.Fatalf("tokens %q %q", a, b)
		}
		if u, err := f.svc.SessionUser(ctx, a); err != nil || u.ID != f.staff.ID {
			t.Fatalf("session user %v %v", u, err)
		}
		f.svc.EndSession(ctx, a)
		if _, err := f.svc.SessionUser(ctx, a); desk.ErrorCode(err) != desk.Unauthorized {
			t.Errorf("ended session still works: %v", err)
		}
	})
	t.Run("tokens", func(t *testing.T) {
		tok, _, err := f.svc.CreateToken(ctx, desk.NewToken{Email: "sam@agency.gov", Name: "ci"})
		if err != nil {
			t.Fatal(err)
		}
		if u, err := f.svc.TokenUser(ctx, tok); err != nil || u.Email != "sam@agency.gov" {
			t.Errorf("token user %v %v", u, err)
		}
		if _, err := f.svc.TokenUser(ctx, tok+"x"); desk.ErrorCode(err) != desk.Unauthorized {
			t.Errorf("forged token: %v", err)
		}
		if _, _, err := f.svc.CreateToken(ctx, desk.NewToken{Email: "ghost@agency.gov", Name: "ci"}); desk.ErrorCode(err) != desk.Invalid {
			t.Errorf("unknown email: %v", err)
		}
	})
}
