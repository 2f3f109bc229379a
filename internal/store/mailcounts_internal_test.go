package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"github.com/slatrack/slatrack/internal/sla"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// TestMigrateCountsMailStoredBefore: the migration that starts counting
// inbound mail counts what a desk already holds, on both engines.
func TestMigrateCountsMailStoredBefore(t *testing.T) {
	for name, dsn := range freshDSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s, err := Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			migrateUpTo(t, s, "count_inbound_mail")
			now := utc(time.Now())
			err = s.db.Transaction(func(tx *gorm.DB) error {
				for i, ch := range []string{"email", "email", "web"} {
					if err := tx.Exec(`INSERT INTO tickets (id, ref, channel, received_at, response_due_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
						i+1, fmt.Sprintf("SR-%d", 1001+i), ch, now, now, now, now).Error; err != nil {
						return err
					}
				}
				msg := func(id int, ticket any, dir, source string) error {
					return tx.Exec(`INSERT INTO messages (id, ticket_id, direction, dedupe_key, source, received_at) VALUES (?, ?, ?, ?, ?, ?)`,
						id, ticket, dir, fmt.Sprintf("k%d", id), source, now).Error
				}
				for _, m := range []struct {
					id     int
					ticket any
					dir    string
					source string
				}{
					{1, 1, "in", "smtp"},      // created SR-1001
					{2, 1, "out", "slatrack"}, // its acknowledgement: not inbound
					{3, 1, "in", "pipe"},      // appended
					{4, 2, "in", "pipe"},      // created SR-1002
					{5, 3, "in", "smtp"},      // appended to a web ticket
					{6, nil, "in", "smtp"},    // ignored
				} {
					if err := msg(m.id, m.ticket, m.dir, m.source); err != nil {
						return err
					}
				}
				return tx.Exec(`INSERT INTO quarantine (id, source, status, received_at) VALUES (1, 'http', 'held', ?), (2, 'http', 'discarded', ?)`, now, now).Error
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			// And counting goes on as mail is stored.
			if err := s.db.Exec(`INSERT INTO messages (id, ticket_id, direction, dedupe_key, source, outcome, received_at) VALUES (7, 2, 'in', 'k7', 'pipe', 'appended', ?)`, now).Error; err != nil {
				t.Fatal(err)
			}
			if err := s.db.Exec(`INSERT INTO quarantine (id, source, status, received_at) VALUES (3, 'smtp', 'held', ?)`, now).Error; err != nil {
				t.Fatal(err)
			}
			snap, err := s.MetricsSnapshot(ctx, sla.Bounds{}, now)
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprint(snap.Ingested)
			want := "[{appended pipe 2} {appended smtp 1} {created pipe 1} {created smtp 1} {ignored smtp 1} {quarantined http 2} {quarantined smtp 1}]"
			if got != want {
				t.Errorf("counts %s\nwant   %s", got, want)
			}
		})
	}
}

// migrateUpTo applies the migrations before the one named stop, as an
// older slatrack would have left the database.
func migrateUpTo(t *testing.T, s *Store, stop string) {
	t.Helper()
	all := migrations
	defer func() { migrations = all }()
	for i, m := range all {
		if m.name == stop {
			migrations = all[:i]
			break
		}
	}
	if len(migrations) == len(all) {
		t.Fatalf("no migration %q", stop)
	}
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// freshDSNs are an empty SQLite database and, when SLATRACK_TEST_POSTGRES
// names a server, an empty PostgreSQL database dropped after the test
// (storetest cannot be used here: it imports this package).
func freshDSNs(t testing.TB) map[string]string {
	t.Helper()
	out := map[string]string{"sqlite": "sqlite:" + filepath.Join(t.TempDir(), "counts.db")}
	admin := os.Getenv("SLATRACK_TEST_POSTGRES")
	if admin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("SLATRACK_TEST_POSTGRES is not set: in CI the PostgreSQL tests must run")
		}
		return out
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect to SLATRACK_TEST_POSTGRES: %v", err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "slatrack_test_counts_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), admin)
		if err == nil {
			_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(context.Background())
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	out["postgres"] = u.String()
	return out
}
