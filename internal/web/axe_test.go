package web_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/slatrack/slatrack/internal/desk"
)

// The accessibility tests run axe-core (Deque's rules engine, from the npm
// registry) inside the real Chromium the browser tests already drive. .ci/test
// installs a pinned axe-core and points SLATRACK_AXE at its axe.min.js;
// without it the tests skip, except in CI (CI=true), where a missing axe is a
// failure, as a missing browser is (findChromium).

// axeRules are the rule sets every page must pass: WCAG 2.0 and 2.1 at
// levels A and AA, and axe's best practices (landmarks, one h1, …).
const axeRules = `['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']`

var axeOnce struct {
	sync.Once
	src string
	err error
}

// axeSource is axe.min.js from $SLATRACK_AXE, read once per test binary.
func axeSource(t *testing.T) string {
	t.Helper()
	const install = "run .ci/test (it installs axe-core from the npm registry), or: npm install --prefix DIR axe-core@4.14.1 and SLATRACK_AXE=DIR/node_modules/axe-core/axe.min.js"
	p := os.Getenv("SLATRACK_AXE")
	if p == "" {
		msg := "accessibility tests: SLATRACK_AXE is unset; " + install
		if browserInCI() {
			t.Fatal(msg + ". CI=true, so this is a failure, not a skip.")
		}
		t.Skip(msg + ".")
	}
	axeOnce.Do(func() {
		b, err := os.ReadFile(p)
		axeOnce.src, axeOnce.err = string(b), err
		if err == nil && !strings.Contains(axeOnce.src, "axe") {
			axeOnce.err = fmt.Errorf("%s does not look like axe.min.js", p)
		}
	})
	if axeOnce.err != nil {
		t.Fatalf("accessibility tests: SLATRACK_AXE=%q: %v", p, axeOnce.err)
	}
	return axeOnce.src
}

// axeViolation is one failed axe rule and the elements that fail it.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	URL    string `json:"helpUrl"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		Summary string `json:"failureSummary"`
		HTML    string `json:"html"`
	} `json:"nodes"`
}

// axeResult is what runAxe reads back from axe.run.
type axeResult struct {
	Violations []axeViolation `json:"violations"`
	Passes     int            `json:"passes"`
}

// runAxe checks the page the browser shows now with axe-core and fails the
// test with every violation: its rule, what it asks for, and the selectors
// (and markup) of the offending elements. page names the page in the message.
func runAxe(b *browser, page string) {
	b.t.Helper()
	for _, v := range axeViolations(b, page) {
		var nodes []string
		for _, n := range v.Nodes {
			nodes = append(nodes, fmt.Sprintf("    %v  %s\n      %s", n.Target, n.HTML, strings.ReplaceAll(n.Summary, "\n", "\n      ")))
		}
		b.t.Errorf("%s (%s): axe %s [%s]: %s (%s)\n%s", page, b.path(), v.ID, v.Impact, v.Help, v.URL, strings.Join(nodes, "\n"))
	}
}

