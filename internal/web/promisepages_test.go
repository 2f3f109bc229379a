package web_test

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/config"
	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// promiseDesk is an app whose provisioning tickets also carry a resolution
// promise of 5 business days, with the clock at Wed 2026-07-01 10:00 ET and
// these tickets:
//
//	new       availability, received Wed 09:00: first response due 12:00
//	followup  availability, received Tue 06-30 10:00, answered 11:00; the
//	          requester wrote again at 14:00: next response due Tue 17:00,
//	          overdue by 1h (Wed 09:00–10:00)
//	waiting   provisioning, received Mon 06-29 09:00, answered 10:00, waiting
//	          on the customer since 11:00: the resolution paused
func promiseDesk(t *testing.T, st *store.Store) (a *app, refs map[string]string) {
	t.Helper()
	a = newAppWith(t, st, func(c *config.Config) {
		for i := range c.SLA.Classes {
			if c.SLA.Classes[i].Name == "provisioning" {
				c.SLA.Classes[i].Resolution = "5d"
			}
		}
	})
	ctx := context.Background()
	refs = map[string]string{}
	// Each step happens with the clock at its instant.
	step := func(at time.Time, do func() error) {
		t.Helper()
		a.clock.Set(at)
		if err := do(); err != nil {
			t.Fatal(err)
		}
	}
	mk := func(name, class string, rec time.Time) string {
		a.clock.Set(rec)
		tk := a.mkTicket(desk.NewTicket{Subject: "About " + name, Class: class}, a.admin)
		refs[name] = tk.Ref
		return tk.Ref
	}
	w := mk("waiting", "provisioning", nyAt(time.June, 29, 9, 0))
	step(nyAt(time.June, 29, 10, 0), func() error { _, err := a.svc.Reply(ctx, w, a.admin, "Which quota?", false); return err })
	waiting := desk.StatusWaiting
	step(nyAt(time.June, 29, 11, 0), func() error { _, err := a.svc.Update(ctx, w, a.admin, desk.Patch{Status: &waiting}); return err })
	f := mk("followup", "availability", nyAt(time.June, 30, 10, 0))
	step(nyAt(time.June, 30, 11, 0), func() error { _, err := a.svc.Reply(ctx, f, a.admin, "Looking.", false); return err })
	step(nyAt(time.June, 30, 14, 0), func() error {
		_, err := a.svc.AddMessage(ctx, f, a.admin, desk.NewMessage{Body: "Still down."})
		return err
	})
	mk("new", "availability", nyAt(time.July, 1, 9, 0))
	a.clock.Set(nyAt(time.July, 1, 10, 0))
	return a, refs
}

// TestQueue_ShowsWhatIsOwed: each row says what is owed, when it is due
// and the business time left on one line, overdue first, on both engines.
func TestQueue_ShowsWhatIsOwed(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		a, refs := promiseDesk(t, st)
		c := a.staffClient("sam@agency.gov")
		resp, body := c.get("/queue")
		wantStatus(t, resp, body, http.StatusOK)
		if got, want := dataRefs(body), []string{refs["followup"], refs["new"], refs["waiting"]}; !slices.Equal(got, want) {
			t.Fatalf("queue order %v, want %v (overdue first, owing nothing last)", got, want)
		}
		wantContains(t, body, `<th scope="col" aria-sort="ascending"><a href="/queue?dir=desc">Due`)
		wantContains(t, queueRow(t, body, refs["followup"]), `<span class="left overdue" title="next response overdue by 1h 00m">overdue 1h 00m</span>`,
			`<time datetime="2026-06-30T17:00:00-04:00" title="Tue Jun 30, 2026 5:00 PM ET">yesterday 5:00 PM</time>`)
		wantContains(t, queueRow(t, body, refs["new"]), `<span class="left" title="first response due in 2h 00m">2h 00m left</span>`,
			`<time datetime="2026-07-01T12:00:00-04:00" title="Wed Jul 1, 2026 12:00 PM ET">today 12:00 PM</time>`, `title="Wed Jul 1, 2026 9:00 AM ET">1h ago</time>`)
		row := queueRow(t, body, refs["waiting"])
		wantContains(t, row, `<span class="left" title="nothing owed — waiting on the customer">waiting on customer</span>`)
		if regexp.MustCompile(`data-label="Due">[^\n]*<time`).MatchString(row) {
			t.Errorf("a row owing nothing shows a due time:\n%s", row)
		}
	})
}

