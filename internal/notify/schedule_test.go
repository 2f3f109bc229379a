package notify_test

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/notify"
	"github.com/slatrack/slatrack/internal/outbox"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// The day: Monday, July 6, 2026, in New York; the desk is open 9:00–17:00
// and was closed Friday, July 3 (Independence Day observed). Targets:
// availability 3 business hours, provisioning 2 business days; at risk
// within 1 business hour of the deadline.
//
// Tickets (received → first response due):
//
//	A provisioning, Sam's      Wed Jul 1 11:00 → Mon 11:00
//	B provisioning             Wed Jul 1 13:00 → Mon 13:00, answered by Sam at 11:30
//	C availability             Mon 02:00 (arrives during the walk) → Mon 12:00
//	D provisioning, Ada's      Wed Jul 1 09:30 → Mon 09:30 (at risk since Thu 16:30)
//	E provisioning             Tue Jun 30 15:00 → Thu Jul 2 15:00 (breached before the walk)
//	G availability             Thu Jul 2 14:30 → Mon 09:30 (at risk since Thu 16:30)
//	H availability             Mon 14:00 (arrives during the walk) → Mon 17:00, closing time
//	I other                    Mon 02:00 (arrives during the walk) → Fri Jul 10 17:00
//
// The walk goes minute by minute from 00:00 to 20:00. At every minute two
// schedulers on two store handles (two instances on one database) tick at
// once, and then the first ticks again at the same instant.

// walkCase is one configuration and the schedule it must produce.
type walkCase struct {
	name   string
	config notify.Config
	want   []string
}

var (
	staffAll = "admin@agency.gov, sam@agency.gov" // every active account (not gone@agency.gov)
	oncall   = "oncall@agency.gov"
)

var walkCases = []walkCase{
	{
		name:   "business_hours_only",
		config: notify.Config{WebhookURL: testWebhook, Digest: true},
		want: []string{
			// Nothing before the opening: D, E and G are at risk or breached
			// all night, and C arrives at 02:00, but the desk is closed.
			"09:00 arrival:C notify=" + staffAll + " webhook",
			"09:00 arrival:G notify=" + staffAll + " webhook", // unseen since Thursday
			"09:00 at_risk:D notify=admin@agency.gov webhook",
			"09:00 at_risk:E notify=" + staffAll + " webhook",  // both states entered overnight:
			"09:00 breached:E notify=" + staffAll + " webhook", // at-risk first, then breached
			"09:00 at_risk:G notify=" + staffAll + " webhook",
			"09:00 digest:2026-07-06 digest=" + staffAll,
			"09:31 breached:D notify=admin@agency.gov webhook",
			"09:31 breached:G notify=" + staffAll + " webhook",
			"10:00 at_risk:A notify=sam@agency.gov webhook",
			"11:00 at_risk:C notify=" + staffAll + " webhook",
			"11:01 breached:A notify=sam@agency.gov webhook",
			// B: answered at 11:30, before its at-risk time (12:00): nothing.
			"12:01 breached:C notify=" + staffAll + " webhook",
			"14:00 arrival:H notify=" + staffAll + " webhook",
			"16:00 at_risk:H notify=" + staffAll + " webhook",
			// H breaches at 17:00, closing time: its notice waits for
			// Tuesday's opening, after the walk.
		},
	},
	{
		name:   "availability_after_hours",
		config: notify.Config{WebhookURL: testWebhook, Digest: true, AvailabilityAfterHours: true, Staff: []string{oncall}},
		want: []string{
			"00:00 arrival:G notify=" + oncall + " webhook",
			"00:00 at_risk:G notify=" + oncall + " webhook",
			"02:00 arrival:C notify=" + oncall + " webhook",
			// I, also at 02:00, is not an availability ticket: no arrival
			// notice, ever. D and E still wait for the opening.
			"09:00 at_risk:D notify=admin@agency.gov webhook",
			"09:00 at_risk:E notify=" + oncall + " webhook",
			"09:00 breached:E notify=" + oncall + " webhook",
			"09:00 digest:2026-07-06 digest=" + oncall,
			"09:31 breached:D notify=admin@agency.gov webhook",
			"09:31 breached:G notify=" + oncall + " webhook",
			"10:00 at_risk:A notify=sam@agency.gov webhook",
			"11:00 at_risk:C notify=" + oncall + " webhook",
			"11:01 breached:A notify=sam@agency.gov webhook",
			"12:01 breached:C notify=" + oncall + " webhook",
			"14:00 arrival:H notify=" + oncall + " webhook",
			"16:00 at_risk:H notify=" + oncall + " webhook",
			"17:01 breached:H notify=" + oncall + " webhook", // after closing: availability pages
		},
	},
}

