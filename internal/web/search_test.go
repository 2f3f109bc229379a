package web_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/slatrack/slatrack/internal/desk"
)

// searchFixture: tickets whose words are only in a reply, only in an
// internal note, or in the subject; one assigned to Sam, one closed.
func searchFixture(t *testing.T, a *app) (billing, login, printer, closed *desk.Ticket) {
	t.Helper()
	ctx := context.Background()
	billing = a.mkTicket(desk.NewTicket{Subject: "Invoice for March", Body: "Please send me the invoice again.", RequesterEmail: "ann@example.org"}, nil)
	login = a.mkTicket(desk.NewTicket{Subject: "Cannot sign in", Body: "The portal refuses my password.", RequesterEmail: "bo@agency.gov"}, nil)
	if _, err := a.svc.Reply(ctx, login.Ref, a.staff, "We have resent the invoices to your address.", false); err != nil {
		t.Fatal(err)
	}
	printer = a.mkTicket(desk.NewTicket{Subject: "Printer jammed", Body: "Paper stuck in tray two.", RequesterEmail: "cy@example.org"}, nil)
	if _, err := a.svc.Reply(ctx, printer.Ref, a.staff, "Finance says this customer owes three invoices.", true); err != nil {
		t.Fatal(err)
	}
	if _, err := a.svc.Update(ctx, printer.Ref, a.staff, desk.Patch{AssigneeEmail: &a.staff.Email}); err != nil {
		t.Fatal(err)
	}
	closed = a.mkTicket(desk.NewTicket{Subject: "Old invoice dispute", Body: "Settled.", RequesterEmail: "di@example.org"}, nil)
	st := desk.StatusClosed
	if _, err := a.svc.Update(ctx, closed.Ref, a.staff, desk.Patch{Status: &st}); err != nil {
		t.Fatal(err)
	}
	return billing, login, printer, closed
}

func TestAPI_ListTickets_Search(t *testing.T) {
	a := newApp(t)
	tok := a.apiToken("sam@agency.gov")
	billing, login, printer, closed := searchFixture(t, a)
	for _, tc := range []struct {
		q    string
		want []string
	}{
		// Subject matches first, then the newest received.
		{"invoices", []string{billing.Ref, printer.Ref, login.Ref}},
		{"invoice status:all", []string{closed.Ref, billing.Ref, printer.Ref, login.Ref}},
		{"resent", []string{login.Ref}},
		{"finance", []string{printer.Ref}},
		{`"send me the invoice"`, []string{billing.Ref}},
		{"invoice assignee:me", []string{printer.Ref}},
		{"invoice assignee:none", []string{billing.Ref, login.Ref}},
		{"invoice assignee:sam@agency.gov", []string{printer.Ref}},
		{"invoice from:example.org", []string{billing.Ref, printer.Ref}},
		{"from:bo@agency.gov", []string{login.Ref}},
		{"status:closed", []string{closed.Ref}},
		{closed.Ref, []string{closed.Ref}}, // a reference, whatever the status
		{"kumquat", nil},
	} {
		t.Run(tc.q, func(t *testing.T) {
			resp, body := a.api(tok, "GET", "/api/v1/tickets?q="+url.QueryEscape(tc.q), "")
			wantStatus(t, resp, body, http.StatusOK)
			got, _ := listRefs(t, body)
			if !slices.Equal(got, tc.want) && (len(got) > 0 || len(tc.want) > 0) {
				t.Errorf("?q=%s: %v, want %v", tc.q, got, tc.want)
			}
		})
	}

	t.Run("pages", func(t *testing.T) {
		var got []string
		path := "/api/v1/tickets?limit=1&q=invoice"
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("the search cursor does not advance")
			}
			resp, body := a.api(tok, "GET", path, "")
			wantStatus(t, resp, body, http.StatusOK)
			refs, next := listRefs(t, body)
			got = append(got, refs...)
			if next == nil {
				break
			}
			path = "/api/v1/tickets?limit=1&q=invoice&cursor=" + url.QueryEscape(*next)
		}
		if want := []string{billing.Ref, printer.Ref, login.Ref}; !slices.Equal(got, want) {
			t.Errorf("paged: %v, want %v", got, want)
		}
		// A queue cursor is not a search cursor.
		_, body := a.api(tok, "GET", "/api/v1/tickets?limit=1", "")
		_, next := listRefs(t, body)
		resp, body := a.api(tok, "GET", "/api/v1/tickets?q=invoice&cursor="+url.QueryEscape(*next), "")
		wantJSONError(t, resp, body, http.StatusBadRequest, "cursor")
	})

	t.Run("errors_a_person_understands", func(t *testing.T) {
		for _, tc := range []struct{ q, msg string }{
			{"priority:high", "“priority:” is not a search filter; the filters are from:, class:, status: and assignee:"},
			{"class:billing", `there is no class \"billing\"; the classes are availability, provisioning, other`},
			{"status:done", "the statuses are new, open, waiting, resolved, closed, or all"},
			{"assignee:nobody@agency.gov", "assignee:nobody@agency.gov: no staff member has that address"},
			{`"unclosed`, "a quotation mark is not closed"},
		} {
			resp, body := a.api(tok, "GET", "/api/v1/tickets?q="+url.QueryEscape(tc.q), "")
			wantJSONError(t, resp, body, http.StatusBadRequest, "q")
			wantContains(t, body, tc.msg)
		}
	})

	t.Run("staff_only", func(t *testing.T) {
		resp, body := a.api("", "GET", "/api/v1/tickets?q=finance", "")
		wantStatus(t, resp, body, http.StatusUnauthorized)
		wantLacks(t, body, printer.Ref)
		c := a.client()
		for _, path := range []string{"/queue?q=finance", "/status?q=finance", "/?q=finance"} {
			_, body := c.get(path)
			wantLacks(t, body, printer.Ref, "Printer jammed", "Finance says")
		}
	})
}

