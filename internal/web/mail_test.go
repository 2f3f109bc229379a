package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/mail"
)

// withMail turns mail on for the app's service.
func withMail(a *app) *app {
	a.svc.Mail = &desk.MailSettings{
		From: mail.Address{Name: "Support", Email: "support@desk.gov"}, Addresses: []string{"support@desk.gov"},
		Signer: mail.IDSigner{Secret: []byte("web-test-secret-123456"), Domain: "desk.gov"},
		Limits: mail.DefaultLimits(), ReopenAfter: 14 * 24 * 3600e9, AckLimit: 10, AckWindow: 3 * 3600e9,
	}
	return a
}

const htmlMail = "From: Ann <ann@agency.gov>\r\nTo: support@desk.gov\r\nSubject: Screenshot of the error\r\nMessage-ID: <h1@agency.gov>\r\n" +
	"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n" +
	"--B\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Our app shows <b>502</b></p><script>alert(1)</script><img src=x onerror=alert(2)><a href=\"javascript:alert(3)\">x</a>\r\n" +
	"--B\r\nContent-Type: image/svg+xml; name=\"../../evil.svg\"\r\nContent-Disposition: attachment; filename=\"../../evil.svg\"\r\n\r\n<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(4)\"/>\r\n" +
	"--B--\r\n"

func TestInboundEmail(t *testing.T) {
	a := withMail(newApp(t))
	staffTok := a.apiToken("sam@agency.gov")
	post := func(tok, secret, body string) (int, string) {
		req, _ := http.NewRequest("POST", a.srv.URL+"/api/v1/inbound/email", strings.NewReader(body))
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		if secret != "" {
			req.Header.Set("X-Slatrack-Secret", secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return resp.StatusCode, b.String()
	}
	t.Run("token_creates_then_duplicate", func(t *testing.T) {
		code, body := post(staffTok, "", htmlMail)
		if code != 201 || !strings.Contains(body, `"action":"created"`) || !strings.Contains(body, `"ref":"SR-`) {
			t.Fatalf("%d %s", code, body)
		}
		code, body = post(staffTok, "", htmlMail)
		if code != 200 || !strings.Contains(body, `"action":"duplicate"`) {
			t.Errorf("second delivery: %d %s", code, body)
		}
	})
	t.Run("no_credentials_401", func(t *testing.T) {
		if code, _ := post("", "", htmlMail); code != 401 {
			t.Errorf("status %d", code)
		}
		if code, _ := post("", "guess", htmlMail); code != 401 {
			t.Errorf("secret not configured but accepted: %d", code)
		}
	})
	t.Run("garbage_is_quarantined_not_lost", func(t *testing.T) {
		code, body := post(staffTok, "", "\x00\x01\x02 binary")
		if code != 200 || !strings.Contains(body, `"action":"quarantined"`) {
			t.Errorf("%d %s", code, body)
		}
	})
}

func TestTicketPage_MailIsSanitisedAndAttachmentsDownloadOnly(t *testing.T) {
	a := withMail(newApp(t))
	res, err := a.svc.IngestMail(context.Background(), []byte(htmlMail), "test")
	if err != nil || res.Action != desk.ActionCreated {
		t.Fatalf("%+v %v", res, err)
	}
	c := a.client()
	c.login("sam@agency.gov")
	resp, body := c.get("/tickets/" + res.Ref)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, bad := range []string{"<script>alert(1)", "onerror=", "javascript:alert", "onload="} {
		if strings.Contains(body, bad) {
			t.Errorf("ticket page contains %q", bad)
		}
	}
	if !strings.Contains(body, "<b>502</b>") {
		t.Errorf("sanitised HTML not shown")
	}
	i := strings.Index(body, "/tickets/"+res.Ref+"/attachments/")
	if i < 0 {
		t.Fatalf("no attachment link")
	}
	link := body[i : i+strings.IndexByte(body[i:], '"')]
	resp, data := c.get(link)
	if resp.StatusCode != 200 {
		t.Fatalf("download %s: %d", link, resp.StatusCode)
	}
	cd := resp.Header.Get("Content-Disposition")
	if !strings.HasPrefix(cd, "attachment;") || strings.Contains(cd, "/") || strings.Contains(cd, "..") {
		t.Errorf("Content-Disposition %q", cd)
	}
	if resp.Header.Get("Content-Type") != "application/octet-stream" || resp.Header.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("headers %v", resp.Header)
	}
	if !strings.Contains(data, "<svg") {
		t.Errorf("attachment bytes not served: %q", data)
	}
	// Another ticket's reference does not reach this attachment.
	other, _ := a.svc.CreateTicket(context.Background(), desk.NewTicket{Subject: "x", Body: "y", RequesterEmail: "b@agency.gov", Channel: desk.ChannelWeb}, nil)
	wrong := strings.Replace(link, res.Ref, other.Ref, 1)
	if resp, _ := c.get(wrong); resp.StatusCode != 404 {
		t.Errorf("attachment via another ticket: %d", resp.StatusCode)
	}
	// Logged out: no download.
	if resp, _ := a.client().get(link); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("anonymous download: %d", resp.StatusCode)
	}
	// The acknowledgement's delivery state is on the page.
	if !strings.Contains(body, `id="outbox"`) || !strings.Contains(body, "delivery-queued") {
		t.Errorf("no delivery state on the ticket page")
	}
}

