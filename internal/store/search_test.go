package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/desk/desktest"
	"github.com/slatrack/slatrack/internal/seed"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// searchCorpus is a small desk whose words are known: each ticket is
// received an hour after the one before, so recency is unambiguous.
type searchDoc struct {
	subject, body string
	email         string
	status        string
	class         string
	events        []*desk.Event // after the first message (the body)
}

func reply(body string) *desk.Event {
	return &desk.Event{Actor: "Sam <sam@agency.gov>", Kind: desk.EventReply, Body: body}
}

func note(body string) *desk.Event {
	return &desk.Event{Actor: "Sam <sam@agency.gov>", Kind: desk.EventNote, Internal: true, Body: body}
}

func messageIn(body string) *desk.Event {
	return &desk.Event{Actor: "ann@example.org", Kind: desk.EventMessageIn, Body: body}
}

var searchDocs = []searchDoc{
	/* SR-1001 */ {subject: "Invoice question: copy needed", body: "Please send the invoice for March.", email: "ann@example.org", class: "other"},
	/* SR-1002 */ {subject: "Cannot sign in", body: "The portal refuses my password.", email: "bo@agency.gov", class: "availability",
		events: []*desk.Event{reply("We have resent the invoices to your address.")}},
	/* SR-1003 */ {subject: "Printer jammed", body: "Paper stuck in tray two.", email: "cy@example.org", class: "other",
		events: []*desk.Event{note("Finance says this customer owes three invoices; check before replying.")}},
	/* SR-1004 */ {subject: "Payment question", body: "We need to pay the invoice today, where do we send it?", email: "di@Example.ORG", class: "other",
		events: []*desk.Event{messageIn("Also: the PDF link is broken.")}},
	/* SR-1005 */ {subject: "Statement question", body: "The invoice we need to pay is missing a line.", email: "ed@agency.gov", class: "provisioning", status: desk.StatusClosed},
	/* SR-1006 */ {subject: "Invoices and refunds", body: "Two invoices were charged twice; please refund one.", email: "fay@agency.gov", class: "other",
		events: []*desk.Event{{Actor: "slatrack", Kind: desk.EventStatusChanged, Body: "zebra in a status event", Old: "new", New: "open"}}},
	/* SR-1007 */ {subject: "VPN down", body: "Cannot reach vpn.agency.gov since the e-mail from IT.", email: "gus@agency.gov", class: "availability"},
	/* SR-1008 */ {subject: "Locked out", body: "I can’t log in since Tuesday.", email: "hal@agency.gov", class: "availability"},
}

// createSearchCorpus stores searchDocs and returns their references.
func createSearchCorpus(t *testing.T, s *store.Store) []string {
	t.Helper()
	var refs []string
	for i, d := range searchDocs {
		tk := newTicket(d.subject, base.Add(time.Duration(i)*time.Hour))
		tk.Body, tk.RequesterEmail, tk.Class = d.body, d.email, d.class
		if d.status != "" {
			tk.Status = d.status
		}
		events := []*desk.Event{{At: tk.ReceivedAt, Actor: d.email, Kind: desk.EventMessageIn, Body: d.body}}
		for j, e := range d.events {
			e := *e
			e.At = tk.ReceivedAt.Add(time.Duration(j+1) * time.Minute)
			events = append(events, &e)
		}
		createTicket(t, s, tk, events...)
		refs = append(refs, tk.Ref)
	}
	return refs
}

func searchRefs(t *testing.T, s *store.Store, q desk.TicketQuery) []string {
	t.Helper()
	ts, _, err := s.ListTickets(ctx(t), q)
	if err != nil {
		t.Fatalf("ListTickets(%+v): %v", q, err)
	}
	var out []string
	for _, tk := range ts {
		out = append(out, tk.Ref)
	}
	return out
}

func refs(ns ...int) []string {
	var out []string
	for _, n := range ns {
		out = append(out, fmt.Sprintf("SR-%d", n))
	}
	return out
}

