package store_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/desk/desktest"
	"github.com/slatrack/slatrack/internal/seed"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// searchBenchEnv sets how many tickets BenchmarkSearchVsFloor seeds
// (default 20,000, seconds in CI). SLATRACK_BENCH_TICKETS=1000000 is the
// one-off run by hand behind the numbers in the README.
const searchBenchEnv = "SLATRACK_BENCH_TICKETS"

// searchBenchDSNEnv name, per engine, an already seeded database to search
// instead of seeding one (seeding 1,000,000 tickets takes many minutes).
var searchBenchDSNEnv = map[string]string{"sqlite": "SLATRACK_BENCH_SQLITE", "postgres": "SLATRACK_BENCH_POSTGRES"}

// searchMaxRatio is how many times the floor a search page may take: the
// page adds its two relevance ranks, each read on its own, and reading the
// 50 tickets' assignees and promises, to the floor's one unranked read.
// On PostgreSQL the search is also several statements where the floor is
// one: BEGIN, SET LOCAL enable_seqscan, the newest ticket's id, per rank a
// read of the newest documents and maybe one through the indexes, COMMIT
// (see searchSample in search.go); at the CI size those round trips are
// most of a page: 0.7–5.5x measured here, so its bound is 8x. SQLite's
// page is five statements to the floor's two, and the floor reads as
// FTS4 does for the page itself (newest first, order=DESC): 1.4–3.4x,
// bound 5x.
var searchMaxRatio = map[string]float64{"sqlite": 5, "postgres": 8}

// BenchmarkSearchVsFloor: full-text searches over a seeded desk (every
// ticket with its messages, replies and notes) through ListTickets, one
// page of 50, on SQLite and PostgreSQL, each against its floor measured in
// the same run: bare SQL, written by hand, that reads from the same
// full-text document index the 50 newest tickets that match, then their
// rows. The gate is the ratio.
func BenchmarkSearchVsFloor(b *testing.B) {
	n := 20_000
	if v := os.Getenv(searchBenchEnv); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1000 {
			b.Fatalf("%s=%q: want a number of tickets, at least 1000", searchBenchEnv, v)
		}
	}
	searches := []struct {
		name, text string
		open       bool // the queue's default: open tickets only
	}{
		{"word", "password", false},
		{"stemmed_word", "exports", false},
		{"two_words", "quota increase", false},
		{"phrase", `"service instance"`, false},
		{"word_open_only", "dashboard", true},
		{"rare_word", "certificate", false},
	}
	for _, e := range storetest.Engines() {
		ctx := context.Background()
		var s *store.Store
		size := n // tickets in this engine's desk
		if dsn := os.Getenv(searchBenchDSNEnv[e.Name]); dsn != "" {
			// A desk seeded before (slatrack seed), used as it is.
			s = storetest.OpenDSN(b, dsn)
			tickets, err := s.QueryRows(ctx, "SELECT id FROM tickets")
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: %d tickets in %s", e.Name, tickets, searchBenchDSNEnv[e.Name])
			size = tickets
		} else {
			s = storetest.OpenDSN(b, e.NewDSN(b))
			start := time.Now()
			now := time.Date(2026, 7, 1, 15, 0, 0, 0, time.UTC)
			err := seed.Generate(seed.Options{Tickets: n, Now: now, Seed: 5}, desktest.Policy(b), desktest.Classifier(b), func(items []seed.Item) error {
				batch := make([]store.ImportTicket, len(items))
				for i, it := range items {
					batch[i] = store.ImportTicket{Ticket: it.Ticket, Events: it.Events}
				}
				return s.ImportTickets(ctx, "SR", batch)
			}, 1000)
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: seeded %d tickets in %v", e.Name, n, time.Since(start).Round(time.Millisecond))
		}
		// As autovacuum leaves a desk: PostgreSQL's GIN indexes merged
		// their pending entries and the row versions the seeding replaced
		// are gone.
		analyze := "ANALYZE"
		if e.Name == "postgres" {
			analyze = "VACUUM ANALYZE"
		}
		if err := s.ExecSQL(ctx, analyze); err != nil {
			b.Fatal(err)
		}

		for _, sc := range searches {
			sr, err := desk.ParseSearch(sc.text, desk.SearchSyntax{RefPrefix: "SR"})
			if err != nil {
				b.Fatal(err)
			}
			q := desk.TicketQuery{Terms: sr.Terms, OpenOnly: sc.open, Limit: 50}
			floorSQL, floorArgs := searchFloor(e.Name, sr.Terms, sc.open)
			b.Run(e.Name+"/"+sc.name, func(b *testing.B) {
				matches, err := s.QueryRows(ctx, floorSQL, floorArgs...)
				if err != nil {
					b.Fatal(err)
				}
				page, _, err := s.ListTickets(ctx, q)
				if err != nil {
					b.Fatal(err)
				}
				if matches == 0 {
					b.Fatalf("%q matches nothing in the seeded desk", sc.text)
				}
				if want := min(matches, 50); len(page) != want {
					b.Fatalf("%q: a page of %d tickets; the floor matched %d", sc.text, len(page), matches)
				}
				floorFn := func() {
					ids, err := s.QueryIDs(ctx, floorSQL+" ORDER BY 1 DESC LIMIT 50", floorArgs...)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := s.QueryRows(ctx, "SELECT * FROM tickets WHERE id IN ?", ids); err != nil {
						b.Fatal(err)
					}
				}
				b.ResetTimer()
				for b.Loop() {
					if _, _, err := s.ListTickets(ctx, q); err != nil {
						b.Fatal(err)
					}
				}
				// Both timed the same way, in alternating rounds (best of
				// each), so the ratio depends neither on -benchtime nor on
				// what else the machine is doing meanwhile.
				floor, ms := measurePair(floorFn, func() {
					if _, _, err := s.ListTickets(ctx, q); err != nil {
						b.Fatal(err)
					}
				})
				ratio := ms / floor
				b.ReportMetric(ms, "ms/search")
				b.ReportMetric(floor, "ms/floor")
				b.ReportMetric(ratio, "x_floor")
				b.ReportMetric(float64(matches), "matches")
				if ratio > searchMaxRatio[e.Name] {
					b.Errorf("%s search %q over %d tickets: %.2f ms, %.1fx the floor's %.2f ms, want at most %.0fx", e.Name, sc.text, size, ms, ratio, floor, searchMaxRatio[e.Name])
				}
			})
		}
	}
}

