package desk_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/store"
)

// TestService_VersionMovesWithEveryChange: every kind of change a person
// makes moves the ticket's version by one; a patch that changes nothing
// leaves it.
func TestService_VersionMovesWithEveryChange(t *testing.T) {
	ctx := context.Background()
	eachStore(t, "every_change", func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		tk := f.create(t, desk.NewTicket{Subject: "Quota please", Body: "more storage"})
		v := tk.Version
		step := func(name string, got *desk.Ticket, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			stored, _, _ := f.svc.Get(ctx, tk.Ref)
			if got.Version != v+1 || stored.Version != v+1 {
				t.Errorf("%s: version %d (stored %d), want %d", name, got.Version, stored.Version, v+1)
			}
			v = stored.Version
		}
		str := func(s string) *string { return &s }
		got, err := f.svc.Reply(ctx, tk.Ref, f.staff, "On it", false)
		step("reply", got, err)
		got, err = f.svc.Reply(ctx, tk.Ref, f.staff, "internal", true)
		step("note", got, err)
		got, err = f.svc.Update(ctx, tk.Ref, f.staff, desk.Patch{Class: str("other")})
		step("class", got, err)
		got, err = f.svc.Update(ctx, tk.Ref, f.staff, desk.Patch{Status: str(desk.StatusWaiting)})
		step("status", got, err)
		got, err = f.svc.Update(ctx, tk.Ref, f.staff, desk.Patch{AssigneeEmail: str("sam@agency.gov")})
		step("assign", got, err)
		got, err = f.svc.AddMessage(ctx, tk.Ref, f.staff, desk.NewMessage{Body: "customer called"})
		step("message", got, err)
		got, err = f.svc.Update(ctx, tk.Ref, f.staff, desk.Patch{AssigneeEmail: str("sam@agency.gov")})
		if err != nil || got.Version != v {
			t.Errorf("a patch that changes nothing: version %d, %v; want %d", got.Version, err, v)
		}
	})
}

// TestService_ExpectedVersion: a reply, note or patch made on a version
// someone has since moved on is refused (Conflict) with what changed, in
// words and with the other reply's text, and writes nothing; slatrack's
// own bookkeeping since does not count; the current version goes through.
func TestService_ExpectedVersion(t *testing.T) {
	ctx := context.Background()
	eachStore(t, "stale", func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		tk := f.create(t, desk.NewTicket{Subject: "VPN broken", Body: "cannot connect"})
		seen := tk.Version // Sam opens the page
		if _, err := f.svc.Reply(ctx, tk.Ref, f.admin, "Ada here: restart the client", false); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.ReplyWith(ctx, tk.Ref, f.staff, desk.ReplyInput{Body: "Sam here: try again", ExpectedVersion: seen})
		if desk.ErrorCode(err) != desk.Conflict {
			t.Fatalf("stale reply: %v, want Conflict", err)
		}
		stale := desk.Stale(err)
		if stale == nil || len(stale.Changes) == 0 {
			t.Fatalf("stale reply: no changes in %v", err)
		}
		c := stale.Changes[0]
		if c.Kind != desk.EventReply || c.Words != "Ada replied" || c.Body != "Ada here: restart the client" || c.Actor != "Ada" {
			t.Errorf("first change %+v; want Ada's reply in words with its text", c)
		}
		for _, c := range stale.Changes {
			if c.Kind == desk.EventPromise || c.Kind == desk.EventFirstResponse {
				t.Errorf("bookkeeping listed as a change: %+v", c)
			}
		}
		if !strings.Contains(desk.ErrorMessage(err), "Ada replied") || !strings.Contains(desk.ErrorMessage(err), "changed since you opened it") {
			t.Errorf("message %q does not say what changed", desk.ErrorMessage(err))
		}
		_, events, _ := f.svc.Get(ctx, tk.Ref)
		for _, e := range events {
			if strings.Contains(e.Body, "Sam here") {
				t.Fatal("the stale reply was written")
			}
		}
		_, err = f.svc.ReplyWith(ctx, tk.Ref, f.staff, desk.ReplyInput{Body: "note", Internal: true, ExpectedVersion: seen})
		if desk.ErrorCode(err) != desk.Conflict {
			t.Errorf("stale note: %v, want Conflict", err)
		}
		st2 := desk.StatusWaiting
		_, err = f.svc.Update(ctx, tk.Ref, f.staff, desk.Patch{Status: &st2, ExpectedVersion: seen})
		if desk.ErrorCode(err) != desk.Conflict || desk.Stale(err) == nil {
			t.Errorf("stale patch: %v, want Conflict with changes", err)
		}
		now, _, _ := f.svc.Get(ctx, tk.Ref)
		if desk.Stale(err) != nil && desk.Stale(err).Version != now.Version {
			t.Errorf("stale version %d, ticket at %d", desk.Stale(err).Version, now.Version)
		}
		// slatrack's own entry since the version Sam saw: not a change.
		seen = now.Version
		if _, err := st.UpdateTicketWith(ctx, tk.Ref, func(_ desk.Tx, _ *desk.Ticket) (desk.Writes, error) {
			return desk.Writes{Events: []*desk.Event{{At: f.now, Actor: "slatrack", Kind: desk.EventAcknowledged, Body: "Acknowledgement sent."}}}, nil
		}); err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.ReplyWith(ctx, tk.Ref, f.staff, desk.ReplyInput{Body: "Sam: fixed", ExpectedVersion: seen})
		if err != nil || got.Version <= seen+1 {
			t.Fatalf("reply after only an acknowledgement: %v (version %d)", err, got.Version)
		}
		// The version the last answer gave goes through.
		got, err = f.svc.Update(ctx, tk.Ref, f.staff, desk.Patch{Status: &st2, ExpectedVersion: got.Version})
		if err != nil || got.Status != desk.StatusWaiting {
			t.Errorf("patch at the current version: %v", err)
		}
		_, changes, err := f.svc.ChangesSince(ctx, tk.Ref, seen, func(e string) string {
			if e == "sam@agency.gov" {
				return "Sam"
			}
			return ""
		})
		if err != nil || len(changes) != 2 || changes[0].Words != "Sam replied" || changes[1].Words != "Sam changed the status from Open to Waiting on customer" {
			t.Errorf("ChangesSince = %+v, %v", changes, err)
		}
	})
}