func TestSearch_FindsAndRanks(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		createSearchCorpus(t, s)
		ann := createUser(t, s, "sam@agency.gov", "Sam")
		if _, err := s.UpdateTicket(ctx(t), "SR-1004", func(tk *desk.Ticket) ([]*desk.Event, error) {
			tk.AssigneeID = &ann.ID
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			q    desk.TicketQuery
			want []string
		}{
			// Subject matches first (1006 has "invoices", 1001 "invoice"),
			// then the newest received first.
			{"stemming: invoice finds invoices", search(t, "invoice"), refs(1006, 1001, 1005, 1004, 1003, 1002)},
			{"stemming: invoices finds invoice", search(t, "invoices"), refs(1006, 1001, 1005, 1004, 1003, 1002)},
			{"stem only in a reply", search(t, "resent"), refs(1002)},
			{"word only in an internal note", search(t, "finance"), refs(1003)},
			{"word only in a later message in", search(t, "broken"), refs(1004)},
			{"a status change's text is not searched", search(t, "zebra"), nil},
			{"phrase in order", search(t, `"pay the invoice"`), refs(1004)},
			{"phrase words apart are not the phrase", search(t, `"invoice we need"`), refs(1005)},
			{"every word must match", search(t, "invoice refund"), refs(1006)},
			{"words from the body and a reply together", search(t, "password invoices"), refs(1002)},
			{"a subject with every word first, then the newest", search(t, "invoices question"), refs(1001, 1005, 1004)},
			{"a hostname's parts", search(t, "vpn.agency.gov"), refs(1007)},
			{"hyphenated word", search(t, "e-mail"), refs(1007)},
			{"requester address words", search(t, "gus"), refs(1007)},
			{"a curly apostrophe", search(t, "can’t"), refs(1008)},
			{"a curly apostrophe in a phrase", search(t, "\"i can’t log\""), refs(1008)},
			{"no match", search(t, "kumquat"), nil},
			{"case does not matter", search(t, "PRINTER"), refs(1003)},
			{"from address, any case", withQuery(search(t, "from:DI@example.org"), desk.TicketQuery{}), refs(1004)},
			{"from domain", withQuery(search(t, "invoice from:example.org"), desk.TicketQuery{}), refs(1001, 1004, 1003)},
			{"with a class", withQuery(search(t, "invoice"), desk.TicketQuery{Class: "provisioning"}), refs(1005)},
			{"open only", withQuery(search(t, "invoice"), desk.TicketQuery{OpenOnly: true}), refs(1006, 1001, 1004, 1003, 1002)},
			{"a status", withQuery(search(t, "question"), desk.TicketQuery{Statuses: []string{desk.StatusClosed}}), refs(1005)},
			{"an assignee", withQuery(search(t, "invoice"), desk.TicketQuery{AssigneeID: &ann.ID}), refs(1004)},
			{"unassigned", withQuery(search(t, "pay"), desk.TicketQuery{Unassigned: true}), refs(1005)},
			{"a reference and a word", withQuery(search(t, "SR-1003 invoices"), desk.TicketQuery{}), refs(1003)},
			{"a reference and a word it lacks", withQuery(search(t, "SR-1003 refund"), desk.TicketQuery{}), nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if got := searchRefs(t, s, tc.q); !slices.Equal(got, tc.want) {
					t.Errorf("got  %v\nwant %v", got, tc.want)
				}
			})
		}
	})
}

func TestSearch_Pages(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		createSearchCorpus(t, s)
		all := searchRefs(t, s, search(t, "invoice"))
		var got []string
		q := search(t, "invoice")
		q.Limit = 2
		for page := 0; ; page++ {
			if page > 5 {
				t.Fatal("the search cursor does not advance")
			}
			ts, next, err := s.ListTickets(ctx(t), q)
			if err != nil {
				t.Fatal(err)
			}
			for _, tk := range ts {
				got = append(got, tk.Ref)
			}
			if next == "" {
				break
			}
			c, err := desk.DecodeSearchCursor(next)
			if err != nil {
				t.Fatalf("next cursor %q: %v", next, err)
			}
			q.SearchAfter = &c
		}
		if !slices.Equal(got, all) || len(all) != 6 {
			t.Errorf("paged by 2: %v\none page: %v", got, all)
		}
	})
}

