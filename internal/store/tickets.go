package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/promise"
	"github.com/slatrack/slatrack/internal/sla"
)

// Page sizes for ListTickets.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// The answered states in SQL, mirroring sla.AnsweredState: met at or
// before the due instant, breached after it.
const (
	answeredOnTime = "first_response_at <= response_due_at"
	answeredLate   = "first_response_at > response_due_at"
)

// dueIn is the condition "response_due_at lies in r" with its arguments,
// "" when r has no bound. The bounds are rounded up to the stored
// microseconds, so "< Before" and ">= From" mean exactly that for stored
// times. Every state filter goes through here with the policy's ranges
// (sla.Bounds); none is worked out in SQL.
func dueIn(r sla.Range) (string, []any) {
	return rangeOn("response_due_at", r)
}

// rangeOn is "col >= From AND col < Before" for the bounds r has ("" when
// it has none).
func rangeOn(col string, r sla.Range) (string, []any) {
	var conds []string
	var args []any
	if !r.From.IsZero() {
		conds, args = append(conds, col+" >= ?"), append(args, utcCeil(r.From))
	}
	if !r.Before.IsZero() {
		conds, args = append(conds, col+" < ?"), append(args, utcCeil(r.Before))
	}
	return strings.Join(conds, " AND "), args
}

// queueOrder is the queue's order: tickets owing a promise first, by when
// it is due, then those owing nothing; ListTickets' cursor condition and the
// queue index (open, idle, queue_at, id) follow it.
const queueOrder = "idle ASC, queue_at ASC, id ASC" // sortKeys spells it out for ListTickets

// owedDueIn is the condition "the owed promise is due within r" on the
// queue's mirror column.
func owedDueIn(r sla.Range) (string, []any) {
	return rangeOn("queue_at", r)
}

// CreateTicket inserts t, gives it an ID and the reference
// FormatRef(prefix, 1000+ID) in upper case, and appends events with
// TicketID set (At defaults to now), in one transaction. t.Open and
// t.Answered are set from Status and FirstResponseAt. On error t and the
// events are left as they were.
func (s *Store) CreateTicket(ctx context.Context, prefix string, t *desk.Ticket, events []*desk.Event) error {
	return s.CreateTicketWith(ctx, prefix, t, func(desk.Tx, *desk.Ticket) (desk.Writes, error) {
		return desk.Writes{Events: events}, nil
	})
}

// CreateTicketWith is CreateTicket whose extra rows (events, messages,
// outbox mail, participants) are made by then, inside the transaction, once
// the ticket has its ID and reference. then reads through the transaction
// it is given, never the pool, and adds rows: the ticket's columns and its
// promises are written as they were when CreateTicketWith was called. If
// then fails nothing is written.
func (s *Store) CreateTicketWith(ctx context.Context, prefix string, t *desk.Ticket, then func(tx desk.Tx, t *desk.Ticket) (desk.Writes, error)) error {
	if prefix == "" {
		return &desk.Error{Code: desk.Internal, Message: "tickets cannot be numbered", Err: errors.New("store: CreateTicket with an empty reference prefix")}
	}
	orig := *t
	var thenErr error
	now := utc(time.Now())
	t.ID = 0
	prepareTicket(t)
	if t.CreatedAt.IsZero() {
		t.CreatedAt = now
	}
	t.UpdatedAt = now
	err := s.write(ctx, func(tx *gorm.DB) error {
		// The reference depends on the ID, known only after the insert: a
		// unique placeholder stands in until the UPDATE just below, and
		// nobody else sees it before the commit.
		t.Ref = placeholderRef()
		if err := tx.Create(t).Error; err != nil {
			return err
		}
		t.Ref = strings.ToUpper(desk.FormatRef(prefix, 1000+t.ID))
		if err := tx.Exec(`UPDATE tickets SET ref = ? WHERE id = ?`, t.Ref, t.ID).Error; err != nil {
			return err
		}
		w, err := then(txReader{tx, s.d}, t)
		if err != nil {
			thenErr = err
			return errChangeFailed
		}
		if err := savePromises(tx, t, nil, now); err != nil {
			return err
		}
		if err := applyWrites(tx, t.ID, w, now); err != nil {
			return err
		}
		t.Version = versionAfter(w.Events, t.Version)
		return fillAssignees(tx, []*desk.Ticket{t})
	})
	if err != nil {
		*t = orig
		if thenErr != nil {
			return thenErr
		}
		return dbErr(err, "a ticket with that reference already exists")
	}
	return nil
}