func TestDayWalk(t *testing.T) {
	for _, wc := range walkCases {
		t.Run(wc.name, func(t *testing.T) {
			for _, e := range storetest.Engines() {
				t.Run(e.Name, func(t *testing.T) { dayWalk(t, e, wc) })
			}
		})
	}
}

func dayWalk(t *testing.T, e storetest.Engine, wc walkCase) {
	ctx := context.Background()
	dsn := e.NewDSN(t)
	st1 := storetest.OpenDSN(t, dsn)
	st2 := storetest.OpenDSN(t, dsn) // a second instance on the same database
	clk := &testClock{t: at(7, 6, 0, 0)}
	f := newDesk(t, st1, clk)
	pol := f.svc.Policy

	names := map[uint64]string{}
	mk := func(name, subject, class string, received, wantDue time.Time) *desk.Ticket {
		tk := f.create(t, subject, class, received)
		if !tk.ResponseDueAt.Equal(wantDue) {
			t.Fatalf("%s due %v, want %v", name, tk.ResponseDueAt.In(ny), wantDue)
		}
		names[tk.ID] = name
		return tk
	}
	A := mk("A", "Raise memory quota for team A", "provisioning", at(7, 1, 11, 0), at(7, 6, 11, 0))
	B := mk("B", "Add Bea to the org", "provisioning", at(7, 1, 13, 0), at(7, 6, 13, 0))
	D := mk("D", "New project space for D", "provisioning", at(7, 1, 9, 30), at(7, 6, 9, 30))
	E := mk("E", "Storage quota for E", "provisioning", at(6, 30, 15, 0), at(7, 2, 15, 0))
	G := mk("G", "API gateway returns 502", "availability", at(7, 2, 14, 30), at(7, 6, 9, 30))
	f.assign(t, A, "sam@agency.gov")
	f.assign(t, D, "admin@agency.gov")
	_, _ = E, G
	var C, H *desk.Ticket

	rec := &recorder{}
	s1 := newScheduler(recStore{Store: st1, name: "one", rec: rec}, pol, clk, wc.config)
	s2 := newScheduler(recStore{Store: st2, name: "two", rec: rec}, pol, clk, wc.config)

	start, end := at(7, 6, 0, 0), at(7, 6, 20, 0)
	for now := start; !now.After(end); now = now.Add(time.Minute) {
		clk.Set(now)
		switch now.Format("15:04") {
		case "02:00":
			C = mk("C", "Checkout is down", "availability", now, at(7, 6, 12, 0))
			mk("I", "Question about our invoice", "other", now, at(7, 10, 17, 0))
		case "11:30":
			if _, err := f.svc.Reply(ctx, B.Ref, f.sam, "Done: Bea is in the org.", false); err != nil {
				t.Fatal(err)
			}
		case "14:00":
			H = mk("H", "Login page is down", "availability", now, at(7, 6, 17, 0))
		}
		// Two instances at once…
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, s := range []*notify.Scheduler{s1, s2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.Tick(ctx)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("%s: tick: %v", now.Format("15:04"), err)
			}
		}
		// …then one of them again at the same instant: nothing new.
		before := len(rec.all())
		if err := s1.Tick(ctx); err != nil {
			t.Fatalf("%s: second tick: %v", now.Format("15:04"), err)
		}
		if n := len(rec.all()); n != before {
			t.Fatalf("%s: a second tick at the same instant sent %d more", now.Format("15:04"), n-before)
		}
	}

	all := rec.all()
	var got []string
	by := map[string]int{}
	for _, s := range all {
		got = append(got, describe(s, names))
		by[s.instance]++
	}
	t.Logf("notices recorded by instance: %v", by)
	if g, w := sortedLines(got), sortedLines(wc.want); !slices.Equal(g, w) {
		t.Errorf("schedule:\n  got:\n    %s\n  want:\n    %s", strings.Join(g, "\n    "), strings.Join(w, "\n    "))
	}

	// The database holds the same, each key once.
	recorded, err := st1.Notifications(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var dbKeys, recKeys []string
	for _, n := range recorded {
		dbKeys = append(dbKeys, n.Key)
	}
	rows := 0
	for _, s := range all {
		recKeys = append(recKeys, s.n.Key)
		rows += len(s.rows)
	}
	slices.Sort(dbKeys)
	slices.Sort(recKeys)
	if !slices.Equal(dbKeys, recKeys) {
		t.Errorf("notifications table %v, recorded %v", dbKeys, recKeys)
	}
	if n, err := st1.OutboxBacklog(ctx); err != nil || n != int64(rows) {
		t.Errorf("outbox holds %d queued rows (%v), want %d", n, err, rows)
	}

	// Every notice is on its ticket's timeline, with its outbox rows.
	for _, tk := range []*desk.Ticket{A, B, C, D, E, G, H} {
		evs, err := st1.Timeline(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		var notes []string
		for _, ev := range evs {
			if ev.Kind == notify.EventNotified {
				if !ev.Internal || ev.Actor != "slatrack" {
					t.Errorf("%s: event %+v is not slatrack's internal note", names[tk.ID], ev)
				}
				notes = append(notes, ev.New)
			}
		}
		var want []string
		for _, s := range all {
			if s.n.TicketID != nil && *s.n.TicketID == tk.ID {
				want = append(want, s.n.Kind)
			}
		}
		if i, j := slices.Index(notes, notify.KindAtRisk), slices.Index(notes, notify.KindBreached); j >= 0 && (i < 0 || i > j) {
			t.Errorf("%s: timeline notices %v: breached without at-risk first", names[tk.ID], notes)
		}
		slices.Sort(notes)
		slices.Sort(want)
		if !slices.Equal(notes, want) {
			t.Errorf("%s: timeline notices %v, want %v", names[tk.ID], notes, want)
		}
		// The mail is listed with the ticket; the webhook rows are not (the
		// ticket page shows each row's To, and the URL is a secret).
		ob, err := st1.TicketOutbox(ctx, tk.ID)
		if err != nil || len(ob) != len(want) {
			t.Errorf("%s: %d outbox rows (%v), want %d", names[tk.ID], len(ob), err, len(want))
		}
		for _, o := range ob {
			if o.Kind != desk.OutboxNotify || strings.Contains(o.To, "hooks.example") {
				t.Errorf("%s: outbox row %s to %s on the ticket", names[tk.ID], o.Kind, o.To)
			}
		}
	}
	evs, _ := st1.Timeline(ctx, A.ID)
	var words []string
	for _, ev := range evs {
		if ev.Kind == notify.EventNotified {
			words = append(words, ev.Body)
		}
	}
	if want := []string{"At-risk warning about the first response sent to sam@agency.gov and the webhook.",
		"Breach notice about the first response sent to sam@agency.gov and the webhook."}; !slices.Equal(words, want) {
		t.Errorf("A's timeline says %q, want %q", words, want)
	}

	checkContents(t, all, names, A, wc)
}

// checkContents looks inside a few of the queued rows.
func checkContents(t *testing.T, all []sent, names map[uint64]string, A *desk.Ticket, wc walkCase) {
	find := func(key string) sent {
		for _, s := range all {
			if s.n.Key == key {
				return s
			}
		}
		t.Fatalf("no %s", key)
		return sent{}
	}

	// A's at-risk warning, about its first-response promise: the mail to
	// Sam and the webhook body.
	s := find(notify.PromiseKey(notify.KindAtRisk, A.Promises[0].ID))
	if s.n.PromiseID == nil || *s.n.PromiseID != A.Promises[0].ID || !s.n.IfDue.Equal(A.ResponseDueAt) {
		t.Errorf("at-risk notice %+v, want about promise %d due %v", s.n, A.Promises[0].ID, A.ResponseDueAt)
	}
	subject, text := bodyText(t, s.rows[0].Raw)
	if subject != "At risk: "+A.Ref+" Raise memory quota for team A (first response)" || s.rows[0].From != "help@desk.test" {
		t.Errorf("at-risk mail subject %q from %q", subject, s.rows[0].From)
	}
	for _, want := range []string{A.Ref + " is at risk of missing its first response objective", "Monday, July 6, 11:00 AM ET (1h 00m of business time left)",
		"Promise:    first response",
		"Assignee:   Sam <sam@agency.gov>", "http://desk.test/tickets/" + A.Ref} {
		if !strings.Contains(text, want) {
			t.Errorf("at-risk mail lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(string(s.rows[0].Raw), "Auto-Submitted: auto-generated") {
		t.Error("at-risk mail is not marked Auto-Submitted")
	}
	hook := s.rows[1]
	if hook.Kind != outbox.KindWebhook || hook.Channel != desk.DeliveryWebhook || hook.Target != testWebhook || hook.To != "" {
		t.Fatalf("webhook row %s on %q to %q, To %q", hook.Kind, hook.Channel, hook.Target, hook.To)
	}
	var body map[string]any
	if err := json.Unmarshal(hook.Raw, &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"text": "At risk: " + A.Ref + " “Raise memory quota for team A” (provisioning, Sam &lt;sam@agency.gov&gt;): first response due Monday, July 6, 11:00 AM ET, 1h 00m of business time left. http://desk.test/tickets/" + A.Ref,
		"kind": "at_risk", "ref": A.Ref, "subject": "Raise memory quota for team A", "class": "provisioning",
		"state": "at_risk", "promise": "first_response", "due": "2026-07-06T11:00:00-04:00", "url": "http://desk.test/tickets/" + A.Ref,
	}
	for k, v := range want {
		if body[k] != v {
			t.Errorf("webhook %s = %q, want %q", k, body[k], v)
		}
	}

	// The digest, at the opening: E overdue; D, G, A, C, B due today.
	d := find("digest:2026-07-06")
	if len(d.rows) != 1 || d.rows[0].TicketID != nil || d.ev != nil {
		t.Fatalf("digest rows %+v event %+v", d.rows, d.ev)
	}
	subject, text = bodyText(t, d.rows[0].Raw)
	if subject != "Digest for Monday, July 6: 1 overdue, 5 due today" {
		t.Errorf("digest subject %q", subject)
	}
	ref := func(name string) string {
		for id, n := range names {
			if n == name {
				return "SR-" + itoa(1000+id)
			}
		}
		return "?"
	}
	overdue := text[strings.Index(text, "OVERDUE (1)"):strings.Index(text, "DUE TODAY")]
	today := text[strings.Index(text, "DUE TODAY (5)"):]
	if !strings.Contains(overdue, ref("E")+"  Storage quota for E") || !strings.Contains(overdue, "first response was due Thursday, July 2, 3:00 PM ET (overdue 2h 00m)") {
		t.Errorf("overdue section:\n%s", overdue)
	}
	var order []int
	for _, n := range []string{"D", "G", "A", "C", "B"} {
		order = append(order, strings.Index(today, ref(n)+"  "))
	}
	if slices.Contains(order, -1) || !slices.IsSorted(order) {
		t.Errorf("due-today section (want D, G, A, C, B in due order):\n%s", today)
	}
	for _, want := range []string{"first response due 9:30 AM ET (30m left) · Ada <admin@agency.gov>", "first response due 11:00 AM ET (2h 00m left) · Sam <sam@agency.gov>",
		"Overdue (breached, unanswered):    1\n", "Due today (by 5:00 PM ET):         5\n",
		"Forecast breaches:                 6 by the next opening, Tuesday, July 7, 9:00 AM ET, unless answered\n",
		"Unassigned among them:             4\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("digest lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, ref("I")) {
		t.Errorf("digest lists I, due next week:\n%s", text)
	}
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

// Tick at one instant from many instances at once sends each notice once.
func TestManyInstancesOneInstant(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			dsn := e.NewDSN(t)
			clk := &testClock{t: at(7, 6, 9, 0)}
			f := newDesk(t, storetest.OpenDSN(t, dsn), clk)
			for i := range 5 {
				f.create(t, "Quota request "+itoa(uint64(i)), "provisioning", at(6, 30, 15, 0)) // long overdue
			}
			rec := &recorder{}
			var wg sync.WaitGroup
			for i := range 6 {
				st := storetest.OpenDSN(t, dsn)
				s := newScheduler(recStore{Store: st, name: itoa(uint64(i)), rec: rec}, f.svc.Policy, clk, notify.Config{WebhookURL: testWebhook, Digest: true})
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 3 {
						if err := s.Tick(ctx); err != nil {
							t.Error(err)
						}
					}
				}()
			}
			wg.Wait()
			keys := map[string]int{}
			for _, s := range rec.all() {
				keys[s.n.Key]++
			}
			if len(keys) != 11 { // 5 × (at_risk, breached) + the digest
				t.Errorf("%d distinct notifications, want 11: %v", len(keys), keys)
			}
			for k, n := range keys {
				if n != 1 {
					t.Errorf("%s sent %d times", k, n)
				}
			}
		})
	}
}

