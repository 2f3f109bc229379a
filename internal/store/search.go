package store

import (
	"context"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/slatrack/slatrack/internal/desk"
)

// Search order: relevance (how many of the search's words and phrases the
// subject has), then the newest ticket first (the highest id: tickets are
// numbered as they reach the desk). Both are read from the full-text
// indexes alone, so a search over many matches never reads their ticket
// rows to sort them, and both are computed the same way on both engines,
// so both return the same tickets in the same order (the engines' own
// scores, ts_rank and bm25, differ and would not).
const searchOrder = "hit_rank DESC, hit_id DESC"

// searchHit is a matching ticket and its relevance.
type searchHit struct {
	HitID   uint64
	HitRank int
}

// searchFirstChunk is how many matches in search order a filtered search
// checks against its other filters first; each further round checks four
// times as many, up to searchMaxChunk (ids bound as parameters: SQLite
// takes at most 32,766 in one statement).
const (
	searchFirstChunk = 1000
	searchMaxChunk   = 16000
)

// searchTickets is ListTickets for a query with full-text Terms: one page
// in search order and the SearchCursor of the next page.
func (s *Store) searchTickets(ctx context.Context, q desk.TicketQuery, limit int) ([]*desk.Ticket, string, error) {
	db := s.db.WithContext(ctx)
	conds, condArgs := s.listConds(q)
	var hits []searchHit
	err := s.searchRead(db, func(tx *gorm.DB) error {
		if conds == "" {
			var err error
			hits, err = s.searchPage(tx, q.Terms, q.SearchAfter, limit+1)
			return err
		}
		// The other filters need the ticket rows: matches are checked in
		// search order, a chunk at a time, until the page is full, so a
		// common word does not read every matching ticket's row.
		after, chunk := q.SearchAfter, searchFirstChunk
		for len(hits) <= limit {
			cand, err := s.searchPage(tx, q.Terms, after, chunk)
			if err != nil {
				return err
			}
			if len(cand) == 0 {
				break
			}
			ids := make([]uint64, len(cand))
			for i, h := range cand {
				ids[i] = h.HitID
			}
			var pass []uint64
			if err := tx.Raw("SELECT id FROM tickets WHERE id IN ? AND "+conds, append([]any{ids}, condArgs...)...).Scan(&pass).Error; err != nil {
				return err
			}
			ok := make(map[uint64]bool, len(pass))
			for _, id := range pass {
				ok[id] = true
			}
			for _, h := range cand {
				if ok[h.HitID] && len(hits) <= limit {
					hits = append(hits, h)
				}
			}
			if len(cand) < chunk {
				break
			}
			last := cand[len(cand)-1]
			after, chunk = &desk.SearchCursor{Rank: last.HitRank, ID: last.HitID}, min(chunk*4, searchMaxChunk)
		}
		return nil
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

// searchPage is up to n matches of terms in search order, after the
// cursor when there is one.
func (s *Store) searchPage(tx *gorm.DB, terms []desk.SearchTerm, after *desk.SearchCursor, n int) ([]searchHit, error) {
	hitSQL, args := s.searchHits(terms)
	query := "SELECT hit_id, hit_rank FROM (" + hitSQL + ") hits"
	if after != nil {
		query += " WHERE hit_rank < ? OR (hit_rank = ? AND hit_id < ?)"
		args = append(args, after.Rank, after.Rank, after.ID)
	}
	query += " ORDER BY " + searchOrder + " LIMIT ?"
	var hits []searchHit
	err := tx.Raw(query, append(args, n)...).Scan(&hits).Error
	return hits, err
}

// searchHits is a query for the tickets that have every term somewhere
// (their subject, body, requester, or a message, reply or note), with
// columns hit_id (the ticket's id) and hit_rank (how many of the terms its
// subject has: the relevance), and its arguments. Each term is looked up
// once in each index, and the subject's index says both that the ticket
// matches and that it ranks higher.
func (s *Store) searchHits(terms []desk.SearchTerm) (string, []any) {
	var (
		parts []string
		args  []any
	)
	for _, t := range terms {
		if s.d == postgresDialect {
			q := pgTSQuery(t)
			tsq := " @@ to_tsquery('" + pgSearchConfig + "', ?)"
			parts = append(parts, "SELECT ticket_id, MAX(subj) AS subj FROM ("+
				"SELECT ticket_id, CASE WHEN subject"+tsq+" THEN 1 ELSE 0 END AS subj FROM ticket_search WHERE subject"+tsq+" OR doc"+tsq+
				" UNION ALL SELECT ticket_id, 0 FROM event_search WHERE doc"+tsq+") term GROUP BY ticket_id")
			args = append(args, q, q, q, q)
			continue
		}
		m := ftsPhrase(t)
		parts = append(parts, "SELECT ticket_id, MAX(subj) AS subj FROM ("+
			"SELECT docid AS ticket_id, 1 AS subj FROM subject_fts WHERE subject_fts MATCH ?"+
			" UNION ALL SELECT docid, 0 FROM ticket_fts WHERE ticket_fts MATCH ?"+
			// The event's ticket from idx_events_search_ticket (id,
			// ticket_id), not from the wide events row.
			" UNION ALL SELECT e.ticket_id, 0 FROM event_fts JOIN events e INDEXED BY idx_events_search_ticket ON e.id = event_fts.docid"+
			" WHERE event_fts MATCH ?) term GROUP BY ticket_id")
		args = append(args, m, m, m)
	}
	if len(parts) == 1 {
		// One term: its own grouping is the answer.
		return "SELECT ticket_id AS hit_id, subj AS hit_rank FROM (" + parts[0] + ") terms", args
	}
	return "SELECT ticket_id AS hit_id, SUM(subj) AS hit_rank FROM (" + strings.Join(parts, " UNION ALL ") + ") terms" +
		" GROUP BY ticket_id HAVING COUNT(*) = " + strconv.Itoa(len(terms)), args
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
	return strings.ReplaceAll(strings.Join(t.Words, " <-> "), "_", "")
}
