package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
)

// queueFixture fills a with tickets whose queue order differs from their
// creation order. The clock stands at Wed 2026-07-01 10:00 ET.
//
//	SR-1001 other,        received Wed 07-01 10:00, due Thu 07-09 10:00  on track
//	SR-1002 availability, received Tue 06-30 10:00, due Tue 06-30 13:00  breached, assigned to Sam
//	SR-1003 availability, received Wed 07-01 09:30, due Wed 07-01 12:30  on track, waiting
//	SR-1004 availability, received Tue 06-30 15:30, due Wed 07-01 10:30  at risk
//	SR-1005 other,        received Tue 06-30 10:00, due Wed 07-08 10:00  met (answered now)
//	SR-1006 provisioning, received Thu 06-25 10:00, due Mon 06-29 10:00  breached
//	SR-1007 other,        received Wed 07-01 10:00, due Thu 07-09 10:00  resolved
func queueFixture(t *testing.T, a *app) {
	t.Helper()
	mk := func(class string, rec time.Time, subject, body, email string) *desk.Ticket {
		return a.mkTicket(desk.NewTicket{Subject: subject, Body: body, RequesterEmail: email, Class: class, ReceivedAt: rec}, a.admin)
	}
	mk("other", nyAt(time.July, 1, 10, 0), "Question about invoices", "Where is our invoice?", "pat@example.gov")
	mk("availability", nyAt(time.June, 30, 10, 0), "Question about the portal", "Please look at this.", "pat@example.gov")
	mk("availability", nyAt(time.July, 1, 9, 30), "Question about fruit", "We grow a kumquat tree.", "pat@example.gov")
	mk("availability", nyAt(time.June, 30, 15, 30), "Question about the docs", "Please look at this.", "pat@example.gov")
	mk("other", nyAt(time.June, 30, 10, 0), "Question about billing", "Please look at this.", "pat@example.gov")
	mk("provisioning", nyAt(time.June, 25, 10, 0), "Question about quotas", "Please look at this.", "lee@provisions.gov")
	mk("other", nyAt(time.July, 1, 10, 0), "Question already answered", "Please look at this.", "pat@example.gov")
	ctx := context.Background()
	if _, err := a.svc.Reply(ctx, "SR-1005", a.staff, "Here is your answer.", false); err != nil {
		t.Fatal(err)
	}
	sam, waiting, resolved := "sam@agency.gov", desk.StatusWaiting, desk.StatusResolved
	for ref, p := range map[string]desk.Patch{
		"SR-1002": {AssigneeEmail: &sam},
		"SR-1003": {Status: &waiting},
		"SR-1007": {Status: &resolved},
	} {
		if _, err := a.svc.Update(ctx, ref, a.admin, p); err != nil {
			t.Fatal(err)
		}
	}
}

func refsOf(nums ...int) []string {
	out := make([]string, len(nums))
	for i, n := range nums {
		out[i] = fmt.Sprintf("SR-%d", n)
	}
	return out
}

