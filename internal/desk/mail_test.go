package desk_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/desk/desktest"
	"github.com/slatrack/slatrack/internal/mail"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// mailFixture is a fixture with mail turned on.
func mailFixture(t *testing.T, st *store.Store) *fixture {
	t.Helper()
	f := newFixture(t, st)
	f.svc.Mail = &desk.MailSettings{
		From:        mail.Address{Name: "Support", Email: "support@desk.gov"},
		Addresses:   []string{"support@desk.gov"},
		Signer:      mail.IDSigner{Secret: []byte("test-secret-0123456789"), Domain: "desk.gov"},
		Limits:      mail.DefaultLimits(),
		ReopenAfter: 14 * 24 * time.Hour,
		AckLimit:    3,
		AckWindow:   3 * time.Hour,
	}
	return f
}

// eml builds a small raw message.
func eml(from, subject, body string, headers ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: support@desk.gov\r\nSubject: %s\r\nDate: Thu, 02 Jul 2026 16:00:00 -0400\r\n", from, subject)
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n")
	return []byte(b.String())
}

func ingest(t *testing.T, f *fixture, raw []byte) desk.IngestResult {
	t.Helper()
	res, err := f.svc.IngestMail(context.Background(), raw, "test")
	if err != nil {
		t.Fatalf("IngestMail: %v", err)
	}
	return res
}

