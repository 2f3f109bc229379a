package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/promise"
	"github.com/slatrack/slatrack/internal/report"
)

var _ report.Source = (*Store)(nil)

// The reports read thousands of rows, so they scan them with database/sql
// straight into the fields they need instead of through gorm's per-row
// reflection, and read times cheaply: on SQLite a DATETIME column comes
// back from go-sqlite3 already parsed with time.ParseInLocation, which
// costs about as much as everything else about the row together, so the
// reports select the stored text instead (CAST … AS TEXT has no declared
// type, so go-sqlite3 leaves it alone) and parse the one canonical form the
// store writes (see the package doc) by hand.

// timeCol is the SQL that reads time column col for storedTime: the column
// itself on PostgreSQL, its stored text on SQLite.
func (d dialect) timeCol(col string) string {
	if d == sqliteDialect {
		return "CAST(" + col + " AS TEXT)"
	}
	return col
}

// storedTime scans a time column read with timeCol into *t, in UTC: a
// time.Time as pgx (or go-sqlite3) returns it, or the text SQLite stores.
// NULL gives the zero time.
type storedTime struct{ t *time.Time }

func (s storedTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s.t = time.Time{}
	case time.Time:
		*s.t = asUTC(v)
	case string:
		t, err := parseStoredTime(v)
		if err != nil {
			return err
		}
		*s.t = t
	case []byte:
		t, err := parseStoredTime(string(v))
		if err != nil {
			return err
		}
		*s.t = t
	default:
		return fmt.Errorf("store: cannot read a %T as a time", src)
	}
	return nil
}

// parseStoredTime reads a time as go-sqlite3 writes it. The store writes
// every time in UTC, so the text is "2006-01-02 15:04:05.999999999+00:00"
// with no or 1–9 fraction digits, which is read here without time.Parse;
// anything else is left to the layouts go-sqlite3 itself accepts.
func parseStoredTime(s string) (time.Time, error) {
	if t, ok := parseCanonicalUTC(s); ok {
		return t, nil
	}
	s = strings.TrimSuffix(s, "Z")
	for _, layout := range sqlite3.SQLiteTimestampFormats {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return asUTC(t), nil
		}
	}
	return time.Time{}, fmt.Errorf("store: cannot read the stored time %q", s)
}

// parseCanonicalUTC reads "YYYY-MM-DD HH:MM:SS[.fffffffff]+00:00".
func parseCanonicalUTC(s string) (time.Time, bool) {
	const head = len("2006-01-02 15:04:05")
	if len(s) < head+len("+00:00") || !strings.HasSuffix(s, "+00:00") ||
		s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	num := func(from, to int) (int, bool) {
		n := 0
		for i := from; i < to; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	y, ok1 := num(0, 4)
	mo, ok2 := num(5, 7)
	d, ok3 := num(8, 10)
	h, ok4 := num(11, 13)
	mi, ok5 := num(14, 16)
	sec, ok6 := num(17, 19)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	ns := 0
	if frac := s[head : len(s)-len("+00:00")]; frac != "" {
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
			return time.Time{}, false
		}
		n, ok := num(head+1, head+len(frac))
		if !ok {
			return time.Time{}, false
		}
		for i := len(frac) - 1; i < 9; i++ {
			n *= 10
		}
		ns = n
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, ns, time.UTC)
	if t.Day() != d { // 2026-02-30 and the like
		return time.Time{}, false
	}
	return t, true
}

// OpenOwing returns the open tickets that owe a promise due before before
// (not idle, queue_at < before: desk.Settle's mirrors), in the queue's
// order, Assignee filled. It reads them from the queue index (open, idle,
// queue_at, id) in its order, and only the columns a report shows: ID, Ref,
// Subject, RequesterEmail, Class, Status, Open, AssigneeID, ReceivedAt,
// ResponseDueAt, OwedKind, QueueAt, and in Promises the owed promise alone
// (Kind, StartedAt, DueAt; its start read from the promises table through
// idx_promises_ticket). The rest (Body, RequesterName, the other promises,
// …) are left empty.
func (s *Store) OpenOwing(ctx context.Context, before time.Time) ([]*desk.Ticket, error) {
	db := s.db.WithContext(ctx)
	rows, err := db.Raw(s.openOwingSQL(), true, false, utcCeil(before)).Rows()
	if err != nil {
		return nil, dbErr(err, "")
	}
	defer rows.Close()
	ts := []*desk.Ticket{}
	var assignee sql.NullInt64
	for rows.Next() {
		t := &desk.Ticket{Open: true}
		o := &desk.Promise{}
		if err := rows.Scan(&t.ID, &t.Ref, &t.Subject, &t.RequesterEmail, &t.Class, &t.Status, &assignee,
			storedTime{&t.ReceivedAt}, storedTime{&t.ResponseDueAt}, &t.OwedKind, storedTime{&t.QueueAt}, storedTime{&o.StartedAt}); err != nil {
			return nil, dbErr(err, "")
		}
		if assignee.Valid {
			id := uint64(assignee.Int64)
			t.AssigneeID = &id
		}
		o.TicketID, o.Class, o.Kind, o.DueAt = t.ID, t.Class, t.OwedKind, t.QueueAt
		if o.StartedAt.IsZero() { // no promise row: the mirrors alone (a row written before promises)
			o.StartedAt = t.ReceivedAt
		}
		t.Promises = []*desk.Promise{o}
		ts = append(ts, t)
	}
	if err := rows.Err(); err != nil {
		return nil, dbErr(err, "")
	}
	if err := rows.Close(); err != nil {
		return nil, dbErr(err, "")
	}
	if err := fillAssignees(db, ts); err != nil {
		return nil, dbErr(err, "")
	}
	return ts, nil
}

