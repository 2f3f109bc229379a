package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/slatrack/slatrack/internal/desk"
)

// ImportTicket is one ticket for ImportTickets with its timeline.
type ImportTicket struct {
	Ticket *desk.Ticket
	Events []*desk.Event
}

// Rows per multi-row INSERT. SQLite allows 32,766 bound values in one
// statement and PostgreSQL 65,535; a ticket row has 20 columns and an event
// row 11, so these stay well below both. (Much longer statements are no
// faster: SQLite spends longer parsing them.)
const (
	importTicketRows = 200
	importEventRows  = 500
)

// ImportTickets inserts a batch of tickets and their events in one
// transaction, with multi-row INSERTs: the bulk path for seeding and
// importing history, many times faster than CreateTicket one by one.
//
// Each ticket gets an ID and the reference FormatRef(prefix, 1000+ID) in
// upper case, as CreateTicket gives; Open and Answered are set from Status
// and FirstResponseAt, and times are stored in UTC at microsecond
// precision. CreatedAt and UpdatedAt are kept when set (history keeps its
// own) and default to now. Events get their ticket's ID (At defaults to
// now; an event's Mail, when set, gives its MailID). Nil events are
// skipped; Assignee is not filled.
//
// Either the whole batch is stored or, on error, nothing is, and the
// tickets and events are left as they were.
func (s *Store) ImportTickets(ctx context.Context, prefix string, batch []ImportTicket) error {
	if prefix == "" {
		return &desk.Error{Code: desk.Internal, Message: "tickets cannot be numbered", Err: errors.New("store: ImportTickets with an empty reference prefix")}
	}
	if len(batch) == 0 {
		return nil
	}
	tickets := make([]*desk.Ticket, len(batch))
	origTickets := make([]desk.Ticket, len(batch))
	nEvents := 0
	for i, it := range batch {
		if it.Ticket == nil {
			return &desk.Error{Code: desk.Invalid, Message: "an imported ticket is missing", Err: errors.New("store: ImportTickets with a nil Ticket")}
		}
		tickets[i] = it.Ticket
		origTickets[i] = *it.Ticket
		for _, e := range it.Events {
			if e != nil {
				nEvents++
			}
		}
	}
	events := make([]*desk.Event, 0, nEvents)
	origEvents := make([]desk.Event, 0, nEvents)
	for _, it := range batch {
		for _, e := range it.Events {
			if e != nil {
				events = append(events, e)
				origEvents = append(origEvents, *e)
			}
		}
	}

	now := utc(time.Now())
	// Placeholders unique across batches and processes (a random token per
	// batch) and within the batch (the index); the UPDATE below replaces
	// them before anyone else can see them.
	token := make([]byte, 12)
	_, _ = rand.Read(token)
	placeholder := "~imp-" + hex.EncodeToString(token) + "-"
	for i, t := range tickets {
		t.ID = 0
		prepareTicket(t)
		if t.CreatedAt.IsZero() {
			t.CreatedAt = now
		}
		if t.UpdatedAt.IsZero() {
			t.UpdatedAt = now
		}
		if t.Version == 0 {
			t.Version = 1 // as a created ticket: its history written once
		}
		t.Ref = placeholder + strconv.Itoa(i)
	}
	refPrefix := strings.ToUpper(prefix) + "-"

	err := s.write(ctx, func(tx *gorm.DB) error {
		sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
		if !ok {
			return fmt.Errorf("store: ImportTickets needs a *sql.Tx, got %T", tx.Statement.ConnPool)
		}
		ctx := tx.Statement.Context
		tb := newBulkInsert(sqlTx, s.d, "tickets", ticketColumnNames(), `RETURNING id, ref`)
		defer tb.close()
		byRef := make(map[string]*desk.Ticket, len(tickets))
		for _, t := range tickets {
			byRef[t.Ref] = t
		}
		err := tb.insert(ctx, importTicketRows, len(tickets), func(i int, args []any) []any {
			return ticketValues(tickets[i], args)
		}, func(rows *sql.Rows) error {
			var (
				id  int64
				ref string
			)
			if err := rows.Scan(&id, &ref); err != nil {
				return err
			}
			t := byRef[ref]
			if t == nil || t.ID != 0 {
				return fmt.Errorf("store: ImportTickets got back an unexpected ticket %q", ref)
			}
			t.ID = uint64(id)
			return nil
		})
		if err != nil {
			return err
		}
		lo, hi := tickets[0].ID, tickets[0].ID
		for _, t := range tickets {
			if t.ID == 0 {
				return errors.New("store: ImportTickets did not get every ticket's id back")
			}
			lo, hi = min(lo, t.ID), max(hi, t.ID)
		}
		// One statement numbers the whole batch. The id range may hold other
		// sessions' rows (PostgreSQL's identity values are not contiguous
		// under concurrency), so the placeholder picks out ours.
		res := tx.Exec(`UPDATE tickets SET ref = CAST(? AS TEXT) || CAST(1000 + id AS TEXT) WHERE id BETWEEN ? AND ? AND ref LIKE ?`,
			refPrefix, lo, hi, placeholder+"%")
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != int64(len(tickets)) {
			return fmt.Errorf("store: ImportTickets numbered %d tickets, want %d", res.RowsAffected, len(tickets))
		}
		for _, t := range tickets {
			t.Ref = refPrefix + strconv.FormatUint(1000+t.ID, 10)
		}

		for _, it := range batch {
			for _, e := range it.Events {
				if e == nil {
					continue
				}
				e.ID = 0
				e.TicketID = it.Ticket.ID
				if e.At.IsZero() {
					e.At = now
				} else {
					e.At = utc(e.At)
				}
				if e.Mail != nil {
					mid := e.Mail.ID
					e.MailID = &mid
				}
			}
		}
		err = insertNumbered(ctx, sqlTx, s.d, "events", eventImportColumns, importEventRows, len(events), func(i int, args []any) []any {
			e := events[i]
			var actor, mail any
			if e.ActorID != nil {
				actor = int64(*e.ActorID)
			}
			if e.MailID != nil {
				mail = int64(*e.MailID)
			}
			return append(args, int64(e.TicketID), e.At, actor, e.Actor, e.Kind, e.Internal, e.Body, e.Old, e.New, e.Reason, mail)
		}, func(i int, id uint64) { events[i].ID = id })
		if err != nil {
			return err
		}

		var promises []*desk.Promise
		for _, t := range tickets {
			for _, p := range t.Promises {
				p.ID, p.TicketID = 0, t.ID
				if p.CreatedAt.IsZero() {
					p.CreatedAt = t.CreatedAt
				}
				preparePromise(p)
				promises = append(promises, p)
			}
		}
		err = insertNumbered(ctx, sqlTx, s.d, "promises", promiseImportColumns, importEventRows, len(promises), func(i int, args []any) []any {
			p := promises[i]
			return append(args, int64(p.TicketID), p.Class, p.Kind, p.StartedAt, int64(p.Target), p.DueAt, int64(p.Paused),
				timeOrNil(p.PausedAt), timeOrNil(p.EndedAt), string(p.Outcome), p.EndReason, p.CreatedAt)
		}, func(i int, id uint64) { promises[i].ID = id })
		return err
	})
	if err != nil {
		for i, t := range tickets {
			*t = origTickets[i]
		}
		for i, e := range events {
			*e = origEvents[i]
		}
		return dbErr(err, "a ticket with that reference already exists")
	}
	return nil
}