// TestService_ExpandMacro: every placeholder is filled, as plain text
// (markup in a requester's name stays text, for the page to escape), and
// unknown text in braces is left alone; {{promise}} is worded as the
// intake confirmation words a deadline.
func TestService_ExpandMacro(t *testing.T) {
	eachStore(t, "expand", func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		tk := f.create(t, desk.NewTicket{Subject: "Quota please", Body: "more storage", RequesterName: `<b>Ann</b> & "Co"`})
		m := &desk.Macro{Name: "x", Body: "Hi {{requester_name}}, about {{ ref }}: we will resolve it by {{promise}}. {{agent_name}} {{nope}}"}
		got := f.svc.ExpandMacro(m, tk, f.staff)
		res := tk.Promises[len(tk.Promises)-1]
		want := `Hi <b>Ann</b> & "Co", about ` + tk.Ref + ": we will resolve it by " + f.svc.Policy.Promise(res.DueAt) + ". Sam {{nope}}"
		if got != want {
			t.Errorf("expanded:\n%s\nwant\n%s", got, want)
		}
		if !strings.Contains(got, " ET.") {
			t.Errorf("promise not in words: %s", got)
		}
		tk.RequesterName = ""
		if got := f.svc.ExpandMacro(&desk.Macro{Body: "Hi {{requester_name}}"}, tk, nil); got != "Hi ann@agency.gov" {
			t.Errorf("no name: %q, want the address", got)
		}
	})
}