// TestSearch_IndexFollowsWrites: the index follows every write: a changed
// subject or body, a new reply or note, a changed or deleted event, a
// deleted ticket.
func TestSearch_IndexFollowsWrites(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		createSearchCorpus(t, s)
		find := func(t *testing.T, text string, want ...int) {
			t.Helper()
			if got := searchRefs(t, s, search(t, text)); !slices.Equal(got, refs(want...)) {
				t.Errorf("search %q: %v, want %v", text, got, refs(want...))
			}
		}
		if _, err := s.UpdateTicket(ctx(t), "SR-1003", func(tk *desk.Ticket) ([]*desk.Event, error) {
			tk.Subject, tk.Body = "Scanner offline", "The scanner on floor three shows an error."
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}
		find(t, "printer")
		find(t, "jammed")
		find(t, "paper", 1003) // still in its first message
		find(t, "scanners", 1003)
		find(t, "floor", 1003)
		find(t, "finance", 1003) // its note is still there

		// An update that changes other columns keeps the words.
		if _, err := s.UpdateTicket(ctx(t), "SR-1007", func(tk *desk.Ticket) ([]*desk.Event, error) {
			tk.Status = desk.StatusOpen
			return []*desk.Event{{Kind: desk.EventStatusChanged, Old: "new", New: "open"}}, nil
		}); err != nil {
			t.Fatal(err)
		}
		find(t, "vpn", 1007)

		if _, err := s.UpdateTicketWith(ctx(t), "SR-1007", func(_ desk.Tx, tk *desk.Ticket) (desk.Writes, error) {
			return desk.Writes{Events: []*desk.Event{reply("Reconfigured the tunnelling gateway."), note("Escalated to networking.")}}, nil
		}); err != nil {
			t.Fatal(err)
		}
		find(t, "tunnel", 1007)
		find(t, "escalate", 1007)

		// Events edited or deleted in place (no code path does this
		// today, but the index must not keep stale words or break).
		if err := s.ExecSQL(ctx(t), `UPDATE events SET body = 'Rebooted the router.' WHERE body = 'Escalated to networking.'`); err != nil {
			t.Fatal(err)
		}
		find(t, "escalated")
		find(t, "router", 1007)
		find(t, "router tunnelling", 1007) // words of two events together
		// An event moved to another ticket (as a merge moves them).
		if err := s.ExecSQL(ctx(t), `UPDATE events SET ticket_id = (SELECT id FROM tickets WHERE ref = 'SR-1008') WHERE body = 'Reconfigured the tunnelling gateway.'`); err != nil {
			t.Fatal(err)
		}
		find(t, "tunnel", 1008)
		find(t, "router", 1007)
		find(t, "router tunnelling")
		if err := s.ExecSQL(ctx(t), `UPDATE events SET kind = 'status_changed' WHERE body = 'Rebooted the router.'`); err != nil {
			t.Fatal(err)
		}
		find(t, "router")
		if err := s.ExecSQL(ctx(t), `DELETE FROM events WHERE body LIKE 'We have resent%'`); err != nil {
			t.Fatal(err)
		}
		find(t, "resent")

		// A deleted ticket leaves the index.
		for _, q := range []string{
			`DELETE FROM promises WHERE ticket_id = (SELECT id FROM tickets WHERE ref = 'SR-1006')`,
			`DELETE FROM events WHERE ticket_id = (SELECT id FROM tickets WHERE ref = 'SR-1006')`,
			`DELETE FROM tickets WHERE ref = 'SR-1006'`,
		} {
			if err := s.ExecSQL(ctx(t), q); err != nil {
				t.Fatal(err)
			}
		}
		find(t, "refund")
		find(t, "invoices", 1001, 1005, 1004, 1003)

		if s.Dialect() == "sqlite" {
			// FTS4's own check that each index matches its content.
			for _, tbl := range []string{"subject_fts", "doc_fts"} {
				if err := s.ExecSQL(ctx(t), `INSERT INTO `+tbl+` (`+tbl+`) VALUES ('integrity-check')`); err != nil {
					t.Errorf("%s integrity-check: %v", tbl, err)
				}
			}
		}
	})
}

// searchMigration is the search index's version (migrations are
// renumbered when branches merge, so it is looked up by name).
func searchMigration(t testing.TB) int {
	t.Helper()
	for i, m := range store.KnownMigrations() {
		if strings.HasSuffix(m, "_search_index") {
			return i + 1
		}
	}
	t.Fatal("no search_index migration")
	return 0
}

