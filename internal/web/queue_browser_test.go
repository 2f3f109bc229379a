package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/slatrack/slatrack/internal/config"
	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// TestBrowser_BulkAssign50 assigns 50 tickets from the queue: select all,
// choose the assignee, review, confirm; all 50 are assigned and each
// assignment is on its ticket's timeline.
func TestBrowser_BulkAssign50(t *testing.T) {
	a := newApp(t)
	var refs []string
	for i := 0; i < 50; i++ {
		refs = append(refs, a.mkTicket(desk.NewTicket{Subject: fmt.Sprintf("Question %d about our invoice", i), Class: "other"}, a.admin).Ref)
	}
	b := newBrowser(t, a)
	b.do("emulate a laptop", chromedp.EmulateViewport(1366, 768))
	b.login("admin@agency.gov")
	b.do("wait for the queue", chromedp.WaitVisible(chromedp.CSS(`#select-all`)))

	// Dense rows: far more than six tickets on a laptop screen, one line each.
	fit := browserRun(b, "count the rows on screen", chromedp.Evaluate[[]int](`(() => {
		const rows = Array.from(document.querySelectorAll('#queue-rows tr'));
		const onScreen = rows.filter(r => r.getBoundingClientRect().bottom <= window.innerHeight).length;
		const lineHeights = rows.map(r => r.getBoundingClientRect().height);
		return [onScreen, Math.round(Math.max(...lineHeights))];
	})()`))
	t.Logf("laptop queue screenshot: %s", b.screenshot("queue-laptop.png"))
	if fit[0] < 12 || fit[1] > 32 {
		t.Errorf("%d rows fit a 1366x768 laptop screen and the tallest is %dpx; want at least 12, one line each", fit[0], fit[1])
	}

	b.do("select all and choose Sam",
		chromedp.Click(chromedp.CSS(`#select-all`)),
		chromedp.SetValue(chromedp.CSS(`#bulk-do`), "assign:sam@agency.gov"),
	)
	if n := browserRun(b, "count ticked rows", chromedp.Evaluate[int](`document.querySelectorAll('#queue-rows input[name=ref]:checked').length`)); n != 50 {
		t.Errorf("select all ticked %d rows, want 50", n)
	}
	resp := b.submit(`#bulk button[type=submit]`)
	b.wantStatus(resp, http.StatusOK, "review the change")
	if lead := b.text(".confirm .lead"); !strings.Contains(lead, "Change 50 tickets: assign them to Sam Staff?") {
		t.Fatalf("confirm page says %q", lead)
	}
	if tk, _ := a.ticket(refs[0]); tk.AssigneeID != nil {
		t.Fatal("assigned before the confirmation")
	}
	resp = b.submit(`.confirm button[type=submit]`)
	b.wantStatus(resp, http.StatusOK, "confirm the change")
	if f := b.text(".flash"); !strings.Contains(f, "Done: 50 tickets changed — assign them to Sam Staff.") {
		t.Errorf("flash = %q", f)
	}
	for _, ref := range refs {
		tk, ev := a.ticket(ref)
		last := ev[len(ev)-1]
		if tk.Assignee == nil || tk.Assignee.Email != "sam@agency.gov" || last.Kind != desk.EventAssigned || last.New != "sam@agency.gov" {
			t.Errorf("%s: assignee %v, last event %s %s", ref, tk.Assignee, last.Kind, last.New)
		}
	}
}