// ResponseRows calls fn for every ticket received in [from, to), in receipt
// order, with the five columns the compliance report needs. They all come
// from the index idx_tickets_report, so the table itself is not read, and
// they are scanned straight into the row (no reflection). An error from fn
// stops the scan and is returned as it is.
func (s *Store) ResponseRows(ctx context.Context, from, to time.Time, fn func(report.ResponseRow) error) error {
	rows, err := s.db.WithContext(ctx).Raw(`SELECT class, `+
		s.d.timeCol("received_at")+`, `+s.d.timeCol("response_due_at")+`, `+s.d.timeCol("first_response_at")+`, open
		FROM tickets
		WHERE received_at >= ? AND received_at < ?
		ORDER BY received_at`, utcCeil(from), utcCeil(to)).Rows()
	if err != nil {
		return dbErr(err, "")
	}
	defer rows.Close()
	var r report.ResponseRow
	dest := []any{&r.Class, storedTime{&r.ReceivedAt}, storedTime{&r.DueAt}, storedTime{&r.FirstResponseAt}, &r.Open}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return dbErr(err, "")
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return dbErr(err, "")
	}
	return nil
}

// openOwingSQL is OpenOwing's query: open = ?, idle = ?, queue_at < ?.
func (s *Store) openOwingSQL() string {
	// The owed promise is the ticket's one open, running promise of the
	// owed kind (one promise of a kind is open at a time).
	started := `(SELECT MAX(p.started_at) FROM promises p WHERE p.ticket_id = t.id AND p.kind = t.owed_kind
		AND p.ended_at IS NULL AND p.paused_at IS NULL)`
	return `SELECT t.id, t.ref, t.subject, t.requester_email, t.class, t.status, t.assignee_id, ` +
		s.d.timeCol("t.received_at") + `, ` + s.d.timeCol("t.response_due_at") + `, t.owed_kind, ` +
		s.d.timeCol("t.queue_at") + `, ` + s.d.timeCol(started) + `
		FROM tickets t
		WHERE t.open = ? AND t.idle = ? AND t.queue_at < ?
		ORDER BY t.queue_at, t.id`
}

// promiseRowsSQL is PromiseRows' query: started_at >= ? AND < ?.
func (s *Store) promiseRowsSQL() string {
	return `SELECT class, kind, ` +
		s.d.timeCol("started_at") + `, target, ` + s.d.timeCol("due_at") + `, paused, ` +
		s.d.timeCol("paused_at") + `, ` + s.d.timeCol("ended_at") + `, outcome
		FROM promises
		WHERE started_at >= ? AND started_at < ?
		ORDER BY started_at`
}

// PromiseRows calls fn for every promise started in [from, to), in start
// order, read through idx_promises_started and scanned straight into the
// row. The row's PausedAt and EndedAt point at variables reused for the
// next row: they are valid until fn returns. An error from fn stops the
// scan and is returned as it is.
func (s *Store) PromiseRows(ctx context.Context, from, to time.Time, fn func(report.PromiseRow) error) error {
	rows, err := s.db.WithContext(ctx).Raw(s.promiseRowsSQL(), utcCeil(from), utcCeil(to)).Rows()
	if err != nil {
		return dbErr(err, "")
	}
	defer rows.Close()
	var (
		r                 report.PromiseRow
		target, paused    int64
		pausedAt, endedAt time.Time
		outcome           string
	)
	dest := []any{&r.Class, &r.Kind, storedTime{&r.StartedAt}, &target, storedTime{&r.DueAt}, &paused,
		storedTime{&pausedAt}, storedTime{&endedAt}, &outcome}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return dbErr(err, "")
		}
		r.Target, r.Paused, r.Outcome = time.Duration(target), time.Duration(paused), promise.Outcome(outcome)
		r.PausedAt, r.EndedAt = nil, nil
		if !pausedAt.IsZero() {
			r.PausedAt = &pausedAt
		}
		if !endedAt.IsZero() {
			r.EndedAt = &endedAt
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return dbErr(err, "")
	}
	return nil
}
