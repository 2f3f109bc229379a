package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/slatrack/slatrack/internal/desk"
)

// postMultipart posts a multipart form with files, as a browser does for a
// form with enctype="multipart/form-data", with the page's CSRF token.
func (c *client) postMultipart(page, action string, fields url.Values, files map[string][]byte) (*http.Response, string) {
	c.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("csrf_token", c.csrf(page))
	for k, vs := range fields {
		for _, v := range vs {
			_ = w.WriteField(k, v)
		}
	}
	for name, data := range files {
		fw, _ := w.CreateFormFile("attachments", name)
		_, _ = fw.Write(data)
	}
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.a.srv.URL+action, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Accept", "text/html")
	return c.do(req)
}

var downloadRE = regexp.MustCompile(`href="(/tickets/[^"]+/attachments/\d+)" download>([^<]+)<`)

func TestTicketPage_People(t *testing.T) {
	a := withMail(newApp(t))
	tk := a.mkTicket(desk.NewTicket{Subject: "VPN down", RequesterEmail: "ann@agency.gov"}, nil)
	page := "/tickets/" + tk.Ref
	c := a.staffClient("sam@agency.gov")

	t.Run("add_shows_and_logs", func(t *testing.T) {
		resp, body := c.submit(page, page+"/participants", url.Values{"email": {"Carl@Partner.example"}, "name": {"Carl <b>Cole</b>"}})
		wantRedirect(t, resp, body, page)
		_, body = c.get(page)
		wantContains(t, body, `id="participants"`, "Carl &lt;b&gt;Cole&lt;/b&gt;", "carl@partner.example", "copied on replies")
		_, ev := a.getTicket(tk.Ref)
		if ev[len(ev)-1].Kind != desk.EventParticipantAdded {
			t.Errorf("last event %s", ev[len(ev)-1].Kind)
		}
	})
	t.Run("refused_keeps_what_was_typed", func(t *testing.T) {
		resp, body := c.submit(page, page+"/participants", url.Values{"email": {"ann@agency.gov"}, "name": {"Ann again"}})
		wantStatus(t, resp, body, http.StatusBadRequest)
		block := fieldBlock(t, body, "participant-email")
		wantContains(t, block, "is the requester", `aria-invalid="true"`, `value="ann@agency.gov"`)
		wantContains(t, body, `value="Ann again"`)
		wantLacks(t, body, "email: ")
	})
	t.Run("without_csrf_is_refused", func(t *testing.T) {
		resp, body := c.postForm(page+"/participants", url.Values{"email": {"eve@evil.example"}})
		wantStatus(t, resp, body, http.StatusForbidden)
	})
	t.Run("anonymous_is_refused", func(t *testing.T) {
		anon := a.client()
		resp, body := anon.submit("/", page+"/participants", url.Values{"email": {"eve@evil.example"}})
		if resp.StatusCode == http.StatusSeeOther && strings.Contains(resp.Header.Get("Location"), tk.Ref) {
			t.Fatalf("anonymous add accepted: %d %s", resp.StatusCode, clip(body))
		}
		if ps, _ := a.svc.Participants(context.Background(), tk); len(ps) != 1 {
			t.Errorf("participants %v", ps)
		}
	})
	t.Run("remove", func(t *testing.T) {
		resp, body := c.submit(page, page+"/participants/remove", url.Values{"email": {"carl@partner.example"}})
		wantRedirect(t, resp, body, page)
		_, body = c.get(page)
		wantContains(t, body, `id="participants-none"`)
	})
}

