package web_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/sla"
)

// These tests run the real app (newApp) and drive it from a real headless
// Chromium: the forms, the cookies (Secure, on localhost), the redirects and
// the CSS are the browser's, not the test's. See chromium_test.go for how the
// browser is found and started.

var browserRefRE = regexp.MustCompile(`^SR-\d+$`)

// wantStatus fails unless the page that a submit ended on has the status.
func (b *browser) wantStatus(resp *network.Response, want int, what string) {
	b.t.Helper()
	if resp == nil {
		b.t.Fatalf("%s: no response for the page (now on %s)", what, b.location())
	}
	if resp.Status != int64(want) {
		b.t.Fatalf("%s: page %s answered %d, want %d", what, resp.URL, resp.Status, want)
	}
}

// login logs in through the staff login form and expects to land on /queue,
// then shows /queue again as of the test clock.

func (b *browser) login(email string) {
	b.t.Helper()
	b.open("/login")
	b.do("fill in the login form",
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
	)
	resp := b.submit(`form[action="/login"] button[type=submit]`)
	b.wantStatus(resp, http.StatusOK, "log in as "+email)
	if p := b.path(); p != "/queue" {
		b.t.Fatalf("after logging in as %s the browser is on %s, want /queue", email, p)
	}
}

// browserQueueRow is one row of the queue table as the browser shows it.
type browserQueueRow struct {
	Ref string `json:"ref"`
	SLA string `json:"sla"`
}

func (b *browser) queueRows() []browserQueueRow {
	b.t.Helper()
	return browserRun(b, "read the queue rows", chromedp.Evaluate[[]browserQueueRow](`Array.from(
		document.querySelectorAll('table.queue tbody tr[data-ref]'),
		r => ({ref: r.dataset.ref, sla: (r.querySelector('td[data-label="Due"]') || {innerText: ''}).innerText}))`))
}

func browserRefs(rows []browserQueueRow) []string {
	var refs []string
	for _, r := range rows {
		refs = append(refs, r.Ref)
	}
	return refs
}

