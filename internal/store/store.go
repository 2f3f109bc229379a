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
	"cmp"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
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
	// busy bounds how long a write waits for the write lock (SQLite's busy
	// timeout, and as long again for this process's write slot) before it
	// is answered "busy": every waiter gets an answer in bounded time.
	busy time.Duration
	// probed is the last time (UnixNano) Ready saw a write commit.
	probed atomic.Int64
	// dir is the SQLite file's folder ("" on PostgreSQL), whose free space
	// Ready checks.
	dir string
	// searchSample is searchSample, or what a test set (SetSearchSample).
	searchSample int
	// migrating is Options.Migrating.
	migrating func(name string)
}

var _ desk.Store = (*Store)(nil)

// Options tune a Store; the zero value is the engine's defaults.
type Options struct {
	// MaxConns caps the connection pool (0: 8 on SQLite, 20 on PostgreSQL).
	MaxConns int
	// BusyTimeout bounds how long a write waits for SQLite's write lock
	// (0: 5 s).
	BusyTimeout time.Duration
	// Migrating, when set, hears the name of each migration Migrate is
	// about to apply ("0020_search_documents"), before it runs: some
	// rebuild an index and take minutes on a large desk.
	Migrating func(name string)
}

// Open connects to the database named by dsn: "sqlite:PATH" (the file and
// its folder are created if missing, private to the user: see
// privateSQLiteFile) or "postgres://…" / "postgresql://…". It checks the
// database answers but does not migrate: call Migrate. Its errors never
// repeat the DSN's password.
func Open(ctx context.Context, dsn string) (*Store, error) {
	return OpenWith(ctx, dsn, Options{})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, dsn string, o Options) (_ *Store, err error) {
	defer func() { err = redactError(err, dsn) }()
	var (
		dial gorm.Dialector
		d    dialect
		dir  string
	)
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		path = strings.TrimPrefix(path, "//") // also accept sqlite://PATH and sqlite:///abs/path
		if path == "" || strings.HasPrefix(path, ":memory:") || strings.HasPrefix(path, "file:") {
			return nil, &desk.Error{Code: desk.Invalid, Field: "database.dsn", Message: `the SQLite DSN must be "sqlite:PATH" with a file path`}
		}
		dir = filepath.Dir(path)
		if dir != "." {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, &desk.Error{Code: desk.Unavailable, Message: "cannot create the database folder", Err: err}
			}
		}
		if err := privateSQLiteFile(path); err != nil {
			return nil, &desk.Error{Code: desk.Unavailable, Message: "cannot create the database file", Err: err}
		}
		dial = sqlite.Open(sqliteDSN(path, cmp.Or(o.BusyTimeout, 5*time.Second)))
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
	s := &Store{db: db, d: d, busy: cmp.Or(o.BusyTimeout, 5*time.Second), dir: dir, searchSample: searchSample, migrating: o.Migrating}
	if d == sqliteDialect {
		s.writes = make(chan struct{}, 1)
		// WAL lets readers run beside the one writer; keep the connections
		// open so each one's PRAGMAs run once.
		n := cmp.Or(o.MaxConns, 8)
		sqlDB.SetMaxOpenConns(n)
		sqlDB.SetMaxIdleConns(n)
	} else {
		n := cmp.Or(o.MaxConns, 20)
		sqlDB.SetMaxOpenConns(n)
		sqlDB.SetMaxIdleConns(max(n/2, 1))
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
func sqliteDSN(path string, busy time.Duration) string {
	// A file: URI, so the path's own '?', '#' and '%' must be escaped.
	p := strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(path)
	params := []string{
		// Write-ahead log: readers never block the writer nor the writer them,
		// and a commit is one append.
		"_journal_mode=WAL",
		// SQLite ignores REFERENCES unless told per connection.
		"_foreign_keys=on",
		// Wait up to the busy timeout for another connection's (or
		// process's) write lock instead of failing at once with "database is
		// locked".
		"_busy_timeout=" + strconv.FormatInt(max(busy.Milliseconds(), 1), 10),
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

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.db.WithContext(ctx).Raw("SELECT 1").Scan(&one).Error; err != nil {
		return dbErr(err, "")
	}
	return nil
}

// readyEvery is how often Ready commits a probe write; between probes a
// recent success stands, so a load balancer polling /readyz does not make
// the database write on every poll.
const readyEvery = time.Second

// minFreeDisk is the free space below which a SQLite desk is not ready: a
// write that needs a new page would fail, and SQLite can reuse its
// write-ahead log's space for a small probe even on a full disk.
const minFreeDisk = 1 << 20

// Ready reports whether the database can write: it commits a one-row
// write (at most once per readyEvery), so a locked SQLite file, a full disk
// or a read-only replica is "not ready" rather than "answers SELECT 1".
func (s *Store) Ready(ctx context.Context) error {
	if s.dir != "" {
		if free, ok := freeBytes(s.dir); ok && free < minFreeDisk {
			return &desk.Error{Code: desk.Unavailable, Message: "the database's disk is full"}
		}
	}
	if time.Since(time.Unix(0, s.probed.Load())) < readyEvery {
		return nil
	}
	now := utc(time.Now())
	err := s.write(ctx, func(tx *gorm.DB) error {
		return tx.Exec(`INSERT INTO settings ("key", "value") VALUES ('ready_probe', ?) ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value"`,
			now.Format(time.RFC3339Nano)).Error
	})
	if err != nil {
		return dbErr(err, "")
	}
	s.probed.Store(now.UnixNano())
	return nil
}

// Dialect is "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.d.String() }

// errWriteBusy answers a write that waited the whole busy timeout for this
// process's write slot.
var errWriteBusy = &desk.Error{Code: desk.Unavailable, Message: "the database is busy; please try again"}

// write runs fn in a write transaction: on SQLite after taking this
// process's write slot, so that in-process writers queue instead of
// polling for the lock. The wait for the slot is bounded by the busy
// timeout, as SQLite bounds the wait for its lock: when the file is locked
// from outside, every queued writer is answered "busy" in bounded time,
// not only the one holding the slot.
func (s *Store) write(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if s.writes != nil {
		t := time.NewTimer(s.busy)
		select {
		case s.writes <- struct{}{}:
			t.Stop()
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
			return errWriteBusy
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
