// Package storetest gives tests fresh, migrated stores: SQLite always, and
// PostgreSQL when SLATRACK_TEST_POSTGRES names a server.
//
// SLATRACK_TEST_POSTGRES is a URL such as
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable whose user may
// CREATE DATABASE: each store gets a database of its own, dropped when its
// test ends. When it is unset, the PostgreSQL subtests are skipped, except
// in CI (CI=true), where they fail, so a CI that forgot its PostgreSQL
// server cannot pass by testing SQLite alone.
package storetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/slatrack/slatrack/internal/store"
)

// PostgresEnv is the variable naming the PostgreSQL server for tests.
const PostgresEnv = "SLATRACK_TEST_POSTGRES"

// Engine is a database engine the store runs on.
type Engine struct {
	Name string // "sqlite" or "postgres"
	// NewDSN returns the DSN of a fresh, empty database that is removed when
	// tb's test ends. It skips tb (or, in CI, fails it) when the engine is
	// not configured.
	NewDSN func(tb testing.TB) string
}

// Engines lists the engines: SQLite, then PostgreSQL.
func Engines() []Engine {
	return []Engine{
		{Name: "sqlite", NewDSN: sqliteDSN},
		{Name: "postgres", NewDSN: postgresDSN},
	}
}

// ForEach runs fn as a subtest per engine ("sqlite", "postgres"), each with
// a fresh migrated store that is closed when the subtest ends.
func ForEach(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, e := range Engines() {
		t.Run(e.Name, func(t *testing.T) {
			dsn := ""
			if e.Name == "postgres" {
				dsn = migratedPostgresDSN(t)
			} else {
				dsn = e.NewDSN(t)
			}
			s := OpenDSN(t, dsn)
			fn(t, s)
		})
	}
}

// Open is a fresh migrated SQLite store in tb.TempDir(), closed on cleanup.
func Open(tb testing.TB) *store.Store {
	tb.Helper()
	return OpenDSN(tb, sqliteDSN(tb))
}

// OpenDSN opens and migrates the database at dsn, closing it on cleanup.
// Opening the same dsn twice gives two stores on one database, as two
// instances of slatrack would have.
func OpenDSN(tb testing.TB, dsn string) *store.Store {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := store.Open(ctx, dsn)
	if err != nil {
		tb.Fatalf("storetest: open %s: %v", redact(dsn), err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("storetest: close: %v", err)
		}
	})
	if _, err := s.Migrate(ctx); err != nil {
		tb.Fatalf("storetest: migrate: %v", err)
	}
	return s
}

func sqliteDSN(tb testing.TB) string {
	tb.Helper()
	return "sqlite:" + filepath.Join(tb.TempDir(), "slatrack.db")
}

func postgresDSN(tb testing.TB) string {
	tb.Helper()
	return newPostgres(tb, false)
}

// migratedPostgresDSN is postgresDSN already migrated (copied from a template).
func migratedPostgresDSN(tb testing.TB) string {
	tb.Helper()
	return newPostgres(tb, true)
}

func newPostgres(tb testing.TB, migrated bool) string {
	tb.Helper()
	admin := os.Getenv(PostgresEnv)
	if admin == "" {
		msg := PostgresEnv + " is not set, so the store was not tested on PostgreSQL; set it to a server URL whose user may CREATE DATABASE, e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
		if os.Getenv("CI") == "true" {
			tb.Fatal("storetest: in CI the PostgreSQL tests must run: " + msg)
		}
		tb.Skip("storetest: " + msg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		tb.Fatalf("storetest: connect to %s=%s: %v", PostgresEnv, redact(admin), err)
	}
	defer conn.Close(context.Background())

	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := fmt.Sprintf("slatrack_test_%s_%s", time.Now().UTC().Format("20060102150405"), hex.EncodeToString(b))
	create := func() error { _, err := conn.Exec(ctx, "CREATE DATABASE "+name); return err }
	if migrated {
		create = func() error { return createFromTemplate(ctx, conn, admin, name) }
	}
	if err := create(); err != nil {
		tb.Fatalf("storetest: create database %s: %v", name, err)
	}
	// Registered before the store's own Close, so it runs after it.
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			tb.Errorf("storetest: drop database %s: %v", name, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("storetest: drop database %s: %v", name, err)
		}
	})
	dsn, err := withDatabase(admin, name)
	if err != nil {
		tb.Fatalf("storetest: %s: %v", PostgresEnv, err)
	}
	return dsn
}

// templateLock serialises template creation and copying across test
// processes (go test runs packages in parallel).
const templateLock = 0x736c74746d706c

// createFromTemplate creates database name as a copy of a migrated template
// (made once per schema version per server): copying a template is much
// faster than running every migration for every test.
func createFromTemplate(ctx context.Context, conn *pgx.Conn, admin, name string) error {
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLock); err != nil {
		return err
	}
	defer conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", templateLock)
	sum := sha256.Sum256([]byte(strings.Join(store.KnownMigrations(), ",")))
	tmpl := "slatrack_tmpl_" + hex.EncodeToString(sum[:6])
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", tmpl).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+tmpl); err != nil {
			return err
		}
		dsn, err := withDatabase(admin, tmpl)
		if err != nil {
			return err
		}
		s, err := store.Open(ctx, dsn)
		if err != nil {
			return err
		}
		_, err = s.Migrate(ctx)
		if cerr := s.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			conn.Exec(ctx, "DROP DATABASE IF EXISTS "+tmpl)
			return err
		}
	}
	_, err := conn.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+tmpl)
	return err
}

// withDatabase is the URL dsn with its database replaced by name.
func withDatabase(dsn, name string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("want a postgres:// URL")
	}
	u.Path = "/" + name
	u.RawPath = ""
	q := u.Query()
	q.Del("dbname")
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// redact hides a URL's password.
func redact(dsn string) string { return store.RedactDSN(dsn) }

// EngineEnv picks the engine OpenEnv uses: "sqlite" (default) or
// "postgres". The test command runs the HTTP and service tests once per
// engine with it.
const EngineEnv = "SLATRACK_TEST_ENGINE"

// OpenEnv is a fresh migrated store on the engine EngineEnv names.
func OpenEnv(tb testing.TB) *store.Store {
	tb.Helper()
	switch e := os.Getenv(EngineEnv); e {
	case "", "sqlite":
		return Open(tb)
	case "postgres":
		return OpenDSN(tb, migratedPostgresDSN(tb))
	default:
		tb.Fatalf("storetest: %s=%q: want sqlite or postgres", EngineEnv, e)
		return nil
	}
}

// NewDSN is the DSN of a fresh, empty database on the engine EngineEnv
// names, removed when tb ends (for tests that run several instances).
func NewDSN(tb testing.TB) string {
	tb.Helper()
	if os.Getenv(EngineEnv) == "postgres" {
		return postgresDSN(tb)
	}
	return sqliteDSN(tb)
}

// NewDSNOn is the DSN of a fresh, empty database on the engine named
// ("sqlite" or "postgres"), removed when tb ends.
func NewDSNOn(tb testing.TB, engine string) string {
	tb.Helper()
	if engine == "postgres" {
		return postgresDSN(tb)
	}
	return sqliteDSN(tb)
}

// PostgresDSN is the DSN of a fresh, empty PostgreSQL database, removed when
// tb ends; it skips (or in CI fails) when no server is configured.
func PostgresDSN(tb testing.TB) string {
	tb.Helper()
	return postgresDSN(tb)
}