func TestTicketReply_Attachments(t *testing.T) {
	a := withMail(newApp(t))
	tk := a.mkTicket(desk.NewTicket{Subject: "Need the form", RequesterEmail: "ann@agency.gov"}, nil)
	if _, err := a.svc.AddParticipant(context.Background(), tk.Ref, a.staff, "carl@partner.example", "Carl"); err != nil {
		t.Fatal(err)
	}
	page := "/tickets/" + tk.Ref
	c := a.staffClient("sam@agency.gov")
	_, body := c.get(page)
	wantContains(t, formBlock(t, body, page+"/reply"), `enctype="multipart/form-data"`, `type="file"`, `name="attachments"`)

	resp, body := c.postMultipart(page, page+"/reply", url.Values{"body": {"The form is attached."}, "action": {"reply"}},
		map[string][]byte{`..\secret\<script>form.html`: []byte("<script>alert(1)</script>")})
	wantRedirect(t, resp, body, page)
	_, body = c.get(page)
	m := downloadRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no download link on the page:\n%s", clip(body))
	}
	if name := html.UnescapeString(m[2]); name != "_script_form.html" {
		t.Errorf("shown filename %q, want the cleaned _script_form.html", name)
	}
	dl, data := c.get(m[1])
	wantStatus(t, dl, data, http.StatusOK)
	if ct, csp, cd := dl.Header.Get("Content-Type"), dl.Header.Get("Content-Security-Policy"), dl.Header.Get("Content-Disposition"); ct != "application/octet-stream" ||
		!strings.Contains(csp, "sandbox") || !strings.HasPrefix(cd, "attachment") {
		t.Errorf("served as %q, CSP %q, disposition %q: want a sandboxed download", ct, csp, cd)
	}
	if data != "<script>alert(1)</script>" {
		t.Errorf("downloaded %q", data)
	}
	out, _ := a.store.TicketOutbox(context.Background(), tk.ID)
	last := out[len(out)-1]
	if last.Kind != desk.OutboxReply || last.To != "ann@agency.gov,carl@partner.example" || !bytes.Contains(last.Raw, []byte("_script_form.html")) {
		t.Errorf("queued reply to %q, attachment in mail: %v", last.To, bytes.Contains(last.Raw, []byte("_script_form.html")))
	}

	t.Run("too_large_keeps_the_text", func(t *testing.T) {
		a.svc.Mail.Limits.MaxAttachmentBytes = 2048
		defer func() { a.svc.Mail.Limits.MaxAttachmentBytes = 10 << 20 }()
		n := len(out)
		resp, body := c.postMultipart(page, page+"/reply", url.Values{"body": {"Second try, with the big log"}, "action": {"reply"}},
			map[string][]byte{"big.log": bytes.Repeat([]byte("x"), 4096)})
		wantStatus(t, resp, body, http.StatusRequestEntityTooLarge)
		wantContains(t, body, "big.log is 4 KB; each file may be at most 2 KB", "Second try, with the big log", `aria-invalid="true"`)
		if out, _ := a.store.TicketOutbox(context.Background(), tk.ID); len(out) != n {
			t.Error("the refused reply was queued")
		}
	})
}

func TestIntake_Attachments(t *testing.T) {
	a := withMail(newApp(t))
	c := a.client()
	_, body := c.get("/")
	wantContains(t, formBlock(t, body, "/"), `enctype="multipart/form-data"`, `id="files"`)
	resp, body := c.postMultipart("/", "/", url.Values{"email": {"ann@agency.gov"}, "subject": {"Error screen"}, "body": {"See the screenshot"}},
		map[string][]byte{"screen.png": []byte("\x89PNG\r\n\x1a\nfake")})
	wantRedirect(t, resp, body, "/submitted")
	ts, _, _ := a.svc.List(context.Background(), desk.Filter{})
	if len(ts) != 1 {
		t.Fatalf("%d tickets", len(ts))
	}
	msgs, _, _ := a.svc.TicketMail(context.Background(), ts[0])
	if len(msgs) == 0 || len(msgs[0].Attachments) != 1 || msgs[0].Attachments[0].Filename != "screen.png" || msgs[0].Attachments[0].ContentType != "image/png" {
		t.Fatalf("stored %+v", msgs)
	}
	staff := a.staffClient("sam@agency.gov")
	_, page := staff.get("/tickets/" + ts[0].Ref)
	wantContains(t, page, ">screen.png</a>")

	a.svc.Mail.Limits.MaxAttachmentBytes = 10
	resp, body = c.postMultipart("/", "/", url.Values{"email": {"ann@agency.gov"}, "subject": {"Second"}, "body": {"Typed text stays"}},
		map[string][]byte{"huge.png": bytes.Repeat([]byte("y"), 100)})
	wantStatus(t, resp, body, http.StatusRequestEntityTooLarge)
	wantContains(t, body, "huge.png is 100 bytes; each file may be at most 10 bytes", "Typed text stays", `value="Second"`)
}