// queueRow is the table row of one ticket on a queue page.
func queueRow(t *testing.T, body, ref string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<tr class="row-[a-z_]+" data-ref="` + regexp.QuoteMeta(ref) + `">.*?</tr>`).FindString(body)
	if m == "" {
		t.Fatalf("no row for %s:\n%s", ref, clip(body))
	}
	return m
}

func TestQueue(t *testing.T) {
	a := newApp(t)
	queueFixture(t, a)
	c := a.staffClient("sam@agency.gov")

	t.Run("sorted_by_due_overdue_first", func(t *testing.T) {
		resp, body := c.get("/queue")
		wantStatus(t, resp, body, http.StatusOK)
		if got, want := dataRefs(body), refsOf(1006, 1002, 1004, 1003, 1001, 1005); !slices.Equal(got, want) {
			t.Fatalf("queue order %v, want %v", got, want)
		}
		wantContains(t, queueRow(t, body, "SR-1006"), `class="row-breached"`, "Breached", "overdue")
		wantContains(t, queueRow(t, body, "SR-1002"), `class="row-breached"`, "overdue 5h 00m", "Sam Staff")
		wantContains(t, queueRow(t, body, "SR-1004"), `class="row-at_risk"`, "At risk", "30m left", `datetime="2026-07-01T10:30:00-04:00"`)
		wantContains(t, queueRow(t, body, "SR-1003"), `class="row-on_track"`, "2h 30m left", "Waiting on customer")
		wantContains(t, queueRow(t, body, "SR-1001"), `class="row-on_track"`, "5d 0h left", "Thu Jul 9, 2026 10:00 AM ET")
		wantContains(t, queueRow(t, body, "SR-1005"), `class="row-met"`, "answered")
		wantLacks(t, body, `data-ref="SR-1007"`)
		// What each owes, in words, and when it was received.
		wantContains(t, queueRow(t, body, "SR-1002"), `title="first response overdue by 5h 00m"`, ">24h ago</time>")
		wantContains(t, queueRow(t, body, "SR-1003"), `title="first response due in 2h 30m"`, `title="Wed Jul 1, 2026 9:30 AM ET">30m ago</time>`)
		wantContains(t, queueRow(t, body, "SR-1001"), `title="first response due in 5d 0h"`, ">just now</time>")
		wantContains(t, queueRow(t, body, "SR-1005"), `title="nothing owed — answered"`)
	})

	t.Run("no_meta_refresh_but_a_refresh_link_and_live_rows", func(t *testing.T) {
		_, body := c.get("/queue?class=availability")
		wantLacks(t, body, `http-equiv="refresh"`)
		wantContains(t, body, `<a href="/queue?class=availability" class="refresh">Refresh</a>`,
			`data-rows-url="/queue/rows?class=availability"`, `data-poll="15"`, `aria-live="polite"`, `src="/static/queue.`)
		resp, rows := c.get("/queue/rows?class=availability")
		wantStatus(t, resp, rows, http.StatusOK)
		if !strings.HasPrefix(rows, `<tbody id="queue-rows" data-count="3">`) {
			t.Errorf("rows fragment starts %q", clip(rows))
		}
		if got, want := dataRefs(rows), refsOf(1002, 1004, 1003); !slices.Equal(got, want) {
			t.Errorf("rows %v, want %v", got, want)
		}
		wantLacks(t, rows, "<html", "<main")
		_, ticket := c.get("/tickets/SR-1001")
		wantLacks(t, ticket, `http-equiv="refresh"`)
	})

	t.Run("filters", func(t *testing.T) {
		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"class=availability", refsOf(1002, 1004, 1003)},
			{"class=provisioning", refsOf(1006)},
			{"class=other", refsOf(1001, 1005)},
			{"state=breached", refsOf(1006, 1002)},
			{"state=at_risk", refsOf(1004)},
			{"state=on_track", refsOf(1003, 1001)},
			{"state=met", refsOf(1005)},
			{"status=waiting", refsOf(1003)},
			{"status=new", refsOf(1006, 1002, 1004, 1001)},
			{"status=open", refsOf(1005)},
			{"status=resolved", refsOf(1007)},
			// Owing nothing, SR-1005 (answered) and SR-1007 (resolved) come last,
			// by the customer's last message.
			{"status=all", refsOf(1006, 1002, 1004, 1003, 1001, 1005, 1007)},
			{"assignee=sam@agency.gov", refsOf(1002)},
			{"assignee=unassigned", refsOf(1006, 1004, 1003, 1001, 1005)},
			{"assignee=admin@agency.gov", nil},
			{"class=availability&state=on_track", refsOf(1003)},
			{"class=availability&assignee=unassigned&state=at_risk", refsOf(1004)},
			{"q=SR-1004", refsOf(1004)},
			{"q=sr-1004", refsOf(1004)},
			{"q=+SR-1004+", refsOf(1004)},
			{"q=SR-1007", refsOf(1007)}, // resolved, but a reference names one ticket: found whatever its status
			{"q=SR-1007&status=all", refsOf(1007)},
			{"q=SR-9999", nil},
			{"q=kumquat", refsOf(1003)},
			{"q=KUMQUAT", refsOf(1003)},
			{"q=invoices", refsOf(1001)},
			{"q=lee@provisions", refsOf(1006)},
			// Every subject has the word: search order is then the newest
			// ticket first.
			{"q=Question", refsOf(1006, 1005, 1004, 1003, 1002, 1001)},
		} {
			t.Run(tc.query, func(t *testing.T) {
				resp, body := c.get("/queue?" + tc.query)
				wantStatus(t, resp, body, http.StatusOK)
				if got := dataRefs(body); !slices.Equal(got, tc.want) {
					t.Errorf("?%s: %v, want %v", tc.query, got, tc.want)
				}
				if len(tc.want) == 0 {
					wantContains(t, body, "No tickets match.", "Clear the filters")
				}
			})
		}
	})

	t.Run("filters_shown_selected", func(t *testing.T) {
		_, body := c.get("/queue?class=provisioning&state=breached&status=all&assignee=unassigned&q=quotas")
		wantContains(t, body, `<option value="provisioning" selected>`, `<option value="breached" selected>`,
			`<option value="all" selected>`, `<option value="unassigned" selected>`, `name="q" value="quotas"`)
	})

	t.Run("invalid_filter_is_400_not_500", func(t *testing.T) {
		for _, tc := range []struct{ query, msg string }{
			{"class=bogus", "The class must be one of availability, provisioning, other"},
			{"status=zzz", "The status must be one of new, open, waiting, resolved, closed, all"},
			{"state=late", "The SLA state must be one of on_track, at_risk, breached, met"},
			{"assignee=nobody@agency.gov", "No staff member has that address"},
			{"q=%25", "has no letters or digits to search for"}, // a literal %, not a wildcard
			{"q=_", "has no letters or digits to search for"},
			{"cursor=%25%25%25", "is not one this server made"},
			{"cursor=" + url.QueryEscape("bm90LWEtY3Vyc29y"), "is not one this server made"},
		} {
			t.Run(tc.query, func(t *testing.T) {
				resp, body := c.get("/queue?" + tc.query)
				wantStatus(t, resp, body, http.StatusBadRequest)
				wantContains(t, body, tc.msg, `class="filters"`)
				wantNoLeak(t, body)
			})
		}
	})
}