func placeholderRef() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "~new-" + hex.EncodeToString(b)
}

// prepareTicket enforces the stored mirrors and the time format before a
// write.
func prepareTicket(t *desk.Ticket) {
	t.Open = desk.IsOpenStatus(t.Status)
	t.Answered = t.FirstResponseAt != nil
	t.ReceivedAt = utc(t.ReceivedAt)
	t.ResponseDueAt = utc(t.ResponseDueAt)
	t.FirstResponseAt = utcp(t.FirstResponseAt)
	t.ClosedAt = utcp(t.ClosedAt)
	t.CreatedAt = utc(t.CreatedAt)
	t.UpdatedAt = utc(t.UpdatedAt)
	t.CustomerAt = utc(t.CustomerAt)
	for _, p := range t.Promises {
		preparePromise(p)
	}
	desk.Settle(t) // the queue's mirrors follow the promises
	t.QueueAt = utc(t.QueueAt)
	if t.AssigneeID != nil && *t.AssigneeID == 0 {
		t.AssigneeID = nil
	}
}

// insertEvents appends events (nil entries skipped) to ticket id and moves
// the ticket's version (see bumpVersion): every write to a timeline goes
// through here, so every change to a ticket moves its version once.
func insertEvents(tx *gorm.DB, id uint64, events []*desk.Event, now time.Time) error {
	evs := make([]*desk.Event, 0, len(events))
	for _, e := range events {
		if e == nil {
			continue
		}
		e.ID = 0
		e.TicketID = id
		if e.At.IsZero() {
			e.At = now
		} else {
			e.At = utc(e.At)
		}
		evs = append(evs, e)
	}
	if len(evs) == 0 {
		return nil
	}
	v, err := bumpVersion(tx, id)
	if err != nil {
		return err
	}
	for _, e := range evs {
		e.Version = v
	}
	return tx.Create(&evs).Error
}

// bumpVersion is THE place a ticket's version changes: it adds one and
// returns the new version. A change to a ticket is recorded on its
// timeline, and insertEvents, which every timeline write goes through
// (CreateTicketWith and UpdateTicketWith via applyWrites, notices in
// RecordNotification, and whatever writes a ticket next: merges,
// participants, bulk changes), calls it once per write, so no writer can
// change a ticket without moving its version. The row is already locked
// by the write (UpdateTicketWith's FOR UPDATE on PostgreSQL; SQLite's one
// writer), and the increment happens in SQL, so two writers never give the
// same version.
func bumpVersion(tx *gorm.DB, ticketID uint64) (int64, error) {
	var v []int64
	if err := tx.Raw(`UPDATE tickets SET version = version + 1 WHERE id = ? RETURNING version`, ticketID).Scan(&v).Error; err != nil {
		return 0, err
	}
	if len(v) == 0 {
		return 0, gorm.ErrRecordNotFound
	}
	return v[0], nil
}

// versionAfter is the version a write of events left the ticket at (the
// events' version), or v when it wrote none.
func versionAfter(events []*desk.Event, v int64) int64 {
	for _, e := range events {
		if e != nil && e.Version > v {
			v = e.Version
		}
	}
	return v
}

// normRef is how references are stored: upper case.
func normRef(ref string) string { return strings.ToUpper(strings.TrimSpace(ref)) }

// GetTicket finds a ticket by reference, ignoring case, Assignee filled.
func (s *Store) GetTicket(ctx context.Context, ref string) (*desk.Ticket, error) {
	db := s.db.WithContext(ctx)
	var t desk.Ticket
	if err := db.Where("ref = ?", normRef(ref)).Take(&t).Error; err != nil {
		return nil, dbErr(err, "")
	}
	ticketFromDB(&t)
	if err := fillAssignees(db, []*desk.Ticket{&t}); err != nil {
		return nil, dbErr(err, "")
	}
	if err := fillPromises(db, []*desk.Ticket{&t}); err != nil {
		return nil, dbErr(err, "")
	}
	return &t, nil
}