func TestQueue_Search(t *testing.T) {
	a := newApp(t)
	billing, login, printer, _ := searchFixture(t, a)
	c := a.staffClient("sam@agency.gov")

	_, body := c.get("/queue?q=invoices")
	if got, want := dataRefs(body), []string{billing.Ref, printer.Ref, login.Ref}; !slices.Equal(got, want) {
		t.Errorf("/queue?q=invoices: %v, want %v", got, want)
	}
	wantContains(t, body, `name="q" value="invoices"`)

	// The search box's filter replaces the select's.
	_, body = c.get("/queue?status=new&q=" + url.QueryEscape("dispute status:closed"))
	if got := dataRefs(body); len(got) != 1 {
		t.Errorf("status:closed in the box with status=new beside it: %v, want the closed ticket", got)
	}

	resp, body := c.get("/queue?q=" + url.QueryEscape("priority:high"))
	wantStatus(t, resp, body, http.StatusBadRequest)
	wantContains(t, body, "“priority:” is not a search filter", `name="q" value="priority:high"`)
	wantNoLeak(t, body)
}

// TestBrowser_SearchFindsAReplyByItsStem: the only "invoices" on the desk is
// in a staff reply; an agent types "invoice" into the queue's search box,
// presses Enter and finds that ticket, and only it.
func TestBrowser_SearchFindsAReplyByItsStem(t *testing.T) {
	a := newApp(t)
	b := newBrowser(t, a)
	ctx := context.Background()
	login := a.mkTicket(desk.NewTicket{Subject: "Cannot sign in", Body: "The portal refuses my password since Monday.", RequesterEmail: "bo@agency.gov"}, nil)
	if _, err := a.svc.Reply(ctx, login.Ref, a.staff, "While we look into it: we have resent the invoices to your address.", false); err != nil {
		t.Fatal(err)
	}
	other := a.mkTicket(desk.NewTicket{Subject: "Printer jammed", Body: "Paper stuck in tray two.", RequesterEmail: "cy@example.org"}, nil)

	b.do("emulate a laptop", chromedp.EmulateViewport(1280, 800))
	b.login("sam@agency.gov")
	b.do("wait for the queue", chromedp.WaitVisible(chromedp.CSS(`table.queue tbody tr[data-ref]`)))
	if got := browserRefs(b.queueRows()); !slices.Contains(got, other.Ref) || !slices.Contains(got, login.Ref) {
		t.Fatalf("the queue before searching shows %v, want both tickets", got)
	}

	box := `form[role="search"] input[name="q"]`
	b.do("type the search", chromedp.SendKeys(chromedp.CSS(box), "invoice"))
	step, cancel := b.step()
	defer cancel()
	resp, err := chromedp.RunResponse(step, chromedp.SendKeys(chromedp.CSS(box), "\r"))
	if err != nil {
		t.Fatalf("press Enter in the search box: %v (page %s)", err, b.location())
	}
	b.wantStatus(resp, http.StatusOK, "search for invoice")
	if q := b.value(box); q != "invoice" {
		t.Errorf("the search box shows %q after searching, want %q", q, "invoice")
	}
	if got := browserRefs(b.queueRows()); !slices.Equal(got, []string{login.Ref}) {
		t.Errorf("searching invoice found %v, want only %s, whose reply says invoices", got, login.Ref)
	}
	t.Logf("search screenshot: %s", b.screenshot("search.png"))
}
