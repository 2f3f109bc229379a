package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// newcomerConfig writes a config for a fresh SQLite desk listening on a
// port the system picks, with no SMTP listener and no relay.
func newcomerConfig(t *testing.T, baseURL string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "slatrack.toml")
	body := fmt.Sprintf("[server]\naddr = \"127.0.0.1:0\"\nbase_url = %q\n[database]\ndsn = %q\n[mail]\nsmtp_addr = \"\"\n",
		baseURL, "sqlite:"+filepath.Join(dir, "d.db"))
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

var servingRE = regexp.MustCompile(`slatrack is serving on (http://\S+) `)

// serveUntilReady runs `slatrack serve` in-process until its start-up
// line names where it listens and that address answers /readyz; stop ends
// it and returns its exit status.
func serveUntilReady(t *testing.T, cfg string, environ []string) (url string, stdout *syncBuffer, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--config", cfg}, strings.NewReader(""), stdout, stderr, environ)
	}()
	stop = func() int {
		cancel()
		select {
		case code := <-done:
			done <- code
			return code
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not stop within 30 s")
			return -1
		}
	}
	t.Cleanup(func() { stop() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m := servingRE.FindStringSubmatch(stdout.String()); m != nil {
			url = m[1]
			resp, err := http.Get(url + "/readyz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return url, stdout, stop
				}
			}
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d:\n%s\n%s", code, stdout, stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not become ready:\n%s\n%s", stdout, stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServe_StartupLineNamesListener: the start-up line names the address
// actually listening (here a port the system picked), with the login page
// there, and base_url apart when links point elsewhere.
func TestServe_StartupLineNamesListener(t *testing.T) {
	cfg := newcomerConfig(t, "https://desk.example.test")
	url, stdout, stop := serveUntilReady(t, cfg, []string{"SLATRACK_ADMIN_PASSWORD=a long admin passphrase"})
	if strings.HasSuffix(url, ":0") {
		t.Fatalf("the line names the configured port 0, not the one listening: %s", url)
	}
	want := "slatrack is serving on " + url + " (staff login: " + url + "/login)\n" +
		"links in pages and mail use server.base_url https://desk.example.test\n"
	if !strings.Contains(stdout.String(), want) {
		t.Errorf("stdout:\n%s\nwant:\n%s", stdout, want)
	}
	resp, err := http.Get(url + "/login")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the login page named is not there: %v %v", resp, err)
	}
	resp.Body.Close()
	if code := stop(); code != 0 {
		t.Errorf("serve exited %d", code)
	}
}

func TestServingLine(t *testing.T) {
	tcp := func(s string) net.Addr { a, _ := net.ResolveTCPAddr("tcp", s); return a }
	for _, tc := range []struct {
		name, addr, base, want string
	}{
		{"defaults_localhost_is_loopback", "127.0.0.1:8080", "http://localhost:8080",
			"slatrack is serving on http://127.0.0.1:8080 (staff login: http://127.0.0.1:8080/login)"},
		{"every_interface", "[::]:8080", "http://localhost:8080/",
			"slatrack is serving on http://localhost:8080 (every interface; staff login: http://localhost:8080/login)"},
		{"other_port_than_base_url", "127.0.0.1:9090", "http://localhost:8080",
			"slatrack is serving on http://127.0.0.1:9090 (staff login: http://127.0.0.1:9090/login)\nlinks in pages and mail use server.base_url http://localhost:8080"},
		{"behind_a_proxy", "10.0.0.5:8080", "https://desk.agency.gov",
			"slatrack is serving on http://10.0.0.5:8080 (staff login: http://10.0.0.5:8080/login)\nlinks in pages and mail use server.base_url https://desk.agency.gov"},
		{"ipv6_loopback", "[::1]:8080", "http://localhost:8080",
			"slatrack is serving on http://[::1]:8080 (staff login: http://[::1]:8080/login)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := servingLine(tcp(tc.addr), tc.base); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

var passwordRE = regexp.MustCompile(`(?m)^  email:    (\S+)\n  password: (\S+)   \(shown only this once`)

// TestSeedThenServe_AdminWayIn: `seed` before the first `serve` says that
// no admin exists and how to get one; `serve` then creates the admin
// (staff exist, but no admin) and prints a password that logs in.
func TestSeedThenServe_AdminWayIn(t *testing.T) {
	cfg := newcomerConfig(t, "http://localhost:8080")
	code, out, errOut := runCmd(t, "", nil, "seed", "--config", cfg, "--tickets", "20")
	if code != 0 {
		t.Fatalf("seed: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"`slatrack user password --email staff1@seed.slatrack.local`",
		"No admin account exists yet: the next `slatrack serve` creates one and prints its password", "--role admin"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("seed's stderr lacks %q:\n%s", want, errOut)
		}
	}

	_, stdout, stop := serveUntilReady(t, cfg, nil)
	m := passwordRE.FindStringSubmatch(stdout.String())
	if m == nil || !strings.Contains(stdout.String(), "No active admin account existed, so an admin was created:") {
		t.Fatalf("serve printed no way in:\n%s", stdout)
	}
	stop()
	a := seedApp(t, cfg)
	u, err := a.svc.Authenticate(context.Background(), m[1], m[2])
	if err != nil || u.Role != "admin" {
		t.Fatalf("the printed admin cannot log in: %v %+v", err, u)
	}

	// A second seed on a desk with an admin says nothing about one.
	if code, _, errOut := runCmd(t, "", nil, "seed", "--config", cfg, "--tickets", "5"); code != 0 || strings.Contains(errOut, "No admin account") {
		t.Errorf("second seed: exit %d\n%s", code, errOut)
	}
}

// TestServe_AdminAddressTaken: with no active admin and the admin address
// already a staff account, serve says how to add an admin instead of
// saying nothing.
func TestServe_AdminAddressTaken(t *testing.T) {
	cfg := newcomerConfig(t, "http://localhost:8080")
	code, _, errOut := runCmd(t, "a long staff passphrase\n", nil, "user", "add", "--config", cfg,
		"--email", "admin@slatrack.local", "--name", "Not An Admin", "--role", "staff")
	if code != 0 {
		t.Fatalf("user add: %d %s", code, errOut)
	}
	_, stdout, _ := serveUntilReady(t, cfg, nil)
	for _, want := range []string{"No active admin account exists, and admin@slatrack.local is already an account that is not one.",
		`slatrack user add --email YOU@EXAMPLE.ORG --name "Your Name" --role admin`} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
}
