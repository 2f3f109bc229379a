package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/slatrack/slatrack/internal/desk"
)

var hiddenRefRE = regexp.MustCompile(`<input type="hidden" name="ref" value="([^"]+)">`)

// confirmForm is the confirm page's form as a browser would post it.
func confirmForm(t *testing.T, body string) url.Values {
	t.Helper()
	f := url.Values{}
	for _, m := range hiddenRefRE.FindAllStringSubmatch(body, -1) {
		f.Add("ref", m[1])
	}
	for _, name := range []string{"do", "vq", "csrf_token"} {
		m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("the confirm page has no %s:\n%s", name, clip(body))
		}
		f.Set(name, htmlUnescape(m[1]))
	}
	return f
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">").Replace(s)
}

func (a *app) ticket(ref string) (*desk.Ticket, []*desk.Event) {
	a.t.Helper()
	tk, ev, err := a.svc.Get(context.Background(), ref)
	if err != nil {
		a.t.Fatal(err)
	}
	return tk, ev
}

func TestQueueBulk(t *testing.T) {
	a := newApp(t)
	queueFixture(t, a)
	c := a.staffClient("admin@agency.gov")

	t.Run("review_then_apply_chosen_tickets", func(t *testing.T) {
		resp, body := c.submit("/queue", "/queue/bulk", url.Values{"ref": {"SR-1001", "SR-1004"}, "do": {"assign:sam@agency.gov"}, "vq": {"class=other"}})
		wantStatus(t, resp, body, http.StatusOK)
		wantContains(t, body, "Change <strong>2 tickets</strong>: assign them to Sam Staff?", "Yes, change 2 tickets", `<a href="/queue?class=other" class="button ghost">Cancel</a>`)
		if tk, _ := a.ticket("SR-1001"); tk.AssigneeID != nil {
			t.Fatal("the review changed a ticket")
		}
		form := confirmForm(t, body)
		if !slices.Equal(form["ref"], []string{"SR-1001", "SR-1004"}) {
			t.Fatalf("confirm carries %v", form["ref"])
		}
		resp, body = c.postForm("/queue/bulk/apply", form)
		wantStatus(t, resp, body, http.StatusSeeOther)
		if loc := resp.Header.Get("Location"); loc != "/queue?class=other" {
			t.Errorf("back to %q", loc)
		}
		_, page := c.get("/queue?class=other")
		wantContains(t, page, "Done: 2 tickets changed — assign them to Sam Staff.")
		for _, ref := range []string{"SR-1001", "SR-1004"} {
			tk, ev := a.ticket(ref)
			last := ev[len(ev)-1]
			if tk.Assignee == nil || tk.Assignee.Email != "sam@agency.gov" || last.Kind != desk.EventAssigned || !strings.Contains(last.Actor, "admin@agency.gov") {
				t.Errorf("%s: assignee %v, last event %+v", ref, tk.Assignee, last)
			}
		}
	})

	t.Run("all_in_the_view", func(t *testing.T) {
		resp, body := c.submit("/queue", "/queue/bulk", url.Values{"all": {"1"}, "ref": {"SR-1001"}, "do": {"close"}, "vq": {"class=availability"}})
		wantStatus(t, resp, body, http.StatusOK)
		form := confirmForm(t, body)
		if got, want := form["ref"], refsOf(1002, 1004, 1003); !slices.Equal(got, want) {
			t.Fatalf("all in the view = %v, want %v", got, want)
		}
		wantContains(t, body, "Change <strong>3 tickets</strong>: close them?")
		resp, body = c.postForm("/queue/bulk/apply", form)
		wantStatus(t, resp, body, http.StatusSeeOther)
		for _, ref := range refsOf(1002, 1004, 1003) {
			if tk, ev := a.ticket(ref); tk.Status != desk.StatusClosed || ev[len(ev)-1].Kind == desk.EventAssigned {
				t.Errorf("%s: status %s", ref, tk.Status)
			}
		}
		if tk, _ := a.ticket("SR-1001"); tk.Status == desk.StatusClosed {
			t.Error("SR-1001 is not in the view but was closed")
		}
	})

	t.Run("problems_are_said_not_done", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			form url.Values
			msg  string
		}{
			{"nothing chosen", url.Values{"do": {"close"}}, "No tickets were selected"},
			{"no change chosen", url.Values{"ref": {"SR-1001"}}, "please choose what to do with the selected tickets"},
			{"unknown person", url.Values{"ref": {"SR-1001"}, "do": {"assign:nobody@agency.gov"}}, "nobody active on the staff has the address nobody@agency.gov"},
			{"unknown status", url.Values{"ref": {"SR-1001"}, "do": {"status:gone"}}, "please choose what to do"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp, body := c.submit("/queue", "/queue/bulk", tc.form)
				wantStatus(t, resp, body, http.StatusBadRequest)
				wantContains(t, body, tc.msg, "Back to the queue")
				wantNoLeak(t, body)
			})
		}
	})

	t.Run("a_missing_ticket_is_reported_the_rest_changed", func(t *testing.T) {
		form := url.Values{"ref": {"SR-1005", "SR-9999"}, "do": {"class:provisioning"}, "csrf_token": {c.csrf("/queue")}}
		resp, body := c.postForm("/queue/bulk/apply", form)
		wantStatus(t, resp, body, http.StatusOK)
		wantContains(t, body, "1 of 2 tickets were changed", "SR-9999", "there is no such ticket")
		if tk, _ := a.ticket("SR-1005"); tk.Class != "provisioning" {
			t.Errorf("SR-1005 class %s", tk.Class)
		}
	})

	t.Run("csrf_required", func(t *testing.T) {
		resp, body := c.postForm("/queue/bulk/apply", url.Values{"ref": {"SR-1001"}, "do": {"close"}})
		wantStatus(t, resp, body, http.StatusForbidden)
		if tk, _ := a.ticket("SR-1001"); tk.Status == desk.StatusClosed {
			t.Error("closed without a CSRF token")
		}
	})

	t.Run("login_required", func(t *testing.T) {
		resp, _ := a.client().get("/queue/rows")
		if resp.StatusCode == http.StatusOK {
			t.Error("the rows are served without a login")
		}
	})
}

