package desk_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

func TestService_Bulk(t *testing.T) {
	ctx := context.Background()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		var refs []string
		for i := 0; i < 5; i++ {
			refs = append(refs, f.create(t, desk.NewTicket{Subject: fmt.Sprintf("Printer %d jammed", i)}).Ref)
		}
		t.Run("assigns_each_and_logs_it", func(t *testing.T) {
			sam := "sam@agency.gov"
			res, err := f.svc.Bulk(ctx, f.admin, append(refs, strings.ToLower(refs[0]), "SR-999999"), desk.Patch{AssigneeEmail: &sam})
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != 6 { // five, the duplicate dropped, and the missing one
				t.Fatalf("%d results, want 6: %+v", len(res), res)
			}
			for _, r := range res[:5] {
				if r.Err != nil || r.Ticket.Assignee == nil || r.Ticket.Assignee.Email != sam {
					t.Errorf("%s: %+v", r.Ref, r)
				}
				_, events, err := f.svc.Get(ctx, r.Ref)
				if err != nil {
					t.Fatal(err)
				}
				if e := events[len(events)-1]; e.Kind != desk.EventAssigned || e.New != sam || !strings.Contains(e.Actor, "admin@agency.gov") {
					t.Errorf("%s: last event %+v, want the assignment by the admin", r.Ref, e)
				}
			}
			if missing := res[5]; desk.ErrorCode(missing.Err) != desk.NotFound || missing.Ref != "SR-999999" {
				t.Errorf("missing ticket: %+v", missing)
			}
		})
		t.Run("closes_and_reclassifies", func(t *testing.T) {
			closed, class := desk.StatusClosed, "provisioning"
			res, err := f.svc.Bulk(ctx, f.staff, refs[:2], desk.Patch{Status: &closed, Class: &class})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res {
				if r.Err != nil || r.Ticket.Status != closed || r.Ticket.Class != class || r.Ticket.Open {
					t.Errorf("%s: %+v", r.Ref, r)
				}
			}
		})
		t.Run("refuses_before_touching_any", func(t *testing.T) {
			bad, nobody := "gone", "nobody@agency.gov"
			for name, p := range map[string]desk.Patch{"status": {Status: &bad}, "assignee": {AssigneeEmail: &nobody}, "nothing": {}} {
				if _, err := f.svc.Bulk(ctx, f.staff, refs, p); desk.ErrorCode(err) != desk.Invalid {
					t.Errorf("%s: err %v, want invalid", name, err)
				}
			}
			if _, err := f.svc.Bulk(ctx, f.staff, nil, desk.Patch{Status: &bad}); desk.ErrorCode(err) != desk.Invalid {
				t.Errorf("no refs: err %v", err)
			}
		})
		t.Run("at_most_MaxBulk", func(t *testing.T) {
			many := make([]string, desk.MaxBulk+1)
			for i := range many {
				many[i] = fmt.Sprintf("SR-%d", 5000+i)
			}
			open := desk.StatusOpen
			_, err := f.svc.Bulk(ctx, f.staff, many, desk.Patch{Status: &open})
			if desk.ErrorCode(err) != desk.Invalid || !strings.Contains(desk.ErrorMessage(err), "at most 500") {
				t.Errorf("err %v, want at most 500", err)
			}
		})
	})
}