// browserTicket files a ticket through the service with the clock at "at".
func browserTicket(t *testing.T, a *app, at time.Time, class, subject, body string) *desk.Ticket {
	t.Helper()
	a.clock.Set(at)
	tk, err := a.svc.CreateTicket(context.Background(), desk.NewTicket{
		Subject: subject, Body: body, RequesterEmail: "pat.requester@agency.gov", RequesterName: "Pat Requester",
		Class: class, Channel: desk.ChannelWeb,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Class != class {
		t.Fatalf("fixture %q was classified %s, want %s (%s)", subject, tk.Class, class, tk.ClassReason)
	}
	return tk
}

func TestBrowser_RequesterSubmitsAndSeesPromise(t *testing.T) {
	a := newApp(t)
	b := newBrowser(t, a)
	// Thursday before the Independence Day weekend, one hour before closing.
	a.clock.Set(time.Date(2026, 7, 2, 16, 0, 0, 0, ny))

	t.Run("valid request", func(t *testing.T) {
		b := b.in(t)
		b.open("/")
		b.do("fill in the request form",
			chromedp.SendKeys(chromedp.ID("name"), "Riley Requester"),
			chromedp.SendKeys(chromedp.ID("email"), "riley@agency.gov"),
			chromedp.SendKeys(chromedp.ID("subject"), "Our app is down - 502 errors"),
			chromedp.SendKeys(chromedp.ID("body"), "Since 3:45 PM every request to our app returns 502 Bad Gateway.\nWe have restarted it twice."),
		)
		resp := b.submit(`form[action="/"] button[type=submit]`)
		b.wantStatus(resp, http.StatusOK, "send the request")
		if p := b.path(); p != "/submitted" {
			t.Fatalf("after sending, the browser is on %s, want /submitted (Post/Redirect/Get)", p)
		}
		ref := strings.TrimSpace(b.text("#ref"))
		if !browserRefRE.MatchString(ref) {
			t.Fatalf("#ref = %q, want SR-<number>", ref)
		}
		promise := b.text("#promise")
		// 16:00-17:00 Thursday is one business hour; Friday July 3 is the
		// observed Independence Day holiday; then 9:00-11:00 Monday.
		if !strings.Contains(promise, "Monday, July 6, 11:00 AM ET") {
			t.Errorf("#promise = %q, want it to contain %q", promise, "Monday, July 6, 11:00 AM ET")
		}
		// The page is the truth only if the ticket is real.
		tk, _, err := a.svc.Get(context.Background(), ref)
		if err != nil {
			t.Fatalf("the confirmed ticket %s: %v", ref, err)
		}
		if tk.Class != "availability" || tk.RequesterEmail != "riley@agency.gov" || tk.Subject != "Our app is down - 502 errors" {
			t.Errorf("stored ticket = class %s, requester %s, subject %q", tk.Class, tk.RequesterEmail, tk.Subject)
		}
		if want := time.Date(2026, 7, 6, 11, 0, 0, 0, ny); !tk.ResponseDueAt.Equal(want) {
			t.Errorf("stored due = %v, want %v", tk.ResponseDueAt.In(ny), want)
		}
	})

	t.Run("missing email keeps the typed values", func(t *testing.T) {
		b := b.in(t)
		b.open("/")
		const name, subject, body = "Riley Requester", "Need a new space for the pilot", "Please create a space named pilot in org riley-lab.\nThanks!"
		b.do("fill in the request form without an email",
			chromedp.SendKeys(chromedp.ID("name"), name),
			chromedp.SendKeys(chromedp.ID("subject"), subject),
			chromedp.SendKeys(chromedp.ID("body"), body),
			chromedp.Click(chromedp.CSS(`input[name=class][value=provisioning]`)),
		)
		resp := b.submit(`form[action="/"] button[type=submit]`)
		b.wantStatus(resp, http.StatusBadRequest, "send the request without an email")
		if p := b.path(); p != "/" {
			t.Errorf("after the invalid send, the browser is on %s, want / (the form again)", p)
		}
		// The message is inside the email field's own block, not just
		// somewhere on the page.
		emailErr := browserRun(b, "read the email field's error", chromedp.Evaluate[string](`(() => {
			const f = document.getElementById('email').closest('.field');
			const e = f && f.querySelector('.field-error');
			return e ? e.innerText : '';
		})()`))
		if !strings.Contains(emailErr, "Please give an email address") {
			t.Errorf("error next to the email field = %q, want %q", emailErr, "Please give an email address")
		}
		if cls := b.attr(`.field:has(#email)`, "class"); !strings.Contains(cls, "has-error") {
			t.Errorf("email field block class = %q, want has-error", cls)
		}
		errs := browserRun(b, "count field errors", chromedp.Evaluate[int](`document.querySelectorAll('.field-error').length`))
		if errs != 1 {
			t.Errorf("%d field errors on the page, want 1 (only the email)", errs)
		}
		if alert := b.text(`[role=alert].alert`); !strings.Contains(alert, "Please correct the fields") {
			t.Errorf("page alert = %q", alert)
		}
		for _, f := range []struct{ sel, want string }{{"#name", name}, {"#subject", subject}, {"#body", body}, {"#email", ""}} {
			if got := b.value(f.sel); got != f.want {
				t.Errorf("%s = %q after the error, want %q", f.sel, got, f.want)
			}
		}
		if checked := browserRun(b, "read the chosen category", chromedp.Evaluate[string](
			`(document.querySelector('input[name=class]:checked') || {value: 'none'}).value`)); checked != "provisioning" {
			t.Errorf("checked category = %q after the error, want provisioning", checked)
		}
		// And nothing was filed: only the ticket of the first subtest exists.
		tickets, _, err := a.svc.List(context.Background(), desk.Filter{Status: "all"})
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range tickets {
			if tk.Subject == subject {
				t.Errorf("an invalid request was stored as %s", tk.Ref)
			}
		}
	})
}

func TestBrowser_StaffWorksTheQueue(t *testing.T) {
	a := newApp(t)
	b := newBrowser(t, a)
	// Receipt times chosen so that the most urgent ticket is neither the
	// first nor the last filed, and is at risk at 10:00 Wednesday.
	other := browserTicket(t, a, time.Date(2026, 6, 29, 10, 0, 0, 0, ny), "other",
		"Question about our June invoice", "Could you explain the line for backing services?")
	// Tuesday 15:30 + 3 business hours = Wednesday 10:30.
	urgent := browserTicket(t, a, time.Date(2026, 6, 30, 15, 30, 0, 0, ny), "availability",
		"Production site returns 503", "Our production site has been returning 503 since 3:15 PM.")
	prov := browserTicket(t, a, time.Date(2026, 7, 1, 9, 0, 0, 0, ny), "provisioning",
		"Please add a developer to our org", "Please give dana@agency.gov the developer role in org riley-lab.")
	later := browserTicket(t, a, time.Date(2026, 7, 1, 9, 50, 0, 0, ny), "availability",
		"Staging app is down", "Staging returns 502 for every request since this morning.")
	now := time.Date(2026, 7, 1, 10, 0, 0, 0, ny)
	a.clock.Set(now)

	wantOrder := []string{urgent.Ref, later.Ref, prov.Ref, other.Ref}
	for i, tk := range []*desk.Ticket{urgent, later, prov, other}[1:] {
		if prev := []*desk.Ticket{urgent, later, prov, other}[i]; !prev.ResponseDueAt.Before(tk.ResponseDueAt) {
			t.Fatalf("fixture: %s due %v is not before %s due %v", prev.Ref, prev.ResponseDueAt, tk.Ref, tk.ResponseDueAt)
		}
	}
	urgentState, _ := a.svc.SLA(urgent, now)
	if urgentState != sla.AtRisk {
		t.Fatalf("fixture: %s is %s at %v, want at_risk", urgent.Ref, urgentState, now)
	}

	// A desktop: the queue is a real table (below 800px it turns into cards).
	b.do("emulate a desktop", chromedp.EmulateViewport(1280, 900))
	b.login("sam@agency.gov")

	// The queue: most urgent first, with its state.
	b.do("wait for the queue table", chromedp.WaitVisible(chromedp.CSS(`table.queue tbody tr[data-ref]`)))
	if first := b.attr(`table.queue tbody tr[data-ref]`, "data-ref"); first != urgent.Ref {
		t.Errorf("first queue row is %s, want the most urgent %s", first, urgent.Ref)
	}
	rows := b.queueRows()
	if got := browserRefs(rows); !slices.Equal(got, wantOrder) {
		t.Errorf("queue order = %v, want %v (by response due)", got, wantOrder)
	}
	if len(rows) > 0 && !strings.Contains(rows[0].SLA, "At risk") {
		t.Errorf("first row's SLA cell = %q, want it to say At risk", rows[0].SLA)
	}
	t.Logf("queue screenshot: %s", b.screenshot("queue.png"))

	// Open the ticket from the queue.
	resp := b.submit(fmt.Sprintf(`tr[data-ref=%q] a.ref`, urgent.Ref))
	b.wantStatus(resp, http.StatusOK, "open "+urgent.Ref)
	if p := b.path(); p != "/tickets/"+urgent.Ref {
		t.Fatalf("clicking %s in the queue went to %s", urgent.Ref, p)
	}
	if h := b.text("h1"); !strings.Contains(h, urgent.Subject) {
		t.Errorf("ticket heading = %q, want the subject %q", h, urgent.Subject)
	}

	// An internal note first: it shows, marked internal, and the clock runs on.
	a.clock.Set(now.Add(2 * time.Minute))
	const note = "Checked the load balancer: the app's instances are crashing on start."
	b.do("type a note", chromedp.SendKeys(chromedp.ID("reply-body"), note))
	resp = b.submit("#add-note")
	b.wantStatus(resp, http.StatusOK, "add a note")
	if f := b.text(".flash"); !strings.Contains(f, "Internal note added.") {
		t.Errorf("flash after the note = %q", f)
	}
	if got := b.text("#timeline li.ev-note.internal .ev-body"); !strings.Contains(got, note) {
		t.Errorf("internal note in the timeline = %q, want %q", got, note)
	}
	if n := browserRun(b, "count public replies", chromedp.Evaluate[int](`document.querySelectorAll('#timeline li.ev-reply').length`)); n != 0 {
		t.Errorf("%d public replies after an internal note, want 0", n)
	}
	if st := b.text("#sla-state"); strings.Contains(st, "Met") || !strings.Contains(st, "At risk") {
		t.Errorf("#sla-state after an internal note = %q, want At risk (a note does not stop the clock)", st)
	}
	if tk, _, err := a.svc.Get(context.Background(), urgent.Ref); err != nil || tk.FirstResponseAt != nil {
		t.Errorf("after the note: first response = %v, err %v; want none", tk.FirstResponseAt, err)
	}

	// The reply stops the clock in time: Met.
	a.clock.Set(now.Add(5 * time.Minute))
	const reply = "We are on it: your instances crash on start after the 3:10 PM deploy. Rolling back now."
	b.do("type a reply", chromedp.SendKeys(chromedp.ID("reply-body"), reply))
	resp = b.submit("#send-reply")
	b.wantStatus(resp, http.StatusOK, "send the reply")
	if p := b.path(); p != "/tickets/"+urgent.Ref {
		t.Errorf("after the reply the browser is on %s, want the ticket", p)
	}
	if f := b.text(".flash"); !strings.Contains(f, "Reply sent to the requester.") {
		t.Errorf("flash after the reply = %q", f)
	}
	if st := b.text("#sla-state"); !strings.Contains(st, "Met") {
		t.Errorf("#sla-state after the reply = %q, want Met", st)
	}
	if got := b.text("#timeline li.ev-reply:not(.internal) .ev-body"); !strings.Contains(got, reply) {
		t.Errorf("reply in the timeline = %q, want %q", got, reply)
	}
	if got := b.value("#reply-body"); got != "" {
		t.Errorf("#reply-body after sending = %q, want empty", got)
	}

	// Back in the queue the ticket is answered: Met, and below the
	// unanswered ones.
	b.open("/queue")
	rows = b.queueRows()
	wantOrder = []string{later.Ref, prov.Ref, other.Ref, urgent.Ref}
	if got := browserRefs(rows); !slices.Equal(got, wantOrder) {
		t.Errorf("queue order after the reply = %v, want %v (answered last)", got, wantOrder)
	}
	for _, r := range rows {
		if r.Ref == urgent.Ref && !strings.Contains(r.SLA, "Met") {
			t.Errorf("%s row's SLA cell after the reply = %q, want Met", r.Ref, r.SLA)
		}
		if r.Ref != urgent.Ref && strings.Contains(r.SLA, "Met") {
			t.Errorf("%s row's SLA cell = %q, but it was not answered", r.Ref, r.SLA)
		}
	}
}

// browserOverflow reports how far the page is wider than the viewport, and which
// elements stick out.
type browserOverflow struct {
	ScrollWidth int      `json:"scrollWidth"`
	InnerWidth  int      `json:"innerWidth"`
	Culprits    []string `json:"culprits"`
}

func (b *browser) overflow() browserOverflow {
	b.t.Helper()
	return browserRun(b, "measure the page width", chromedp.Evaluate[browserOverflow](`(() => {
		const vw = window.innerWidth;
		const culprits = [];
		for (const el of document.querySelectorAll('body *')) {
			const r = el.getBoundingClientRect();
			if (r.right > vw + 1 && culprits.length < 8) {
				culprits.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
					(el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '') +
					' right=' + Math.round(r.right));
			}
		}
		return {scrollWidth: document.documentElement.scrollWidth, innerWidth: vw, culprits};
	})()`))
}

// wantNoOverflow fails when the page scrolls sideways.
func (b *browser) wantNoOverflow(page string) {
	b.t.Helper()
	o := b.overflow()
	if o.InnerWidth != 390 {
		b.t.Fatalf("%s: window.innerWidth = %d, want the emulated 390", page, o.InnerWidth)
	}
	if o.ScrollWidth > o.InnerWidth+1 {
		b.t.Errorf("%s overflows a 390px phone: scrollWidth %d > innerWidth %d; sticking out: %v", page, o.ScrollWidth, o.InnerWidth, o.Culprits)
	}
}

func TestBrowser_PhoneWidth(t *testing.T) {
	a := newApp(t)
	b := newBrowser(t, a)
	// Realistic worst cases for narrow pages: long subjects, long
	// addresses, an assignee, every state, reports with rows.
	f := newPageFixture(t, a)

	b.do("emulate a 390x844 phone", chromedp.EmulateViewport(390, 844))

	// The measurement must be able to see an overflow: a control element
	// 600px wide has to trip it.
	b.open("/")
	browserRun(b, "add a too-wide element", chromedp.Evaluate[chromedp.Void](`(() => {
		const d = document.createElement('div'); d.id = 'too-wide'; d.style.width = '600px'; d.style.height = '1px';
		document.body.appendChild(d);
	})()`))
	if o := b.overflow(); o.ScrollWidth <= o.InnerWidth+1 {
		t.Fatalf("the overflow check missed a 600px element: scrollWidth %d, innerWidth %d", o.ScrollWidth, o.InnerWidth)
	}

	// Every page (browserPages): the page itself never scrolls sideways,
	// and no table is wider than the screen either (tables that do not fit
	// turn into one card per row, see table.stack and table.queue in
	// style.css), so nothing has to be scrolled sideways to be read.
	visitPages(t, b, f, func(b *browser, p browserPage) {
		b.wantNoOverflow(p.name)
		b.wantTablesFit(p.name)
		if os.Getenv("SLATRACK_AXE") != "" { // and what is accessible on a laptop is on a phone
			runAxe(b, p.name+" at 390px")
		}
		if p.name == "queue" || p.name == "ticket" || p.name == "overdue report" || p.name == "compliance report" {
			b.t.Logf("phone screenshot: %s", b.screenshot(strings.ReplaceAll(p.name, " ", "-")+"-phone.png"))
		}
	})
}

// wantTablesFit fails when a table (or its wrapper) is wider than its
// container, so that reading it means scrolling it sideways.
func (b *browser) wantTablesFit(page string) {
	b.t.Helper()
	wide := browserRun(b, "measure the tables", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('.tablewrap'))
		.filter(w => w.scrollWidth > w.clientWidth + 1)
		.map(w => { const t = w.querySelector('table'); return (t && t.id ? '#' + t.id : (t ? 'table.' + t.className : 'div')) + ' ' + w.scrollWidth + 'px in ' + w.clientWidth + 'px'; })`))
	if len(wide) > 0 {
		b.t.Errorf("%s at 390px: tables wider than the screen, to be scrolled sideways: %v", page, wide)
	}
}
