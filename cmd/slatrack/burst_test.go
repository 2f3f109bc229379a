package main

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"net/smtp"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/mailtest"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// burstPool is the connection pool the burst tests give `serve`; the
// bursts are four times as wide.
const burstPool = 5

// TestServe_BurstWiderThanThePool drives four times as many concurrent
// ticket creations (API) and mail deliveries (SMTP) as the database pool
// holds, on both engines, and asserts every one is stored within a bound.
// A creation that took a second connection while holding one inside its
// transaction (the acknowledgement's rate-limit count once did) deadlocks
// the pool here: each of the first burstPool creations holds a connection
// and waits forever for another.
func TestServe_BurstWiderThanThePool(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			dsn := e.NewDSN(t)
			if e.Name == "sqlite" {
				dsn = "sqlite:" + filepath.Join(t.TempDir(), "desk.db")
			}
			relay := mailtest.NewRelay(t)
			d := startServeOn(t, relay, dsn, fmt.Sprintf("[database]\nmax_connections = %d\n", burstPool))
			const width = 4 * burstPool
			const bound = 60 * time.Second

			t.Run("api_creations", func(t *testing.T) {
				var ok atomic.Int64
				var wg sync.WaitGroup
				start := time.Now()
				for i := range width * 3 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						// Some requesters write several times, so the per-sender
						// acknowledgement limit is exercised under concurrency.
						body := fmt.Sprintf(`{"subject":"Burst %d","body":"please help","requester_email":"req%d@agency.gov"}`, i, i%width)
						req, _ := http.NewRequest("POST", "http://"+d.http+"/api/v1/tickets", strings.NewReader(body))
						req.Header.Set("Authorization", "Bearer "+d.adminTok)
						client := &http.Client{Timeout: bound}
						resp, err := client.Do(req)
						if err != nil {
							t.Errorf("create %d: %v", i, err)
							return
						}
						resp.Body.Close()
						if resp.StatusCode != 201 {
							t.Errorf("create %d: status %d", i, resp.StatusCode)
							return
						}
						ok.Add(1)
					}()
				}
				wg.Wait()
				if n := ok.Load(); n != width*3 {
					t.Fatalf("%d of %d concurrent creations stored", n, width*3)
				}
				if el := time.Since(start); el > bound {
					t.Errorf("burst took %v, want within %v", el, bound)
				}
			})

			t.Run("smtp_deliveries", func(t *testing.T) {
				var ok atomic.Int64
				var wg sync.WaitGroup
				for i := range width * 2 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						from := fmt.Sprintf("mailer%d@agency.gov", i%width)
						msg := fmt.Sprintf("From: %s\nTo: support@desk.test\nSubject: Mail burst %d\nMessage-ID: <burst-%d@agency.gov>\n\nOur quota request.\n", from, i, i)
						if err := sendSMTPWithin(d.smtp, from, []string{"support@desk.test"}, msg, bound); err != nil {
							t.Errorf("delivery %d: %v", i, err)
							return
						}
						ok.Add(1)
					}()
				}
				wg.Wait()
				if n := ok.Load(); n != width*2 {
					t.Fatalf("%d of %d concurrent deliveries accepted", n, width*2)
				}
				_, list := d.api("GET", "/api/v1/tickets?q=Mail+burst&limit=200", "")
				if n := len(list["tickets"].([]any)); n != width*2 {
					t.Errorf("%d tickets for %d accepted mails", n, width*2)
				}
			})
		})
	}
}

// sendSMTPWithin is sendSMTP with the whole conversation bounded, so a
// server that never answers fails the test instead of hanging it.
func sendSMTPWithin(addr, from string, to []string, msg string, bound time.Duration) error {
	conn, err := net.DialTimeout("tcp", addr, bound)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(bound)); err != nil {
		return err
	}
	host, _, _ := net.SplitHostPort(addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return err
	}
	if err := c.Mail(from); err != nil {
		return err
	}
	for _, r := range to {
		if err := c.Rcpt(r); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(strings.ReplaceAll(msg, "\n", "\r\n"))); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// TestServe_LockedSQLite: while another process holds SQLite's write
// lock, /readyz says not ready and every waiting SMTP delivery is answered
// 451 (try again) within a bound, not only the first; once the lock is
// released the desk is ready and accepts mail again.
func TestServe_LockedSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "desk.db")
	relay := mailtest.NewRelay(t)
	d := startServeOn(t, relay, "sqlite:"+path, "[database]\nbusy_timeout = \"300ms\"\n")
	ready := func() int {
		resp, err := http.Get("http://" + d.http + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := ready(); code != 200 {
		t.Fatalf("readyz before the lock: %d", code)
	}
	time.Sleep(1100 * time.Millisecond) // past the readiness probe's reuse window

	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	if code := ready(); code != 503 {
		t.Errorf("readyz while the database is locked: %d, want 503", code)
	}
	const senders = 6
	errs := make(chan error, senders)
	start := time.Now()
	for i := range senders {
		go func() {
			msg := fmt.Sprintf("From: ann@agency.gov\nTo: support@desk.test\nSubject: Locked %d\nMessage-ID: <locked-%d@agency.gov>\n\nHello.\n", i, i)
			errs <- sendSMTPWithin(d.smtp, "ann@agency.gov", []string{"support@desk.test"}, msg, 30*time.Second)
		}()
	}
	for range senders {
		err := <-errs
		if err == nil || !strings.Contains(err.Error(), "451") {
			t.Errorf("delivery while locked: %v, want 451", err)
		}
	}
	if el := time.Since(start); el > 15*time.Second {
		t.Errorf("%d deliveries answered in %v, want each within a bound of a few busy timeouts", senders, el)
	}
	conn.ExecContext(context.Background(), "ROLLBACK")
	conn.Close()
	if code := ready(); code != 200 {
		t.Errorf("readyz after the lock: %d", code)
	}
	msg := "From: ann@agency.gov\nTo: support@desk.test\nSubject: After\nMessage-ID: <after@agency.gov>\n\nHello.\n"
	if err := sendSMTPWithin(d.smtp, "ann@agency.gov", []string{"support@desk.test"}, msg, 30*time.Second); err != nil {
		t.Errorf("delivery after the lock: %v", err)
	}
}
