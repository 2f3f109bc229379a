package store_test

import (
	"sync"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/notify"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// version reads a ticket's stored version.
func version(t *testing.T, s *store.Store, ref string) int64 {
	t.Helper()
	tk, err := s.GetTicket(ctx(t), ref)
	if err != nil {
		t.Fatal(err)
	}
	return tk.Version
}

// TestTicketVersion_MovesWithEveryWrite: the version moves once with every
// write to a ticket's timeline, whoever writes it (a create, a change, a
// notice), not with a change that writes nothing; each event carries the
// version its write made, so EventsSince is what changed after a version.
func TestTicketVersion_MovesWithEveryWrite(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		tk := createTicket(t, s, newTicket("quota", base.Add(time.Hour)))
		if tk.Version != 1 || version(t, s, tk.Ref) != 1 {
			t.Fatalf("created: version %d (stored %d), want 1", tk.Version, version(t, s, tk.Ref))
		}
		change := func(events ...*desk.Event) *desk.Ticket {
			t.Helper()
			got, err := s.UpdateTicketWith(ctx(t), tk.Ref, func(_ desk.Tx, t *desk.Ticket) (desk.Writes, error) {
				t.Subject += "!"
				return desk.Writes{Events: events}, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		if got := change(&desk.Event{Actor: "Ana <ana@agency.gov>", Kind: desk.EventReply, Body: "one"},
			&desk.Event{Actor: "slatrack", Kind: desk.EventPromise}); got.Version != 2 {
			t.Errorf("a change with two events: version %d, want 2 (once per write)", got.Version)
		}
		if got := change(); got.Version != 2 || version(t, s, tk.Ref) != 2 {
			t.Errorf("a change that writes no event: version %d, want 2 still", got.Version)
		}
		if got := change(&desk.Event{Actor: "Bo <bo@agency.gov>", Kind: desk.EventNote, Internal: true, Body: "two"}); got.Version != 3 {
			t.Errorf("a note: version %d, want 3", got.Version)
		}
		got, err := s.GetTicket(ctx(t), tk.Ref)
		if err != nil {
			t.Fatal(err)
		}
		ok, err := s.RecordNotification(ctx(t), notice(notify.KindAtRisk, got, base), &desk.Event{At: base, Actor: "slatrack", Kind: "notified", Internal: true}, nil)
		if err != nil || !ok {
			t.Fatalf("notice: %v %v", ok, err)
		}
		if v := version(t, s, tk.Ref); v != 4 {
			t.Errorf("after a notice: version %d, want 4", v)
		}
		evs, err := s.Timeline(ctx(t), tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int64{desk.EventMessageIn: 1, desk.EventReply: 2, desk.EventPromise: 2, desk.EventNote: 3, "notified": 4}
		for _, e := range evs {
			if e.Version != want[e.Kind] {
				t.Errorf("%s event: version %d, want %d", e.Kind, e.Version, want[e.Kind])
			}
		}
		var since []*desk.Event
		_, err = s.UpdateTicketWith(ctx(t), tk.Ref, func(tx desk.Tx, t *desk.Ticket) (desk.Writes, error) {
			var err error
			since, err = tx.EventsSince(t.ID, 2)
			return desk.Writes{}, err
		})
		if err != nil || len(since) != 2 || since[0].Kind != desk.EventNote || since[1].Kind != "notified" {
			t.Errorf("EventsSince(2) = %v, %v; want the note and the notice", kinds(since), err)
		}
	})
}

// TestTicketVersion_ConcurrentWritersNeverShare: writers racing on one
// ticket each get a version of their own, and none is lost.
func TestTicketVersion_ConcurrentWritersNeverShare(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		tk := createTicket(t, s, newTicket("race", base.Add(time.Hour)))
		const n = 8
		var wg sync.WaitGroup
		versions := make(chan int64, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := s.UpdateTicketWith(ctx(t), tk.Ref, func(_ desk.Tx, _ *desk.Ticket) (desk.Writes, error) {
					return desk.Writes{Events: []*desk.Event{{Actor: "slatrack", Kind: desk.EventNote, Body: "x"}}}, nil
				})
				if err != nil {
					t.Error(err)
					return
				}
				versions <- got.Version
			}()
		}
		wg.Wait()
		close(versions)
		seen := map[int64]bool{}
		for v := range versions {
			if seen[v] {
				t.Errorf("version %d given twice", v)
			}
			seen[v] = true
		}
		if v := version(t, s, tk.Ref); v != 1+n {
			t.Errorf("after %d writers: version %d, want %d", n, v, 1+n)
		}
	})
}

