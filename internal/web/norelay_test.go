package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/web"
)

// withSends is a with its web server rebuilt to deliver only the channels
// sends accepts (as outbox.Sender.Sends answers).
func withSends(a *app, sends func(channel string) bool) *app {
	a.t.Helper()
	ws, err := web.New(web.Options{
		Service: a.svc, Server: a.cfg.Server, Secret: []byte("0123456789abcdef0123456789abcdef"),
		Logger: testLogger(), Reports: a.store, Health: a.store, Sends: sends,
		Ready: func(r *http.Request) error { return a.store.Ping(r.Context()) },
	})
	if err != nil {
		a.t.Fatal(err)
	}
	srv := httptest.NewServer(ws.Handler())
	a.t.Cleanup(srv.Close)
	b := *a
	b.srv, b.baseURL = srv, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	return &b
}

// TestTicketPage_NoRelay: on a desk with no relay configured (the mail
// channel has no sender), a public reply is confirmed as queued because no
// relay is configured, never as sent, and the ticket's mail list says the
// same of every queued mail.
func TestTicketPage_NoRelay(t *testing.T) {
	a := withSends(withMail(newApp(t)), func(channel string) bool { return channel != desk.DeliveryMail })
	a.clock.Set(nyAt(time.July, 1, 11, 0))
	tk := a.mkTicket(desk.NewTicket{Subject: "VPN down", RequesterEmail: "pat@example.gov", RequesterName: "Pat Doe"}, nil)
	c := a.staffClient("sam@agency.gov")
	resp, body := c.submit("/tickets/"+tk.Ref, "/tickets/"+tk.Ref+"/reply", url.Values{"body": {"We are on it."}, "action": {"reply"}})
	wantRedirect(t, resp, body, "/tickets/"+tk.Ref)
	_, body = c.get("/tickets/" + tk.Ref)
	wantContains(t, body,
		`<p class="flash" role="status">Reply saved and queued: no relay configured; it goes out once mail.relay.host is set.</p>`,
		`<span class="badge delivery-queued">queued: no relay configured</span>`)
	wantLacks(t, body, "Reply sent", "waiting for the relay", "delivery-sent")

	// An internal note sends nothing and says nothing about the relay.
	resp, body = c.submit("/tickets/"+tk.Ref, "/tickets/"+tk.Ref+"/reply", url.Values{"body": {"Checked the logs."}, "action": {"note"}})
	wantRedirect(t, resp, body, "/tickets/"+tk.Ref)
	_, body = c.get("/tickets/" + tk.Ref)
	wantContains(t, body, `<p class="flash" role="status">Internal note added.</p>`)
}

// TestTicketPage_RelayConfigured: with the mail channel sent, a reply reads
// "Reply sent" and a queued mail waits for the relay, as before.
func TestTicketPage_RelayConfigured(t *testing.T) {
	a := withSends(withMail(newApp(t)), func(string) bool { return true })
	a.clock.Set(nyAt(time.July, 1, 11, 0))
	tk := a.mkTicket(desk.NewTicket{Subject: "VPN down", RequesterEmail: "pat@example.gov"}, nil)
	c := a.staffClient("sam@agency.gov")
	resp, body := c.submit("/tickets/"+tk.Ref, "/tickets/"+tk.Ref+"/reply", url.Values{"body": {"We are on it."}, "action": {"reply"}})
	wantRedirect(t, resp, body, "/tickets/"+tk.Ref)
	_, body = c.get("/tickets/" + tk.Ref)
	wantContains(t, body, `<p class="flash" role="status">Reply sent to the requester.</p>`,
		`<span class="badge delivery-queued">queued</span>`, "waiting for the relay")
	wantLacks(t, body, "no relay configured")
}