func TestTicketMerge_Web(t *testing.T) {
	a := withMail(newApp(t))
	survivor := a.mkTicket(desk.NewTicket{Subject: "Cannot log in", RequesterEmail: "ann@agency.gov"}, nil)
	dup := a.mkTicket(desk.NewTicket{Subject: "Login broken", Body: "the duplicate's own words", RequesterEmail: "bob@partner.example"}, nil)
	c := a.staffClient("sam@agency.gov")
	page := "/tickets/" + dup.Ref

	resp, body := c.submit(page, page+"/merge", url.Values{"into": {dup.Ref}})
	wantStatus(t, resp, body, http.StatusBadRequest)
	wantContains(t, fieldBlock(t, body, "merge-into"), "cannot be merged into itself", `value="`+dup.Ref+`"`)

	resp, body = c.submit(page, page+"/merge", url.Values{"into": {strings.ToLower(survivor.Ref)}})
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, "Merge "+dup.Ref+" into "+survivor.Ref+"?", `name="confirm" value="yes"`, "bob@partner.example is copied")
	if _, ev := a.getTicket(dup.Ref); hasKind(ev, desk.EventMerged) {
		t.Fatal("merged before the confirmation")
	}
	resp, body = c.submit(page, page+"/merge", url.Values{"into": {survivor.Ref}, "confirm": {"yes"}})
	wantRedirect(t, resp, body, "/tickets/"+survivor.Ref)
	_, body = c.get("/tickets/" + survivor.Ref)
	wantContains(t, body, dup.Ref+" was merged into this ticket", "the duplicate&#39;s own words", "bob@partner.example")
	_, body = c.get(page)
	wantContains(t, body, `id="merged-into"`, `href="/tickets/`+survivor.Ref+`"`)
	wantLacks(t, body, `id="merge-form"`)
	d, _ := a.getTicket(dup.Ref)
	if d.Status != desk.StatusClosed {
		t.Errorf("duplicate is %s", d.Status)
	}
	third := a.mkTicket(desk.NewTicket{Subject: "Third"}, nil)
	resp, body = c.submit("/tickets/"+third.Ref, "/tickets/"+third.Ref+"/merge", url.Values{"into": {dup.Ref}})
	wantStatus(t, resp, body, http.StatusBadRequest)
	wantContains(t, body, "was itself merged into "+survivor.Ref)
}

func hasKind(ev []*desk.Event, kind string) bool {
	for _, e := range ev {
		if e.Kind == kind {
			return true
		}
	}
	return false
}

