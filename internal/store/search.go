package store

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"github.com/slatrack/slatrack/internal/desk"
)

// Search order: relevance, then the newest ticket first (the highest id:
// tickets are numbered as they reach the desk). Relevance has two ranks:
// 1 when the subject has every word and phrase of the search, 0 when they
// are found elsewhere in the ticket (its body, requester, messages,
// replies or notes). Each rank is one index lookup read in id order, so a
// page stops as soon as it is full instead of ordering every match; both
// engines compute it the same way, so both return the same tickets in the
// same order (their own scores, ts_rank and bm25, differ and would not).
const searchTopRank = 1

// searchHit is a matching ticket and its relevance.
type searchHit struct {
	HitID   uint64
	HitRank int
}

// searchTickets is ListTickets for a query with full-text Terms: one page
// in search order and the SearchCursor of the next page. The other
// filters join the ticket rows in the same statement.
func (s *Store) searchTickets(ctx context.Context, q desk.TicketQuery, limit int) ([]*desk.Ticket, string, error) {
	db := s.db.WithContext(ctx)
	conds, condArgs := s.listConds(q)
	var hits []searchHit
	err := s.searchRead(db, func(tx *gorm.DB) error {
		var err error
		hits, err = s.searchPage(tx, q.Terms, conds, condArgs, q.SearchAfter, limit+1)
		return err
	})
	if err != nil {
		return nil, "", dbErr(err, "")
	}
	more := len(hits) > limit
	if more {
		hits = hits[:limit]
	}
	rows := make([]*desk.Ticket, 0, len(hits))
	if len(hits) > 0 {
		ids := make([]uint64, len(hits))
		for i, h := range hits {
			ids[i] = h.HitID
		}
		var found []*desk.Ticket
		if err := db.Where("id IN ?", ids).Find(&found).Error; err != nil {
			return nil, "", dbErr(err, "")
		}
		byID := make(map[uint64]*desk.Ticket, len(found))
		for _, t := range found {
			ticketFromDB(t)
			byID[t.ID] = t
		}
		for _, h := range hits {
			if t := byID[h.HitID]; t != nil {
				rows = append(rows, t)
			}
		}
		if err := fillAssignees(db, rows); err != nil {
			return nil, "", dbErr(err, "")
		}
		if err := fillPromises(db, rows); err != nil {
			return nil, "", dbErr(err, "")
		}
	}
	next := ""
	if more && len(rows) > 0 {
		last := rows[len(rows)-1]
		next = desk.SearchCursor{Rank: hits[len(hits)-1].HitRank, ID: last.ID}.Encode()
	}
	return rows, next, nil
}

// searchPage is up to n matches of terms in search order that also meet
// conds (listConds, "" for none), after the cursor when there is one: the
// subject's matches, then the others.
func (s *Store) searchPage(tx *gorm.DB, terms []desk.SearchTerm, conds string, condArgs []any, after *desk.SearchCursor, n int) ([]searchHit, error) {
	if after != nil && after.Rank > searchTopRank {
		// A cursor from before ranks were two: on from its ticket.
		after = &desk.SearchCursor{Rank: searchTopRank, ID: after.ID}
	}
	// On PostgreSQL a rank read from the newest starts below the newest
	// ticket's id (see searchSample).
	var top uint64
	if s.d == postgresDialect && (after == nil || after.Rank == searchTopRank) {
		if err := tx.Raw("SELECT COALESCE(MAX(id), 0) + 1 FROM tickets").Scan(&top).Error; err != nil {
			return nil, err
		}
	}
	var hits []searchHit
	for rank := searchTopRank; rank >= 0 && len(hits) < n; rank-- {
		below := top // read ids below this one (0: any)
		if after != nil {
			if rank > after.Rank {
				continue
			}
			if rank == after.Rank {
				below = after.ID
			}
		}
		r := searchRankQuery{match: s.matchRank(terms, rank == searchTopRank), conds: conds, condArgs: condArgs}
		ids, err := s.searchRankIDs(tx, r, below, n-len(hits))
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			hits = append(hits, searchHit{HitID: id, HitRank: rank})
		}
	}
	return hits, nil
}

