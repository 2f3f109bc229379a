package outbox_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/outbox"
)

// whQueue is a minimal in-memory outbox for the webhook tests.
type whQueue struct {
	mu    sync.Mutex
	rows  []*desk.OutboxMail
	clock time.Time
}

func (q *whQueue) ClaimOutbox(_ context.Context, now time.Time, limit int, lease time.Duration, channels []string) ([]*desk.OutboxMail, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []*desk.OutboxMail
	for _, m := range q.rows {
		if len(out) < limit && (len(channels) == 0 || slices.Contains(channels, m.Channel)) && m.Status == desk.OutboxQueued && !m.NextAttemptAt.After(now) && (m.LeaseUntil == nil || m.LeaseUntil.Before(now)) {
			until := now.Add(lease)
			m.LeaseUntil = &until
			m.Attempts++
			c := *m
			out = append(out, &c)
		}
	}
	return out, nil
}

// The webhook tests send one batch at a time: nothing is left to renew
// or give back.
func (q *whQueue) RenewOutboxLeases(_ context.Context, claims []*desk.OutboxMail, _ time.Time) ([]uint64, error) {
	var ids []uint64
	for _, c := range claims {
		ids = append(ids, c.ID)
	}
	return ids, nil
}

func (q *whQueue) ReleaseOutbox(context.Context, []*desk.OutboxMail) error { return nil }

func (q *whQueue) row(id uint64) *desk.OutboxMail {
	for _, m := range q.rows {
		if m.ID == id {
			return m
		}
	}
	panic("no row")
}

func (q *whQueue) MarkOutboxSent(_ context.Context, id uint64, at time.Time) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	m := q.row(id)
	m.Status, m.SentAt, m.LeaseUntil, m.LastError = desk.OutboxSent, &at, nil, ""
	return nil
}

func (q *whQueue) MarkOutboxFailed(_ context.Context, id uint64, errMsg string, next time.Time, final bool) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	m := q.row(id)
	m.LastError, m.NextAttemptAt, m.LeaseUntil = errMsg, next, nil
	if final {
		m.Status = desk.OutboxFailed
	}
	return nil
}

func (q *whQueue) get(id uint64) desk.OutboxMail {
	q.mu.Lock()
	defer q.mu.Unlock()
	return *q.row(id)
}

func (q *whQueue) add(m *desk.OutboxMail) uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	m.ID = uint64(len(q.rows) + 1)
	m.Status = desk.OutboxQueued
	m.NextAttemptAt = q.clock
	if m.Channel == "" {
		m.Channel = desk.DeliveryMail // as the store writes it
	}
	q.rows = append(q.rows, m)
	return m.ID
}

func (q *whQueue) now() time.Time {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.clock
}

func (q *whQueue) advance(d time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.clock = q.clock.Add(d)
}

// hook is a webhook endpoint that answers with the statuses given, in
// turn (the last one repeated), and records what it got.
type hook struct {
	*httptest.Server
	mu       sync.Mutex
	statuses []int
	bodies   []string
	ctypes   []string
}

func newHook(t *testing.T, statuses ...int) *hook {
	h := &hook{statuses: statuses}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.bodies = append(h.bodies, string(b))
		h.ctypes = append(h.ctypes, r.Header.Get("Content-Type"))
		code := h.statuses[min(len(h.bodies), len(h.statuses))-1]
		h.mu.Unlock()
		if r.Method != http.MethodPost {
			code = http.StatusMethodNotAllowed
		}
		w.WriteHeader(code)
		io.WriteString(w, `{"error":"nope"}`)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hook) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.bodies)
}

