package notify_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/mailtest"
	"github.com/slatrack/slatrack/internal/notify"
	"github.com/slatrack/slatrack/internal/outbox"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// hookServer records the webhook POSTs it gets.
type hookServer struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []map[string]any
	types  []string
}

func newHookServer(t *testing.T) *hookServer {
	h := &hookServer{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Errorf("webhook body is not JSON: %q", b)
		}
		h.mu.Lock()
		h.bodies = append(h.bodies, m)
		h.types = append(h.types, r.Header.Get("Content-Type"))
		h.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookServer) got() ([]map[string]any, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]map[string]any(nil), h.bodies...), append([]string(nil), h.types...)
}

func closedPort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

// The notices go out through the real outbox sender to a real SMTP relay
// and webhook server; while the relay is down they wait in the outbox,
// and ticking again meanwhile queues nothing twice.
func TestNoticesThroughRelayAndWebhook(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	clk := &testClock{t: at(7, 6, 9, 0)}
	f := newDesk(t, st, clk)
	tk := f.create(t, "Login page is down", "availability", clk.Now()) // due 12:00
	f.assign(t, tk, "sam@agency.gov")
	hooks := newHookServer(t)
	s := newScheduler(st, f.svc.Policy, clk, notify.Config{WebhookURL: hooks.URL + "/services/secret-token"})

	tick := func(at time.Time) {
		t.Helper()
		clk.Set(at)
		if err := s.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	backlog := func(want int64) {
		t.Helper()
		if n, err := st.OutboxBacklog(ctx); err != nil || n != want {
			t.Fatalf("backlog %d (%v), want %d", n, err, want)
		}
	}

	tick(at(7, 6, 9, 0)) // the arrival notice: a mail to Sam and a webhook POST
	backlog(2)

	// The relay is down: the mail waits; the webhook does not depend on it.
	down := outbox.NewSender(st, outbox.RelayConfig{Host: "127.0.0.1", Port: closedPort(t), TLS: outbox.TLSNone, Timeout: 2 * time.Second}, quietLog())
	down.Now = clk.Now
	if n, err := down.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("with the relay down: sent %d (%v), want the webhook only", n, err)
	}
	backlog(1)
	tick(at(7, 6, 9, 1))
	backlog(1) // nothing queued twice

	relay := mailtest.NewRelay(t)
	up := outbox.NewSender(st, outbox.RelayConfig{Host: relay.Host, Port: relay.Port, TLS: outbox.TLSNone}, quietLog())
	up.Now = clk.Now
	clk.Set(at(7, 6, 9, 2)) // past the 30 s backoff
	if n, err := up.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("relay back: sent %d (%v), want 1", n, err)
	}
	mails := relay.WaitFor(1, 5*time.Second)
	if len(mails) != 1 || mails[0].From != "help@desk.test" || len(mails[0].To) != 1 || mails[0].To[0] != "sam@agency.gov" {
		t.Fatalf("relay got %+v", mails)
	}
	subject, text := bodyText(t, mails[0].Data)
	if subject != "New availability ticket: "+tk.Ref+" Login page is down" || !strings.Contains(text, "first response is due Monday, July 6, 12:00 PM ET") {
		t.Errorf("arrival mail %q:\n%s", subject, text)
	}

	// 11:00: at risk. The warning arrives the same way.
	for m := at(7, 6, 9, 5); !m.After(at(7, 6, 11, 0)); m = m.Add(5 * time.Minute) {
		tick(m)
	}
	if n, err := up.RunOnce(ctx); err != nil || n != 2 {
		t.Fatalf("at risk: sent %d (%v), want mail and webhook", n, err)
	}
	mails = relay.WaitFor(2, 5*time.Second)
	if len(mails) != 2 {
		t.Fatalf("relay holds %d mails, want 2", len(mails))
	}
	if subject, _ := bodyText(t, mails[1].Data); subject != "At risk: "+tk.Ref+" Login page is down (first response)" || mails[1].To[0] != "sam@agency.gov" {
		t.Errorf("second mail %q to %v", subject, mails[1].To)
	}
	backlog(0)

	bodies, types := hooks.got()
	if len(bodies) != 2 {
		t.Fatalf("webhook got %d posts, want 2", len(bodies))
	}
	for i, b := range bodies {
		if types[i] != "application/json" || b["ref"] != tk.Ref || !strings.HasPrefix(b["text"].(string), []string{"New availability ticket: ", "At risk: "}[i]) {
			t.Errorf("webhook post %d: %s %v", i, types[i], b)
		}
	}
	if bodies[1]["state"] != "at_risk" || bodies[1]["due"] != "2026-07-06T12:00:00-04:00" || bodies[1]["class"] != "availability" {
		t.Errorf("at-risk webhook %v", bodies[1])
	}

	rows, err := st.TicketOutbox(ctx, tk.ID) // the two mails (webhook rows are on no ticket)
	if err != nil || len(rows) != 2 {
		t.Fatalf("outbox rows %d (%v)", len(rows), err)
	}
	for _, o := range rows {
		if o.Status != desk.OutboxSent {
			t.Errorf("row %d (%s) is %s: %s", o.ID, o.Kind, o.Status, o.LastError)
		}
	}
}

// A requester's subject cannot turn the Slack message into a mention or a
// link: "text" escapes &, < and >; the raw subject stays in "subject".
func TestWebhookTextEscapedForSlack(t *testing.T) {
	st := storetest.Open(t)
	clk := &testClock{t: at(7, 6, 9, 0)}
	f := newDesk(t, st, clk)
	tk := f.create(t, "Checkout <!channel> down & <http://evil.test|click>", "availability", clk.Now())
	rec := &recorder{}
	s := newScheduler(recStore{Store: st, name: "x", rec: rec}, f.svc.Policy, clk, notify.Config{WebhookURL: testWebhook})
	if err := s.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	all := rec.all()
	if len(all) != 1 || len(all[0].rows) != 2 {
		t.Fatalf("sent %+v", all)
	}
	var body notify.WebhookBody
	if err := json.Unmarshal(all[0].rows[1].Raw, &body); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(body.Text, "<>") || !strings.Contains(body.Text, "&lt;!channel&gt; down &amp; &lt;http://evil.test|click&gt;") {
		t.Errorf("text %q", body.Text)
	}
	if body.Subject != tk.Subject || body.Kind != notify.KindArrival || body.State != "on_track" {
		t.Errorf("body %+v", body)
	}
}
