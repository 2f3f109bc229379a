// Package store keeps slatrack's data in SQLite (embedded, the default) or
// PostgreSQL, through gorm. It implements desk.Store; gorm is used in this
// package only, so nothing else depends on it.
//
// Every time is stored in UTC, truncated to microseconds (PostgreSQL's
// precision), and returned in UTC. On SQLite, go-sqlite3 stores a time as
// TEXT in the time's own zone ("2006-01-02 15:04:05.999999999-07:00").
// Written always in UTC, that text is canonical (one spelling per instant:
// the fraction has no trailing zeros, the offset is always +00:00) and
// compares as text in time order ('+' sorts before '.' and the digits, so
// "…:05+00:00" < "…:05.1+00:00" < "…:05.15+00:00" < "…:05.2+00:00"). That
// is why every time, stored or bound as a parameter, goes through utc (or
// utcCeil) first.
package store

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/slatrack/slatrack/internal/desk"
)

// Store is the gorm implementation of desk.Store. It is safe for concurrent
// use.
type Store struct {
	db *gorm.DB
	d  dialect
	// writes serialises this process's write transactions on SQLite, where
	// only one writer can run at a time anyway: waiting here is fair and
	// cheap, while waiting in SQLite's busy handler is polling. Other
	// processes are still kept out by BEGIN IMMEDIATE and the busy timeout.
	// nil on PostgreSQL.
	writes chan struct{}
}

var _ desk.Store = (*Store)(nil)

// Open connects to the database named by dsn: "sqlite:PATH" (the file and
// its folder are created if missing, private to the user: see
// privateSQLiteFile) or "postgres://…" / "postgresql://…". It checks the
// database answers but does not migrate: call Migrate. Its errors never
// repeat the DSN's password.
func Open(ctx context.Context, dsn string) (_ *Store, err error) {
	defer func() { err = redactError(err, dsn) }()
	var (
		dial gorm.Dialector
		d    dialect
	)
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		path = strings.TrimPrefix(path, "//") // also accept sqlite://PATH and sqlite:///abs/path
		if path == "" || strings.HasPrefix(path, ":memory:") || strings.HasPrefix(path, "file:") {
			return nil, &desk.Error{Code: desk.Invalid, Field: "database.dsn", Message: `the SQLite DSN must be "sqlite:PATH" with a file path`}
		}
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, &desk.Error{Code: desk.Unavailable, Message: "cannot create the database folder", Err: err}
			}
		}
		if err := privateSQLiteFile(path); err != nil {
			return nil, &desk.Error{Code: desk.Unavailable, Message: "cannot create the database file", Err: err}
		}
		dial = sqlite.Open(sqliteDSN(path))
		d = sqliteDialect
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		dial = postgres.New(postgres.Config{DSN: dsn})
		d = postgresDialect
	default:
		return nil, &desk.Error{Code: desk.Invalid, Field: "database.dsn", Message: `the database DSN must start with "sqlite:" or "postgres://"`}
	}

	db, err := gorm.Open(dial, &gorm.Config{
		Logger: quietLogger{slow: 500 * time.Millisecond},
		// Store every time in UTC at PostgreSQL's precision (see the package
		// doc); gorm uses NowFunc for CreatedAt/UpdatedAt.
		NowFunc: func() time.Time { return utc(time.Now()) },
		// Single statements are atomic anyway; multi-statement work uses
		// explicit transactions.
		SkipDefaultTransaction: true,
	})
	if err != nil {
		return nil, dbErr(err, "")
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, dbErr(err, "")
	}
	s := &Store{db: db, d: d}
	if d == sqliteDialect {
		s.writes = make(chan struct{}, 1)
		// WAL lets readers run beside the one writer; keep the connections
		// open so each one's PRAGMAs run once.
		sqlDB.SetMaxOpenConns(8)
		sqlDB.SetMaxIdleConns(8)
	} else {
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(10)
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	if err := s.Ping(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	return s, nil
}

// sqliteDSN is the go-sqlite3 connection string for the file at path. The
// driver applies each parameter to every connection it opens.
func sqliteDSN(path string) string {
	// A file: URI, so the path's own '?', '#' and '%' must be escaped.
	p := strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(path)
	params := []string{
		// Write-ahead log: readers never block the writer nor the writer them,
		// and a commit is one append.
		"_journal_mode=WAL",
		// SQLite ignores REFERENCES unless told per connection.
		"_foreign_keys=on",
		// Wait up to 5 s for another connection's (or process's) write lock
		// instead of failing at once with "database is locked".
		"_busy_timeout=5000",
		// BEGIN IMMEDIATE: a write transaction takes the write lock when it
		// starts. With the default (deferred), two transactions that both read
		// and then write deadlock on the lock upgrade, and SQLite fails one at
		// once without waiting for the busy timeout.
		"_txlock=immediate",
		// In WAL mode NORMAL is still corruption-safe and only risks the last
		// commits on power loss (not on a crash of the process); FULL would
		// fsync on every commit.
		"_synchronous=NORMAL",
	}
	return "file:" + p + "?" + strings.Join(params, "&")
}

// Close closes the connection pool.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return dbErr(err, "")
	}
	if s.d == sqliteDialect {
		// Lets SQLite refresh its planner statistics where they are stale;
		// cheap, and recommended before closing a connection.
		_ = s.db.Exec("PRAGMA optimize").Error
	}
	return dbErr(sqlDB.Close(), "")
}

