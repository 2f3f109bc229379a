package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"
	"gorm.io/gorm"

	"github.com/slatrack/slatrack/internal/desk"
)

// dbErr turns a database error into a *desk.Error: NotFound for a missing
// row, Conflict (with the safe message conflict, or a generic one) for a
// unique violation, Invalid for a reference to a missing row, Unavailable
// when the database cannot be reached or is busy, else Internal. The cause
// is kept in Err (for logs and errors.Is) and never put in Message.
func dbErr(err error, conflict string) error {
	if err == nil {
		return nil
	}
	var de *desk.Error
	if errors.As(err, &de) {
		return err
	}
	unavailable := func(msg string) error {
		return &desk.Error{Code: desk.Unavailable, Message: msg, Err: err}
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return desk.ErrNotFound
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return unavailable("the database did not answer in time")
	}
	if conflict == "" {
		conflict = "that already exists"
	}

	var se sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code {
		case sqlite3.ErrConstraint:
			switch se.ExtendedCode {
			case sqlite3.ErrConstraintUnique, sqlite3.ErrConstraintPrimaryKey:
				return &desk.Error{Code: desk.Conflict, Message: conflict, Err: err}
			case sqlite3.ErrConstraintForeignKey:
				return &desk.Error{Code: desk.Invalid, Message: "it refers to something that does not exist", Err: err}
			}
		case sqlite3.ErrBusy, sqlite3.ErrLocked:
			return unavailable("the database is busy; please try again")
		case sqlite3.ErrCantOpen, sqlite3.ErrIoErr, sqlite3.ErrFull, sqlite3.ErrReadonly, sqlite3.ErrNotADB, sqlite3.ErrCorrupt, sqlite3.ErrProtocol, sqlite3.ErrNomem:
			return unavailable("the database cannot be used right now")
		}
	}

	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505": // unique_violation
			return &desk.Error{Code: desk.Conflict, Message: conflict, Err: err}
		case pe.Code == "23503": // foreign_key_violation
			return &desk.Error{Code: desk.Invalid, Message: "it refers to something that does not exist", Err: err}
		case strings.HasPrefix(pe.Code, "22"): // data exception: NUL bytes, bad encoding, out of range
			return &desk.Error{Code: desk.Invalid, Message: "the input contains characters or values that cannot be stored", Err: err}
		case pe.Code == "40001", pe.Code == "40P01", pe.Code == "55P03": // serialization failure, deadlock, lock not available
			return unavailable("the database is busy; please try again")
		case strings.HasPrefix(pe.Code, "08"), // connection exception
			strings.HasPrefix(pe.Code, "53"),                           // insufficient resources (too many connections, disk full)
			pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03", // shutting down, cannot connect now
			pe.Code == "57014": // query canceled (statement timeout)
			return unavailable("the database cannot be used right now")
		}
		return &desk.Error{Code: desk.Internal, Message: "database error", Err: err}
	}

	var ce *pgconn.ConnectError
	var ne net.Error
	// A connection the server or the network dropped mid-statement surfaces
	// as "conn closed" or an unexpected EOF: the database went away, so the
	// caller is told to retry (503, SMTP 451, exit 75), never "internal".
	if errors.As(err, &ce) || errors.As(err, &ne) || pgconn.Timeout(err) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		strings.Contains(err.Error(), "conn closed") || strings.Contains(err.Error(), "unexpected EOF") ||
		strings.Contains(err.Error(), "sql: database is closed") ||
		strings.Contains(err.Error(), "database is locked") {
		return unavailable("the database cannot be reached")
	}
	return &desk.Error{Code: desk.Internal, Message: "database error", Err: err}
}