// whSender is a Sender whose relay is a port nobody listens on: webhook
// rows never touch it.
func whSender(t *testing.T, q *whQueue) *outbox.Sender {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s := outbox.NewSender(q, outbox.RelayConfig{Host: "127.0.0.1", Port: port, TLS: outbox.TLSNone, Timeout: 2 * time.Second},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.Now = q.now
	return s
}

const hookBody = `{"text":"At risk: SR-1001 “Site down” (availability, unassigned)","ref":"SR-1001","class":"availability","state":"at_risk","due":"2026-07-06T11:00:00-04:00","url":"http://desk.test/tickets/SR-1001"}`

func hookRow(url string) *desk.OutboxMail {
	return &desk.OutboxMail{Kind: outbox.KindWebhook, Channel: desk.DeliveryWebhook, Target: url, Subject: "At risk: SR-1001", Raw: []byte(hookBody)}
}

func sendOnce(t *testing.T, s *outbox.Sender) int {
	t.Helper()
	n, err := s.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestWebhookPostsJSON(t *testing.T) {
	h := newHook(t, http.StatusOK)
	q := &whQueue{clock: time.Date(2026, 7, 6, 10, 0, 0, 0, time.UTC)}
	id := q.add(hookRow(h.URL + "/services/T0/B0/secret"))
	if n := sendOnce(t, whSender(t, q)); n != 1 {
		t.Fatalf("sent %d", n)
	}
	if m := q.get(id); m.Status != desk.OutboxSent {
		t.Fatalf("status %s: %s", m.Status, m.LastError)
	}
	if h.bodies[0] != hookBody || h.ctypes[0] != "application/json" {
		t.Errorf("got %s %q", h.ctypes[0], h.bodies[0])
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(h.bodies[0]), &body); err != nil || body["text"] == "" {
		t.Errorf("body has no text: %v %v", body, err)
	}
}

func TestWebhookRetriedThenSent(t *testing.T) {
	h := newHook(t, http.StatusInternalServerError, http.StatusOK)
	q := &whQueue{clock: time.Date(2026, 7, 6, 10, 0, 0, 0, time.UTC)}
	id := q.add(hookRow(h.URL + "/services/T0/B0/secret-token"))
	s := whSender(t, q)
	if n := sendOnce(t, s); n != 0 {
		t.Fatalf("sent %d on a 500", n)
	}
	m := q.get(id)
	if m.Status != desk.OutboxQueued || !strings.Contains(m.LastError, "500") || !m.NextAttemptAt.Equal(q.now().Add(outbox.Backoff(1))) {
		t.Fatalf("after a 500: %s, next %v, %q", m.Status, m.NextAttemptAt, m.LastError)
	}
	if strings.Contains(m.LastError, "secret-token") {
		t.Errorf("the error shows the webhook's secret path: %q", m.LastError)
	}
	if n := sendOnce(t, s); n != 0 || h.count() != 1 {
		t.Fatalf("retried before the backoff: sent %d, posts %d", n, h.count())
	}
	q.advance(outbox.Backoff(1))
	if n := sendOnce(t, s); n != 1 {
		t.Fatalf("sent %d after the backoff", n)
	}
	if m := q.get(id); m.Status != desk.OutboxSent || m.Attempts != 2 || h.count() != 2 {
		t.Errorf("status %s after %d attempts, %d posts", m.Status, m.Attempts, h.count())
	}
}

func TestWebhookTemporaryAndPermanent(t *testing.T) {
	for _, c := range []struct {
		code  int
		final bool
	}{
		{http.StatusBadRequest, true},
		{http.StatusNotFound, true},
		{http.StatusForbidden, true},
		{http.StatusTooManyRequests, false},
		{http.StatusBadGateway, false},
		{http.StatusServiceUnavailable, false},
	} {
		t.Run(http.StatusText(c.code), func(t *testing.T) {
			h := newHook(t, c.code)
			q := &whQueue{clock: time.Date(2026, 7, 6, 10, 0, 0, 0, time.UTC)}
			id := q.add(hookRow(h.URL))
			sendOnce(t, whSender(t, q))
			m := q.get(id)
			want := desk.OutboxQueued
			if c.final {
				want = desk.OutboxFailed
			}
			if m.Status != want || !strings.Contains(m.LastError, http.StatusText(c.code)) {
				t.Errorf("%d: status %s (want %s), error %q", c.code, m.Status, want, m.LastError)
			}
		})
	}
}

func TestWebhookUnreachableIsRetried(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	url := "http://" + ln.Addr().String() + "/hook"
	ln.Close()
	q := &whQueue{clock: time.Date(2026, 7, 6, 10, 0, 0, 0, time.UTC)}
	id := q.add(hookRow(url))
	sendOnce(t, whSender(t, q))
	m := q.get(id)
	if m.Status != desk.OutboxQueued || m.LastError == "" || strings.Contains(m.LastError, "/hook") {
		t.Errorf("status %s, error %q", m.Status, m.LastError)
	}
	t.Logf("last error: %s", m.LastError)
}

func TestWebhookRedirects(t *testing.T) {
	t.Run("to_another_host_refused", func(t *testing.T) {
		elsewhere := newHook(t, http.StatusOK)
		h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, elsewhere.URL+"/stolen", http.StatusTemporaryRedirect)
		}))
		t.Cleanup(h.Close)
		q := &whQueue{clock: time.Date(2026, 7, 6, 10, 0, 0, 0, time.UTC)}
		id := q.add(hookRow(h.URL))
		sendOnce(t, whSender(t, q))
		if m := q.get(id); m.Status != desk.OutboxFailed || !strings.Contains(m.LastError, "307") {
			t.Errorf("status %s, error %q", m.Status, m.LastError)
		}
		if elsewhere.count() != 0 {
			t.Error("the body was sent to the other host")
		}
	})
	t.Run("same_host_followed", func(t *testing.T) {
		var mu sync.Mutex
		var got []string
		h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/old" {
				http.Redirect(w, r, "/new", http.StatusPermanentRedirect)
				return
			}
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			got = append(got, r.Method+" "+r.URL.Path+" "+string(b))
			mu.Unlock()
		}))
		t.Cleanup(h.Close)
		q := &whQueue{clock: time.Date(2026, 7, 6, 10, 0, 0, 0, time.UTC)}
		id := q.add(hookRow(h.URL + "/old"))
		sendOnce(t, whSender(t, q))
		mu.Lock()
		defer mu.Unlock()
		if m := q.get(id); m.Status != desk.OutboxSent || len(got) != 1 || got[0] != "POST /new "+hookBody {
			t.Errorf("status %s (%s), got %q", m.Status, m.LastError, got)
		}
	})
}