// PostgreSQL's planner picks how to find a page of one rank from its
// estimate of how many tickets match, and for several words or a phrase
// it estimates as if the words were unrelated ("quota" and "increase"
// together in 700 subjects of a million, when they are in 18,000); it then
// reads every match to sort them (18,000 rows, 77 ms) where reading the
// newest documents until the page is full reads a few thousand, or, the
// other way round, walks a million documents for a phrase no subject has.
// So a search measures instead: it reads the documents of the newest
// searchSample ticket numbers in order, and from the share that matched
// estimates both ways to the rest of the page, walking on in id order or
// reading every older match through the index (a random read, costing
// searchMatch.indexCost documents walked), and takes the cheaper.
const searchSample = 1000

// searchMatch is one rank's condition and its arguments, over the table
// it names, with that table's ticket id column.
type searchMatch struct {
	table, id, cond string
	walkCond        string // cond for PostgreSQL's walk (searchRankQuery.walk)
	cols            string // the columns cond reads, for the walk
	args            []any
	// indexCost is what reading one match through the index costs, in
	// documents walked in order (PostgreSQL; measured at 1,000,000
	// tickets: about 5 for the narrow subjects, 15 for the documents).
	indexCost float64
}

// searchRankQuery is one rank of a search, with the other filters.
type searchRankQuery struct {
	match    searchMatch
	conds    string
	condArgs []any
}

// matchRank is one rank's searchMatch: the subject has every term, or
// (not inSubject) the ticket's document has every term and its subject
// does not have them all (on PostgreSQL over ticket_search, on SQLite over
// subject_fts or doc_fts).
func (s *Store) matchRank(terms []desk.SearchTerm, inSubject bool) searchMatch {
	if s.d == postgresDialect {
		parts := make([]string, len(terms))
		for i, t := range terms {
			parts[i] = "(" + pgTSQuery(t) + ")"
		}
		q := strings.Join(parts, " & ")
		// The indexes' condition names to_tsquery, so the planner sees the
		// words and estimates their matches; the walk's reads it once, in a
		// subquery (to_tsquery is only stable: in a filter it would parse
		// the search again for every row read).
		tsq := " @@ to_tsquery('" + pgSearchConfig + "', ?)"
		once := " @@ (SELECT to_tsquery('" + pgSearchConfig + "', ?))"
		if inSubject {
			return searchMatch{table: "subject_search", id: "subject_search.ticket_id", cols: "ticket_id, subject", indexCost: 5,
				cond: "subject_search.subject" + tsq, walkCond: "subject_search.subject" + once, args: []any{q}}
		}
		notSubject := func(match string) string {
			return " AND NOT EXISTS (SELECT 1 FROM subject_search s WHERE s.ticket_id = ticket_search.ticket_id AND s.subject" + match + ")"
		}
		return searchMatch{table: "ticket_search", id: "ticket_search.ticket_id", cols: "ticket_id, doc", indexCost: 15,
			cond: "ticket_search.doc" + tsq + notSubject(tsq), walkCond: "ticket_search.doc" + once + notSubject(once), args: []any{q, q}}
	}
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = ftsPhrase(t)
	}
	q := strings.Join(parts, " ")
	if inSubject {
		return searchMatch{table: "subject_fts", id: "subject_fts.docid", cond: "subject_fts MATCH ?", args: []any{q}}
	}
	return searchMatch{table: "doc_fts", id: "doc_fts.docid",
		cond: "doc_fts MATCH ? AND doc_fts.docid NOT IN (SELECT docid FROM subject_fts WHERE subject_fts MATCH ?)", args: []any{q, q}}
}

// searchRankIDs is up to n ids of one rank below the id below (on SQLite
// 0 reads from the newest), newest first: on SQLite from its index (FTS4
// reads a word's matches in id order), on PostgreSQL as searchSample
// explains.
func (s *Store) searchRankIDs(tx *gorm.DB, r searchRankQuery, below uint64, n int) ([]uint64, error) {
	if s.d != postgresDialect {
		return r.read(tx, rankRead{from: r.match.table, cond: r.match.cond, idExpr: r.match.id}, below, n)
	}
	// Ticket ids start at 1 and are given in order: ids in [lo, below)
	// are about below-lo documents, and about lo are older.
	lo := idsBefore(below, s.searchSample)
	ids, err := r.walk(tx, lo, below, n)
	if err != nil || len(ids) == n || lo <= 1 {
		return ids, err
	}
	if len(ids) > 0 {
		share := float64(len(ids)) / float64(below-lo)
		need := float64(n - len(ids))
		if walk := need / share; walk <= r.match.indexCost*share*float64(lo) {
			next := idsBefore(lo, int(2*walk)+1)
			more, err := r.walk(tx, next, lo, n-len(ids))
			ids = append(ids, more...)
			if err != nil || len(ids) == n || next <= 1 {
				return ids, err
			}
			lo = next
		}
	}
	older, err := r.read(tx, rankRead{from: r.match.table, cond: r.match.cond, idExpr: r.match.id + " + 0"}, lo, n-len(ids))
	return append(ids, older...), err
}

