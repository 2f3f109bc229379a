package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/slatrack/slatrack/internal/desk"
)

// beatNow makes the page's script send its heartbeat at once (as it does
// when the tab becomes visible again) instead of at the next 10-second beat.
func (b *browser) beatNow() {
	b.t.Helper()
	browserRun(b, "send a heartbeat", chromedp.Evaluate[chromedp.Void](`document.dispatchEvent(new Event('visibilitychange'))`))
}

// waitText waits until the element's visible text contains want.
func (b *browser) waitText(sel, want, what string) string {
	b.t.Helper()
	deadline := time.Now().Add(8 * time.Second)
	got := ""
	for time.Now().Before(deadline) {
		got = browserRun(b, "read "+sel, chromedp.Evaluate[string](`(document.querySelector(`+jsString(sel)+`) || {innerText: ""}).innerText`))
		if strings.Contains(got, want) {
			return got
		}
		b.beatNow()
		time.Sleep(200 * time.Millisecond)
	}
	b.t.Fatalf("%s: %s says %q, want %q", what, sel, got, want)
	return got
}

// asTyped makes a key event one keydown that carries its character, as a
// keyboard's does, so a page that handles the keydown (preventDefault)
// types nothing; chromedp otherwise sends the character as a separate
// event no keydown handler can stop.
func asTyped(k *input.DispatchKeyEventParams) {
	switch k.Type {
	case input.DispatchKeyEventTypeChar:
		k.Modifiers |= int64(chromedp.ModifierAlt) // KeyEvent drops it: the keydown types it
	case input.DispatchKeyEventTypeKeyDown:
		switch {
		case len(k.Key) == 1:
			k.Text, k.UnmodifiedText = k.Key, k.Key
		case k.Key == "Enter":
			k.Text, k.UnmodifiedText = "\r", "\r"
		}
	}
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// TestBrowser_TwoAgentsOnOneTicket: agent B has the ticket open while
// agent A types and replies; B's page says A is typing, then that the
// ticket changed, and lists A's reply without reloading; B's own reply,
// sent from the stale page, is held back with A's reply shown and
// highlighted and B's text kept, until B confirms with "Send anyway".
func TestBrowser_TwoAgentsOnOneTicket(t *testing.T) {
	app := newApp(t)
	tk := browserTicket(t, app, time.Date(2026, 7, 1, 9, 30, 0, 0, ny), "other", "Invoice copy needed", "Please send a copy of invoice 4411.")
	app.clock.Set(time.Date(2026, 7, 1, 10, 0, 0, 0, ny))
	ada := newBrowser(t, app) // agent A
	sam := newBrowser(t, app) // agent B
	ada.login("admin@agency.gov")
	sam.login("sam@agency.gov")
	page := "/tickets/" + tk.Ref
	sam.open(page)
	ada.open(page)
	ada.waitText("#presence", "Sam Staff is viewing this ticket", "Ada's page")

	const adaReply = "Ada: the copy of invoice 4411 is attached."
	ada.do("Ada starts typing", chromedp.SendKeys(chromedp.ID("reply-body"), "Ada: the copy"))
	sam.waitText("#presence", "Ada Admin is typing a reply", "Sam's page while Ada types")
	ada.do("Ada finishes", chromedp.SendKeys(chromedp.ID("reply-body"), " of invoice 4411 is attached."))
	resp := ada.submit("#send-reply")
	ada.wantStatus(resp, http.StatusOK, "Ada sends her reply")

	sam.beatNow()
	sam.do("the changed notice appears", chromedp.WaitVisible(chromedp.ID("changed")))
	sam.do("show the changes", chromedp.Click(chromedp.ID("show-changes")))
	got := sam.waitText("#changes-list", "Ada Admin replied", "Sam's list of changes")
	if !strings.Contains(got, adaReply) {
		t.Errorf("Sam's list of changes = %q, want Ada's reply text", got)
	}

	const samReply = "Sam: I am sending the invoice copy now."
	sam.do("Sam types a reply on the stale page", chromedp.SendKeys(chromedp.ID("reply-body"), samReply))
	resp = sam.submit("#send-reply")
	sam.wantStatus(resp, http.StatusConflict, "Sam sends from the stale page")
	if w := sam.text("#stale"); !strings.Contains(w, "Ada Admin changed this ticket since you opened it") || !strings.Contains(w, adaReply) || !strings.Contains(w, "not sent") {
		t.Errorf("Sam's warning = %q", w)
	}
	if got := sam.text("#timeline li.ev-reply.fresh .ev-body"); !strings.Contains(got, adaReply) {
		t.Errorf("Ada's reply highlighted in Sam's timeline = %q", got)
	}
	if got := sam.value("#reply-body"); got != samReply {
		t.Errorf("Sam's reply box after the warning = %q, want his text kept", got)
	}
	if _, ev := app.getTicket(tk.Ref); strings.Contains(eventBodies(ev), samReply) {
		t.Fatal("Sam's reply was sent without his confirmation")
	}
	if b := sam.text("#send-reply"); b != "Send anyway" {
		t.Errorf("the send button says %q, want Send anyway", b)
	}
	resp = sam.submit("#send-reply")
	sam.wantStatus(resp, http.StatusOK, "Sam sends anyway")
	if f := sam.text(".flash"); !strings.Contains(f, "Reply sent to the requester.") {
		t.Errorf("flash after sending anyway = %q", f)
	}
	if body := eventBodies(func() []*desk.Event { _, ev := app.getTicket(tk.Ref); return ev }()); !strings.Contains(body, samReply) || !strings.Contains(body, adaReply) {
		t.Errorf("timeline after both replies:\n%s", body)
	}
	t.Logf("after sending anyway: %s", sam.screenshot("two-agents.png"))
}

// TestBrowser_MacroInTwoKeystrokes: on the ticket page "m" opens the
// macro picker and Enter inserts the first match, its placeholders filled;
// typing filters the list; sending the reply applies the macro's actions.
func TestBrowser_MacroInTwoKeystrokes(t *testing.T) {
	app := newApp(t)
	tk := browserTicket(t, app, time.Date(2026, 7, 1, 9, 30, 0, 0, ny), "other", "Export fails", "The CSV export stops halfway.")
	app.clock.Set(time.Date(2026, 7, 1, 10, 0, 0, 0, ny))
	str := func(s string) *string { return &s }
	ctx := context.Background()
	if _, err := app.svc.CreateMacro(ctx, app.admin, desk.MacroPatch{Name: str("Ask for logs"),
		Body:      str("Hi {{requester_name}}, please send the export log for {{ref}}. We aim to resolve it by {{promise}}.\n{{agent_name}}"),
		SetStatus: str(desk.StatusWaiting), AssignTo: str("me")}); err != nil {
		t.Fatal(err)
	}
	if _, err := app.svc.CreateMacro(ctx, app.admin, desk.MacroPatch{Name: str("Zz closing"), Body: str("Closing {{ref}}.")}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, app)
	b.login("sam@agency.gov")
	b.open("/tickets/" + tk.Ref)

	b.do("press m, then Enter", chromedp.KeyEvent("m", asTyped), chromedp.WaitVisible(chromedp.ID("macro-filter")))
	b.do("press m, then Enter", chromedp.KeyEvent("\r", asTyped))
	tkNow, _ := app.getTicket(tk.Ref)
	want := "Hi Pat Requester, please send the export log for " + tk.Ref + ". We aim to resolve it by " +
		app.svc.Policy.Promise(tkNow.Promises[len(tkNow.Promises)-1].DueAt) + ".\nSam Staff"
	if got := b.value("#reply-body"); got != want {
		t.Fatalf("reply box after m, Enter = %q, want %q", got, want)
	}
	if a := b.text("#macro-actions"); !strings.Contains(a, "sets the status to Waiting on customer") {
		t.Errorf("#macro-actions = %q", a)
	}
	// Typing filters: "zz" then Enter inserts the other one after it.
	// In the reply box m is a letter: leave the box first.
	b.do("blur the box", chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`))
	b.do("press m, type zz, Enter", chromedp.KeyEvent("m", asTyped), chromedp.WaitVisible(chromedp.ID("macro-filter")), chromedp.SendKeys(chromedp.ID("macro-filter"), "zz"), chromedp.KeyEvent("\r", asTyped))
	if got := b.value("#reply-body"); !strings.HasPrefix(got, want+"\n\nClosing "+tk.Ref+".") {
		t.Errorf("after the second macro the box = %q", got)
	}
	// Back to the first macro, and send.
	b.do("blur the box", chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`))
	b.do("clear the box, m, Enter", chromedp.Evaluate[chromedp.Void](`document.getElementById('reply-body').value = ''`), chromedp.KeyEvent("m", asTyped), chromedp.WaitVisible(chromedp.ID("macro-filter")), chromedp.KeyEvent("\r", asTyped))
	resp := b.submit("#send-reply")
	b.wantStatus(resp, http.StatusOK, "send the macro's reply")
	got, ev := app.getTicket(tk.Ref)
	if !strings.Contains(eventBodies(ev), want) {
		t.Errorf("the sent reply lacks the expanded macro:\n%s", eventBodies(ev))
	}
	if got.Status != desk.StatusWaiting || got.Assignee == nil || got.Assignee.Email != "sam@agency.gov" {
		t.Errorf("after the macro reply: status %s, assignee %v; want waiting, Sam", got.Status, got.Assignee)
	}
	if tl := browserRun(b, "read the whole timeline", chromedp.Evaluate[string](`document.getElementById('timeline').textContent`)); !strings.Contains(tl, "Sam Staff changed the status from New to Waiting on customer") || !strings.Contains(tl, "macro “Ask for logs”") {
		t.Errorf("the macro's actions are not on the timeline:\n%s", tl)
	}
}