func TestQueuePagination(t *testing.T) {
	a := newApp(t)
	c := a.staffClient("sam@agency.gov")
	due := map[string]time.Time{}
	ids := map[string]uint64{}
	var others []string
	// 120 "other" tickets in four receipt times (so due times tie in
	// groups: the id breaks the ties) and 5 availability tickets mixed in.
	for i := 0; i < 125; i++ {
		class := "other"
		if i%25 == 7 {
			class = "availability"
		}
		rec := nyAt(time.June, 29, 9, 0).Add(time.Duration(3-i%4) * time.Hour)
		tk := a.mkTicket(desk.NewTicket{Subject: fmt.Sprintf("Question number %d", i), Class: class, ReceivedAt: rec}, a.admin)
		due[tk.Ref], ids[tk.Ref] = tk.ResponseDueAt, tk.ID
		if class == "other" {
			others = append(others, tk.Ref)
		}
	}
	if len(others) != 120 {
		t.Fatalf("%d other tickets", len(others))
	}

	walk := func(t *testing.T, start string) (pages [][]string) {
		t.Helper()
		next := start
		for next != "" {
			if len(pages) > 10 {
				t.Fatalf("more than 10 pages: the cursor does not advance")
			}
			resp, body := c.get(next)
			wantStatus(t, resp, body, http.StatusOK)
			pages = append(pages, dataRefs(body))
			if len(pages) > 1 {
				wantContains(t, body, "« First page")
			} else {
				wantLacks(t, body, "« First page")
			}
			next = nextLink(body)
			if next != "" && !strings.HasPrefix(next, "/queue?") {
				t.Fatalf("next link %q", next)
			}
		}
		return pages
	}
	check := func(t *testing.T, pages [][]string, want []string) {
		t.Helper()
		var all []string
		seen := map[string]bool{}
		for i, p := range pages {
			if i < len(pages)-1 && len(p) != 50 {
				t.Errorf("page %d has %d rows, want 50", i+1, len(p))
			}
			for _, ref := range p {
				if seen[ref] {
					t.Errorf("%s shown twice", ref)
				}
				seen[ref] = true
				all = append(all, ref)
			}
		}
		for _, ref := range want {
			if !seen[ref] {
				t.Errorf("%s never shown", ref)
			}
		}
		if len(all) != len(want) {
			t.Errorf("%d rows in all, want %d", len(all), len(want))
		}
		for i := 1; i < len(all); i++ {
			p, q := all[i-1], all[i]
			if due[q].Before(due[p]) || due[q].Equal(due[p]) && ids[q] < ids[p] {
				t.Errorf("out of order across pages: %s (due %v) before %s (due %v)", p, due[p], q, due[q])
			}
		}
	}

	t.Run("class_filter_kept_across_pages", func(t *testing.T) {
		pages := walk(t, "/queue?class=other")
		if len(pages) != 3 || len(pages[2]) != 20 {
			t.Errorf("pages of %v rows, want 50, 50, 20", lens(pages))
		}
		check(t, pages, others)
	})

	t.Run("all_open_tickets", func(t *testing.T) {
		pages := walk(t, "/queue")
		var all []string
		for ref := range due {
			all = append(all, ref)
		}
		if len(pages) != 3 || len(pages[2]) != 25 {
			t.Errorf("pages of %v rows, want 50, 50, 25", lens(pages))
		}
		check(t, pages, all)
	})
}

func lens(pages [][]string) []int {
	var out []int
	for _, p := range pages {
		out = append(out, len(p))
	}
	return out
}
