package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slatrack/slatrack/internal/config"
	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/mailtest"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// TestMigrate_CopySQLiteToPostgres copies a desk with tickets, timelines,
// mail, attachments, quarantine and accounts from SQLite into an empty
// PostgreSQL database and checks nothing changed on the way.
func TestMigrate_CopySQLiteToPostgres(t *testing.T) {
	pg := storetest.PostgresDSN(t)
	dir := t.TempDir()
	sqlite := "sqlite:" + filepath.Join(dir, "desk.db")
	cfgFile := func(dsn string) string {
		p := filepath.Join(dir, fmt.Sprintf("c%d.toml", len(dsn)))
		os.WriteFile(p, []byte(fmt.Sprintf("[database]\ndsn = %q\n", dsn)), 0o600)
		return p
	}
	srcCfg := cfgFile(sqlite)
	ctx := context.Background()
	open := func(dsn string) *app {
		cfg := config.Default()
		cfg.Database.DSN = dsn
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		a, err := openApp(ctx, &cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		a.svc.BcryptCost = 4
		return a
	}
	src := open(sqlite)
	admin, err := src.svc.CreateUser(ctx, desk.NewUser{Email: "admin@agency.gov", Name: "Ada", Role: desk.RoleAdmin, Password: "a long passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for i := range 30 {
		tk, err := src.svc.CreateTicket(ctx, desk.NewTicket{Subject: fmt.Sprintf("Request %d — ünïcode", i), Body: "body\nline 2",
			RequesterEmail: fmt.Sprintf("r%d@agency.gov", i), Channel: desk.ChannelWeb}, nil)
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, tk.Ref)
		if i%3 == 0 {
			src.svc.Reply(ctx, tk.Ref, admin, "answer", false)
		}
	}
	mailRes, err := src.svc.IngestMail(ctx, []byte("From: m@agency.gov\r\nSubject: with attachment\r\nMessage-ID: <cp1@agency.gov>\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nsee file\r\n--B\r\nContent-Type: application/octet-stream; name=a.bin\r\n"+
		"Content-Transfer-Encoding: base64\r\n\r\nAAECAwQF/w==\r\n--B--\r\n"), "test")
	if err != nil || mailRes.Action != desk.ActionCreated {
		t.Fatalf("%+v %v", mailRes, err)
	}
	src.svc.IngestMail(ctx, []byte("garbage without headers"), "test")
	src.store.Close()

	code, out, errOut := runCmd(t, "", nil, "migrate", "--config", srcCfg, "--from", sqlite, "--to", pg)
	if code != 0 || !strings.Contains(out, "row counts verified") || !strings.Contains(errOut, "tickets") || !strings.Contains(errOut, "✓ verified") {
		t.Fatalf("migrate copy: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	// A second copy into the now non-empty target is refused.
	if code, _, errOut := runCmd(t, "", nil, "migrate", "--config", srcCfg, "--from", sqlite, "--to", pg); code == 0 || !strings.Contains(errOut, "empty") {
		t.Errorf("second copy: exit %d %s", code, errOut)
	}

	dst, src2 := open(pg), open(sqlite)
	defer dst.store.Close()
	defer src2.store.Close()
	for _, ref := range append(refs, mailRes.Ref) {
		a, aev, err1 := src2.svc.Get(ctx, ref)
		b, bev, err2 := dst.svc.Get(ctx, ref)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v / %v", ref, err1, err2)
		}
		if a.Subject != b.Subject || !a.ResponseDueAt.Equal(b.ResponseDueAt) || a.Answered != b.Answered || len(aev) != len(bev) {
			t.Errorf("%s differs after the copy: %+v vs %+v (%d vs %d events)", ref, a, b, len(aev), len(bev))
		}
	}
	tk, _ := dst.store.GetTicket(ctx, mailRes.Ref)
	msgs, _ := dst.store.TicketMessages(ctx, tk.ID)
	att, _, err := dst.store.GetAttachment(ctx, msgs[0].Attachments[0].ID)
	if err != nil || string(att.Data) != "\x00\x01\x02\x03\x04\x05\xff" {
		t.Errorf("attachment bytes after the copy: %q %v", att.Data, err)
	}
	if held, _ := dst.store.ListQuarantine(ctx, desk.QuarantineHeld, 10); len(held) != 1 {
		t.Errorf("quarantine after the copy: %d", len(held))
	}
	if _, err := dst.svc.Authenticate(ctx, "admin@agency.gov", "a long passphrase"); err != nil {
		t.Errorf("login on the copy: %v", err)
	}
	// New tickets continue the numbering instead of colliding.
	next, err := dst.svc.CreateTicket(ctx, desk.NewTicket{Subject: "after", Body: "b", RequesterEmail: "z@agency.gov", Channel: desk.ChannelWeb}, nil)
	if err != nil {
		t.Fatalf("create on the copy: %v", err)
	}
	if next.Ref <= mailRes.Ref && len(next.Ref) <= len(mailRes.Ref) {
		t.Errorf("next ref %s does not follow %s", next.Ref, mailRes.Ref)
	}
}

// TestDSNPasswordsAreNeverShown: a DSN's password appears neither in what
// a failing `migrate --from/--to` prints nor in serve's start-up log.
func TestDSNPasswordsAreNeverShown(t *testing.T) {
	const secret = "S3CRET-pw"
	dir := t.TempDir()
	for _, from := range []string{
		"postgres://u:" + secret + "@127.0.0.1:1/x?connect_timeout=5",
		"postgres://u:" + secret + "@127.0.0.1:notaport/x",
		"postgres://127.0.0.1:1/x?sslmode=bogus&password=" + secret,
		"postgres://u:" + secret + "/with@slash@127.0.0.1:1/x",
		"host=127.0.0.1 password=" + secret,
	} {
		t.Run(from[:12], func(t *testing.T) {
			code, out, errOut := runCmd(t, "", nil, "migrate", "--from", from, "--to", "sqlite:"+filepath.Join(dir, "to.db"))
			if code == 0 {
				t.Fatalf("migrate from an unreachable database succeeded: %s", out)
			}
			if strings.Contains(out+errOut, "S3CRET") || !strings.Contains(errOut, "xxxxx") && !strings.Contains(errOut, "host=") {
				t.Errorf("migrate --from %q printed:\n%s%s", from, out, errOut)
			}
		})
	}
	t.Run("serve_start_up_line", func(t *testing.T) {
		u, err := url.Parse(storetest.PostgresDSN(t))
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.UserPassword(u.User.Username(), secret) // the test server trusts loopback: the password is not checked
		d := startServeOn(t, mailtest.NewRelay(t), u.String(), "")
		d.shutdown()
		logs := d.stdout.String() + d.stderr.String()
		if !strings.Contains(logs, "slatrack serving") || !strings.Contains(logs, "postgres://"+u.User.Username()+":xxxxx@") {
			t.Errorf("no start-up line naming the database:\n%s", logs)
		}
		if strings.Contains(logs, "S3CRET") {
			t.Errorf("serve logged the password:\n%s", logs)
		}
	})
}
