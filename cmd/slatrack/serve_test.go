package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/mail"
	"github.com/slatrack/slatrack/internal/mailtest"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// freeAddr is a loopback address nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// syncBuffer is a buffer two goroutines may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// desk is a running `slatrack serve` with its config file.
type deskProc struct {
	t        *testing.T
	config   string
	http     string
	smtp     string
	stdout   *syncBuffer
	stderr   *syncBuffer
	stop     context.CancelFunc
	done     chan int
	adminTok string
}

// startServe runs `slatrack serve` in-process on free ports, its outgoing
// mail going to relay.
func startServe(t *testing.T, relay *mailtest.Relay, extra string) *deskProc {
	t.Helper()
	return startServeOn(t, relay, dbDSN(t, t.TempDir()), extra)
}

// startServeOn is startServe on a given database: two of them on one
// PostgreSQL database are two instances of one desk.
func startServeOn(t *testing.T, relay *mailtest.Relay, dsn, extra string) *deskProc {
	t.Helper()
	dir := t.TempDir()
	d := &deskProc{t: t, http: freeAddr(t), smtp: freeAddr(t), stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan int, 1)}
	d.config = filepath.Join(dir, "slatrack.toml")
	// Keys of a leading [database] table in extra join the one written here.
	dbKeys := ""
	if rest, ok := strings.CutPrefix(extra, "[database]\n"); ok {
		dbKeys, extra = rest, ""
		if i := strings.Index(rest, "\n["); i >= 0 {
			dbKeys, extra = rest[:i+1], rest[i+1:]
		}
	}
	cfg := fmt.Sprintf(`[server]
addr = %q
base_url = "http://%s"
[database]
dsn = %q
%s[mail]
smtp_addr = %q
addresses = ["support@desk.test"]
inbound_secret = "s3cret-for-tests"
send_interval = "100ms"
[mail.relay]
host = %q
port = %d
tls = "none"
%s
%s`, d.http, d.http, dsn, dbKeys, d.smtp, relay.Host, relay.Port, notifySection(extra), extra)
	if err := os.WriteFile(d.config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.stop = cancel
	env := []string{"SLATRACK_ADMIN_PASSWORD=a long admin passphrase", "SLATRACK_ADMIN_EMAIL=admin@desk.test"}
	go func() {
		d.done <- run(ctx, []string{"serve", "--config", d.config}, strings.NewReader(""), d.stdout, d.stderr, env)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + d.http + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not become ready:\n%s\n%s", d.stdout, d.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Cleanup(func() { d.shutdown() })
	code, out, errOut := runCmd(t, "", nil, "token", "create", "--config", d.config, "--email", "admin@desk.test")
	if code != 0 {
		t.Fatalf("token create: %d %s", code, errOut)
	}
	d.adminTok = strings.TrimSpace(out)
	return d
}

// notifySection keeps the warning scheduler out of tests that do not ask
// for it (its first pass waits one interval), so the relay sees only the
// mail a test expects.
func notifySection(extra string) string {
	if strings.Contains(extra, "[notify]") {
		return ""
	}
	return "[notify]\ninterval = \"1h\"\ndigest = false\n"
}

// dbDSN is a fresh database on the engine the test run asks for.
func dbDSN(t *testing.T, dir string) string {
	if os.Getenv(storetest.EngineEnv) == "postgres" {
		return storetest.NewDSN(t)
	}
	return "sqlite:" + filepath.Join(dir, "data", "desk.db")
}

func (d *deskProc) shutdown() int {
	d.stop()
	select {
	case code := <-d.done:
		d.done <- code
		return code
	case <-time.After(30 * time.Second):
		d.t.Fatalf("serve did not stop within 30 s")
		return -1
	}
}

func (d *deskProc) api(method, path, body string) (int, map[string]any) {
	d.t.Helper()
	req, _ := http.NewRequest(method, "http://"+d.http+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+d.adminTok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func sendSMTP(t *testing.T, addr, from string, to []string, msg string) error {
	t.Helper()
	return smtp.SendMail(addr, nil, from, to, []byte(strings.ReplaceAll(msg, "\n", "\r\n")))
}

// TestServe_MailEndToEnd is the whole mail loop as a team would run it: a
// requester mails the desk over SMTP, gets an acknowledgement through the
// relay, staff answer through the API, the answer goes out threaded, the
// requester's reply lands on the same ticket; pipe and HTTP intake share the
// path; garbage is quarantined; shutdown is clean.
func TestServe_MailEndToEnd(t *testing.T) {
	relay := mailtest.NewRelay(t)
	d := startServe(t, relay, "")

	msg := "From: Ann Lee <ann@agency.gov>\nTo: support@desk.test\nSubject: Our app is down\nMessage-ID: <e2e-1@agency.gov>\n\nWe get 502 errors since noon.\n"
	if err := sendSMTP(t, d.smtp, "ann@agency.gov", []string{"support@desk.test"}, msg); err != nil {
		t.Fatalf("SMTP delivery: %v", err)
	}
	if err := sendSMTP(t, d.smtp, "ann@agency.gov", []string{"someone@elsewhere.test"}, msg); err == nil || !strings.Contains(err.Error(), "550") {
		t.Errorf("mail for another address: %v, want 550", err)
	}
	code, list := d.api("GET", "/api/v1/tickets", "")
	tickets, _ := list["tickets"].([]any)
	if code != 200 || len(tickets) != 1 {
		t.Fatalf("tickets after SMTP: %d %v", code, list)
	}
	tk := tickets[0].(map[string]any)
	ref := tk["ref"].(string)
	if tk["channel"] != "email" || tk["class"] != "availability" || tk["requester_email"] != "ann@agency.gov" {
		t.Errorf("ticket %v", tk)
	}

	mails := relay.WaitFor(1, 10*time.Second)
	if len(mails) != 1 {
		t.Fatalf("acknowledgement not relayed (%d mails); serve log:\n%s", len(mails), d.stderr)
	}
	ack, err := mail.Parse(mails[0].Data, mail.DefaultLimits())
	if err != nil || mails[0].To[0] != "ann@agency.gov" || !strings.Contains(ack.Subject, ref) || ack.InReplyTo[0] != "e2e-1@agency.gov" {
		t.Fatalf("ack %+v to %v: %v", ack, mails[0].To, err)
	}

	if code, _ := d.api("POST", "/api/v1/tickets/"+ref+"/replies", `{"body":"We restarted the router; please check.","internal":false}`); code != 201 {
		t.Fatalf("reply: %d", code)
	}
	mails = relay.WaitFor(2, 10*time.Second)
	if len(mails) != 2 {
		t.Fatalf("reply not relayed")
	}
	reply, _ := mail.Parse(mails[1].Data, mail.DefaultLimits())
	if !strings.Contains(reply.Subject, "["+ref+"]") || !strings.Contains(reply.Text, "restarted the router") || reply.InReplyTo[0] != "e2e-1@agency.gov" {
		t.Errorf("reply mail %+v", reply)
	}

	// The requester answers the staff reply: same ticket.
	answer := fmt.Sprintf("From: ann@agency.gov\nTo: support@desk.test\nSubject: Re: %s\nMessage-ID: <e2e-2@agency.gov>\nIn-Reply-To: <%s>\n\nWorks now, thanks.\n", reply.Subject, reply.MessageID)
	if err := sendSMTP(t, d.smtp, "ann@agency.gov", []string{"support@desk.test"}, answer); err != nil {
		t.Fatal(err)
	}
	_, one := d.api("GET", "/api/v1/tickets/"+ref, "")
	timeline, _ := one["timeline"].([]any)
	if !strings.Contains(fmt.Sprint(timeline), "Works now, thanks.") {
		t.Errorf("the requester's answer is not on %s's timeline", ref)
	}

	// The same mail by pipe: a duplicate, acknowledged as success.
	code, out, errOut := runCmd(t, strings.ReplaceAll(msg, "\n", "\r\n"), nil, "mail-in", "--config", d.config)
	if code != 0 || !strings.HasPrefix(out, "duplicate "+ref) {
		t.Errorf("mail-in duplicate: exit %d out %q err %q", code, out, errOut)
	}
	// A new mail by pipe, and one over HTTP with the shared secret.
	code, out, _ = runCmd(t, "From: bob@agency.gov\r\nSubject: Please add me to org sandbox\r\nMessage-ID: <pipe-1@agency.gov>\r\n\r\nthanks\r\n", nil, "mail-in", "--config", d.config)
	if code != 0 || !strings.HasPrefix(out, "created SR-") {
		t.Errorf("mail-in new: exit %d out %q", code, out)
	}
	req, _ := http.NewRequest("POST", "http://"+d.http+"/api/v1/inbound/email", strings.NewReader("From: cy@agency.gov\r\nSubject: Billing question\r\nMessage-ID: <http-1@agency.gov>\r\n\r\nhow much?\r\n"))
	req.Header.Set("X-Slatrack-Secret", "s3cret-for-tests")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 || !strings.Contains(string(body), `"action":"created"`) {
		t.Errorf("inbound HTTP: %d %s", resp.StatusCode, body)
	}
	req, _ = http.NewRequest("POST", "http://"+d.http+"/api/v1/inbound/email", strings.NewReader("x"))
	req.Header.Set("X-Slatrack-Secret", "wrong")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
		t.Errorf("wrong secret: %v %v", resp.StatusCode, err)
	}

	// Garbage over SMTP is accepted (250) and quarantined, not lost.
	if err := sendSMTP(t, d.smtp, "x@agency.gov", []string{"support@desk.test"}, "this is not a mail at all"); err != nil {
		t.Errorf("garbage: %v", err)
	}

	// Metrics (loopback by default) and the closures feed.
	for path, wants := range map[string][]string{
		// Mail through mail-in (another process) is counted too.
		"/metrics": {`slatrack_open_tickets{class="availability",state=`, `slatrack_mail_ingested_total{action="created",source="smtp"} 1`,
			`slatrack_mail_ingested_total{action="created",source="pipe"} 1`, `slatrack_mail_ingested_total{action="created",source="http"} 1`,
			`slatrack_mail_ingested_total{action="appended",source="smtp"} 1`, `slatrack_mail_ingested_total{action="quarantined",source="smtp"} 1`,
			`slatrack_http_request_duration_seconds_bucket{code="201",method="POST",route="/api/v1/tickets/:ref/replies"`, "slatrack_outbox_backlog"},
		"/calendar.ics": {"BEGIN:VCALENDAR", "SUMMARY:Support desk closed: Thanksgiving Day", "DTSTART;VALUE=DATE:"},
	} {
		resp, err := http.Get("http://" + d.http + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, w := range wants {
			if !strings.Contains(string(body), w) {
				t.Errorf("%s lacks %q:\n%s", path, w, body)
			}
		}
	}

	if code := d.shutdown(); code != 0 {
		t.Errorf("serve exited %d on shutdown:\n%s", code, d.stderr)
	}
	// After shutdown the database still has all of it.
	code, out, _ = runCmd(t, "", nil, "migrate", "--config", d.config)
	if code != 0 {
		t.Errorf("migrate after serve: %d %s", code, out)
	}
}

func TestMailIn_ExitCodes(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "c.toml")
	os.WriteFile(good, []byte(fmt.Sprintf("[database]\ndsn = \"sqlite:%s\"\n", filepath.Join(dir, "d.db"))), 0o600)
	blocker := filepath.Join(dir, "file")
	os.WriteFile(blocker, []byte("x"), 0o600)
	broken := filepath.Join(dir, "broken.toml")
	// The database's folder is a file: the store cannot open, so the MTA must retry.
	os.WriteFile(broken, []byte(fmt.Sprintf("[database]\ndsn = \"sqlite:%s\"\n", filepath.Join(blocker, "d.db"))), 0o600)
	msg := "From: a@agency.gov\r\nSubject: hi\r\nMessage-ID: <x1@agency.gov>\r\n\r\nhello\r\n"

	if code, out, errOut := runCmd(t, msg, nil, "mail-in", "--config", good); code != 0 || !strings.HasPrefix(out, "created") {
		t.Errorf("stored: exit %d %q %q", code, out, errOut)
	}
	if code, _, errOut := runCmd(t, msg, nil, "mail-in", "--config", broken); code != 75 {
		t.Errorf("store unavailable: exit %d (want 75) %q", code, errOut)
	}
	if code, _, _ := runCmd(t, "", nil, "mail-in", "--config", good); code != 65 {
		t.Errorf("empty input: exit %d (want 65)", code)
	}
	if code, out, _ := runCmd(t, "no headers, just text", nil, "mail-in", "--config", good); code != 0 || !strings.HasPrefix(out, "quarantined") {
		t.Errorf("unparseable mail is stored in quarantine: exit %d %q", code, out)
	}
}

func deskFilterAll() desk.Filter { return desk.Filter{Status: "all"} }