func TestService_SavedViews(t *testing.T) {
	ctx := context.Background()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		mine, err := f.svc.SaveView(ctx, f.staff, "  My  outages ", "?class=availability", false)
		if err != nil {
			t.Fatal(err)
		}
		if mine.Name != "My outages" || mine.Query != "class=availability" {
			t.Errorf("saved %+v", mine)
		}
		shared, err := f.svc.SaveView(ctx, f.admin, "Team breaches", "state=breached", true)
		if err != nil {
			t.Fatal(err)
		}
		t.Run("errors", func(t *testing.T) {
			if _, err := f.svc.SaveView(ctx, f.staff, "My outages", "", false); desk.ErrorCode(err) != desk.Conflict || !strings.Contains(desk.ErrorMessage(err), `"My outages"`) {
				t.Errorf("same name: %v", err)
			}
			if _, err := f.svc.SaveView(ctx, f.staff, " ", "", false); desk.ErrorCode(err) != desk.Invalid {
				t.Errorf("no name: %v", err)
			}
			if _, err := f.svc.SaveView(ctx, f.staff, strings.Repeat("x", 61), "", false); desk.ErrorCode(err) != desk.Invalid {
				t.Errorf("long name: %v", err)
			}
		})
		t.Run("each_sees_own_and_shared", func(t *testing.T) {
			for _, tc := range []struct {
				who  *desk.User
				want string
			}{{f.staff, "My outages,Team breaches"}, {f.admin, "Team breaches"}} {
				vs, err := f.svc.Views(ctx, tc.who)
				if err != nil {
					t.Fatal(err)
				}
				var names []string
				for _, v := range vs {
					names = append(names, v.Name)
				}
				if got := strings.Join(names, ","); got != tc.want {
					t.Errorf("%s sees %s, want %s", tc.who.Email, got, tc.want)
				}
			}
		})
		t.Run("only_the_owner_deletes", func(t *testing.T) {
			if err := f.svc.DeleteView(ctx, f.staff, shared.ID); desk.ErrorCode(err) != desk.Forbidden {
				t.Errorf("staff deleting the admin's shared view: %v", err)
			}
			if err := f.svc.DeleteView(ctx, f.admin, mine.ID); desk.ErrorCode(err) != desk.Forbidden {
				t.Errorf("admin deleting staff's view: %v", err)
			}
			if err := f.svc.DeleteView(ctx, f.staff, mine.ID); err != nil {
				t.Fatal(err)
			}
			if err := f.svc.DeleteView(ctx, f.staff, mine.ID); desk.ErrorCode(err) != desk.NotFound {
				t.Errorf("deleted twice: %v", err)
			}
		})
	})
}

func TestService_Page(t *testing.T) {
	ctx := context.Background()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		for i := 0; i < 7; i++ {
			f.create(t, desk.NewTicket{Subject: fmt.Sprintf("Question %d", i)})
		}
		for _, sort := range desk.Sorts() {
			t.Run(sort, func(t *testing.T) {
				fl := desk.Filter{Sort: sort, Desc: true, Limit: 3}
				p1, err := f.svc.Page(ctx, fl)
				if err != nil {
					t.Fatal(err)
				}
				if p1.Prev != "" || p1.Next == "" || len(p1.Tickets) != 3 {
					t.Fatalf("first page: prev %q next %q, %d tickets", p1.Prev, p1.Next, len(p1.Tickets))
				}
				fl.Cursor = p1.Next
				p2, err := f.svc.Page(ctx, fl)
				if err != nil {
					t.Fatal(err)
				}
				if p2.Prev == "" || p2.Next == "" {
					t.Fatalf("second page: prev %q next %q", p2.Prev, p2.Next)
				}
				fl.Cursor = p2.Prev
				back, err := f.svc.Page(ctx, fl)
				if err != nil {
					t.Fatal(err)
				}
				if back.Prev != "" || back.Next == "" || back.Tickets[0].Ref != p1.Tickets[0].Ref || back.Tickets[2].Ref != p1.Tickets[2].Ref {
					t.Errorf("back to the first page: prev %q next %q", back.Prev, back.Next)
				}
				if n, err := f.svc.Count(ctx, fl); err != nil || n != 7 {
					t.Errorf("count %d, %v", n, err)
				}
				// A cursor from another order is refused, not misread.
				fl.Desc = false
				if _, err := f.svc.Page(ctx, desk.Filter{Sort: sort, Cursor: p1.Next}); desk.ErrorCode(err) != desk.Invalid {
					t.Errorf("cursor of the descending order used ascending: %v", err)
				}
			})
		}
	})
}

// TestService_SavedViewsAreBounded: one person keeps at most MaxViewsEach
// views (each is counted on queue loads); others still may save theirs.
func TestService_SavedViewsAreBounded(t *testing.T) {
	ctx := context.Background()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		for i := range desk.MaxViewsEach {
			if _, err := f.svc.SaveView(ctx, f.staff, fmt.Sprintf("View %d", i), "class=other", true); err != nil {
				t.Fatal(err)
			}
		}
		_, err := f.svc.SaveView(ctx, f.staff, "One too many", "class=other", false)
		if desk.ErrorCode(err) != desk.Invalid || !strings.Contains(desk.ErrorMessage(err), "delete one first") {
			t.Fatalf("view past the limit: %v", err)
		}
		if _, err := f.svc.SaveView(ctx, f.admin, "Admin's own", "class=other", false); err != nil {
			t.Fatalf("another person's view: %v", err)
		}
	})
}