// TestBrowser_TicketPageOnAPhone: at 390x844 the ticket page and the macro
// library do not scroll sideways; a long conversation does not stand
// between the agent and the reply box: the Reply link is on the first
// screen and takes them to the box, focused.
func TestBrowser_TicketPageOnAPhone(t *testing.T) {
	app := newApp(t)
	tk := browserTicket(t, app, time.Date(2026, 7, 1, 9, 0, 0, 0, ny), "other", "Quarterly export of every benefits application with attachments", "A long first message.")
	ctx := context.Background()
	str := func(s string) *string { return &s }
	for i := 0; i < 12; i++ {
		app.clock.Set(time.Date(2026, 7, 1, 9, 5+i, 0, 0, ny))
		if _, err := app.svc.AddMessage(ctx, tk.Ref, app.admin, desk.NewMessage{Body: strings.Repeat("More details about the export. ", 8)}); err != nil {
			t.Fatal(err)
		}
		if _, err := app.svc.Reply(ctx, tk.Ref, app.staff, "Thanks, looking at https://benefits-portal.app.cloud.agency.gov/exports/quarterly/2026-q2/applications.csv now", false); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := app.svc.CreateMacro(ctx, app.admin, desk.MacroPatch{Name: str("A long macro name for the quarterly export questions"), Body: str("Hi {{requester_name}}")}); err != nil {
		t.Fatal(err)
	}
	browserTicket(t, app, time.Date(2026, 7, 1, 9, 30, 0, 0, ny), "other", "Another request from the same person with a long subject line", "x")
	b := newBrowser(t, app)
	b.do("emulate a 390x844 phone", chromedp.EmulateViewport(390, 844))
	b.login("admin@agency.gov")
	b.open("/tickets/" + tk.Ref)
	b.wantNoOverflow("the ticket page with a long conversation")
	top := browserRun(b, "where the Reply link is", chromedp.Evaluate[float64](`document.getElementById('jump-reply').getBoundingClientRect().bottom`))
	if top > 844 {
		t.Errorf("the Reply link is %vpx down: not on the first screen", top)
	}
	b.do("follow the Reply link", chromedp.Click(chromedp.ID("jump-reply")))
	focused := browserRun(b, "what has focus", chromedp.Evaluate[string](`document.activeElement.id`))
	box := browserRun(b, "where the box is", chromedp.Evaluate[[]float64](`(() => { const r = document.getElementById('reply-body').getBoundingClientRect(); return [r.top, r.bottom]; })()`))
	if focused != "reply-body" || box[0] < 0 || box[1] > 844 {
		t.Errorf("after Reply: focus on %q, the box at %v; want it focused and on screen", focused, box)
	}
	t.Logf("phone ticket page: %s", b.screenshot("ticket-phone.png"))
	b.open("/admin/macros")
	b.wantNoOverflow("the macro library")
}

// TestBrowser_TicketShortcuts: on the ticket page r and n put the cursor
// in the reply box (n for a note, which Ctrl+Enter then adds), a assigns
// the ticket to the agent, j and k step through the queue, ? shows the
// list; none of them fire while typing in a field.
func TestBrowser_TicketShortcuts(t *testing.T) {
	app := newApp(t)
	first := browserTicket(t, app, time.Date(2026, 7, 1, 9, 0, 0, 0, ny), "other", "First in the queue", "x")
	second := browserTicket(t, app, time.Date(2026, 7, 1, 9, 10, 0, 0, ny), "other", "Second in the queue", "y")
	app.clock.Set(time.Date(2026, 7, 1, 10, 0, 0, 0, ny))
	b := newBrowser(t, app)
	b.login("sam@agency.gov")
	b.open("/tickets/" + first.Ref)
	focused := func() string {
		return browserRun(b, "what has focus", chromedp.Evaluate[string](`document.activeElement.id`))
	}

	b.do("press ?", chromedp.KeyEvent("?", asTyped))
	if open := browserRun(b, "is the list open", chromedp.Evaluate[bool](`document.getElementById('shortcuts').open`)); !open {
		t.Error("? did not open the shortcut list")
	}
	b.do("press r", chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`), chromedp.KeyEvent("r", asTyped))
	if f := focused(); f != "reply-body" {
		t.Errorf("after r the focus is on %q, want the reply box", f)
	}
	b.do("type j in the box", chromedp.KeyEvent("j", asTyped))
	if p := b.path(); p != "/tickets/"+first.Ref || b.value("#reply-body") != "j" {
		t.Errorf("j in the reply box moved to %s / typed %q; want it typed", p, b.value("#reply-body"))
	}
	b.do("clear, leave the box, press n, write, Ctrl+Enter", chromedp.Evaluate[chromedp.Void](`document.getElementById('reply-body').value = ''; document.activeElement.blur()`),
		chromedp.KeyEvent("n", asTyped), chromedp.SendKeys(chromedp.ID("reply-body"), "Checked the logs."))
	if m := b.text("#mode-label"); m != "internal note, staff only" {
		t.Errorf("after n the box says %q", m)
	}
	ctx, cancel := b.step()
	resp, err := chromedp.RunResponse(ctx, chromedp.KeyEvent("\r", chromedp.KeyModifiers(chromedp.ModifierCtrl)))
	cancel()
	if err != nil {
		t.Fatalf("Ctrl+Enter: %v", err)
	}
	b.wantStatus(resp, http.StatusOK, "Ctrl+Enter in note mode")
	if _, ev := app.getTicket(first.Ref); func() bool {
		for _, e := range ev {
			if e.Kind == desk.EventNote && e.Body == "Checked the logs." {
				return false
			}
		}
		return true
	}() {
		t.Error("Ctrl+Enter after n did not add the note")
	}

	ctx, cancel = b.step()
	resp, err = chromedp.RunResponse(ctx, chromedp.KeyEvent("a", asTyped))
	cancel()
	if err != nil {
		t.Fatalf("a: %v", err)
	}
	b.wantStatus(resp, http.StatusOK, "a: assign to me")
	if tk, _ := app.getTicket(first.Ref); tk.Assignee == nil || tk.Assignee.Email != "sam@agency.gov" {
		t.Errorf("after a the assignee is %v, want Sam", tk.Assignee)
	}
	ctx, cancel = b.step()
	_, err = chromedp.RunResponse(ctx, chromedp.KeyEvent("j", asTyped))
	cancel()
	if err != nil || b.path() != "/tickets/"+second.Ref {
		t.Fatalf("j went to %s (%v), want the next ticket %s", b.path(), err, second.Ref)
	}
	ctx, cancel = b.step()
	_, err = chromedp.RunResponse(ctx, chromedp.KeyEvent("k", asTyped))
	cancel()
	if err != nil || b.path() != "/tickets/"+first.Ref {
		t.Errorf("k went to %s (%v), want back to %s", b.path(), err, first.Ref)
	}
}