func TestAPI_PeopleMergeAndFiles(t *testing.T) {
	a := withMail(newApp(t))
	tok := a.apiToken("sam@agency.gov")
	survivor := a.mkTicket(desk.NewTicket{Subject: "Cannot log in", RequesterEmail: "ann@agency.gov"}, nil)
	dup := a.mkTicket(desk.NewTicket{Subject: "Login broken", RequesterEmail: "bob@partner.example"}, nil)
	base := "/api/v1/tickets/" + survivor.Ref

	resp, body := a.api(tok, "POST", base+"/participants", `{"email": "Carl@Partner.example", "name": "Carl"}`)
	wantStatus(t, resp, body, http.StatusCreated)
	wantContains(t, body, `"email":"carl@partner.example"`, `"name":"Carl"`, `"added_by":"Sam Staff`)
	resp, body = a.api(tok, "POST", base+"/participants", `{"email": "carl@partner.example"}`)
	m := wantJSONError(t, resp, body, http.StatusBadRequest, "email")
	if !strings.Contains(m["error"].(string), "already on this ticket") {
		t.Errorf("error %v", m["error"])
	}
	resp, body = a.api(tok, "POST", base+"/participants", `{"email": "nope"}`)
	wantJSONError(t, resp, body, http.StatusBadRequest, "email")
	resp, body = a.api("", "POST", base+"/participants", `{"email": "eve@evil.example"}`)
	wantStatus(t, resp, body, http.StatusUnauthorized)

	file := base64.StdEncoding.EncodeToString([]byte("%PDF-1.4"))
	resp, body = a.api(tok, "POST", base+"/replies", fmt.Sprintf(`{"body": "attached", "attachments": [{"filename": "a/b/form.pdf", "content_type": "application/pdf", "data": %q}]}`, file))
	wantStatus(t, resp, body, http.StatusCreated)
	msgs, _, _ := a.svc.TicketMail(context.Background(), survivor)
	last := msgs[len(msgs)-1]
	if len(last.Attachments) != 1 || last.Attachments[0].Filename != "form.pdf" || last.ToAddrs != "ann@agency.gov, carl@partner.example" {
		t.Errorf("reply stored to %q with %+v", last.ToAddrs, last.Attachments)
	}
	resp, body = a.api(tok, "POST", base+"/replies", `{"body": "x", "attachments": [{"filename": "f", "data": "not base64!"}]}`)
	wantJSONError(t, resp, body, http.StatusBadRequest, "attachments")
	a.svc.Mail.Limits.MaxAttachmentBytes = 4
	resp, body = a.api(tok, "POST", base+"/replies", fmt.Sprintf(`{"body": "x", "attachments": [{"filename": "f.pdf", "data": %q}]}`, file))
	wantJSONError(t, resp, body, http.StatusRequestEntityTooLarge, "attachments")

	resp, body = a.api(tok, "DELETE", base+"/participants/carl@partner.example", "")
	wantStatus(t, resp, body, http.StatusOK)
	wantContains(t, body, `"participants":[]`)
	resp, body = a.api(tok, "DELETE", base+"/participants/carl@partner.example", "")
	wantJSONError(t, resp, body, http.StatusNotFound, "")

	resp, body = a.api(tok, "POST", "/api/v1/tickets/"+dup.Ref+"/merge", `{"into": "`+dup.Ref+`"}`)
	wantJSONError(t, resp, body, http.StatusBadRequest, "into")
	resp, body = a.api(tok, "POST", "/api/v1/tickets/"+dup.Ref+"/merge", `{"into": "SR-424242"}`)
	wantJSONError(t, resp, body, http.StatusBadRequest, "into")
	resp, body = a.api(tok, "POST", "/api/v1/tickets/"+dup.Ref+"/merge", `{"into": "`+survivor.Ref+`"}`)
	wantStatus(t, resp, body, http.StatusOK)
	out := jsonOf(t, body)
	if out["merged"].(map[string]any)["status"] != "closed" || out["into"].(map[string]any)["ref"] != survivor.Ref {
		t.Errorf("merge answer %s", clip(body))
	}
	resp, body = a.api(tok, "POST", "/api/v1/tickets/"+dup.Ref+"/merge", `{"into": "`+survivor.Ref+`"}`)
	wantJSONError(t, resp, body, http.StatusConflict, "")
	resp, body = a.api(tok, "GET", "/api/v1/tickets/"+dup.Ref, "")
	wantContains(t, body, `"merged_into":"`+survivor.Ref+`"`)
	resp, body = a.api(tok, "GET", base, "")
	wantLacks(t, body, `"merged_into"`)
	resp, body = a.api(tok, "GET", base+"/participants", "")
	wantContains(t, body, `"email":"bob@partner.example"`)
}
