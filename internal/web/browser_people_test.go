package web_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/slatrack/slatrack/internal/desk"
)

// TestBrowser_MergeAndReplyAttachment merges a duplicate through the pages
// (open it, name the other ticket, confirm) and lands on the survivor with
// the duplicate's message there; then uploads a file on a staff reply and
// finds it as a download link.
func TestBrowser_MergeAndReplyAttachment(t *testing.T) {
	a := withMail(newApp(t))
	b := newBrowser(t, a)
	survivor := browserTicket(t, a, time.Date(2026, 6, 30, 15, 30, 0, 0, ny), "other",
		"Password reset for the portal", "Please reset my portal password.")
	dup := browserTicket(t, a, time.Date(2026, 7, 1, 9, 0, 0, 0, ny), "other",
		"Portal password", "Same here: please reset the portal password for Bob.")
	a.clock.Set(time.Date(2026, 7, 1, 10, 0, 0, 0, ny))
	b.do("emulate a laptop", chromedp.EmulateViewport(1280, 900))
	b.login("sam@agency.gov")

	b.open("/tickets/" + dup.Ref)
	b.do("name the survivor", chromedp.SendKeys(chromedp.ID("merge-into"), survivor.Ref))
	resp := b.submit("#merge-button")
	b.wantStatus(resp, http.StatusOK, "ask to merge")
	if h := b.text("h1"); !strings.Contains(h, "Merge "+dup.Ref+" into "+survivor.Ref) {
		t.Fatalf("confirmation heading %q", h)
	}
	if _, ev := a.getTicket(dup.Ref); hasKind(ev, desk.EventMerged) {
		t.Fatal("merged before the confirmation")
	}
	t.Logf("confirmation screenshot: %s", b.screenshot("merge-confirm.png"))
	resp = b.submit("#merge-confirm")
	b.wantStatus(resp, http.StatusOK, "confirm the merge")
	if p := b.path(); p != "/tickets/"+survivor.Ref {
		t.Fatalf("after the merge the browser is on %s, want the survivor %s", p, survivor.Ref)
	}
	if tl := b.text("#timeline"); !strings.Contains(tl, "Same here: please reset the portal password") {
		t.Errorf("the duplicate's message is not on the survivor's timeline:\n%s", tl)
	}
	if flash := b.text("body"); !strings.Contains(flash, dup.Ref+" was merged into this ticket") {
		t.Errorf("no word of the merge on the survivor's page")
	}
	b.open("/tickets/" + dup.Ref)
	if href := b.attr("#merged-into a", "href"); href != "/tickets/"+survivor.Ref {
		t.Errorf("the duplicate links to %q, want the survivor", href)
	}

	// A staff reply with a file.
	file := filepath.Join(t.TempDir(), "fix-steps.txt")
	if err := os.WriteFile(file, []byte("1. Reset the password.\n2. Log in.\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	b.open("/tickets/" + survivor.Ref)
	b.do("add a person", chromedp.SendKeys(chromedp.ID("participant-email"), "carl.cole@partner-agency.example"),
		chromedp.SendKeys(chromedp.ID("participant-name"), "Carl Cole"))
	resp = b.submit("#add-participant-button")
	b.wantStatus(resp, http.StatusOK, "add a person")
	if got := b.text("#participants"); !strings.Contains(got, "Carl Cole") {
		t.Errorf("people copied: %q", got)
	}
	b.do("write a reply with a file",
		chromedp.SendKeys(chromedp.ID("reply-body"), "The steps are attached."),
		chromedp.SetUploadFiles(chromedp.ID("reply-files"), []string{file}),
	)
	resp = b.submit("#send-reply")
	b.wantStatus(resp, http.StatusOK, "send the reply")
	if flash := b.text("body"); !strings.Contains(flash, "copied to carl.cole@partner-agency.example") {
		t.Errorf("the flash does not say who was copied")
	}
	link := `a[download][href*="/tickets/` + survivor.Ref + `/attachments/"]`
	if name := b.text(link); name != "fix-steps.txt" {
		t.Errorf("download link says %q, want fix-steps.txt", name)
	}
	t.Logf("ticket screenshot: %s", b.screenshot("merge-attachment.png"))

	// The same pages on a phone: this slice's parts fit their cards.
	b.do("emulate a phone", chromedp.EmulateViewport(390, 844))
	for _, ref := range []string{survivor.Ref, dup.Ref} {
		b.open("/tickets/" + ref)
		// Measured against their own card: the ticket page's grid is as
		// wide as its widest column, which is not this slice's.
		wide := browserRun(b, "measure the people, merge and file parts", chromedp.Evaluate[[]string](`Array.from(
			document.querySelectorAll('section.people, section.merge, #reply-files, ul.attachments'),
			e => { const card = e.closest('section.card') || e; return [e, e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > card.getBoundingClientRect().right + 1]; })
			.filter(([e, bad]) => bad).map(([e]) => e.tagName + '#' + e.id + '.' + e.className)`))
		if len(wide) > 0 {
			t.Errorf("%s at 390px: these stick out: %v", ref, wide)
		}
		b.wantNoOverflow(ref + " with people, files and the mail sent to them")
		b.do("scroll to the people", chromedp.ScrollIntoView(chromedp.CSS("section.people")))
		t.Logf("phone screenshot: %s", b.screenshot("people-phone-"+ref+".png"))
	}
}
