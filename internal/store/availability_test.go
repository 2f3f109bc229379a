package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// openSQLite opens and migrates a SQLite desk at path with opts.
func openSQLite(t *testing.T, path string, opts store.Options) *store.Store {
	t.Helper()
	st, err := store.OpenWith(context.Background(), "sqlite:"+path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

// lockFromOutside takes SQLite's write lock on path from another
// connection, as another process would, until the returned func is called.
func lockFromOutside(t *testing.T, path string) (unlock func()) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	unlock = func() {
		once.Do(func() {
			conn.ExecContext(context.Background(), "ROLLBACK")
			conn.Close()
			db.Close()
		})
	}
	t.Cleanup(unlock)
	return unlock
}

func numbered(i int) *desk.Ticket { return newTicket(fmt.Sprintf("t%d", i), time.Now().Add(time.Hour)) }

// TestWrite_LockedSQLiteAnswersEveryWaiter: while another process holds
// the write lock, every queued writer in this process is answered
// "unavailable" within a bound, not only the first (the others once waited
// in the in-process write queue with no deadline).
func TestWrite_LockedSQLiteAnswersEveryWaiter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "desk.db")
	busy := 200 * time.Millisecond
	st := openSQLite(t, path, store.Options{BusyTimeout: busy})
	unlock := lockFromOutside(t, path)

	const writers = 12
	errs := make(chan error, writers)
	start := time.Now()
	for i := range writers {
		go func() { errs <- st.CreateTicket(context.Background(), "SR", numbered(i), nil) }()
	}
	deadline := time.After(10 * time.Second)
	for i := range writers {
		select {
		case err := <-errs:
			if desk.ErrorCode(err) != desk.Unavailable {
				t.Errorf("writer answered %v, want unavailable", err)
			}
		case <-deadline:
			t.Fatalf("%d of %d writers still waiting after 10 s on a locked database", writers-i, writers)
		}
	}
	t.Logf("%d writers answered in %v (busy timeout %v)", writers, time.Since(start).Round(time.Millisecond), busy)
	unlock()
	if err := st.CreateTicket(context.Background(), "SR", numbered(99), nil); err != nil {
		t.Errorf("write after the lock was released: %v", err)
	}
}

// TestReady_NeedsAWrite: readiness means the database can write, not that
// it answers SELECT 1.
func TestReady_NeedsAWrite(t *testing.T) {
	t.Run("locked_sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "desk.db")
		st := openSQLite(t, path, store.Options{BusyTimeout: 100 * time.Millisecond})
		if err := st.Ready(context.Background()); err != nil {
			t.Fatalf("ready before the lock: %v", err)
		}
		time.Sleep(1100 * time.Millisecond) // past the probe's reuse window
		unlock := lockFromOutside(t, path)
		if err := st.Ping(context.Background()); err != nil {
			t.Fatalf("ping while locked: %v (reads still work)", err)
		}
		if err := st.Ready(context.Background()); desk.ErrorCode(err) != desk.Unavailable {
			t.Errorf("ready while locked: %v, want unavailable", err)
		}
		unlock()
		if err := st.Ready(context.Background()); err != nil {
			t.Errorf("ready after unlock: %v", err)
		}
	})
	t.Run("full_disk", func(t *testing.T) {
		dir := t.TempDir()
		if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", dir).CombinedOutput(); err != nil {
			t.Skipf("cannot mount a small tmpfs to fill (needs root): %v %s", err, out)
		}
		t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
		path := filepath.Join(dir, "desk.db")
		st := openSQLite(t, path, store.Options{BusyTimeout: 100 * time.Millisecond})
		if err := st.Ready(context.Background()); err != nil {
			t.Fatalf("ready on an empty disk: %v", err)
		}
		f, err := os.Create(filepath.Join(dir, "filler"))
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 64<<10)
		for {
			if _, err := f.Write(buf); err != nil {
				break
			}
		}
		f.Close()
		if err := st.Ready(context.Background()); desk.ErrorCode(err) != desk.Unavailable {
			t.Errorf("ready on a full disk: %v, want unavailable", err)
		}
		if err := st.CreateTicket(context.Background(), "SR", numbered(1), nil); err != nil && desk.ErrorCode(err) != desk.Unavailable {
			t.Errorf("write on a full disk: %v, want unavailable", err)
		}
	})
}

// dropProxy forwards TCP connections to a server and can cut them all at
// once, as a network failure or a server crash does: no goodbye from the
// server, just a closed socket.
type dropProxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newDropProxy(t *testing.T, target string) *dropProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &dropProxy{ln: ln}
	t.Cleanup(func() { ln.Close(); p.drop() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
	return p
}

func (p *dropProxy) drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// TestDroppedConnectionsAreUnavailable: when the connections to PostgreSQL
// drop (a network failure, a server restart), what callers see is
// "unavailable" (a 503, SMTP 451, exit 75), never an internal error; and
// the store recovers once the server is back.
func TestDroppedConnectionsAreUnavailable(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	storetest.OpenDSN(t, dsn) // migrated
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newDropProxy(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	st, err := store.Open(context.Background(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	kinds := map[desk.Code]int{}
	for round := range 6 {
		var wg sync.WaitGroup
		var mu sync.Mutex
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var err error
				if i%2 == 0 {
					err = st.CreateTicket(ctx, "SR", numbered(round*10+i), nil)
				} else {
					_, _, err = st.ListTickets(ctx, desk.TicketQuery{OpenOnly: true, Limit: 10})
				}
				if err == nil {
					return
				}
				mu.Lock()
				kinds[desk.ErrorCode(err)]++
				mu.Unlock()
				if desk.ErrorCode(err) != desk.Unavailable {
					t.Errorf("after the connections dropped: %v (code %v), want unavailable", err, desk.ErrorCode(err))
				}
			}()
		}
		time.Sleep(time.Duration(round) * time.Millisecond)
		proxy.drop() // mid-flight
		wg.Wait()
	}
	t.Logf("errors by code while connections dropped: %v", kinds)
	if kinds[desk.Unavailable] == 0 {
		t.Errorf("no request saw the drops; the test did not exercise them")
	}
	// The pool recovers: a connection found dead on first use is itself
	// answered "unavailable" (try again), and the next try works.
	var last error
	for range 3 {
		if last = st.CreateTicket(ctx, "SR", numbered(100), nil); last == nil || desk.ErrorCode(last) != desk.Unavailable {
			break
		}
	}
	if last != nil {
		t.Errorf("after the drops: %v", last)
	}
}