func kinds(evs []*desk.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Kind)
	}
	return out
}

// TestPresence_ExpiresAndNamesOthers: a heartbeat lists the others seen
// within the window, with their names, never oneself; old heartbeats drop
// off the list, are forgotten past the second bound, and leaving removes
// one at once.
func TestPresence_ExpiresAndNamesOthers(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		tk := createTicket(t, s, newTicket("presence", base.Add(time.Hour)))
		ana := createUser(t, s, "ana@agency.gov", "Ana")
		bo := createUser(t, s, "bo@agency.gov", "Bo")
		cy := createUser(t, s, "cy@agency.gov", "Cy")
		beat := func(u *desk.User, at time.Time, typing bool) []*desk.Presence {
			t.Helper()
			others, err := s.TouchPresence(ctx(t), &desk.Presence{TicketID: tk.ID, UserID: u.ID, Typing: typing, SeenAt: at}, at.Add(-30*time.Second), at.Add(-5*time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			return others
		}
		names := func(ps []*desk.Presence) (out []string) {
			for _, p := range ps {
				n := p.User.Name
				if p.Typing {
					n += " typing"
				}
				out = append(out, n)
			}
			return out
		}
		if got := beat(ana, base, false); len(got) != 0 {
			t.Errorf("alone: %v", names(got))
		}
		beat(cy, base.Add(-2*time.Minute), false) // long gone
		beat(bo, base.Add(5*time.Second), true)
		if got := names(beat(ana, base.Add(10*time.Second), false)); len(got) != 1 || got[0] != "Bo typing" {
			t.Errorf("Ana sees %v, want [Bo typing] (Cy's heartbeat is too old)", got)
		}
		if got := names(beat(ana, base.Add(40*time.Second), false)); len(got) != 0 {
			t.Errorf("35s after Bo's last beat Ana sees %v, want nobody", got)
		}
		if got := names(beat(bo, base.Add(41*time.Second), false)); len(got) != 1 || got[0] != "Ana" {
			t.Errorf("Bo sees %v, want [Ana]", got)
		}
		if err := s.LeavePresence(ctx(t), tk.ID, bo.ID); err != nil {
			t.Fatal(err)
		}
		if got := names(beat(ana, base.Add(42*time.Second), false)); len(got) != 0 {
			t.Errorf("after Bo left Ana sees %v", got)
		}
		// A heartbeat 10 minutes on forgets the rows older than 5 minutes:
		// asked for everyone since long ago, Bo finds Ana, not Cy.
		beat(ana, base.Add(10*time.Minute), false)
		all, err := s.TouchPresence(ctx(t), &desk.Presence{TicketID: tk.ID, UserID: bo.ID, SeenAt: base.Add(10 * time.Minute)}, base.Add(-time.Hour), base.Add(5*time.Minute))
		if got := names(all); err != nil || len(got) != 1 || got[0] != "Ana" {
			t.Errorf("everyone on record: %v, %v; want [Ana] (Cy's old row forgotten)", got, err)
		}
	})
}

// TestMacros_CRUD: create, list by name, read, update, delete; a name
// taken (ignoring case) is a Conflict, a missing macro NotFound, on both
// engines, with no SQL in the messages.
func TestMacros_CRUD(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		c := ctx(t)
		b := &desk.Macro{Name: "Password reset", Body: "Hi {{requester_name}}", SetStatus: desk.StatusWaiting, AssignTo: "me", CreatedAt: base, UpdatedAt: base}
		a := &desk.Macro{Name: "all set", Body: "Done.", CreatedAt: base, UpdatedAt: base}
		for _, m := range []*desk.Macro{b, a} {
			if err := s.CreateMacro(c, m); err != nil || m.ID == 0 {
				t.Fatalf("CreateMacro(%q): id %d, %v", m.Name, m.ID, err)
			}
		}
		err := s.CreateMacro(c, &desk.Macro{Name: "PASSWORD RESET", Body: "x", CreatedAt: base, UpdatedAt: base})
		wantCode(t, err, desk.Conflict)
		list, err := s.ListMacros(c)
		if err != nil || len(list) != 2 || list[0].Name != "all set" || list[1].Name != "Password reset" {
			t.Fatalf("ListMacros = %v, %v; want by name ignoring case", list, err)
		}
		got, err := s.GetMacro(c, b.ID)
		if err != nil || got.Body != b.Body || got.SetStatus != desk.StatusWaiting || got.AssignTo != "me" || !got.CreatedAt.Equal(base) {
			t.Fatalf("GetMacro = %+v, %v", got, err)
		}
		got.Body, got.SetStatus, got.SetClass, got.UpdatedAt = "Hello {{ref}}", "", "access", base.Add(time.Hour)
		if err := s.UpdateMacro(c, got); err != nil {
			t.Fatal(err)
		}
		again, _ := s.GetMacro(c, b.ID)
		if again.Body != "Hello {{ref}}" || again.SetStatus != "" || again.SetClass != "access" || !again.UpdatedAt.Equal(base.Add(time.Hour)) || !again.CreatedAt.Equal(base) {
			t.Errorf("after update: %+v", again)
		}
		got.Name = "ALL SET"
		wantCode(t, s.UpdateMacro(c, got), desk.Conflict)
		if err := s.DeleteMacro(c, a.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, s.DeleteMacro(c, a.ID), desk.NotFound)
		_, err = s.GetMacro(c, a.ID)
		wantCode(t, err, desk.NotFound)
		wantCode(t, s.UpdateMacro(c, &desk.Macro{ID: a.ID, Name: "gone"}), desk.NotFound)
	})
}