// A batch with mail and webhooks: the relay being down does not hold the
// webhooks back, and the mail waits for it.
func TestWebhookBesideMailWithRelayDown(t *testing.T) {
	h := newHook(t, http.StatusOK)
	q := &whQueue{clock: time.Date(2026, 7, 6, 10, 0, 0, 0, time.UTC)}
	mailID := q.add(&desk.OutboxMail{Kind: desk.OutboxNotify, From: "help@desk.test", To: "sam@agency.gov", Raw: []byte("Subject: x\r\n\r\nhi\r\n")})
	hookID := q.add(hookRow(h.URL))
	if n := sendOnce(t, whSender(t, q)); n != 1 {
		t.Fatalf("sent %d, want the webhook", n)
	}
	if m := q.get(hookID); m.Status != desk.OutboxSent {
		t.Errorf("webhook %s: %s", m.Status, m.LastError)
	}
	if m := q.get(mailID); m.Status != desk.OutboxQueued || m.LastError == "" {
		t.Errorf("mail %s: %q", m.Status, m.LastError)
	}
}

func TestWebhookBadURL(t *testing.T) {
	q := &whQueue{clock: time.Date(2026, 7, 6, 10, 0, 0, 0, time.UTC)}
	id := q.add(hookRow("ftp://example.test/x"))
	sendOnce(t, whSender(t, q))
	if m := q.get(id); m.Status != desk.OutboxFailed {
		t.Errorf("status %s", m.Status)
	}
}