func outboxOf(t *testing.T, f *fixture, ref string) []*desk.OutboxMail {
	t.Helper()
	tk, err := f.st.GetTicket(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.st.TicketOutbox(context.Background(), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestIngestMail(t *testing.T) {
	ctx := context.Background()
	eachStore(t, "new_mail_opens_ticket_with_ack_and_clock_from_receipt", func(t *testing.T, st *store.Store) {
		f := mailFixture(t, st)
		// Sent on Monday per its Date header, received Thursday 16:00: the clock starts at receipt.
		raw := eml("Ann Lee <Ann@Agency.gov>", "Our app is down", "We get 502 errors.", "Message-ID: <m1@agency.gov>", "Date: Mon, 29 Jun 2026 09:00:00 -0400")
		res := ingest(t, f, raw)
		if res.Action != desk.ActionCreated || res.Ref == "" {
			t.Fatalf("result %+v", res)
		}
		tk, ev, _ := f.svc.Get(ctx, res.Ref)
		if tk.Channel != desk.ChannelEmail || tk.RequesterEmail != "ann@agency.gov" || tk.RequesterName != "Ann Lee" || tk.Class != "availability" {
			t.Errorf("ticket %+v", tk)
		}
		if want := time.Date(2026, 7, 6, 11, 0, 0, 0, ny); !tk.ResponseDueAt.Equal(want) {
			t.Errorf("due %v, want %v (from receipt, not the Date header)", tk.ResponseDueAt.In(ny), want)
		}
		if ev[0].Kind != desk.EventMessageIn || ev[0].MailID == nil {
			t.Errorf("first event %+v", ev[0])
		}
		out := outboxOf(t, f, res.Ref)
		if len(out) != 1 || out[0].Kind != desk.OutboxAck || out[0].To != "ann@agency.gov" {
			t.Fatalf("outbox %+v", out)
		}
		if strings.Contains(string(out[0].Raw), "Ann Lee") {
			t.Errorf("the acknowledgement carries the requester's chosen display name")
		}
	})
	eachStore(t, "ack_has_promise_threading_and_no_requester_text", func(t *testing.T, st *store.Store) {
		f := mailFixture(t, st)
		res := ingest(t, f, eml("ann@agency.gov", "Buy cheap pills at spam.example", "Visit http://spam.example now", "Message-ID: <m2@agency.gov>"))
		tk, _ := f.st.GetTicket(ctx, res.Ref)
		msgs, _ := f.st.TicketMessages(ctx, tk.ID)
		var ackRaw []byte
		for _, o := range outboxOf(t, f, res.Ref) {
			if o.Kind == desk.OutboxAck {
				ackRaw = o.Raw
			}
		}
		if ackRaw == nil {
			t.Fatal("no ack")
		}
		ack, err := mail.Parse(ackRaw, mail.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(ackRaw), "spam.example") || strings.Contains(string(ackRaw), "pills") {
			t.Errorf("acknowledgement echoes the requester's text:\n%s", ackRaw)
		}
		if !strings.Contains(ack.Text, "Friday, July 3") && !strings.Contains(ack.Text, f.svc.Policy.Promise(tk.ResponseDueAt)) {
			t.Errorf("ack lacks the promise %q:\n%s", f.svc.Policy.Promise(tk.ResponseDueAt), ack.Text)
		}
		if ack.Headers["Auto-Submitted"] == nil || ack.Headers["Auto-Submitted"][0] != "auto-replied" {
			t.Errorf("Auto-Submitted = %v", ack.Headers["Auto-Submitted"])
		}
		if len(ack.InReplyTo) != 1 || ack.InReplyTo[0] != "m2@agency.gov" || !strings.Contains(ack.Subject, tk.Ref) {
			t.Errorf("threading: in-reply-to %v subject %q", ack.InReplyTo, ack.Subject)
		}
		if ref, ok := f.svc.Mail.Signer.Verify(ack.MessageID); !ok || ref != tk.Ref {
			t.Errorf("ack Message-ID %q not signed for %s", ack.MessageID, tk.Ref)
		}
		if len(msgs) != 2 {
			t.Errorf("want the inbound mail and the stored ack, got %d messages", len(msgs))
		}
	})
	eachStore(t, "duplicate_delivery_is_one_ticket", func(t *testing.T, st *store.Store) {
		f := mailFixture(t, st)
		raw := eml("ann@agency.gov", "Quota", "Please raise our memory quota", "Message-ID: <dup@agency.gov>")
		first := ingest(t, f, raw)
		// The same Message-ID with different bytes (another Received: line).
		second := ingest(t, f, append([]byte("Received: from relay2\r\n"), raw...))
		if second.Action != desk.ActionDuplicate || second.Ref != first.Ref {
			t.Errorf("second delivery %+v, first %+v", second, first)
		}
		noID := eml("bob@agency.gov", "No id", "same bytes twice")
		a, b := ingest(t, f, noID), ingest(t, f, noID)
		if a.Action != desk.ActionCreated || b.Action != desk.ActionDuplicate || b.Ref != a.Ref {
			t.Errorf("no Message-ID: %+v then %+v", a, b)
		}
	})
	eachStore(t, "a_stranger_reusing_a_message_id_is_not_swallowed", func(t *testing.T, st *store.Store) {
		f := mailFixture(t, st)
		first := ingest(t, f, eml("ann@agency.gov", "Quota", "please", "Message-ID: <shared@agency.gov>"))
		other := ingest(t, f, eml("mallory@evil.example", "Other", "my own request", "Message-ID: <shared@agency.gov>"))
		if other.Action != desk.ActionCreated || other.Ref == first.Ref {
			t.Errorf("reused Message-ID: %+v (first %+v)", other, first)
		}
		ack := outboxOf(t, f, first.Ref)[0]
		forged := ingest(t, f, eml("mallory@evil.example", "hi", "not a loop", "Message-ID: <"+ack.MessageID+">"))
		if forged.Action == desk.ActionIgnored {
			t.Errorf("a stranger's mail with our Message-ID was dropped as a loop: %+v", forged)
		}
	})
	eachStore(t, "duplicate_delivered_concurrently_is_one_ticket", func(t *testing.T, st *store.Store) {
		f := mailFixture(t, st)
		raw := eml("ann@agency.gov", "Race", "delivered to two instances", "Message-ID: <race@agency.gov>")
		var wg sync.WaitGroup
		results := make([]desk.IngestResult, 6)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := f.svc.IngestMail(ctx, raw, "test")
				if err != nil {
					t.Error(err)
				}
				results[i] = r
			}()
		}
		wg.Wait()
		created := 0
		for _, r := range results {
			if r.Action == desk.ActionCreated {
				created++
			} else if r.Action != desk.ActionDuplicate || r.Ref != results[0].Ref && results[0].Ref != "" && r.Ref != "" {
				t.Errorf("result %+v", r)
			}
		}
		if created != 1 {
			t.Errorf("%d tickets created, want 1: %+v", created, results)
		}
	})
	eachStore(t, "reply_threads_by_signed_message_id_and_reopens_waiting", func(t *testing.T, st *store.Store) {
		f := mailFixture(t, st)
		res := ingest(t, f, eml("ann@agency.gov", "Need a space", "please create space dev", "Message-ID: <q1@agency.gov>"))
		ack := outboxOf(t, f, res.Ref)[0]
		waiting := desk.StatusWaiting
		f.svc.Update(ctx, res.Ref, f.staff, desk.Patch{Status: &waiting})
		reply := ingest(t, f, eml("someone.else@other.gov", "Re: whatever", "here is the info", "Message-ID: <q2@other.gov>",
			"In-Reply-To: <"+ack.MessageID+">", "References: <q1@agency.gov> <"+ack.MessageID+">"))
		if reply.Action != desk.ActionAppended || reply.Ref != res.Ref {
			t.Fatalf("reply %+v", reply)
		}
		tk, _ := f.st.GetTicket(ctx, res.Ref)
		if tk.Status != desk.StatusOpen {
			t.Errorf("status %s, want open after the reply", tk.Status)
		}
	})
	eachStore(t, "forged_message_id_does_not_thread", func(t *testing.T, st *store.Store) {
		f := mailFixture(t, st)
		res := ingest(t, f, eml("ann@agency.gov", "Billing", "question", "Message-ID: <b1@agency.gov>"))
		forged := "sr-" + strings.TrimPrefix(strings.ToLower(res.Ref), "sr-") + ".abcdef.0123456789abcdef0123@desk.gov"
		r := ingest(t, f, eml("mallory@evil.example", "Re: Billing", "let me in", "Message-ID: <f1@evil.example>", "In-Reply-To: <"+forged+">"))
		if r.Action != desk.ActionCreated || r.Ref == res.Ref {
			t.Errorf("forged id threaded: %+v", r)
		}
	})
	eachStore(t, "subject_tag_threads_only_for_requester_or_participants", func(t *testing.T, st *store.Store) {
		f := mailFixture(t, st)
		res := ingest(t, f, eml("ann@agency.gov", "Access", "add me to org", "Message-ID: <s1@agency.gov>", "Cc: Carl <carl@agency.gov>"))
		byRequester := ingest(t, f, eml("ANN@agency.gov", "Re: ["+res.Ref+"] Access", "any news?", "Message-ID: <s2@agency.gov>"))
		byCc := ingest(t, f, eml("carl@agency.gov", "["+strings.ToLower(res.Ref)+"] Access", "me too", "Message-ID: <s3@agency.gov>"))
		if byRequester.Ref != res.Ref || byRequester.Action != desk.ActionAppended || byCc.Ref != res.Ref {
			t.Errorf("requester %+v, cc %+v", byRequester, byCc)
		}
		stranger := ingest(t, f, eml("mallory@evil.example", "Re: ["+res.Ref+"] Access", "I want access too", "Message-ID: <s4@evil.example>"))
		if stranger.Action != desk.ActionCreated || stranger.Ref == res.Ref {
			t.Fatalf("stranger's tag threaded: %+v", stranger)
		}
		_, evNew, _ := f.svc.Get(ctx, stranger.Ref)
		_, evOld, _ := f.svc.Get(ctx, res.Ref)
		if !hasEvent(evNew, desk.EventLinked, res.Ref) || !hasEvent(evOld, desk.EventLinked, stranger.Ref) {
			t.Errorf("tickets not linked both ways")
		}
	})
	eachStore(t, "auto_replies_never_open_tickets_or_get_answers", func(t *testing.T, st *store.Store) {
		f := mailFixture(t, st)
		for i, h := range []string{"Auto-Submitted: auto-replied", "Precedence: bulk", "X-Autoreply: yes", "X-Auto-Response-Suppress: All"} {
			r := ingest(t, f, eml("ann@agency.gov", "Out of office", "I am away", fmt.Sprintf("Message-ID: <ooo%d@agency.gov>", i), h))
			if r.Action != desk.ActionIgnored || r.Ref != "" {
				t.Errorf("%s: %+v", h, r)
			}
		}
		res := ingest(t, f, eml("ann@agency.gov", "Question", "how do I?", "Message-ID: <q@agency.gov>"))
		ack := outboxOf(t, f, res.Ref)[0]
		ooo := ingest(t, f, eml("ann@agency.gov", "Automatic reply: ["+res.Ref+"] We received your request", "I am out until Monday",
			"Message-ID: <ooo-t@agency.gov>", "Auto-Submitted: auto-replied", "In-Reply-To: <"+ack.MessageID+">"))
		if ooo.Action != desk.ActionAppended || ooo.Ref != res.Ref {
			t.Errorf("auto-reply on a thread: %+v", ooo)
		}
		if n := len(outboxOf(t, f, res.Ref)); n != 1 {
			t.Errorf("auto-reply got an answer: %d outbox mails", n)
		}
	})
	eachStore(t, "bounce_flags_the_ticket_whose_mail_bounced", func(t *testing.T, st *store.Store) {
		f := mailFixture(t, st)
		res := ingest(t, f, eml("ann@agency.gov", "Question", "hello", "Message-ID: <bq@agency.gov>"))
		ack := outboxOf(t, f, res.Ref)[0]
		bounce := "From: MAILER-DAEMON@mx.agency.gov\r\nTo: support@desk.gov\r\nSubject: Undelivered Mail Returned to Sender\r\n" +
			"Return-Path: <>\r\nMessage-ID: <bounce1@mx.agency.gov>\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n" +
			"--B\r\nContent-Type: text/plain\r\n\r\nmailbox full\r\n" +
			"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.agency.gov\r\n\r\nFinal-Recipient: rfc822; ann@agency.gov\r\nAction: failed\r\nStatus: 5.2.2\r\n" +
			"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: support@desk.gov\r\nTo: ann@agency.gov\r\nMessage-ID: <" + ack.MessageID + ">\r\nSubject: [" + res.Ref + "] We received your request\r\n" +
			"--B--\r\n"
		r := ingest(t, f, []byte(bounce))
		if r.Action != desk.ActionAppended || r.Ref != res.Ref {
			t.Fatalf("bounce %+v", r)
		}
		tk, ev, _ := f.svc.Get(ctx, res.Ref)
		if tk.Flag == "" || !hasEvent(ev, desk.EventBounce, "") || len(outboxOf(t, f, res.Ref)) != 1 {
			t.Errorf("flag %q, events %d", tk.Flag, len(ev))
		}
	})
	eachStore(t, "own_mail_looping_back_is_dropped", func(t *testing.T, st *store.Store) {
		f := mailFixture(t, st)
		res := ingest(t, f, eml("ann@agency.gov", "Question", "hello", "Message-ID: <lq@agency.gov>"))
		ack := outboxOf(t, f, res.Ref)[0]
		r := ingest(t, f, ack.Raw)
		if r.Action != desk.ActionIgnored {
			t.Errorf("own mail: %+v", r)
		}
	})
	eachStore(t, "acknowledgements_are_rate_limited_per_sender", func(t *testing.T, st *store.Store) {
		f := mailFixture(t, st) // AckLimit 3 per 3h
		acks := 0
		for i := range 5 {
			r := ingest(t, f, eml("flood@agency.gov", fmt.Sprintf("Ticket %d", i), "hello", fmt.Sprintf("Message-ID: <fl%d@agency.gov>", i)))
			acks += len(outboxOf(t, f, r.Ref))
		}
		if acks != 3 {
			t.Errorf("%d acknowledgements, want 3", acks)
		}
		f.now = f.now.Add(4 * time.Hour)
		r := ingest(t, f, eml("flood@agency.gov", "Later", "hello", "Message-ID: <fl9@agency.gov>"))
		if len(outboxOf(t, f, r.Ref)) != 1 {
			t.Errorf("after the window, no acknowledgement")
		}
	})
	eachStore(t, "reply_to_ticket_closed_long_ago_opens_linked_ticket", func(t *testing.T, st *store.Store) {
		f := mailFixture(t, st)
		res := ingest(t, f, eml("ann@agency.gov", "Question", "hello", "Message-ID: <c1@agency.gov>"))
		closed := desk.StatusClosed
		f.svc.Update(ctx, res.Ref, f.staff, desk.Patch{Status: &closed})
		f.now = f.now.Add(3 * 24 * time.Hour)
		recent := ingest(t, f, eml("ann@agency.gov", "Re: ["+res.Ref+"] Question", "one more thing", "Message-ID: <c2@agency.gov>"))
		tk, _ := f.st.GetTicket(ctx, res.Ref)
		if recent.Ref != res.Ref || tk.Status != desk.StatusOpen {
			t.Fatalf("recent reply: %+v, status %s", recent, tk.Status)
		}
		f.svc.Update(ctx, res.Ref, f.staff, desk.Patch{Status: &closed})
		f.now = f.now.Add(20 * 24 * time.Hour)
		late := ingest(t, f, eml("ann@agency.gov", "Re: ["+res.Ref+"] Question", "again", "Message-ID: <c3@agency.gov>"))
		if late.Action != desk.ActionCreated || late.Ref == res.Ref {
			t.Fatalf("late reply: %+v", late)
		}
		_, ev, _ := f.svc.Get(ctx, late.Ref)
		if !hasEvent(ev, desk.EventLinked, res.Ref) {
			t.Errorf("new ticket not linked to %s", res.Ref)
		}
	})
	eachStore(t, "unusable_mail_is_quarantined_and_can_be_reprocessed", func(t *testing.T, st *store.Store) {
		f := mailFixture(t, st)
		raw := []byte("Subject: no sender at all\r\nMessage-ID: <ns@x>\r\n\r\nbody\r\n")
		r := ingest(t, f, raw)
		if r.Action != desk.ActionQuarantined || r.Reason == "" {
			t.Fatalf("result %+v", r)
		}
		held, _ := f.st.ListQuarantine(ctx, desk.QuarantineHeld, 10)
		if len(held) != 1 || string(held[0].Raw) != "" {
			// ListQuarantine omits raw bytes; GetQuarantined has them.
		}
		if len(held) != 1 {
			t.Fatalf("held %d", len(held))
		}
		q, _ := f.st.GetQuarantined(ctx, held[0].ID)
		if string(q.Raw) != string(raw) {
			t.Errorf("quarantined bytes differ")
		}
		if _, err := f.svc.ReprocessQuarantined(ctx, q.ID, f.admin); desk.ErrorCode(err) != desk.Invalid {
			t.Errorf("reprocess of still-bad mail: %v", err)
		}
		if err := f.svc.DiscardQuarantined(ctx, q.ID, f.admin); err != nil {
			t.Fatal(err)
		}
		if held, _ := f.st.ListQuarantine(ctx, desk.QuarantineHeld, 10); len(held) != 0 {
			t.Errorf("still held after discard")
		}
	})
	eachStore(t, "staff_reply_is_mailed_with_threading", func(t *testing.T, st *store.Store) {
		f := mailFixture(t, st)
		res := ingest(t, f, eml("ann@agency.gov", "Need help", "with a route", "Message-ID: <r1@agency.gov>"))
		if _, err := f.svc.Reply(ctx, res.Ref, f.staff, "Here is how.", false); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Reply(ctx, res.Ref, f.staff, "internal only", true); err != nil {
			t.Fatal(err)
		}
		out := outboxOf(t, f, res.Ref)
		if len(out) != 2 || out[1].Kind != desk.OutboxReply {
			t.Fatalf("outbox %+v", out)
		}
		m, err := mail.Parse(out[1].Raw, mail.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(m.Subject, "["+res.Ref+"]") || len(m.InReplyTo) != 1 || m.InReplyTo[0] != "r1@agency.gov" ||
			len(m.References) < 2 || !strings.Contains(m.Text, "Here is how.") || strings.Contains(string(out[1].Raw), "internal only") {
			t.Errorf("reply mail: subject %q in-reply-to %v refs %v text %q", m.Subject, m.InReplyTo, m.References, m.Text)
		}
	})
}

func hasEvent(evs []*desk.Event, kind, newValue string) bool {
	for _, e := range evs {
		if e.Kind == kind && (newValue == "" || e.New == newValue) {
			return true
		}
	}
	return false
}

// TestIngestMail_Authentication checks threading against the trusted MTA's
// Authentication-Results: a sender it could not verify never joins an
// existing ticket by subject tag.
func TestIngestMail_Authentication(t *testing.T) {
	ctx := context.Background()
	const failed = "Authentication-Results: mx.desk.gov; spf=fail smtp.mailfrom=ann@agency.gov; dkim=none; dmarc=fail (p=none) header.from=agency.gov"
	trusted := func(t *testing.T, st *store.Store) (*fixture, string) {
		t.Helper()
		f := mailFixture(t, st)
		f.svc.Mail.TrustedAuthservIDs = []string{"mx.desk.gov"}
		res := ingest(t, f, eml("ann@agency.gov", "Access", "add me to org", "Message-ID: <a1@agency.gov>",
			"Authentication-Results: mx.desk.gov; dmarc=pass header.from=agency.gov"))
		if res.Action != desk.ActionCreated {
			t.Fatalf("first mail %+v", res)
		}
		return f, res.Ref
	}
	eachStore(t, "dmarc_fail_with_the_requesters_tag_opens_a_new_flagged_linked_ticket", func(t *testing.T, st *store.Store) {
		f, ref := trusted(t, st)
		r := ingest(t, f, eml("ann@agency.gov", "Re: ["+ref+"] Access", "send the keys to me", "Message-ID: <a2@evil.example>", failed))
		if r.Action != desk.ActionCreated || r.Ref == ref {
			t.Fatalf("unverified mail threaded: %+v", r)
		}
		tk, evNew, _ := f.svc.Get(ctx, r.Ref)
		if !strings.Contains(tk.Flag, "Unverified sender: dmarc=fail for agency.gov (reported by mx.desk.gov)") {
			t.Errorf("flag %q", tk.Flag)
		}
		if n := len(outboxOf(t, f, r.Ref)); n != 0 || !hasEvent(evNew, desk.EventAckSkipped, "") {
			t.Errorf("%d mails queued to a sender that could not be verified; want none, and the timeline saying why", n)
		}
		old, evOld, _ := f.svc.Get(ctx, ref)
		if !hasEvent(evNew, desk.EventLinked, ref) || !hasEvent(evOld, desk.EventLinked, r.Ref) {
			t.Errorf("tickets not linked both ways")
		}
		if hasEvent(evOld[1:], desk.EventMessageIn, "") || old.Flag != "" {
			t.Errorf("the unverified mail reached the original ticket (flag %q)", old.Flag)
		}
		for _, e := range evNew {
			if e.Kind == desk.EventLinked && !strings.Contains(e.Body, "could not be verified") {
				t.Errorf("link says %q", e.Body)
			}
		}
	})
	eachStore(t, "verified_tag_reply_threads", func(t *testing.T, st *store.Store) {
		f, ref := trusted(t, st)
		r := ingest(t, f, eml("ann@agency.gov", "Re: ["+ref+"] Access", "any news?", "Message-ID: <a3@agency.gov>",
			"Authentication-Results: mx.desk.gov; spf=pass smtp.mailfrom=ann@agency.gov; dmarc=none"))
		if r.Action != desk.ActionAppended || r.Ref != ref {
			t.Fatalf("verified reply %+v", r)
		}
	})
	eachStore(t, "fields_from_untrusted_hosts_are_ignored", func(t *testing.T, st *store.Store) {
		f, ref := trusted(t, st)
		r := ingest(t, f, eml("ann@agency.gov", "Re: ["+ref+"] Access", "any news?", "Message-ID: <a4@agency.gov>",
			"Authentication-Results: mx.elsewhere.example; dmarc=fail"))
		if r.Action != desk.ActionAppended || r.Ref != ref {
			t.Fatalf("reply judged by an untrusted host: %+v", r)
		}
	})
	eachStore(t, "without_trusted_ids_nothing_changes", func(t *testing.T, st *store.Store) {
		f := mailFixture(t, st)
		res := ingest(t, f, eml("ann@agency.gov", "Access", "add me", "Message-ID: <a5@agency.gov>", failed))
		r := ingest(t, f, eml("ann@agency.gov", "Re: ["+res.Ref+"] Access", "any news?", "Message-ID: <a6@agency.gov>", failed))
		tk, _ := f.st.GetTicket(ctx, res.Ref)
		if r.Action != desk.ActionAppended || r.Ref != res.Ref || tk.Flag != "" {
			t.Fatalf("reply %+v, flag %q", r, tk.Flag)
		}
	})
	eachStore(t, "a_reply_to_our_signed_message_id_threads_even_unverified", func(t *testing.T, st *store.Store) {
		f, ref := trusted(t, st)
		ack := outboxOf(t, f, ref)[0]
		r := ingest(t, f, eml("ann@agency.gov", "Re: We received your request", "thanks", "Message-ID: <a7@agency.gov>",
			"In-Reply-To: <"+ack.MessageID+">", failed))
		if r.Action != desk.ActionAppended || r.Ref != ref {
			t.Fatalf("reply to our own Message-ID: %+v", r)
		}
	})
	eachStore(t, "a_new_unverified_mail_is_flagged", func(t *testing.T, st *store.Store) {
		f, _ := trusted(t, st)
		r := ingest(t, f, eml("ceo@agency.gov", "Wire transfer", "please pay the invoice", "Message-ID: <a8@evil.example>", failed))
		tk, _ := f.st.GetTicket(ctx, r.Ref)
		if r.Action != desk.ActionCreated || !strings.HasPrefix(tk.Flag, "Unverified sender") {
			t.Fatalf("result %+v flag %q", r, tk.Flag)
		}
	})
}

// TestIngestMail_DecodedNames: "Renée Müller" is shown as such on the
// timeline and the ticket, never as the RFC 2047 words her client sent.
func TestIngestMail_DecodedNames(t *testing.T) {
	ctx := context.Background()
	eachStore(t, "renee_mueller", func(t *testing.T, st *store.Store) {
		f := mailFixture(t, st)
		const renee = "Renée Müller <renee@agency.gov>"
		res := ingest(t, f, eml(`"=?utf-8?q?Ren=C3=A9e_M=C3=BCller?=" <renee@agency.gov>`, "Quota", "raise it", "Message-ID: <n1@agency.gov>"))
		r := ingest(t, f, eml(`=?utf-8?q?Ren=C3=A9e_M=C3=BCller?= <renee@agency.gov>`, "Re: ["+res.Ref+"] Quota", "any news?", "Message-ID: <n2@agency.gov>"))
		if r.Action != desk.ActionAppended {
			t.Fatalf("reply %+v", r)
		}
		tk, ev, _ := f.svc.Get(ctx, res.Ref)
		if tk.RequesterName != "Renée Müller" {
			t.Errorf("requester name %q", tk.RequesterName)
		}
		var actors []string
		for _, e := range ev {
			if e.Kind == desk.EventMessageIn {
				actors = append(actors, e.Actor)
			}
		}
		if len(actors) != 2 || actors[0] != renee || actors[1] != renee {
			t.Errorf("message actors %q, want %q twice", actors, renee)
		}
	})
}

// TestIngestMail_UnroutableSender: mail from an IP literal or a one-word
// domain is kept in quarantine with the reason, never answered.
func TestIngestMail_UnroutableSender(t *testing.T) {
	ctx := context.Background()
	eachStore(t, "quarantined_with_reason", func(t *testing.T, st *store.Store) {
		f := mailFixture(t, st)
		for from, reason := range map[string]string{
			"postmaster@[10.0.0.5]":         "unroutable sender: postmaster@[10.0.0.5] has an IP address instead of a domain name",
			"Root <root@localhost>":         "root@localhost has a one-word domain",
			"ops@10.1.2.3":                  "ops@10.1.2.3 has an IP address",
			"someone@nowhere.invalid":       ".invalid",
			"Mallory <mallory@x.localhost>": ".localhost",
		} {
			r := ingest(t, f, eml(from, "Hello", "please answer me", "Message-ID: <u-"+strings.Trim(from, "<>[] ")+"@x>"))
			if r.Action != desk.ActionQuarantined || !strings.Contains(r.Reason, reason) {
				t.Errorf("from %s: %+v, want quarantined because %q", from, r, reason)
			}
		}
		held, err := f.st.ListQuarantine(ctx, desk.QuarantineHeld, 10)
		if err != nil || len(held) != 5 {
			t.Fatalf("held %d, %v", len(held), err)
		}
		if n, _ := f.st.OutboxBacklog(ctx); n != 0 {
			t.Errorf("%d mails queued for quarantined senders, want none", n)
		}
	})
}

// TestNewTicket_RefusesUnroutableRequesters: the same rule for forms and
// the API.
func TestNewTicket_RefusesUnroutableRequesters(t *testing.T) {
	for _, email := range []string{"postmaster@[10.0.0.5]", "a@10.0.0.5", "root@localhost", "x@y.invalid", "x@y.onion"} {
		n := desk.NewTicket{Subject: "s", Body: "b", RequesterEmail: email, Channel: desk.ChannelAPI}
		err := n.Validate(desktest.Policy(t))
		if desk.ErrorCode(err) != desk.Invalid || !strings.Contains(desk.ErrorMessage(err), "requester_email") && desk.ErrorField(err) != "requester_email" {
			t.Errorf("%s: %v", email, err)
		}
	}
	for _, email := range []string{"ann@agency.gov", "a@b.example", "ops@corp.local"} {
		n := desk.NewTicket{Subject: "s", Body: "b", RequesterEmail: email, Channel: desk.ChannelAPI}
		if err := n.Validate(desktest.Policy(t)); err != nil {
			t.Errorf("%s refused: %v", email, err)
		}
	}
}

// TestNewTicket_NeutralisesBidiControls: an RLO cannot make a subject or a
// name read backwards, whichever way the ticket came in.
func TestNewTicket_NeutralisesBidiControls(t *testing.T) {
	n := desk.NewTicket{Subject: "Invoice \u202efdp.exe\u202c attached", Body: "b\u202e stays in the body",
		RequesterName: "Bob \u2067nimda\u2069", RequesterEmail: "bob@agency.gov", Channel: desk.ChannelWeb}
	if err := n.Validate(desktest.Policy(t)); err != nil {
		t.Fatal(err)
	}
	if n.Subject != "Invoice fdp.exe attached" || n.RequesterName != "Bob nimda" {
		t.Errorf("subject %q name %q", n.Subject, n.RequesterName)
	}
}

// TestIngestMail_CountedForMetricsByEveryInstance: mail stored through one
// Service (as `mail-in` does) is counted by another process's metrics.
func TestIngestMail_CountedForMetricsByEveryInstance(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			dsn := e.NewDSN(t)
			pipe, server := storetest.OpenDSN(t, dsn), storetest.OpenDSN(t, dsn)
			f := mailFixture(t, pipe)
			ingestFrom := func(source string, raw []byte) {
				t.Helper()
				if _, err := f.svc.IngestMail(context.Background(), raw, source); err != nil {
					t.Fatal(err)
				}
			}
			res, _ := f.svc.IngestMail(context.Background(), eml("ann@agency.gov", "Quota", "raise it", "Message-ID: <m1@agency.gov>"), "pipe")
			ingestFrom("pipe", eml("ann@agency.gov", "Re: ["+res.Ref+"] Quota", "more", "Message-ID: <m2@agency.gov>"))
			ingestFrom("pipe", eml("ann@agency.gov", "Re: ["+res.Ref+"] Quota", "more", "Message-ID: <m2@agency.gov>")) // duplicate: not stored again
			ingestFrom("smtp", eml("ann@agency.gov", "Out of office", "away", "Message-ID: <m3@agency.gov>", "Auto-Submitted: auto-replied"))
			ingestFrom("pipe", []byte("not a mail"))
			ingestFrom("imap", eml("bob@agency.gov", "Billing", "how much?", "Message-ID: <m4@agency.gov>"))
			snap, err := server.MetricsSnapshot(context.Background(), f.svc.Policy.Bounds(f.now), f.now.AddDate(0, 0, -90))
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int64{}
			for _, c := range snap.Ingested {
				got[c.Outcome+"/"+c.Source] += c.N
			}
			want := map[string]int64{"created/pipe": 1, "appended/pipe": 1, "ignored/smtp": 1, "quarantined/pipe": 1, "created/imap": 1}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("counts %v, want %v", got, want)
			}
		})
	}
}
