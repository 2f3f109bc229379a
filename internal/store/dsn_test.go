package store_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/store"
)

func TestRedactDSN(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:SECRET@db:5432/slatrack?sslmode=require": "postgres://u:xxxxx@db:5432/slatrack?sslmode=require",
		"postgresql://u:SEC@RET/x?y@db/slatrack":               "postgresql://u:xxxxx@db/slatrack",
		"postgres://u:SEC%40RET@db/x":                          "postgres://u:xxxxx@db/x",
		"postgres://db/x?sslmode=disable&password=SECRET&x=1":  "postgres://db/x?sslmode=disable&password=xxxxx&x=1",
		"postgres://u@db/x?PASSWORD=SECRET":                    "postgres://u@db/x?PASSWORD=xxxxx",
		"host=db user=u password=SECRET dbname=x":              "host=db user=u password=xxxxx dbname=x",
		"host=db password='SE CRET' dbname=x":                  "host=db password=xxxxx dbname=x",
		"postgres://u@db/x":                                    "postgres://u@db/x",
		"sqlite:data/slatrack.db":                              "sqlite:data/slatrack.db",
		"postgres://u:SECRET@db/x?application_name=ops@agency": "postgres://u:xxxxx@agency",
	} {
		got := store.RedactDSN(in)
		if got != want || strings.Contains(got, "SECRET") || strings.Contains(got, "CRET") {
			t.Errorf("RedactDSN(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestOpen_ErrorsNeverShowThePassword: whatever the driver echoes of a DSN
// it cannot use, the password is not in the error, and the error keeps its
// code (unavailable: the MTA retries; invalid: fix the configuration).
func TestOpen_ErrorsNeverShowThePassword(t *testing.T) {
	for dsn, code := range map[string]desk.Code{
		"postgres://u:SECRET@127.0.0.1:1/x?sslmode=disable&connect_timeout=5": desk.Unavailable,
		"postgres://u:SECRET@127.0.0.1:notaport/x":                            desk.Internal,
		"postgres://127.0.0.1:1/x?password=SECRET&sslmode=bogus":              desk.Internal,
		"postgres://u:SEC%RET@127.0.0.1:1/x":                                  desk.Internal,
		"mysql://u:SECRET@db/x":                                               desk.Invalid,
	} {
		s, err := store.Open(ctx(t), dsn)
		if err == nil {
			s.Close()
			t.Fatalf("Open(%s) succeeded", dsn)
		}
		if strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "SEC%RET") {
			t.Errorf("Open(%s): the error shows the password: %v", dsn, err)
		}
		if got := desk.ErrorCode(err); got != code {
			t.Errorf("Open(%s): code %s, want %s (%v)", dsn, got, code, err)
		}
	}
}

// TestOpen_SQLiteFilesArePrivate: the database, its -wal and -shm are the
// owner's only, and the folder is not open to others.
func TestOpen_SQLiteFilesArePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "desk.db")
	s, err := store.Open(ctx(t), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Migrate(ctx(t)); err != nil { // writes: the WAL and shared-memory files appear
		t.Fatal(err)
	}
	check := func() {
		t.Helper()
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if perm := fi.Mode().Perm(); perm&0o077 != 0 {
				t.Errorf("%s has mode %v, want 0600", filepath.Base(p), perm)
			}
		}
		if fi, _ := os.Stat(dir); fi.Mode().Perm()&0o007 != 0 {
			t.Errorf("folder mode %v, want no access for others", fi.Mode().Perm())
		}
	}
	check()
	s.Close()
	// A desk made world-readable by an older version is closed to others on
	// the next start.
	os.Chmod(path, 0o644)
	s, err = store.Open(ctx(t), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Errorf("reopened file mode %v, want 0640 (others' access removed, group's kept)", fi.Mode().Perm())
	}
}