// A notice composed from a stale read (the ticket was answered or
// reclassified meanwhile) is dropped by the store.
func TestStaleCandidateDropped(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	clk := &testClock{t: at(7, 6, 10, 30)}
	f := newDesk(t, st, clk)
	warning := func(tk *desk.Ticket, due time.Time) notify.Notification {
		id, pid := tk.ID, tk.Promises[0].ID
		return notify.Notification{Key: notify.PromiseKey(notify.KindAtRisk, pid), TicketID: &id, PromiseID: &pid, Kind: notify.KindAtRisk,
			CreatedAt: clk.Now(), IfDue: due}
	}
	tk := f.create(t, "Quota request", "provisioning", at(7, 1, 11, 0)) // due Mon 11:00: at risk now
	if _, err := f.svc.Reply(ctx, tk.Ref, f.sam, "on it", false); err != nil {
		t.Fatal(err)
	}
	n := warning(tk, tk.ResponseDueAt)
	ok, err := st.RecordNotification(ctx, n, &desk.Event{Kind: notify.EventNotified, Actor: "slatrack"}, nil)
	if err != nil || ok {
		t.Fatalf("recorded a warning about an answered ticket: %v %v", ok, err)
	}
	if got, _ := st.NotifiedKeys(ctx, []string{n.Key}); len(got) != 0 {
		t.Errorf("key recorded: %v", got)
	}
	other := f.create(t, "Another quota request", "provisioning", at(7, 1, 11, 0))
	ok, err = st.RecordNotification(ctx, warning(other, other.ResponseDueAt.Add(time.Hour)), nil, nil)
	if err != nil || ok {
		t.Fatalf("recorded a warning against an old deadline: %v %v", ok, err)
	}
}