// axeViolations loads axe-core into the page the browser shows and runs it
// with axeRules.
func axeViolations(b *browser, page string) []axeViolation {
	b.t.Helper()
	src := axeSource(b.t)
	if !browserRun(b, "load axe-core into "+page, chromedp.Evaluate[bool](`(() => { if (!window.axe) { `+src+`
	} return !!window.axe; })()`)) {
		b.t.Fatalf("%s: axe-core did not load (window.axe is missing)", page)
	}
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	res, err := chromedp.Run(ctx, chromedp.Evaluate[axeResult](`axe.run(document, {runOnly: `+axeRules+`, resultTypes: ['violations']}).then(r => ({
		violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
			nodes: v.nodes.map(n => ({target: n.target, failureSummary: n.failureSummary, html: n.html.slice(0, 200)}))})),
		passes: r.passes.length}))`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("%s: axe.run: %v (page %s)", page, err, b.location())
	}
	if res.Passes == 0 {
		b.t.Fatalf("%s: axe passed no rule at all: it did not really look at the page", page)
	}
	return res.Violations
}

// browserPage is one page of the app as a person reaches it: who is logged
// in, and how to get there (open a path, or fill in and send a form).
type browserPage struct {
	name string
	// who is "" for a visitor, else the email of the staff member logged in.
	who string
	// path is opened unless reach is set.
	path  string
	reach func(b *browser, f *pageFixture)
	// wait is a CSS selector that must be visible before the page is
	// checked ("" = the page's h1).
	wait string
}

// pageFixture is the data the pages show: tickets in every state, a
// conversation, a token, a quarantined mail.
type pageFixture struct {
	breached, atRisk, forecast, answered *desk.Ticket
}

// browserPages is every page of the app, with data on it: the accessibility
// test checks each with axe, the phone test measures each at 390 px. A new
// page goes here.
var browserPages = []browserPage{
	{name: "request form", path: "/"},
	{name: "request form with errors", reach: func(b *browser, _ *pageFixture) {
		b.open("/")
		b.do("fill in the form without an email", chromedp.SendKeys(chromedp.ID("subject"), "Need a space"))
		b.submit(`form[action="/"] button[type=submit]`)
	}, wait: ".field-error"},
	{name: "request received", reach: func(b *browser, _ *pageFixture) {
		b.open("/")
		b.do("fill in the request form",
			chromedp.SendKeys(chromedp.ID("email"), "riley@agency.gov"),
			chromedp.SendKeys(chromedp.ID("subject"), "Please add a developer to our org"),
			chromedp.SendKeys(chromedp.ID("body"), "Please give dana@agency.gov the developer role in org riley-lab."),
		)
		b.submit(`form[action="/"] button[type=submit]`)
	}, wait: "#ref"},
	{name: "status", path: "/status"},
	{name: "login", path: "/login"},
	{name: "login failed", reach: func(b *browser, _ *pageFixture) {
		b.open("/login")
		b.do("fill in a wrong password", chromedp.SendKeys(chromedp.ID("email"), "sam@agency.gov"), chromedp.SendKeys(chromedp.ID("password"), "not the password"))
		b.submit(`form[action="/login"] button[type=submit]`)
	}, wait: "#page-error"},
	{name: "page not found", path: "/no-such-page"},
	{name: "queue", who: "admin@agency.gov", path: "/queue"},
	{name: "queue, nothing matches", who: "admin@agency.gov", path: "/queue?q=nothing+matches+this"},
	{name: "queue, bad filter", who: "admin@agency.gov", path: "/queue?state=late"},
	{name: "ticket", who: "admin@agency.gov", reach: func(b *browser, f *pageFixture) { b.open("/tickets/" + f.answered.Ref) }},
	{name: "ticket not found", who: "admin@agency.gov", path: "/tickets/SR-999999"},
	{name: "overdue report", who: "admin@agency.gov", path: "/reports/overdue"},
	{name: "overdue report, bad forecast", who: "admin@agency.gov", path: "/reports/overdue?forecast_hours=soon", wait: ".field-error"},
	{name: "compliance report", who: "admin@agency.gov", path: "/reports/compliance"},
	{name: "compliance report, reversed range", who: "admin@agency.gov", path: "/reports/compliance?from=2026-06-30&to=2026-06-01", wait: ".field-error"},
	{name: "staff accounts", who: "admin@agency.gov", path: "/admin/users"},
	{name: "staff accounts, form with errors", who: "admin@agency.gov", reach: func(b *browser, _ *pageFixture) {
		b.open("/admin/users")
		b.do("fill in a bad new account", chromedp.SendKeys(chromedp.ID("email"), "not-an-address"))
		b.submit(`form[action="/admin/users"] button[type=submit]`)
	}, wait: ".field-error"},
	{name: "API tokens", who: "admin@agency.gov", path: "/admin/tokens"},
	{name: "quarantine", who: "admin@agency.gov", path: "/admin/quarantine"},
	{name: "macro library", who: "admin@agency.gov", path: "/admin/macros"},
	{name: "merge confirmation", who: "admin@agency.gov", reach: func(b *browser, f *pageFixture) {
		b.open("/tickets/" + f.atRisk.Ref)
		b.do("name the ticket to merge into", chromedp.SendKeys(chromedp.ID("merge-into"), f.breached.Ref))
		b.submit(`#merge-form button[type=submit]`)
	}, wait: ".merge-confirm"},
}

// newPageFixture fills the app with what every page shows, and leaves the
// clock on Wednesday July 1, 2026, 10:00 in New York.
func newPageFixture(t *testing.T, a *app) *pageFixture {
	t.Helper()
	ctx := context.Background()
	f := &pageFixture{}
	// Received a week before: answered, with a note and a reply.
	f.answered = browserTicket(t, a, time.Date(2026, 6, 23, 9, 30, 0, 0, ny), "provisioning",
		"Please add a developer to our org riley-lab with a long subject that wraps on a phone",
		"Please give dana.developer@benefits-portal.agency.gov the developer role in org riley-lab.")
	a.clock.Set(time.Date(2026, 6, 23, 11, 0, 0, 0, ny))
	if _, err := a.svc.Reply(ctx, f.answered.Ref, a.staff, "Checking who manages riley-lab.", true); err != nil {
		t.Fatal(err)
	}
	if _, err := a.svc.Reply(ctx, f.answered.Ref, a.staff, "Done: dana has the developer role in riley-lab.", false); err != nil {
		t.Fatal(err)
	}
	// Overdue: Tuesday 9:00 + 3 business hours = Tuesday 12:00.
	f.breached = browserTicket(t, a, time.Date(2026, 6, 30, 9, 0, 0, 0, ny), "availability",
		"Production site returns 503 for every request to the public benefits application portal",
		"Since 8:45 AM https://benefits-portal.app.cloud.agency.gov/applications/new returns 503.")
	sam := "sam@agency.gov"
	if _, err := a.svc.Update(ctx, f.breached.Ref, a.admin, desk.Patch{AssigneeEmail: &sam}); err != nil {
		t.Fatal(err)
	}
	// At risk at 10:00: due 10:30.
	f.atRisk = browserTicket(t, a, time.Date(2026, 6, 30, 15, 30, 0, 0, ny), "availability",
		"Staging app is down", "Staging returns 502 for every request since yesterday afternoon.")
	// Due at 12:30 Wednesday: within the forecast.
	f.forecast = browserTicket(t, a, time.Date(2026, 7, 1, 9, 30, 0, 0, ny), "availability",
		"Login page times out", "The login page of our app times out for everyone.")
	browserTicket(t, a, time.Date(2026, 7, 1, 9, 45, 0, 0, ny), "other",
		"Question about our June invoice", "Could you explain the line for backing services?")
	name, body, status := "Access granted", "Hello {{requester_name}}, {{ref}} is done. {{agent_name}}", "resolved"
	if _, err := a.svc.CreateMacro(ctx, a.admin, desk.MacroPatch{Name: &name, Body: &body, SetStatus: &status}); err != nil {
		t.Fatal(err)
	}
	cc, ccName := "lee@benefits-portal.agency.gov", "Lee Park"
	if _, err := a.svc.AddParticipant(ctx, f.answered.Ref, a.admin, cc, ccName); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.svc.CreateToken(ctx, desk.NewToken{Email: "sam@agency.gov", Name: "nightly export"}); err != nil {
		t.Fatal(err)
	}
	if err := a.store.Quarantine(ctx, &desk.Quarantined{Reason: "no usable sender address", Source: "smtp",
		Raw: []byte("Subject: hello\r\n\r\nno sender\r\n"), ReceivedAt: time.Date(2026, 6, 30, 22, 0, 0, 0, ny)}); err != nil {
		t.Fatal(err)
	}
	a.clock.Set(time.Date(2026, 7, 1, 10, 0, 0, 0, ny))
	return f
}

// visitPages opens every page of browserPages in turn (logging in and out
// as each asks) and calls check on it, in a subtest named by the page.
func visitPages(t *testing.T, b *browser, f *pageFixture, check func(b *browser, p browserPage)) {
	t.Helper()
	who := ""
	for _, p := range browserPages {
		t.Run(p.name, func(t *testing.T) {
			b := b.in(t)
			if p.who != who {
				if who != "" {
					b.do("log out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS("main")))
				}
				if p.who != "" {
					b.login(p.who)
				}
				who = p.who
			}
			if p.reach != nil {
				p.reach(b, f)
			} else {
				b.open(p.path)
			}
			wait := p.wait
			if wait == "" {
				wait = "h1"
			}
			b.do("wait for "+wait, chromedp.WaitVisible(chromedp.CSS(wait)))
			check(b, p)
		})
	}
}

func TestBrowser_AxeEveryPage(t *testing.T) {
	axeSource(t) // skip (or fail in CI) before starting a browser
	a := newApp(t)
	b := newBrowser(t, a)
	f := newPageFixture(t, a)
	b.do("emulate a laptop", chromedp.EmulateViewport(1280, 900))
	visitPages(t, b, f, func(b *browser, p browserPage) { runAxe(b, p.name) })
}

// TestBrowser_AxeFindsViolations keeps the check honest: a page with an
// unlabelled field and low-contrast text must fail it.
func TestBrowser_AxeFindsViolations(t *testing.T) {
	axeSource(t)
	a := newApp(t)
	b := newBrowser(t, a)
	b.open("/login")
	browserRun(b, "break the page", chromedp.Evaluate[chromedp.Void](`(() => {
		const i = document.createElement('input'); i.id = 'unlabelled'; document.querySelector('main').appendChild(i);
		const p = document.createElement('p'); p.textContent = 'faint'; p.style.color = '#ccc'; document.querySelector('main').appendChild(p);
	})()`))
	res := axeViolations(b, "the broken login page")
	ids := map[string]bool{}
	for _, v := range res {
		ids[v.ID] = true
	}
	for _, want := range []string{"label", "color-contrast"} {
		if !ids[want] {
			t.Errorf("axe did not report %q on a page with an unlabelled field and #ccc text; it reported %v", want, ids)
		}
	}
}

// TestBrowser_KeyboardAndFieldErrors checks what axe cannot see: the skip
// link is the first thing Tab reaches and moves focus into the page's main
// content, focus is visible, and a field's error is tied to it.
func TestBrowser_KeyboardAndFieldErrors(t *testing.T) {
	a := newApp(t)
	b := newBrowser(t, a)
	b.open("/status")
	b.do("press Tab", chromedp.KeyEvent("\t"))
	first := browserRun(b, "read the focused element", chromedp.Evaluate[[]string](`(() => {
		const e = document.activeElement, s = getComputedStyle(e);
		return [e.className, e.getAttribute('href') || '', s.outlineStyle, s.outlineWidth];
	})()`))
	if first[0] != "skip" || first[1] != "#main" {
		t.Fatalf("the first Tab lands on class=%q href=%q, want the skip link to #main", first[0], first[1])
	}
	if first[2] == "none" || first[3] == "0px" {
		t.Errorf("the focused skip link has outline %s %s: focus is not visible", first[2], first[3])
	}
	b.do("follow the skip link", chromedp.KeyEvent("\r"))
	if in := browserRun(b, "where focus is", chromedp.Evaluate[string](`document.activeElement.id`)); in != "main" {
		t.Errorf("after the skip link focus is on #%s, want #main", in)
	}
	b.do("press Tab", chromedp.KeyEvent("\t"))
	if in := browserRun(b, "where focus is", chromedp.Evaluate[string](`document.getElementById('main').contains(document.activeElement) ? '' : document.activeElement.outerHTML.slice(0, 80)`)); in != "" {
		t.Errorf("Tab after the skip link lands on %s, outside the main content", in)
	}

	b.open("/")
	b.do("fill in the form without an email", chromedp.SendKeys(chromedp.ID("subject"), "Need a space"), chromedp.SendKeys(chromedp.ID("body"), "For the pilot."))
	b.submit(`form[action="/"] button[type=submit]`)
	got := browserRun(b, "read the email field's ARIA", chromedp.Evaluate[[]string](`(() => {
		const f = document.getElementById('email');
		const ids = (f.getAttribute('aria-describedby') || '').split(' ');
		const msgs = ids.map(id => document.getElementById(id)).filter(e => e && e.classList.contains('field-error'));
		return [f.getAttribute('aria-invalid') || '', msgs.map(e => e.innerText).join('|'),
			document.getElementById('subject').getAttribute('aria-invalid') || ''];
	})()`))
	if got[0] != "true" {
		t.Errorf("#email aria-invalid = %q after a send without an email, want true", got[0])
	}
	if !strings.Contains(got[1], "give an email address") {
		t.Errorf("the error #email's aria-describedby names = %q, want the message about the missing address", got[1])
	}
	if got[2] != "" {
		t.Errorf("#subject aria-invalid = %q, but the subject was fine", got[2])
	}
}