// Ping checks the database answers (for /readyz).
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.db.WithContext(ctx).Raw("SELECT 1").Scan(&one).Error; err != nil {
		return dbErr(err, "")
	}
	return nil
}

// Dialect is "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.d.String() }

// write runs fn in a write transaction: on SQLite after taking this
// process's write slot, so that in-process writers queue instead of
// polling for the lock.
func (s *Store) write(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if s.writes != nil {
		select {
		case s.writes <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		defer func() { <-s.writes }()
	}
	return s.db.WithContext(ctx).Transaction(fn)
}

// utc is t in UTC at microsecond precision; the zero time stays zero.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

// utcCeil is t in UTC rounded up to the microsecond: the bound to compare
// stored (microsecond) times against for "< t" and ">= t" to mean exactly
// that. utc (rounding down) is the one for "> t" and "<= t".
func utcCeil(t time.Time) time.Time {
	u := utc(t)
	if u.Before(t) {
		u = u.Add(time.Microsecond)
	}
	return u
}

// utcp is utc for optional times.
func utcp(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := utc(*t)
	return &u
}

// asUTC converts a time read from the database to UTC (pgx returns local
// times; a zero time read from PostgreSQL keeps its instant).
func asUTC(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

func asUTCp(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := asUTC(*t)
	return &u
}

// quietLogger keeps SQL out of the logs: gorm's errors are returned to the
// callers (who log them as desk errors), and only slow statements are
// logged, as SQL with placeholders, never with values (they hold emails and
// ticket text).
type quietLogger struct{ slow time.Duration }

func (l quietLogger) LogMode(logger.LogLevel) logger.Interface { return l }
func (quietLogger) Info(context.Context, string, ...any)       {}
func (quietLogger) Warn(context.Context, string, ...any)       {}
func (quietLogger) Error(context.Context, string, ...any)      {}

// ParamsFilter tells gorm to leave the values out of the SQL it traces.
func (quietLogger) ParamsFilter(_ context.Context, sql string, _ ...any) (string, []any) {
	return sql, nil
}

func (l quietLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	if l.slow <= 0 {
		return
	}
	if el := time.Since(begin); el >= l.slow {
		sql, rows := fc()
		slog.WarnContext(ctx, "slow database statement", "elapsed", el.Round(time.Millisecond), "rows", rows, "sql", sql, "failed", err != nil)
	}
}