// TestMigrate_SearchBackfill: tickets, replies and notes stored before the
// search index existed are found once it is created.
func TestMigrate_SearchBackfill(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			c := context.Background()
			s, err := store.Open(c, e.NewDSN(t))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.MigrateTo(c, searchMigration(t)-1); err != nil {
				t.Fatal(err)
			}
			for i, d := range []struct{ subject, reply, kind string }{
				{"Old outage report", "We replaced the failing switches.", desk.EventReply},
				{"Old billing question", "Customer disputes the surcharges.", desk.EventNote},
				{"Old access request", "Granted as asked.", desk.EventAssigned},
			} {
				ref := fmt.Sprintf("SR-%d", 3000+i)
				if err := s.ExecSQL(c, `INSERT INTO tickets (ref, subject, body, requester_email, requester_name, channel, class, class_by, class_reason,
					status, open, received_at, response_due_at, answered, flag, created_at, updated_at)
					VALUES (?, ?, 'Stored before search existed.', 'old@agency.gov', 'Olde Requester', 'web', 'other', 'rule', '', 'new', ?, ?, ?, ?, '', ?, ?)`,
					ref, d.subject, true, base.Add(time.Duration(i)*time.Hour), base.Add(8*time.Hour), false, base, base); err != nil {
					t.Fatal(err)
				}
				if err := s.ExecSQL(c, `INSERT INTO events (ticket_id, at, actor, kind, internal, body, old, new, reason)
					SELECT id, ?, 'sam@agency.gov', ?, ?, ?, '', '', '' FROM tickets WHERE ref = ?`, base, d.kind, d.kind == desk.EventNote, d.reply, ref); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.Migrate(c); err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				text string
				want []string
			}{
				{"outages", refs(3000)},
				{"switch", refs(3000)},
				{"surcharge", refs(3001)},
				{"granted", nil}, // an assignment event is not conversation
				{"olde", refs(3002, 3001, 3000)},
				{"existed", refs(3002, 3001, 3000)},
			} {
				if got := searchRefs(t, s, search(t, tc.text)); !slices.Equal(got, tc.want) {
					t.Errorf("search %q after the migration: %v, want %v", tc.text, got, tc.want)
				}
			}
		})
	}
}

// TestSearch_SameOnBothEngines: a seeded desk of realistic tickets (their
// messages, replies and notes), the same searches on SQLite and
// PostgreSQL: the same tickets in the same order.
func TestSearch_SameOnBothEngines(t *testing.T) {
	queries := []string{
		"password", "passwords reset", "locked", "export", "dashboard", `"sign in"`, "timeout error",
		"invoice", "api", "data", "map", "grant application", "portal", "thanks", "urgent", "report",
		"please", "certificate", "upload", "from:fpo.gov access", "account",
	}
	results := map[string][][]string{}
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			s := storetest.OpenDSN(t, e.NewDSN(t))
			now := time.Date(2026, 7, 1, 15, 0, 0, 0, time.UTC)
			err := seed.Generate(seed.Options{Tickets: 400, Now: now, Seed: 11}, desktest.Policy(t), desktest.Classifier(t), func(items []seed.Item) error {
				batch := make([]store.ImportTicket, len(items))
				for i, it := range items {
					batch[i] = store.ImportTicket{Ticket: it.Ticket, Events: it.Events}
				}
				return s.ImportTickets(ctx(t), "SR", batch)
			}, 100)
			if err != nil {
				t.Fatal(err)
			}
			found := 0
			for _, q := range queries {
				qq := search(t, q)
				qq.Limit = store.MaxLimit
				got := searchRefs(t, s, qq)
				found += len(got)
				results[e.Name] = append(results[e.Name], got)
				t.Logf("%q: %d tickets", q, len(got))
			}
			if found == 0 {
				t.Fatal("no search found anything in the seeded desk")
			}
		})
	}
	a, b := results["sqlite"], results["postgres"]
	if len(a) != len(queries) || len(b) != len(queries) {
		return // an engine did not run (it failed or was skipped above)
	}
	for i, q := range queries {
		if !slices.Equal(a[i], b[i]) {
			t.Errorf("search %q: SQLite found %d %v\nPostgreSQL found %d %v", q, len(a[i]), clip(a[i]), len(b[i]), clip(b[i]))
		}
	}
}