// TestService_Macros: admins keep the library, with every problem named
// next to its field; staff may read it, not change it; a reply sent from
// a macro applies its actions, each logged with the macro's name.
func TestService_Macros(t *testing.T) {
	ctx := context.Background()
	str := func(s string) *string { return &s }
	eachStore(t, "library_and_actions", func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		_, err := f.svc.CreateMacro(ctx, f.staff, desk.MacroPatch{Name: str("x"), Body: str("y")})
		if desk.ErrorCode(err) != desk.Forbidden {
			t.Errorf("staff creating a macro: %v, want Forbidden", err)
		}
		_, err = f.svc.CreateMacro(ctx, f.admin, desk.MacroPatch{Name: str(" "), Body: str("Hi {{name}}"), SetStatus: str("later"), SetClass: str("nope"), AssignTo: str("ghost@agency.gov")})
		fe := desk.FieldErrors(err)
		for _, field := range []string{"name", "body", "set_status", "set_class", "assign_to"} {
			if fe[field] == "" {
				t.Errorf("no message for %s in %v", field, fe)
			}
		}
		if !strings.Contains(fe["body"], "{{name}} is not a placeholder") {
			t.Errorf("body message %q", fe["body"])
		}
		m, err := f.svc.CreateMacro(ctx, f.admin, desk.MacroPatch{Name: str("Need details"), Body: str("Hi {{requester_name}}, please send the error for {{ref}}."),
			SetStatus: str(desk.StatusWaiting), SetClass: str("other"), AssignTo: str("me")})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.CreateMacro(ctx, f.admin, desk.MacroPatch{Name: str("need DETAILS"), Body: str("x")})
		if desk.ErrorCode(err) != desk.Conflict || desk.ErrorField(err) != "name" {
			t.Errorf("duplicate name: %v", err)
		}
		if list, err := f.svc.Macros(ctx); err != nil || len(list) != 1 {
			t.Errorf("Macros = %v, %v", list, err)
		}
		if got := m.Actions(f.svc.Policy.Title); got != "sets the status to Waiting on customer, sets the class to Other, assigns the ticket to the agent who sends it" {
			t.Errorf("Actions = %q", got)
		}

		tk := f.create(t, desk.NewTicket{Subject: "Quota please", Body: "more storage", RequesterName: "Ann"})
		text := f.svc.ExpandMacro(m, tk, f.staff)
		got, err := f.svc.ReplyWith(ctx, tk.Ref, f.staff, desk.ReplyInput{Body: text, MacroID: m.ID, ExpectedVersion: tk.Version})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != desk.StatusWaiting || got.Class != "other" || got.Assignee == nil || got.Assignee.Email != "sam@agency.gov" {
			t.Errorf("after the macro: status %s, class %s, assignee %v", got.Status, got.Class, got.Assignee)
		}
		_, events, _ := f.svc.Get(ctx, tk.Ref)
		logged := map[string]bool{}
		for _, e := range events {
			if e.Kind == desk.EventReply && e.Body != "Hi Ann, please send the error for "+tk.Ref+"." {
				t.Errorf("reply body %q", e.Body)
			}
			if e.Reason == "macro “Need details”" {
				logged[e.Kind] = true
			}
		}
		for _, k := range []string{desk.EventStatusChanged, desk.EventClassChanged, desk.EventAssigned} {
			if !logged[k] {
				t.Errorf("%s not logged as the macro's", k)
			}
		}
		for _, e := range events {
			if e.Kind == desk.EventStatusChanged && e.New == desk.StatusOpen {
				t.Error("the reply opened the ticket before the macro set it waiting: one status change expected")
			}
		}

		m2, err := f.svc.UpdateMacro(ctx, f.admin, m.ID, desk.MacroPatch{SetClass: str("")})
		if err != nil || m2.SetClass != "" || m2.Name != "Need details" {
			t.Errorf("UpdateMacro: %+v, %v", m2, err)
		}
		if _, err := f.svc.UpdateMacro(ctx, f.staff, m.ID, desk.MacroPatch{SetClass: str("")}); desk.ErrorCode(err) != desk.Forbidden {
			t.Errorf("staff update: %v", err)
		}
		if err := f.svc.DeleteMacro(ctx, f.admin, m.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.ReplyWith(ctx, tk.Ref, f.staff, desk.ReplyInput{Body: "x", MacroID: m.ID})
		if desk.ErrorCode(err) != desk.Invalid || desk.ErrorField(err) != "macro_id" {
			t.Errorf("reply from a deleted macro: %v", err)
		}
	})
}

// TestOrgDomain: a requester's organisation is their mail domain, never a
// public provider's.
func TestOrgDomain(t *testing.T) {
	for _, c := range []struct{ email, want string }{
		{"sam@Agency.gov", "agency.gov"},
		{"carlos.alvarez@gmail.com", ""},
		{"x@OUTLOOK.com", ""},
		{"y@proton.me", ""},
		{"nobody", ""},
		{"z@", ""},
	} {
		if got := desk.OrgDomain(c.email); got != c.want {
			t.Errorf("OrgDomain(%q) = %q, want %q", c.email, got, c.want)
		}
	}
}

// TestService_RelatedTickets: the requester's other tickets and their
// colleagues', none for a public provider's domain.
func TestService_RelatedTickets(t *testing.T) {
	ctx := context.Background()
	eachStore(t, "related", func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		this := f.create(t, desk.NewTicket{Subject: "this", RequesterEmail: "ann@agency.gov"})
		f.now = f.now.Add(time.Minute)
		f.create(t, desk.NewTicket{Subject: "ann again", RequesterEmail: "ann@agency.gov"})
		f.create(t, desk.NewTicket{Subject: "bob", RequesterEmail: "bob@agency.gov"})
		r, err := f.svc.RelatedTickets(ctx, this)
		if err != nil || r.Domain != "agency.gov" || r.MineTotal != 1 || r.OrgTotal != 1 || r.Mine[0].Subject != "ann again" || r.Org[0].Subject != "bob" {
			t.Errorf("related = %+v, %v", r, err)
		}
		g := f.create(t, desk.NewTicket{Subject: "gmail", RequesterEmail: "carl@gmail.com"})
		f.create(t, desk.NewTicket{Subject: "gmail other", RequesterEmail: "dora@gmail.com"})
		r, err = f.svc.RelatedTickets(ctx, g)
		if err != nil || r.Domain != "" || len(r.Org) != 0 || r.OrgTotal != 0 {
			t.Errorf("gmail requester's organisation: %+v, %v; want none", r, err)
		}
	})
}