// TestTicketsFrom_RequesterAndDomain: the requester's other tickets, and
// their colleagues' at the same domain (not the requester's own), newest
// first, limited, with the total.
func TestTicketsFrom_RequesterAndDomain(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		mk := func(subject, email string, at time.Time) *desk.Ticket {
			tk := newTicket(subject, at.Add(3*time.Hour))
			tk.RequesterEmail, tk.ReceivedAt = email, at
			return createTicket(t, s, tk)
		}
		this := mk("this", "sam@agency.gov", base)
		mk("sam old", "sam@agency.gov", base.Add(-2*time.Hour))
		mk("sam new", "sam@agency.gov", base.Add(-time.Hour))
		mk("kim", "kim@agency.gov", base.Add(-time.Hour))
		mk("lee", "lee@agency.gov", base.Add(-3*time.Hour))
		mk("other agency", "zed@other.gov", base)
		mk("suffix trap", "x@notagency.gov", base)
		mine, n, err := s.TicketsFrom(ctx(t), "Sam@Agency.gov", "", this.ID, 5)
		if err != nil || n != 2 || len(mine) != 2 || mine[0].Subject != "sam new" || mine[1].Subject != "sam old" {
			t.Errorf("mine = %v (%d), %v", subjects(mine), n, err)
		}
		org, n, err := s.TicketsFrom(ctx(t), "sam@agency.gov", "agency.gov", this.ID, 1)
		if err != nil || n != 2 || len(org) != 1 || org[0].Subject != "kim" {
			t.Errorf("org = %v (%d), %v; want [kim] of 2", subjects(org), n, err)
		}
	})
}

// TestPresence_ConcurrentHeartbeats: agents coming back to a ticket at once,
// each heartbeat also clearing old rows, never fail on each other.
func TestPresence_ConcurrentHeartbeats(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		tk := createTicket(t, s, newTicket("busy", base.Add(time.Hour)))
		var users []*desk.User
		for i := 0; i < 6; i++ {
			u := createUser(t, s, "agent"+string(rune('a'+i))+"@agency.gov", "Agent "+string(rune('A'+i)))
			users = append(users, u)
			if _, err := s.TouchPresence(ctx(t), &desk.Presence{TicketID: tk.ID, UserID: u.ID, SeenAt: base.Add(-time.Hour)}, base.Add(-2*time.Hour), base.Add(-3*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		for _, u := range users {
			wg.Add(1)
			go func(u *desk.User) {
				defer wg.Done()
				for i := 0; i < 5; i++ {
					at := base.Add(time.Duration(i) * time.Second)
					if _, err := s.TouchPresence(ctx(t), &desk.Presence{TicketID: tk.ID, UserID: u.ID, SeenAt: at}, at.Add(-30*time.Second), at.Add(-5*time.Minute)); err != nil {
						t.Error(err)
						return
					}
				}
			}(u)
		}
		wg.Wait()
		others, err := s.TouchPresence(ctx(t), &desk.Presence{TicketID: tk.ID, UserID: users[0].ID, SeenAt: base.Add(5 * time.Second)}, base.Add(-25*time.Second), base.Add(-5*time.Minute))
		if err != nil || len(others) != 5 {
			t.Errorf("after the burst %d others, %v; want the 5 others", len(others), err)
		}
	})
}