func TestQueueViews(t *testing.T) {
	a := newApp(t)
	queueFixture(t, a)
	sam := a.staffClient("sam@agency.gov")
	ada := a.staffClient("admin@agency.gov")

	t.Run("built_in_views_with_counts", func(t *testing.T) {
		_, body := sam.get("/queue?assignee=sam%40agency.gov")
		wantContains(t, body,
			`All open <span class="n">6</span>`, `<a href="/queue?assignee=sam%40agency.gov" aria-current="page">Mine <span class="n">1</span>`,
			`Unassigned <span class="n">5</span>`, `Breached <span class="n">2</span>`, `<strong class="count" id="queue-count">1 ticket</strong>`)
	})

	t.Run("save_share_and_delete", func(t *testing.T) {
		resp, body := sam.submit("/queue", "/queue/views", url.Values{"name": {"Outages"}, "vq": {"class=availability&sort=received&dir=desc"}, "shared": {"1"}})
		wantStatus(t, resp, body, http.StatusSeeOther)
		if loc := resp.Header.Get("Location"); loc != "/queue?class=availability&dir=desc&sort=received" {
			t.Errorf("after saving: %q", loc)
		}
		resp, body = sam.submit("/queue", "/queue/views", url.Values{"name": {"Outages"}, "vq": {""}})
		wantStatus(t, resp, body, http.StatusSeeOther)
		_, page := sam.get("/queue?class=availability")
		wantContains(t, page, "The view was not saved: you already have a view named", `aria-current="page">Outages <span class="n">3</span>`)
		m := regexp.MustCompile(`action="/queue/views/(\d+)/delete"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no delete button for the owner:\n%s", clip(page))
		}
		_, other := ada.get("/queue")
		wantContains(t, other, `Outages <span class="n">3</span>`, `title="Shared by Sam Staff">shared`)
		wantLacks(t, other, `action="/queue/views/`+m[1]+`/delete"`)
		resp, body = ada.submit("/queue", "/queue/views/"+m[1]+"/delete", url.Values{})
		wantStatus(t, resp, body, http.StatusForbidden)
		wantContains(t, body, "Only the person who saved a view may delete it")
		resp, body = sam.submit("/queue", "/queue/views/"+m[1]+"/delete", url.Values{})
		wantStatus(t, resp, body, http.StatusSeeOther)
		_, page = sam.get("/queue")
		wantContains(t, page, "View deleted.")
		wantLacks(t, page, "Outages")
	})
}

func TestQueueSortAndPages(t *testing.T) {
	a := newApp(t)
	queueFixture(t, a)
	c := a.staffClient("sam@agency.gov")
	_, body := c.get("/queue")
	wantContains(t, body, `<th scope="col" aria-sort="ascending"><a href="/queue?dir=desc">Due`, `<a href="/queue?sort=received">Received</a>`)
	_, body = c.get("/queue?sort=received&dir=desc")
	wantContains(t, body, `aria-sort="descending"><a href="/queue?sort=received">Received`)
	// Owing first, then the newest receipt first; SR-1005 (answered) last.
	if got, want := dataRefs(body), refsOf(1001, 1003, 1004, 1002, 1006, 1005); !slices.Equal(got, want) {
		t.Errorf("by received, newest first: %v, want %v", got, want)
	}
	_, body = c.get("/queue?sort=bogus")
	wantContains(t, body, "The order must be one of due, received, updated, class, status")
}

func TestAPIBulk(t *testing.T) {
	a := newApp(t)
	queueFixture(t, a)
	tok := a.apiToken("sam@agency.gov")

	t.Run("answers_per_ticket", func(t *testing.T) {
		resp, body := a.api(tok, "POST", "/api/v1/tickets/bulk", `{"refs":["SR-1001","sr-1004","SR-9999"],"set":{"status":"open","assignee_email":"admin@agency.gov"}}`)
		wantStatus(t, resp, body, http.StatusOK)
		var out struct {
			Results []struct {
				Ref    string `json:"ref"`
				OK     bool   `json:"ok"`
				Error  string `json:"error"`
				Ticket *struct {
					Status        string  `json:"status"`
					AssigneeEmail *string `json:"assignee_email"`
				} `json:"ticket"`
			} `json:"results"`
			Changed, Failed int
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		if len(out.Results) != 3 || out.Changed != 2 || out.Failed != 1 {
			t.Fatalf("%s", body)
		}
		for _, r := range out.Results[:2] {
			if !r.OK || r.Ticket.Status != "open" || *r.Ticket.AssigneeEmail != "admin@agency.gov" {
				t.Errorf("%+v", r)
			}
		}
		if r := out.Results[1]; r.Ref != "SR-1004" {
			t.Errorf("ref %q, want the stored spelling", r.Ref)
		}
		if r := out.Results[2]; r.OK || r.Ref != "SR-9999" || r.Error != "no ticket has this reference" {
			t.Errorf("%+v", r)
		}
		if _, ev := a.ticket("SR-1004"); ev[len(ev)-1].Kind != desk.EventAssigned {
			t.Errorf("not logged: %+v", ev[len(ev)-1])
		}
	})

	t.Run("refusals", func(t *testing.T) {
		many := make([]string, desk.MaxBulk+1)
		for i := range many {
			many[i] = fmt.Sprintf("%q", fmt.Sprintf("SR-%d", 2000+i))
		}
		for _, tc := range []struct{ name, body, msg string }{
			{"too many", `{"refs":[` + strings.Join(many, ",") + `],"set":{"status":"open"}}`, "at most 500 tickets at a time; 501 were given"},
			{"no refs", `{"refs":[],"set":{"status":"open"}}`, "choose at least one ticket"},
			{"bad status", `{"refs":["SR-1001"],"set":{"status":"gone"}}`, "must be one of new, open"},
			{"nothing to set", `{"refs":["SR-1001"],"set":{}}`, "nothing to change"},
			{"unknown field", `{"refs":["SR-1001"],"set":{"priority":"high"}}`, "does not know"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp, body := a.api(tok, "POST", "/api/v1/tickets/bulk", tc.body)
				wantStatus(t, resp, body, http.StatusBadRequest)
				wantContains(t, body, tc.msg)
			})
		}
		if resp, body := a.api("", "POST", "/api/v1/tickets/bulk", `{"refs":["SR-1001"],"set":{"status":"closed"}}`); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("no token: %d %s", resp.StatusCode, body)
		}
	})
}

func TestAPIListTickets_Orders(t *testing.T) {
	a := newApp(t)
	queueFixture(t, a)
	tok := a.apiToken("sam@agency.gov")
	var refs []string
	cursor := ""
	for page := 0; page < 10; page++ {
		path := "/api/v1/tickets?sort=received&dir=desc&limit=2"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		resp, body := a.api(tok, "GET", path, "")
		wantStatus(t, resp, body, http.StatusOK)
		var out struct {
			Tickets []struct {
				Ref string `json:"ref"`
			} `json:"tickets"`
			Next *string `json:"next_cursor"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatal(err)
		}
		for _, tk := range out.Tickets {
			refs = append(refs, tk.Ref)
		}
		if out.Next == nil {
			break
		}
		cursor = *out.Next
	}
	if want := refsOf(1001, 1003, 1004, 1002, 1006, 1005); !slices.Equal(refs, want) {
		t.Errorf("by received, newest first, two a page: %v, want %v", refs, want)
	}
	for q, msg := range map[string]string{"dir=up": "the direction must be asc or desc", "sort=priority": "the order must be one of due, received, updated, class, status"} {
		resp, body := a.api(tok, "GET", "/api/v1/tickets?"+q, "")
		wantStatus(t, resp, body, http.StatusBadRequest)
		wantContains(t, body, msg)
	}
	// A cursor of one order is refused in another.
	resp, body := a.api(tok, "GET", "/api/v1/tickets?cursor="+url.QueryEscape(cursor), "")
	wantStatus(t, resp, body, http.StatusBadRequest)
	wantContains(t, body, "another order")
}
