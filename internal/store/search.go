package store

import (
	"context"
	"strings"

	"github.com/slatrack/slatrack/internal/desk"
)

// Search order: relevance (how many of the search's words and phrases the
// subject has), then the newest received first, then the highest id. Each
// part is computed the same way on both engines, so both return the same
// tickets in the same order; the engines' own scores (ts_rank, bm25) differ
// and would not.
const searchOrder = "search_rank DESC, received_at DESC, id DESC"

// searchTickets is ListTickets for a query with full-text Terms: one page
// in search order and the SearchCursor of the next page.
func (s *Store) searchTickets(ctx context.Context, q desk.TicketQuery, limit int) ([]*desk.Ticket, string, error) {
	db := s.db.WithContext(ctx)
	rank, rankArgs := s.searchRank(q.Terms)
	match, matchArgs := s.searchMatch(q.Terms)
	conds, condArgs := s.listConds(q)
	where := match
	if conds != "" {
		where += " AND " + conds
	}
	inner := "SELECT id, received_at, " + rank + " AS search_rank FROM tickets WHERE " + where
	args := append(append(rankArgs, matchArgs...), condArgs...)
	outer := "SELECT id, search_rank FROM (" + inner + ") ranked"
	if c := q.SearchAfter; c != nil {
		at := utc(c.At)
		outer += " WHERE search_rank < ? OR (search_rank = ? AND (received_at < ? OR (received_at = ? AND id < ?)))"
		args = append(args, c.Rank, c.Rank, at, at, c.ID)
	}
	outer += " ORDER BY " + searchOrder + " LIMIT ?"
	args = append(args, limit+1)

	var hits []struct {
		ID         uint64
		SearchRank int
	}
	if err := db.Raw(outer, args...).Scan(&hits).Error; err != nil {
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
			ids[i] = h.ID
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
			if t := byID[h.ID]; t != nil {
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
		next = desk.SearchCursor{Rank: hits[len(hits)-1].SearchRank, At: last.ReceivedAt, ID: last.ID}.Encode()
	}
	return rows, next, nil
}

// searchMatch is the condition "the ticket has every term somewhere (its
// subject, body, or a message or note)", with its arguments.
func (s *Store) searchMatch(terms []desk.SearchTerm) (string, []any) {
	var (
		conds []string
		args  []any
	)
	for _, t := range terms {
		if s.d == postgresDialect {
			q := pgTSQuery(t)
			tsq := " @@ to_tsquery('" + pgSearchConfig + "', ?)"
			conds = append(conds, "id IN (SELECT ticket_id FROM ticket_search WHERE subject"+tsq+" OR doc"+tsq+
				" UNION SELECT ticket_id FROM event_search WHERE doc"+tsq+")")
			args = append(args, q, q, q)
			continue
		}
		m := ftsPhrase(t)
		conds = append(conds, "id IN (SELECT docid FROM subject_fts WHERE subject_fts MATCH ?"+
			" UNION SELECT docid FROM ticket_fts WHERE ticket_fts MATCH ?"+
			" UNION SELECT e.ticket_id FROM event_fts JOIN events e ON e.id = event_fts.docid WHERE event_fts MATCH ?)")
		args = append(args, m, m, m)
	}
	return strings.Join(conds, " AND "), args
}

// searchRank is the relevance expression: how many of the terms the
// subject has.
func (s *Store) searchRank(terms []desk.SearchTerm) (string, []any) {
	var (
		parts []string
		args  []any
	)
	for _, t := range terms {
		if s.d == postgresDialect {
			parts = append(parts, "(CASE WHEN id IN (SELECT ticket_id FROM ticket_search WHERE subject @@ to_tsquery('"+pgSearchConfig+"', ?)) THEN 1 ELSE 0 END)")
			args = append(args, pgTSQuery(t))
			continue
		}
		parts = append(parts, "(CASE WHEN id IN (SELECT docid FROM subject_fts WHERE subject_fts MATCH ?) THEN 1 ELSE 0 END)")
		args = append(args, ftsPhrase(t))
	}
	return "(" + strings.Join(parts, " + ") + ")", args
}

// ftsPhrase is a term in FTS4's query syntax: a quoted phrase (one word is
// a phrase of one). Words hold only letters and digits (desk.ParseSearch),
// so nothing in them needs escaping.
func ftsPhrase(t desk.SearchTerm) string {
	return `"` + strings.Join(t.Words, " ") + `"`
}

// pgTSQuery is a term as to_tsquery's input: words joined by <-> (next to
// each other, in order), which to_tsquery then stems as the index did;
// "_" is deleted, as the index deletes it (see pgSeparators).
func pgTSQuery(t desk.SearchTerm) string {
	return strings.ReplaceAll(strings.Join(t.Words, " <-> "), "_", "")
}
