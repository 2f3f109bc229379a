package store_test

import (
	"context"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

func TestMigrate(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		t.Run("second run is a no-op", func(t *testing.T) {
			applied, err := s.Migrate(ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			if len(applied) != 0 {
				t.Fatalf("second Migrate applied %v", applied)
			}
		})
		t.Run("recorded", func(t *testing.T) {
			ms, err := s.Migrations(ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			known := store.KnownMigrations()
			if len(ms) != len(known) {
				t.Fatalf("recorded %d migrations, know %d", len(ms), len(known))
			}
			for i, m := range ms {
				if m.Version != i+1 || known[i][5:] != m.Name {
					t.Errorf("migration %d = %d %q, want %q", i, m.Version, m.Name, known[i])
				}
				if m.AppliedAt.Location() != time.UTC || time.Since(m.AppliedAt) > time.Hour || m.AppliedAt.After(time.Now()) {
					t.Errorf("migration %d applied_at = %v", m.Version, m.AppliedAt)
				}
			}
		})
	})
}

// TestMigrateConcurrently runs two instances' migrations on one new
// database at once: both succeed and each migration is applied once.
func TestMigrateConcurrently(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			dsn := e.NewDSN(t)
			var stores [3]*store.Store
			for i := range stores {
				s, err := store.Open(ctx(t), dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = s.Close() })
				stores[i] = s
			}
			var (
				wg      sync.WaitGroup
				mu      sync.Mutex
				applied []string
				errs    []error
			)
			for _, s := range stores {
				wg.Add(1)
				go func() {
					defer wg.Done()
					a, err := s.Migrate(context.Background())
					mu.Lock()
					defer mu.Unlock()
					applied = append(applied, a...)
					if err != nil {
						errs = append(errs, err)
					}
				}()
			}
			wg.Wait()
			if len(errs) > 0 {
				t.Fatalf("concurrent Migrate: %v", errs)
			}
			sort.Strings(applied)
			if !reflect.DeepEqual(applied, store.KnownMigrations()) {
				t.Fatalf("applied %v, want each of %v once", applied, store.KnownMigrations())
			}
			// The schema works.
			u := &desk.User{Email: "a@example.org", Name: "A", Role: desk.RoleAdmin}
			if err := stores[0].CreateUser(ctx(t), u); err != nil {
				t.Fatal(err)
			}
			if n, err := stores[1].CountUsers(ctx(t)); err != nil || n != 1 {
				t.Fatalf("CountUsers = %d, %v", n, err)
			}
		})
	}
}

func TestOpen(t *testing.T) {
	for _, tc := range []struct{ name, dsn string }{
		{"empty", ""},
		{"mysql", "mysql://localhost/x"},
		{"memory", "sqlite::memory:"},
		{"no path", "sqlite:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := store.Open(ctx(t), tc.dsn)
			if err == nil {
				_ = s.Close()
				t.Fatalf("Open(%q) succeeded", tc.dsn)
			}
			if desk.ErrorCode(err) != desk.Invalid {
				t.Fatalf("Open(%q): %v, want an Invalid error", tc.dsn, err)
			}
		})
	}
	t.Run("creates folders", func(t *testing.T) {
		dir := t.TempDir() + "/a/b?c#d%e"
		s, err := store.Open(ctx(t), "sqlite:"+dir+"/x.db")
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := s.Migrate(ctx(t)); err != nil {
			t.Fatal(err)
		}
		if err := s.Ping(ctx(t)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("postgres unreachable", func(t *testing.T) {
		s, err := store.Open(ctx(t), "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=5")
		if err == nil {
			_ = s.Close()
			t.Fatal("Open succeeded")
		}
		wantCode(t, err, desk.Unavailable)
	})
	t.Run("closed", func(t *testing.T) {
		s := storetest.Open(t)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		wantCode(t, s.Ping(ctx(t)), desk.Unavailable)
		_, err := s.GetTicket(ctx(t), "SR-1001")
		wantCode(t, err, desk.Unavailable)
	})
	t.Run("cancelled", func(t *testing.T) {
		s := storetest.Open(t)
		c, cancel := context.WithCancel(context.Background())
		cancel()
		_, _, err := s.ListTickets(c, desk.TicketQuery{})
		wantCode(t, err, desk.Unavailable)
	})
}

// TestMigrate_AnnouncesEach: Options.Migrating hears each migration about
// to be applied, in order, before it runs (serve logs one that runs long);
// a database already migrated announces nothing.
func TestMigrate_AnnouncesEach(t *testing.T) {
	var heard []string
	path := t.TempDir() + "/announce.db"
	s, err := store.OpenWith(context.Background(), "sqlite:"+path, store.Options{Migrating: func(name string) { heard = append(heard, name) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	applied, err := s.Migrate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(heard, store.KnownMigrations()) || !reflect.DeepEqual(applied, heard) {
		t.Fatalf("heard %v\napplied %v\nknown %v", heard, applied, store.KnownMigrations())
	}
	heard = nil
	if _, err := s.Migrate(context.Background()); err != nil || len(heard) != 0 {
		t.Fatalf("a second Migrate announced %v (%v)", heard, err)
	}
}