func clip(refs []string) []string {
	if len(refs) > 12 {
		return append(refs[:12:12], "…")
	}
	return refs
}

// TestSearch_FilterPastManyMatches: a common word with a filter few of its
// matches pass (the search checks matches against the filter a chunk at a
// time): every passing ticket, in order, over pages, and no other.
func TestSearch_FilterPastManyMatches(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		const n = 2600
		var batch []store.ImportTicket
		var want []string
		for i := range n {
			tk := newTicket(fmt.Sprintf("Routine request %d", i), base.Add(time.Duration(i)*time.Minute))
			tk.Body = "The usual quarterly export, please."
			tk.Status = desk.StatusClosed
			if i%97 == 0 {
				tk.Status = desk.StatusOpen
				want = append(want, fmt.Sprintf("SR-%d", 1001+i))
			}
			batch = append(batch, store.ImportTicket{Ticket: tk, Events: []*desk.Event{{At: tk.ReceivedAt, Actor: tk.RequesterEmail, Kind: desk.EventMessageIn, Body: tk.Body}}})
		}
		if err := s.ImportTickets(ctx(t), "SR", batch); err != nil {
			t.Fatal(err)
		}
		slices.Reverse(want) // the newest first
		q := withQuery(search(t, "quarterly export"), desk.TicketQuery{OpenOnly: true, Limit: 10})
		got := searchPages(t, s, q, 10)
		if !slices.Equal(got, want) {
			t.Errorf("open tickets with the words, paged by 10:\n got  %d %v\n want %d %v", len(got), clip(got), len(want), clip(want))
		}
	})
}

// TestSearch_SameWhateverTheWalk: PostgreSQL reads the newest documents in
// order before it decides how to find older matches (searchSample); how
// many it samples changes how a page is found, never which tickets are on it
// or in what order, in one page or paged by one and two, with and without
// other filters (on SQLite, which does not walk, the same holds trivially).
func TestSearch_SameWhateverTheWalk(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		createSearchCorpus(t, s)
		queries := map[string]desk.TicketQuery{
			"word":               search(t, "invoice"),
			"two words":          search(t, "invoices question"),
			"phrase":             search(t, `"pay the invoice"`),
			"word, open only":    withQuery(search(t, "invoice"), desk.TicketQuery{OpenOnly: true}),
			"word, one class":    withQuery(search(t, "invoice"), desk.TicketQuery{Class: "other"}),
			"common word phrase": search(t, `"the invoice"`),
		}
		collect := func(q desk.TicketQuery, limit int) []string {
			q.Limit = limit
			return searchPages(t, s, q, 20)
		}
		want := map[string][]string{}
		for name, q := range queries {
			want[name] = collect(q, 50)
			if len(want[name]) == 0 {
				t.Fatalf("%s: finds nothing in the corpus", name)
			}
		}
		for _, walk := range []int{1, 2, 3, 7} {
			s.SetSearchSample(walk)
			for name, q := range queries {
				for _, limit := range []int{1, 2, 50} {
					if got := collect(q, limit); !slices.Equal(got, want[name]) {
						t.Errorf("walk %d, pages of %d, %s: %v, want %v", walk, limit, name, got, want[name])
					}
				}
			}
		}
	})
}

// searchPages is the references q finds, page after page by its search
// cursor; more than maxPages pages fails the test (a cursor that does not
// advance).
func searchPages(t *testing.T, s *store.Store, q desk.TicketQuery, maxPages int) []string {
	t.Helper()
	var got []string
	for page := 0; page < maxPages; page++ {
		ts, next, err := s.ListTickets(ctx(t), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range ts {
			got = append(got, tk.Ref)
		}
		if next == "" {
			return got
		}
		c, err := desk.DecodeSearchCursor(next)
		if err != nil {
			t.Fatal(err)
		}
		q.SearchAfter = &c
	}
	t.Fatalf("more than %d pages: the search cursor does not advance", maxPages)
	return nil
}