// errChangeFailed rolls back UpdateTicket's transaction when change fails.
var errChangeFailed = errors.New("store: change failed")

// UpdateTicket loads the ticket by reference, locking its row (SELECT … FOR
// UPDATE on PostgreSQL; on SQLite the transaction already holds the write
// lock), calls change with Assignee filled, then saves every column but
// id, ref and created_at, and appends the events change returned (At
// defaults to now). If change returns an error, nothing is written and
// that error is returned as it is.
func (s *Store) UpdateTicket(ctx context.Context, ref string, change func(t *desk.Ticket) ([]*desk.Event, error)) (*desk.Ticket, error) {
	return s.UpdateTicketWith(ctx, ref, func(_ desk.Tx, t *desk.Ticket) (desk.Writes, error) {
		events, err := change(t)
		return desk.Writes{Events: events}, err
	})
}

// UpdateTicketWith is UpdateTicket whose change returns every extra row to
// write (events, messages, outbox mail, participants); change reads through
// the transaction it is given, never the pool.
func (s *Store) UpdateTicketWith(ctx context.Context, ref string, change func(tx desk.Tx, t *desk.Ticket) (desk.Writes, error)) (*desk.Ticket, error) {
	var (
		out       *desk.Ticket
		changeErr error
	)
	err := s.write(ctx, func(tx *gorm.DB) error {
		q := tx
		if s.d == postgresDialect {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		var t desk.Ticket
		if err := q.Where("ref = ?", normRef(ref)).Take(&t).Error; err != nil {
			return err
		}
		ticketFromDB(&t)
		if err := fillAssignees(tx, []*desk.Ticket{&t}); err != nil {
			return err
		}
		if err := fillPromises(tx, []*desk.Ticket{&t}); err != nil {
			return err
		}
		before := snapshotPromises(&t)
		id, tref, created := t.ID, t.Ref, t.CreatedAt
		w, err := change(txReader{tx, s.d}, &t)
		if err != nil {
			changeErr = err
			return errChangeFailed
		}
		t.ID, t.Ref, t.CreatedAt = id, tref, created
		now := utc(time.Now())
		prepareTicket(&t)
		t.UpdatedAt = now
		res := tx.Model(&desk.Ticket{}).Where("id = ?", t.ID).Updates(ticketUpdates(&t))
		if res.Error != nil {
			return res.Error
		}
		if err := savePromises(tx, &t, before, now); err != nil {
			return err
		}
		if err := applyWrites(tx, t.ID, w, now); err != nil {
			return err
		}
		t.Version = versionAfter(w.Events, t.Version)
		if t.Assignee == nil || t.AssigneeID == nil || t.Assignee.ID != *t.AssigneeID {
			t.Assignee = nil
			if err := fillAssignees(tx, []*desk.Ticket{&t}); err != nil {
				return err
			}
		}
		out = &t
		return nil
	})
	if changeErr != nil {
		return nil, changeErr
	}
	if err != nil {
		return nil, dbErr(err, "")
	}
	return out, nil
}

// likeEscaper escapes LIKE's wildcards and the escape character itself
// ('!', which needs no quoting in either engine's string literals).
var likeEscaper = strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")

// ListTickets returns one page of tickets in q's order (by default the
// queue's: owing first, then by the owed promise's due instant, then by id),
// Assignee filled, and the cursor of the page beyond it in the direction
// read ("" at the end): the next page, or when q.After.Back the previous
// one; with q.Terms, the tickets that have them in search order (see
// searchTickets). Limit defaults to 50 and is capped at 200.
func (s *Store) ListTickets(ctx context.Context, q desk.TicketQuery) ([]*desk.Ticket, string, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	if limit > MaxLimit {
		limit = MaxLimit
	}
	if len(q.Terms) > 0 {
		return s.searchTickets(ctx, q, limit)
	}
	db := s.db.WithContext(ctx)
	var rows []*desk.Ticket
	query, args := s.listSQL(q, "*", limit+1, true)
	if err := db.Raw(query, args...).Scan(&rows).Error; err != nil {
		return nil, "", dbErr(err, "")
	}
	back := q.After != nil && q.After.Back
	beyond := ""
	if len(rows) > limit {
		rows = rows[:limit]
		c := desk.CursorIn(rows[len(rows)-1], sortName(q.Sort), q.Desc)
		c.Back = back
		beyond = c.Encode()
	}
	if back {
		// Read backwards from the cursor: put the page in order again.
		slices.Reverse(rows)
	}
	for _, t := range rows {
		ticketFromDB(t)
	}
	if err := fillAssignees(db, rows); err != nil {
		return nil, "", dbErr(err, "")
	}
	if err := fillPromises(db, rows); err != nil {
		return nil, "", dbErr(err, "")
	}
	if rows == nil {
		rows = []*desk.Ticket{}
	}
	return rows, beyond, nil
}

// CountTickets counts the tickets q selects (After and Limit ignored), up
// to max+1: a count stops there, so it costs about max+1 index entries.
func (s *Store) CountTickets(ctx context.Context, q desk.TicketQuery, max int) (int, error) {
	q.After, q.SearchAfter = nil, nil
	if len(q.Terms) > 0 {
		return s.countSearch(ctx, q, max)
	}
	db := s.db.WithContext(ctx)
	query, args := s.listSQL(q, "id", max+1, false)
	var n int64
	if err := db.Raw("SELECT COUNT(*) FROM ("+query+") capped", args...).Scan(&n).Error; err != nil {
		return 0, dbErr(err, "")
	}
	return int(n), nil
}

// sortName is s with the default spelt out.
func sortName(s string) string {
	if s == "" {
		return desk.SortDue
	}
	return s
}

// sortKey is one column of an order: its name, whether it ascends, and the
// cursor's value for it.
type sortKey struct {
	col string
	asc bool
	val func(c *desk.Cursor) any
}

// sortKeys are the columns of q's order, idle first (always ascending:
// owing first): the one definition ListTickets orders by and pages on.
func sortKeys(q desk.TicketQuery) []sortKey {
	asc := !q.Desc
	idle := sortKey{"idle", true, func(c *desk.Cursor) any { return c.Idle }}
	at := func(c *desk.Cursor) any { return utc(c.At) }
	key := func(c *desk.Cursor) any { return c.Key }
	id := func(c *desk.Cursor) any { return c.ID }
	switch q.Sort {
	case desk.SortReceived:
		return []sortKey{idle, {"received_at", asc, at}, {"id", asc, id}}
	case desk.SortUpdated:
		return []sortKey{idle, {"updated_at", asc, at}, {"id", asc, id}}
	case desk.SortClass:
		return []sortKey{idle, {"class", asc, key}, {"queue_at", true, at}, {"id", true, id}}
	case desk.SortStatus:
		return []sortKey{idle, {"status", asc, key}, {"queue_at", true, at}, {"id", true, id}}
	}
	return []sortKey{idle, {"queue_at", asc, at}, {"id", asc, id}}
}

// countSearch counts a search's tickets up to max+1, a page at a time in
// search order (a search has no index to count from in order).
func (s *Store) countSearch(ctx context.Context, q desk.TicketQuery, max int) (int, error) {
	n := 0
	for n <= max {
		rows, next, err := s.searchTickets(ctx, q, MaxLimit)
		if err != nil {
			return 0, err
		}
		n += len(rows)
		if next == "" {
			break
		}
		c, err := desk.DecodeSearchCursor(next)
		if err != nil {
			return 0, err
		}
		q.SearchAfter = &c
	}
	return min(n, max+1), nil
}

// listSQL is ListTickets' query for up to limit tickets, the columns
// cols, in q's order (ordered false: the first limit in q's order, but
// returned in no particular order, to count them; cols need not hold the
// order's columns then), and its arguments.
//
// Every order puts the tickets that owe something first (idle ascending)
// and the indexes lead with (open, idle): a list that does not fix open
// (every status) or that orders the rest descending (newest first) cannot
// read one index in order, and the engines would sort every ticket it
// selects (308–370 ms at 1,000,000 on SQLite for every status). So such a
// list is read in parts, one per value of open and of idle, each the first
// limit tickets of one index range in order, and the parts (at most four
// times limit rows) are merged: 1.1–4.3 ms at 1,000,000 on either engine.
// A list of given ids (a handful) is read as one query.
func (s *Store) listSQL(q desk.TicketQuery, cols string, limit int, ordered bool) (string, []any) {
	back := q.After != nil && q.After.Back
	keys := sortKeys(q)
	order := make([]string, len(keys))
	mixed := false // the order's directions differ (idle ascends, the rest descend)
	for i, k := range keys {
		dir := " ASC"
		if k.asc == back {
			dir = " DESC"
		}
		order[i] = k.col + dir
		mixed = mixed || k.asc != keys[0].asc
	}
	orderBy := " ORDER BY " + strings.Join(order, ", ")
	// A part's idle is fixed, so its order is the rest (said with idle,
	// PostgreSQL, which reads idle = false as NOT idle, cannot see that the
	// index already serves it and sorts the part).
	partOrderBy := " ORDER BY " + strings.Join(order[1:], ", ")
	conds, args, openFixed := s.listCondsOpen(q)
	where := ""
	if conds != "" {
		where = " WHERE " + conds
	}
	if openFixed && !mixed || len(q.IDs) > 0 {
		// In order even to count: the planners then read the index in
		// order and stop at limit, instead of scanning for matches.
		return "SELECT " + cols + " FROM tickets" + where + orderBy + " LIMIT ?", append(args, limit)
	}
	// conds has open = ? already when it fixes it (said twice, PostgreSQL
	// would count its share twice and misjudge the index).
	opens := []any{true, false}
	if openFixed {
		opens = []any{nil}
	}
	var (
		parts    []string
		partArgs []any
	)
	for _, open := range opens {
		for _, idle := range []bool{false, true} {
			part := "SELECT " + cols + " FROM tickets WHERE idle = ?"
			partArgs = append(partArgs, idle)
			if open != nil {
				part += " AND open = ?"
				partArgs = append(partArgs, open)
			}
			if conds != "" {
				part += " AND " + conds
				partArgs = append(partArgs, args...)
			}
			parts = append(parts, "SELECT * FROM ("+part+partOrderBy+" LIMIT ?) part"+strconv.Itoa(len(parts)))
			partArgs = append(partArgs, limit)
		}
	}
	sql := strings.Join(parts, " UNION ALL ")
	if ordered {
		sql += orderBy
	}
	return sql + " LIMIT ?", append(partArgs, limit)
}

// listConds is the WHERE condition of q but for its full-text Terms, with
// its arguments ("" when q selects every ticket).
func (s *Store) listConds(q desk.TicketQuery) (string, []any) {
	conds, args, _ := s.listCondsOpen(q)
	return conds, args
}

// listCondsOpen is listConds and whether the condition fixes open (every
// ticket it selects is open, or every one closed).
func (s *Store) listCondsOpen(q desk.TicketQuery) (string, []any, bool) {
	var (
		conds     []string
		args      []any
		openFixed bool
	)
	add := func(cond string, a ...any) {
		conds = append(conds, cond)
		args = append(args, a...)
	}

	if len(q.IDs) > 0 {
		add("id IN ?", q.IDs)
	}
	open := q.OpenOnly
	if len(q.Statuses) > 0 {
		add("status IN ?", q.Statuses)
		// Open mirrors the status, so a list of only open (or only closed)
		// statuses can also use the queue index.
		allOpen, allClosed := true, true
		for _, st := range q.Statuses {
			if desk.IsOpenStatus(st) {
				allClosed = false
			} else {
				allOpen = false
			}
		}
		switch {
		case allOpen:
			open = true
		case allClosed && !q.OpenOnly:
			add("open = ?", false)
			openFixed = true
		}
	}
	if open {
		add("open = ?", true)
		openFixed = true
	}
	if q.Class != "" {
		add("class = ?", q.Class)
	}
	switch {
	case q.Unassigned:
		add("assignee_id IS NULL")
	case q.AssigneeID != nil:
		add("assignee_id = ?", *q.AssigneeID)
	}
	if q.Owing != nil {
		add("idle = ?", !*q.Owing)
	}

	due, dueArgs := owedDueIn(sla.Range{From: q.DueFrom, Before: q.DueBefore})
	if q.LateOrOverdue {
		// Nothing owed and the last response late, or an owed promise due
		// within the bounds (overdue). With no due bound, only the late ones.
		late := "(idle = ? AND last_outcome = ?)"
		if due == "" {
			add(late, true, string(promise.Breached))
		} else {
			add("("+late+" OR (idle = ? AND "+due+"))", append([]any{true, string(promise.Breached), false}, dueArgs...)...)
		}
	} else if due != "" {
		add("idle = ? AND "+due, append([]any{false}, dueArgs...)...)
	}
	if q.OnTimeOnly {
		add("idle = ? AND last_outcome = ?", true, string(promise.Met))
	}

	if q.Ref != "" {
		add("ref = ?", normRef(q.Ref))
	}
	if e := q.RequesterEmail; strings.HasPrefix(e, "@") {
		add("lower(requester_email) LIKE ? ESCAPE '!'", "%"+likeEscaper.Replace(strings.ToLower(e)))
	} else if e != "" {
		add("lower(requester_email) = ?", strings.ToLower(e))
	}

	if c := q.After; c != nil && sortName(q.Sort) == desk.SortDue && !q.Desc && !c.Back {
		// (idle, queue_at, id) > (c.Idle, c.At, c.ID), spelt out so both
		// engines understand it and the index range on queue_at is visible
		// to the planner.
		d := utc(c.At)
		after := "idle = ? AND queue_at >= ? AND (queue_at > ? OR id > ?)"
		if c.Idle {
			add(after, true, d, d, c.ID)
		} else {
			add("(("+after+") OR idle = ?)", false, d, d, c.ID, true)
		}
	} else if c != nil {
		// The other orders and directions: the row comparison spelt out
		// column by column, each in its own direction.
		cond, a := keysetAfter(sortKeys(q), c, c.Back)
		add(cond, a...)
	}

	return strings.Join(conds, " AND "), args, openFixed
}

// keysetAfter is "the row comes after c in the order keys" (before it when
// back): k1 > v1 OR (k1 = v1 AND (k2 > v2 OR (k2 = v2 AND …))), with < for
// the descending columns.
func keysetAfter(keys []sortKey, c *desk.Cursor, back bool) (string, []any) {
	k := keys[0]
	op := " > ?"
	if k.asc == back {
		op = " < ?"
	}
	v := k.val(c)
	if len(keys) == 1 {
		return k.col + op, []any{v}
	}
	rest, args := keysetAfter(keys[1:], c, back)
	return "(" + k.col + op + " OR (" + k.col + " = ? AND " + rest + "))", append([]any{v, v}, args...)
}

// Timeline is the ticket's events, oldest first.
func (s *Store) Timeline(ctx context.Context, ticketID uint64) ([]*desk.Event, error) {
	var evs []*desk.Event
	if err := s.db.WithContext(ctx).Where("ticket_id = ?", ticketID).Order("at ASC, id ASC").Find(&evs).Error; err != nil {
		return nil, dbErr(err, "")
	}
	for _, e := range evs {
		e.At = asUTC(e.At)
	}
	if evs == nil {
		evs = []*desk.Event{}
	}
	return evs, nil
}

// fillAssignees sets Assignee on the tickets that have one, with one query.
func fillAssignees(db *gorm.DB, ts []*desk.Ticket) error {
	var ids []uint64
	seen := map[uint64]bool{}
	for _, t := range ts {
		if t.AssigneeID != nil && !seen[*t.AssigneeID] {
			seen[*t.AssigneeID] = true
			ids = append(ids, *t.AssigneeID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var users []*desk.User
	if err := db.Where("id IN ?", ids).Find(&users).Error; err != nil {
		return err
	}
	byID := make(map[uint64]*desk.User, len(users))
	for _, u := range users {
		userFromDB(u)
		byID[u.ID] = u
	}
	for _, t := range ts {
		if t.AssigneeID != nil {
			t.Assignee = byID[*t.AssigneeID]
		}
	}
	return nil
}

func ticketFromDB(t *desk.Ticket) {
	t.CustomerAt = asUTC(t.CustomerAt)
	t.QueueAt = asUTC(t.QueueAt)
	t.ReceivedAt = asUTC(t.ReceivedAt)
	t.ResponseDueAt = asUTC(t.ResponseDueAt)
	t.FirstResponseAt = asUTCp(t.FirstResponseAt)
	t.ClosedAt = asUTCp(t.ClosedAt)
	t.CreatedAt = asUTC(t.CreatedAt)
	t.UpdatedAt = asUTC(t.UpdatedAt)
}