// insertNumbered bulk-inserts n rows into table and hands each row's new
// id to number, in VALUES order (both engines return RETURNING rows in
// that order; gorm's multi-row Create relies on the same).
func insertNumbered(ctx context.Context, tx *sql.Tx, d dialect, table string, cols []string, chunk, n int,
	values func(i int, args []any) []any, number func(i int, id uint64)) error {
	b := newBulkInsert(tx, d, table, cols, `RETURNING id`)
	defer b.close()
	next := 0
	err := b.insert(ctx, chunk, n, values, func(rows *sql.Rows) error {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		if next >= n {
			return fmt.Errorf("store: ImportTickets got back more %s than it inserted", table)
		}
		number(next, uint64(id))
		next++
		return nil
	})
	if err == nil && next != n {
		err = fmt.Errorf("store: ImportTickets got %d %s ids back, want %d", next, table, n)
	}
	return err
}

// eventImportColumns and promiseImportColumns are the event and promise
// columns ImportTickets writes, in the order of its values.
var (
	eventImportColumns   = []string{"ticket_id", "at", "actor_id", "actor", "kind", "internal", "body", "old", "new", "reason", "mail_id"}
	promiseImportColumns = []string{"ticket_id", "class", "kind", "started_at", "target", "due_at", "paused", "paused_at", "ended_at", "outcome", "end_reason", "created_at"}
)

func timeOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return *t
}

// bulkInsert inserts many rows into one table with multi-row INSERTs,
// each shape (number of rows) prepared once per transaction: parsing a
// statement with thousands of placeholders costs SQLite about as much as
// running it, so a batch reuses one prepared statement for all its full
// chunks.
type bulkInsert struct {
	tx        *sql.Tx
	d         dialect
	head      string // INSERT INTO … VALUES
	tail      string // RETURNING …
	ncols     int
	stmts     map[int]*sql.Stmt // by rows
	args      []any
	sqlBuffer strings.Builder
}

func newBulkInsert(tx *sql.Tx, d dialect, table string, cols []string, returning string) *bulkInsert {
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = `"` + c + `"`
	}
	return &bulkInsert{
		tx: tx, d: d, ncols: len(cols), stmts: map[int]*sql.Stmt{},
		head: `INSERT INTO "` + table + `" (` + strings.Join(quoted, ", ") + `) VALUES `,
		tail: " " + returning,
	}
}

// stmt is the prepared INSERT of rows rows.
func (b *bulkInsert) stmt(ctx context.Context, rows int) (*sql.Stmt, error) {
	if st := b.stmts[rows]; st != nil {
		return st, nil
	}
	q := &b.sqlBuffer
	q.Reset()
	q.WriteString(b.head)
	n := 1
	for r := range rows {
		if r > 0 {
			q.WriteByte(',')
		}
		q.WriteByte('(')
		for c := range b.ncols {
			if c > 0 {
				q.WriteByte(',')
			}
			if b.d == postgresDialect {
				q.WriteByte('$')
				q.WriteString(strconv.Itoa(n))
				n++
			} else {
				q.WriteByte('?')
			}
		}
		q.WriteByte(')')
	}
	q.WriteString(b.tail)
	st, err := b.tx.PrepareContext(ctx, q.String())
	if err != nil {
		return nil, err
	}
	b.stmts[rows] = st
	return st, nil
}

// insert writes rows 0..n-1, chunk rows per statement: values appends row
// i's values to args, and scan reads each row the statement returns.
func (b *bulkInsert) insert(ctx context.Context, chunk, n int, values func(i int, args []any) []any, scan func(*sql.Rows) error) error {
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		st, err := b.stmt(ctx, hi-lo)
		if err != nil {
			return err
		}
		b.args = b.args[:0]
		for i := lo; i < hi; i++ {
			b.args = values(i, b.args)
		}
		rows, err := st.QueryContext(ctx, b.args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := scan(rows); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

func (b *bulkInsert) close() {
	for _, st := range b.stmts {
		_ = st.Close()
	}
}

// Analyze refreshes the planners' statistics (ANALYZE on both engines).
// After a bulk import the tables have grown faster than the engines'
// own upkeep follows (PostgreSQL's autovacuum, SQLite has none), and
// until then the queue's views can be planned as if the tables were
// small: a bitmap scan and a sort instead of reading the view's index in
// order.
func (s *Store) Analyze(ctx context.Context) error {
	if err := s.db.WithContext(ctx).Exec("ANALYZE").Error; err != nil {
		return fmt.Errorf("store: analyze: %w", dbErr(err, ""))
	}
	return nil
}