// measurePair is a's and b's times in ms, each the best of rounds that
// alternate between them, so a burst of load elsewhere hits both.
func measurePair(a, b func()) (float64, float64) {
	round := func(fn func()) time.Duration {
		start := time.Now()
		n := 0
		for time.Since(start) < 50*time.Millisecond || n < 3 {
			fn()
			n++
		}
		return time.Since(start) / time.Duration(n)
	}
	bestA, bestB := time.Duration(1<<62), time.Duration(1<<62)
	for range 9 {
		bestA = min(bestA, round(a))
		bestB = min(bestB, round(b))
	}
	return float64(bestA.Nanoseconds()) / 1e6, float64(bestB.Nanoseconds()) / 1e6
}

// searchFloor is the bare SQL that reads from the engine's full-text
// document index the ids of the tickets that have every term (with open,
// only the open ones), with no ranking. The floor is that statement for
// the 50 newest ("ORDER BY 1 DESC LIMIT 50", in the index's id order),
// then those tickets, whole rows, by id.
func searchFloor(engine string, terms []desk.SearchTerm, open bool) (string, []any) {
	parts := make([]string, len(terms))
	var q string
	if engine == "postgres" {
		for i, t := range terms {
			parts[i] = "(" + strings.Join(t.Words, " <-> ") + ")"
		}
		q = "SELECT s.ticket_id AS id FROM ticket_search s"
		if open {
			q += " JOIN tickets t ON t.id = s.ticket_id AND t.open = TRUE"
		}
		q += " WHERE s.doc @@ to_tsquery('slatrack_english', ?)"
		return q, []any{strings.Join(parts, " & ")}
	}
	for i, t := range terms {
		parts[i] = `"` + strings.Join(t.Words, " ") + `"`
	}
	q = "SELECT f.docid AS id FROM doc_fts f"
	if open {
		q += " JOIN tickets t ON t.id = f.docid AND t.open = 1"
	}
	q += " WHERE doc_fts MATCH ?"
	return q, []any{strings.Join(parts, " ")}
}