// idsBefore is the id rows ids before id, or 1 (the first ticket's).
func idsBefore(id uint64, rows int) uint64 {
	if id > uint64(rows)+1 {
		return id - uint64(rows)
	}
	return 1
}

// walk reads the documents with ids in [lo, below) newest first, in id
// order (PostgreSQL), and returns up to n of them that match.
func (r searchRankQuery) walk(tx *gorm.DB, lo, below uint64, n int) ([]uint64, error) {
	// Named as the table, so the rank's condition reads it as it is;
	// OFFSET 0 keeps the planner from folding it into the outer query
	// and reading the GIN index instead.
	walk := "(SELECT " + r.match.cols + " FROM " + r.match.table +
		" WHERE ticket_id >= ? AND ticket_id < ? ORDER BY ticket_id DESC OFFSET 0) " + r.match.table
	return r.read(tx, rankRead{from: walk, fromArgs: []any{lo, below}, cond: r.match.walkCond, idExpr: r.match.id}, 0, n)
}

// rankRead is how one read of a rank is spelt.
type rankRead struct {
	from     string // the rank's table, or a subquery named like it
	fromArgs []any
	cond     string // the rank's condition (match.cond or match.walkCond)
	// idExpr is how the ticket id is compared and ordered: match.id, or
	// match.id + " + 0", which its index cannot serve, to leave the planner
	// only the full-text indexes (PostgreSQL, which left to choose may walk
	// every older document in order when it expects many matches).
	idExpr string
}

// read runs one read of the rank: up to n ids below the id below (0: any),
// newest first, joined to the ticket rows when there are other filters.
func (r searchRankQuery) read(tx *gorm.DB, how rankRead, below uint64, n int) ([]uint64, error) {
	query := "SELECT " + r.match.id + " FROM " + how.from
	args := append([]any{}, how.fromArgs...)
	if r.conds != "" {
		query += " JOIN tickets ON tickets.id = " + r.match.id
	}
	query += " WHERE " + how.cond
	args = append(args, r.match.args...)
	if r.conds != "" {
		query += " AND " + r.conds
		args = append(args, r.condArgs...)
	}
	if below > 0 {
		query += " AND " + how.idExpr + " < ?"
		args = append(args, below)
	}
	query += " ORDER BY " + how.idExpr + " DESC LIMIT ?"
	var ids []uint64
	err := tx.Raw(query, append(args, n)...).Scan(&ids).Error
	return ids, err
}

// searchRead runs a search's read. On PostgreSQL it forbids sequential
// scans for it: a search is always best driven from the full-text indexes
// to the tickets by primary key, but with a few thousand tickets the
// planner prefers reading whole tables and evaluating @@ on every row,
// which it underestimates many times over.
func (s *Store) searchRead(db *gorm.DB, read func(tx *gorm.DB) error) error {
	if s.d != postgresDialect {
		return read(db)
	}
	return db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SET LOCAL enable_seqscan = off").Error; err != nil {
			return err
		}
		return read(tx)
	})
}

// ftsPhrase is a term in FTS4's query syntax: a quoted phrase (one word is
// a phrase of one). Words hold no ASCII punctuation but "_"
// (desk.ParseSearch), so nothing in them needs escaping.
func ftsPhrase(t desk.SearchTerm) string {
	return `"` + strings.Join(t.Words, " ") + `"`
}

// pgTSQuery is a term as to_tsquery's input: words joined by <-> (next to
// each other, in order), which to_tsquery then stems as the index did;
// "_" is deleted, as the index deletes it (see pgSeparators).
func pgTSQuery(t desk.SearchTerm) string {
	words := make([]string, len(t.Words))
	for i, w := range t.Words {
		// Quoted: a space that is not ASCII (U+3000) is then part of the
		// word, as SQLite's tokenizer keeps it, not a syntax error. Every
		// word has a letter or digit (desk.ParseSearch), so none is empty.
		words[i] = "'" + strings.ReplaceAll(w, "_", "") + "'"
	}
	return strings.Join(words, " <-> ")
}
