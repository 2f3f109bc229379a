package store_test

import (
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// ticketFill sets every stored field of a ticket to a value of its own,
// different for each tag, so a field that is not written or read back
// shows. Open and Answered are derived by the store (from Status and
// FirstResponseAt); Assignee is filled on reads from AssigneeID.
func ticketFill(t *testing.T, tag string, offset time.Duration, assignee uint64) *desk.Ticket {
	t.Helper()
	tk := &desk.Ticket{}
	v := reflect.ValueOf(tk).Elem()
	at := base.Add(offset)
	for i := 0; i < v.NumField(); i++ {
		f, sf := v.Field(i), v.Type().Field(i)
		at = at.Add(time.Minute + 7*time.Microsecond)
		switch sf.Name {
		case "ID", "Assignee", "Promises":
			continue
		case "OwedKind", "Idle", "QueueAt", "LastOutcome":
			continue // mirrors of the promises: desk.Settle sets them
		case "Status":
			f.SetString(desk.StatusWaiting) // open, so Open is true
			continue
		case "AssigneeID":
			f.Set(reflect.ValueOf(&assignee))
			continue
		}
		switch f.Interface().(type) {
		case string:
			f.SetString(sf.Name + "-" + tag)
		case time.Time:
			f.Set(reflect.ValueOf(at))
		case *time.Time:
			a := at
			f.Set(reflect.ValueOf(&a))
		case bool:
			f.SetBool(true)
		case int, int64:
			f.SetInt(int64(len(tag)*100 + i))
		default:
			t.Fatalf("desk.Ticket.%s is a %s: give it a value in ticketFill", sf.Name, sf.Type)
		}
	}
	return tk
}

// sameTicket reports every field of want that got does not hold, but
// those in skip.
func sameTicket(t *testing.T, step string, got, want *desk.Ticket, skip ...string) {
	t.Helper()
	// The mirrors of the promises are the store's to set, as desk.Settle does.
	w := *want
	w.Promises = nil
	desk.Settle(&w)
	want = &w
	gv, wv := reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem()
	for i := 0; i < wv.NumField(); i++ {
		name := wv.Type().Field(i).Name
		if name == "ID" || name == "Assignee" || name == "Promises" || contains(skip, name) {
			continue
		}
		g, w := gv.Field(i).Interface(), wv.Field(i).Interface()
		equal := reflect.DeepEqual(g, w)
		switch w := w.(type) {
		case time.Time:
			equal = g.(time.Time).Equal(w)
		case *time.Time:
			gp := g.(*time.Time)
			equal = (gp == nil) == (w == nil) && (w == nil || gp.Equal(*w))
		}
		if !equal {
			t.Errorf("%s: %s is %v, want %v", step, name, g, w)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestTicketColumns_EveryFieldRoundTrips guards the one list of a
// ticket's columns: a field of desk.Ticket that is not written on create,
// update and bulk import, read back, and copied by `migrate --from --to`
// fails here, on both engines. So does a column of the table that the
// list does not name.
func TestTicketColumns_EveryFieldRoundTrips(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		u := &desk.User{Email: "owner@agency.gov", Name: "Owner", Role: desk.RoleStaff, PasswordHash: "x", Active: true}
		if err := s.CreateUser(ctx(t), u); err != nil {
			t.Fatal(err)
		}
		get := func(ref string, from *store.Store) *desk.Ticket {
			t.Helper()
			got, err := from.GetTicket(ctx(t), ref)
			if err != nil {
				t.Fatal(err)
			}
			if got.Assignee == nil || got.Assignee.ID != u.ID {
				t.Errorf("Assignee not filled from AssigneeID: %+v", got.Assignee)
			}
			return got
		}

		created := ticketFill(t, "created", 0, u.ID)
		want := *created
		if err := s.CreateTicket(ctx(t), "SR", created, nil); err != nil {
			t.Fatal(err)
		}
		sameTicket(t, "create", get(created.Ref, s), &want, "Ref", "UpdatedAt")

		changed := ticketFill(t, "updated, longer", time.Hour, u.ID)
		_, err := s.UpdateTicketWith(ctx(t), created.Ref, func(_ desk.Tx, tk *desk.Ticket) (desk.Writes, error) {
			id, ref, createdAt := tk.ID, tk.Ref, tk.CreatedAt
			*tk = *changed
			tk.ID, tk.Ref, tk.CreatedAt = id, ref, createdAt
			return desk.Writes{}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// The version moves only with timeline writes (bumpVersion), never
		// with the columns an update saves.
		sameTicket(t, "update", get(created.Ref, s), changed, "Ref", "CreatedAt", "UpdatedAt", "Version")
		if got := get(created.Ref, s); got.Version != want.Version {
			t.Errorf("update without events: version %d, want %d as created", got.Version, want.Version)
		}

		imported := ticketFill(t, "imported", 2*time.Hour, u.ID)
		want = *imported
		if err := s.ImportTickets(ctx(t), "SR", []store.ImportTicket{{Ticket: imported}}); err != nil {
			t.Fatal(err)
		}
		sameTicket(t, "import", get(imported.Ref, s), &want, "Ref")

		dst := storetest.OpenDSN(t, storetest.NewDSNOn(t, s.Dialect()))
		if err := s.CopyTo(ctx(t), dst, nil); err != nil {
			t.Fatal(err)
		}
		sameTicket(t, "copy", get(imported.Ref, dst), &want, "Ref")
		sameTicket(t, "copy", get(created.Ref, dst), changed, "Ref", "CreatedAt", "UpdatedAt", "Version")

		cols, err := s.TableColumns(ctx(t), "tickets")
		if err != nil {
			t.Fatal(err)
		}
		listed := append(store.TicketColumnNames(), "id")
		sort.Strings(cols)
		sort.Strings(listed)
		if strings.Join(cols, ",") != strings.Join(listed, ",") {
			t.Errorf("the tickets table has columns %v; the store's one list names %v", cols, listed)
		}
	})
}