func TestQuarantinePage(t *testing.T) {
	a := withMail(newApp(t))
	ctx := context.Background()
	res, _ := a.svc.IngestMail(ctx, []byte("Subject: <b>no sender</b>\r\n\r\nhello\r\n"), "smtp")
	if res.Action != desk.ActionQuarantined {
		t.Fatalf("%+v", res)
	}
	staff := a.client()
	staff.login("sam@agency.gov")
	if resp, _ := staff.get("/admin/quarantine"); resp.StatusCode != 403 {
		t.Errorf("staff sees quarantine: %d", resp.StatusCode)
	}
	admin := a.client()
	admin.login("admin@agency.gov")
	resp, body := admin.get("/admin/quarantine")
	if resp.StatusCode != 200 || !strings.Contains(body, "no usable sender") && !strings.Contains(body, "sender") {
		t.Fatalf("quarantine page %d:\n%s", resp.StatusCode, body)
	}
	held, _ := a.store.ListQuarantine(ctx, desk.QuarantineHeld, 10)
	id := held[0].ID
	idStr := strings.TrimSpace(strings.Split(strings.Split(body, `data-id="`)[1], `"`)[0])
	resp, raw := admin.get("/admin/quarantine/" + idStr + "/raw")
	if resp.StatusCode != 200 || !strings.Contains(raw, "<b>no sender</b>") || resp.Header.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("raw download %d %q", resp.StatusCode, raw)
	}
	// Reprocessing mail that is still unusable keeps it held, with the reason.
	resp, _ = admin.submit("/admin/quarantine", "/admin/quarantine/"+idStr+"/reprocess", url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("reprocess: %d", resp.StatusCode)
	}
	_, body = admin.get("/admin/quarantine")
	if !strings.Contains(body, "still cannot be processed") {
		t.Errorf("no reason after a failed reprocess")
	}
	// Without a CSRF token nothing happens.
	if resp, _ := admin.postForm("/admin/quarantine/"+idStr+"/discard", url.Values{}); resp.StatusCode != 403 {
		t.Errorf("discard without CSRF: %d", resp.StatusCode)
	}
	admin.submit("/admin/quarantine", "/admin/quarantine/"+idStr+"/discard", url.Values{})
	if q, _ := a.store.GetQuarantined(ctx, id); q.Status != desk.QuarantineDiscarded {
		t.Errorf("status %s after discard", q.Status)
	}
}

func TestMetricsAndCalendarFeed(t *testing.T) {
	a := newApp(t)
	t.Run("calendar_ics", func(t *testing.T) {
		resp, body := a.client().get("/calendar.ics")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar") {
			t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		for _, want := range []string{"BEGIN:VCALENDAR\r\n", "DTSTART;VALUE=DATE:20260703\r\n", "SUMMARY:Support desk closed: Independence Day (observed)\r\n", "END:VCALENDAR\r\n"} {
			if !strings.Contains(body, want) {
				t.Errorf("feed lacks %q", want)
			}
		}
		for _, l := range strings.Split(body, "\r\n") {
			if len(l) > 75 {
				t.Errorf("unfolded line of %d octets: %q", len(l), l)
			}
		}
	})
	t.Run("metrics_not_built_is_404", func(t *testing.T) {
		if resp, _ := a.client().get("/metrics"); resp.StatusCode != 404 {
			t.Errorf("status %d", resp.StatusCode)
		}
	})
	_ = httptest.NewRecorder
}