// TestBrowser_QueueLiveUpdate: a ticket filed while the queue is open
// appears without a reload, while a ticked box, half-typed text and the
// scroll position stay as they were, and the new ticket is announced.
func TestBrowser_QueueLiveUpdate(t *testing.T) {
	a := newAppWith(t, storetest.OpenEnv(t), func(c *config.Config) { c.Server.QueuePollSeconds = 2 })
	var refs []string
	for i := 0; i < 40; i++ {
		refs = append(refs, a.mkTicket(desk.NewTicket{Subject: fmt.Sprintf("Question %d about our invoice", i), Class: "other"}, a.admin).Ref)
	}
	b := newBrowser(t, a)
	b.do("emulate a short laptop", chromedp.EmulateViewport(1280, 500))
	b.login("sam@agency.gov")
	b.do("wait for the queue", chromedp.WaitVisible(chromedp.CSS(`#queue-rows tr`)))
	if n := browserRun(b, "count meta refresh", chromedp.Evaluate[int](`document.querySelectorAll('meta[http-equiv=refresh]').length`)); n != 0 {
		t.Fatal("the queue still reloads itself")
	}
	ticked := refs[5]
	b.do("tick a row, type half a search, scroll",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=ref][value=%q]`, ticked))),
		chromedp.SendKeys(chromedp.CSS(`input[name=q]`), "half-typ"),
		chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 300); window.notReloaded = true`),
	)
	before := browserRun(b, "read the scroll position", chromedp.Evaluate[int](`Math.round(window.scrollY)`))

	// An outage, so it is due first and lands on top.
	fresh := a.mkTicket(desk.NewTicket{Subject: "Production is down", Body: "Every request returns 503.", Class: "availability"}, nil)
	b.do("wait for the new ticket to appear",
		chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.querySelector('#queue-rows tr[data-ref=%q]')`, fresh.Ref), chromedp.WithPollingTimeout(12*time.Second)))

	type state struct {
		NotReloaded bool   `json:"notReloaded"`
		First       string `json:"first"`
		Ticked      bool   `json:"ticked"`
		Typed       string `json:"typed"`
		ScrollY     int    `json:"scrollY"`
		Live        string `json:"live"`
		Count       string `json:"count"`
	}
	st := browserRun(b, "read the page", chromedp.Evaluate[state](fmt.Sprintf(`({
		notReloaded: window.notReloaded === true,
		first: document.querySelector('#queue-rows tr').dataset.ref,
		ticked: document.querySelector('input[name=ref][value=%q]').checked,
		typed: document.querySelector('input[name=q]').value,
		scrollY: Math.round(window.scrollY),
		live: document.getElementById('queue-live').textContent,
		count: document.getElementById('queue-count').textContent,
	})`, ticked)))
	if !st.NotReloaded {
		t.Error("the page reloaded")
	}
	if st.First != fresh.Ref {
		t.Errorf("first row %s, want the new outage %s", st.First, fresh.Ref)
	}
	if !st.Ticked {
		t.Errorf("%s was unticked by the update", ticked)
	}
	if st.Typed != "half-typ" {
		t.Errorf("the search box holds %q after the update", st.Typed)
	}
	if st.ScrollY != before {
		t.Errorf("scrolled to %d after the update, was %d", st.ScrollY, before)
	}
	if st.Count != "41 tickets" {
		t.Errorf("count %q, want 41 tickets", st.Count)
	}
	// The announcement is written a moment after the rows.
	live := browserRun(b, "wait for the announcement", chromedp.Poll[string](`document.getElementById('queue-live').textContent`, chromedp.WithPollingTimeout(5*time.Second)))
	if live != "1 new ticket in this view" {
		t.Errorf("live region says %q", live)
	}
	if role := b.attr("#queue-live", "aria-live"); role != "polite" {
		t.Errorf("aria-live=%q", role)
	}
}

// TestBrowser_QueueShortcuts: "?" opens the help overlay, Esc closes it;
// j/k move between rows, x ticks one, o opens it.
func TestBrowser_QueueShortcuts(t *testing.T) {
	a := newApp(t)
	var refs []string
	for i := 0; i < 3; i++ {
		refs = append(refs, a.mkTicket(desk.NewTicket{Subject: fmt.Sprintf("Question %d about our invoice", i), Class: "other"}, a.admin).Ref)
	}
	b := newBrowser(t, a)
	b.do("emulate a laptop", chromedp.EmulateViewport(1280, 800))
	b.login("sam@agency.gov")
	b.do("wait for the queue", chromedp.WaitVisible(chromedp.CSS(`#queue-rows tr`)))

	b.do("press ?", chromedp.KeyEvent("?"), chromedp.WaitVisible(chromedp.CSS(`dialog#shortcuts[open]`)))
	help := b.text("dialog#shortcuts")
	for _, want := range []string{"Keyboard shortcuts", "Next ticket", "Previous ticket", "Open the ticket", "Select or unselect", "Reply to the requester", "Add an internal note", "Assign the ticket to me"} {
		if !strings.Contains(help, want) {
			t.Errorf("the overlay lacks %q:\n%s", want, help)
		}
	}
	if lbl := b.attr("dialog#shortcuts", "aria-labelledby"); b.text("#"+lbl) != "Keyboard shortcuts" {
		t.Errorf("the dialog is labelled by %q", lbl)
	}
	b.do("press Esc", chromedp.KeyEvent(kb.Escape), chromedp.WaitNotVisible(chromedp.CSS(`dialog#shortcuts`)),
		chromedp.Poll[chromedp.Void](`!document.getElementById('shortcuts').open`, chromedp.WithPollingTimeout(5*time.Second)))

	b.do("j j k j x", chromedp.KeyEvent("j"), chromedp.KeyEvent("j"), chromedp.KeyEvent("k"), chromedp.KeyEvent("j"), chromedp.KeyEvent("x"))
	second := browserRun(b, "read the current row", chromedp.Evaluate[string](`document.querySelector('#queue-rows tr.current').dataset.ref`))
	rows := browserRefs(b.queueRows())
	if len(rows) != 3 || second != rows[1] {
		t.Fatalf("after j j k j the current row is %s, want the second of %v", second, rows)
	}
	if !browserRun(b, "read the tick", chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector('input[name=ref][value=%q]').checked`, second))) {
		t.Error("x did not tick the current row")
	}
	ctx, cancel := b.step()
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.KeyEvent("o")); err != nil {
		t.Fatalf("o: %v", err)
	}
	if p := b.path(); p != "/tickets/"+second {
		t.Errorf("o opened %s, want /tickets/%s", p, second)
	}
}