// TestTicketPage_Promises: the ticket page lists each promise with its
// start, due, pause and outcome in words, superseded ones folded away.
func TestTicketPage_Promises(t *testing.T) {
	a, refs := promiseDesk(t, storetest.OpenEnv(t))
	ctx := context.Background()
	c := a.staffClient("sam@agency.gov")
	promises := func(ref string) string {
		t.Helper()
		resp, body := c.get("/tickets/" + ref)
		wantStatus(t, resp, body, http.StatusOK)
		m := regexp.MustCompile(`(?s)<h2 id="promises-title">Promises</h2>.*?</ul>`).FindString(body)
		if m == "" {
			t.Fatalf("no promises section on %s:\n%s", ref, clip(body))
		}
		if text := regexp.MustCompile(`<[^>]*>`).ReplaceAllString(m, ""); regexp.MustCompile(`\d{4}-\d\d-\d\dT`).MatchString(text) {
			t.Errorf("RFC 3339 shown as text:\n%s", text)
		}
		return m
	}

	t.Run("kept_and_overdue", func(t *testing.T) {
		p := promises(refs["followup"])
		wantContains(t, p, `<strong>First response</strong> <span class="badge state-met">Met</span>`,
			"<dt>Started</dt><dd><time datetime=\"2026-06-30T10:00:00-04:00\">Tue Jun 30, 10:00 AM ET</time></dd>",
			"Tue Jun 30, 11:00 AM ET</time>: Met (public staff reply)",
			`<strong>Next response</strong> <span class="badge state-breached">Breached</span>`,
			`Tue Jun 30, 5:00 PM ET</time> <span class="remaining">overdue 1h 00m</span>`)
	})
	t.Run("paused_resolution", func(t *testing.T) {
		p := promises(refs["waiting"])
		wantContains(t, p, `<strong>Resolution</strong> <span class="badge state-paused">Paused</span>`,
			"<dt>Class</dt><dd>Provisioning</dd>",
			`paused since <time datetime="2026-06-29T11:00:00-04:00">Mon Jun 29, 11:00 AM ET</time>`)
	})
	t.Run("resumed_then_resolved", func(t *testing.T) {
		// Back to open Wednesday 10:00 (paused Mon 11:00–Wed 10:00: 6h + 8h
		// + 1h = 1d 7h of business time), resolved at once.
		for _, st := range []string{desk.StatusOpen, desk.StatusResolved} {
			if _, err := a.svc.Update(ctx, refs["waiting"], a.admin, desk.Patch{Status: &st}); err != nil {
				t.Fatal(err)
			}
		}
		p := promises(refs["waiting"])
		wantContains(t, p, `<strong>Resolution</strong> <span class="badge state-met">Met</span>`,
			"paused 1d 7h of business time in all", ": Met (ticket resolved)")
	})
	t.Run("superseded_folded", func(t *testing.T) {
		prov := "provisioning"
		if _, err := a.svc.Update(ctx, refs["new"], a.admin, desk.Patch{Class: &prov, Reason: "a quota after all"}); err != nil {
			t.Fatal(err)
		}
		p := promises(refs["new"])
		wantContains(t, p, `<li class="promise promise-superseded" data-kind="first_response"><details class="superseded"><summary>First response (Availability), superseded Wed Jul 1, 10:00 AM ET: class changed to provisioning</summary>`,
			`<li class="promise promise-on_track" data-kind="first_response"><strong>First response</strong>`,
			`<li class="promise promise-on_track" data-kind="resolution"><strong>Resolution</strong>`)
	})
}