// Run ticks every interval until its context ends.
func TestRun(t *testing.T) {
	st := storetest.Open(t)
	clk := &testClock{t: at(7, 6, 10, 30)}
	f := newDesk(t, st, clk)
	f.create(t, "Quota request", "provisioning", at(7, 1, 11, 0)) // due 11:00: at risk
	rec := &recorder{}
	s := newScheduler(recStore{Store: st, name: "x", rec: rec}, f.svc.Policy, clk, notify.Config{Digest: true})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, 10*time.Millisecond) }()
	deadline := time.Now().Add(5 * time.Second)
	for len(rec.all()) < 2 && time.Now().Before(deadline) { // the warning and the digest
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := len(rec.all()); n != 2 {
		t.Errorf("%d notices, want the at-risk warning and the digest", n)
	}
}

// TestReclassifiedTicketIsWarnedAgain: a breached ticket reclassified to a
// later deadline is warned about afresh for the new deadline, once.
func TestReclassifiedTicketIsWarnedAgain(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	clk := &testClock{t: at(7, 6, 11, 30)}
	f := newDesk(t, st, clk)
	tk := f.create(t, "Site down with 502", "availability", at(7, 6, 8, 0)) // due Mon 12:00
	rec := &recorder{}
	s := newScheduler(recStore{Store: st, rec: rec, name: "a"}, f.svc.Policy, clk, notify.Config{})
	tick := func() {
		t.Helper()
		if err := s.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	count := func(kind string) int {
		n := 0
		for _, x := range rec.all() {
			if x.n.Kind == kind && x.n.TicketID != nil && *x.n.TicketID == tk.ID {
				n++
			}
		}
		return n
	}
	tick() // 11:30: at risk
	clk.Set(at(7, 6, 12, 1))
	tick() // breached
	if count(notify.KindAtRisk) != 1 || count(notify.KindBreached) != 1 {
		t.Fatalf("before reclassifying: at risk %d, breached %d", count(notify.KindAtRisk), count(notify.KindBreached))
	}
	other := "provisioning" // received Mon 08:00 → 2 business days → due Wed 17:00
	if _, err := f.svc.Update(ctx, tk.Ref, f.sam, desk.Patch{Class: &other, Reason: "not an outage"}); err != nil {
		t.Fatal(err)
	}
	clk.Set(at(7, 8, 16, 0))
	tick()
	tick()
	clk.Set(at(7, 8, 17, 1))
	tick()
	if count(notify.KindAtRisk) != 2 || count(notify.KindBreached) != 2 {
		t.Errorf("after reclassifying: at risk %d, breached %d, want 2 and 2", count(notify.KindAtRisk), count(notify.KindBreached))
	}
}
