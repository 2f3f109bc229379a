package desk_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/mail"
	"github.com/slatrack/slatrack/internal/promise"
	"github.com/slatrack/slatrack/internal/store"
)

var zeroTime time.Time

const passFor = "Authentication-Results: mx.desk.gov; dmarc=pass header.from="

// TestThreading_ByOrganisation: people at the requester's mail domain may
// reply by the subject tag like the requester, when their mail is
// verified and the domain is not a public mail provider's.
func TestThreading_ByOrganisation(t *testing.T) {
	ctx := context.Background()
	open := func(t *testing.T, st *store.Store, requester string) (*fixture, string) {
		t.Helper()
		f := mailFixture(t, st)
		f.svc.Mail.TrustedAuthservIDs = []string{"mx.desk.gov"}
		res := ingest(t, f, eml(requester, "Printer on fire", "the printer is on fire", "Message-ID: <o1@x.example>", passFor+mail.Domain(requester)))
		if res.Action != desk.ActionCreated {
			t.Fatalf("first mail %+v", res)
		}
		return f, res.Ref
	}
	eachStore(t, "verified_colleague_appends_and_joins", func(t *testing.T, st *store.Store) {
		f, ref := open(t, st, "ann@agency.gov")
		r := ingest(t, f, eml("Bob <bob@Agency.gov>", "Re: ["+ref+"] Printer on fire", "it spread to the fax", "Message-ID: <o2@agency.gov>", passFor+"agency.gov"))
		if r.Action != desk.ActionAppended || r.Ref != ref {
			t.Fatalf("colleague's mail: %+v, want appended to %s", r, ref)
		}
		tk, _ := f.st.GetTicket(ctx, ref)
		if ok, _ := f.st.IsParticipant(ctx, tk.ID, "bob@agency.gov"); !ok {
			t.Error("the colleague did not become a participant")
		}
	})
	eachStore(t, "public_provider_address_opens_a_new_ticket", func(t *testing.T, st *store.Store) {
		f, ref := open(t, st, "ann@gmail.com")
		r := ingest(t, f, eml("stranger@gmail.com", "Re: ["+ref+"] Printer on fire", "me too", "Message-ID: <o3@gmail.com>", passFor+"gmail.com"))
		if r.Action != desk.ActionCreated || r.Ref == ref {
			t.Fatalf("a gmail.com stranger threaded into a gmail.com requester's ticket: %+v", r)
		}
	})
	eachStore(t, "unverified_colleague_opens_a_new_flagged_ticket", func(t *testing.T, st *store.Store) {
		f, ref := open(t, st, "ann@agency.gov")
		r := ingest(t, f, eml("bob@agency.gov", "Re: ["+ref+"] Printer on fire", "send me the logs", "Message-ID: <o4@evil.example>",
			"Authentication-Results: mx.desk.gov; spf=fail smtp.mailfrom=bob@agency.gov; dmarc=fail header.from=agency.gov"))
		if r.Action != desk.ActionCreated || r.Ref == ref {
			t.Fatalf("an unverified colleague threaded: %+v", r)
		}
		tk, _ := f.st.GetTicket(ctx, r.Ref)
		if !strings.Contains(tk.Flag, "Unverified sender") {
			t.Errorf("flag %q", tk.Flag)
		}
	})
	eachStore(t, "unjudged_colleague_opens_a_new_ticket_where_mtas_judge", func(t *testing.T, st *store.Store) {
		f, ref := open(t, st, "ann@agency.gov")
		r := ingest(t, f, eml("bob@agency.gov", "Re: ["+ref+"] Printer on fire", "no stamp", "Message-ID: <o6@agency.gov>"))
		if r.Action != desk.ActionCreated || r.Ref == ref {
			t.Fatalf("a colleague's mail no trusted MTA judged threaded: %+v", r)
		}
	})
	eachStore(t, "without_trusted_mtas_a_colleague_threads_like_the_requester", func(t *testing.T, st *store.Store) {
		f := mailFixture(t, st)
		ref := ingest(t, f, eml("ann@agency.gov", "Printer on fire", "fire", "Message-ID: <o7@agency.gov>")).Ref
		r := ingest(t, f, eml("bob@agency.gov", "Re: ["+ref+"] Printer on fire", "me too", "Message-ID: <o8@agency.gov>"))
		if r.Action != desk.ActionAppended || r.Ref != ref {
			t.Fatalf("colleague's mail: %+v", r)
		}
	})
	eachStore(t, "other_domain_opens_a_new_ticket", func(t *testing.T, st *store.Store) {
		f, ref := open(t, st, "ann@agency.gov")
		r := ingest(t, f, eml("eve@agency.gov.evil.example", "Re: ["+ref+"] Printer on fire", "hi", "Message-ID: <o5@evil.example>", passFor+"agency.gov.evil.example"))
		if r.Action != desk.ActionCreated {
			t.Fatalf("another domain threaded: %+v", r)
		}
	})
}

func TestPublicProvidersAreNeverAnOrganisation(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"ann@agency.gov", "bob@AGENCY.gov", true},
		{"ann@gmail.com", "bob@gmail.com", false},
		{"ann@outlook.com", "bob@outlook.com", false},
		{"ann@yahoo.com", "bob@yahoo.com", false},
		{"ann@icloud.com", "bob@icloud.com", false},
		{"ann@agency.gov", "bob@sub.agency.gov", false},
		{"ann@agency.gov", "nobody", false},
	} {
		if got := mail.SameOrganisation(c.a, c.b); got != c.want {
			t.Errorf("SameOrganisation(%s, %s) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// TestParticipants_CopiedOnStaffReplies: staff add and remove people; a
// public reply goes To the requester and Cc the participants, with the
// files attached; the timeline says who was added and removed.
func TestParticipants_CopiedOnStaffReplies(t *testing.T) {
	ctx := context.Background()
	eachStore(t, "add_reply_remove", func(t *testing.T, st *store.Store) {
		f := mailFixture(t, st)
		res := ingest(t, f, eml("ann@agency.gov", "VPN", "no VPN", "Message-ID: <p1@agency.gov>", "Cc: Carl <carl@partner.example>, support@desk.gov"))
		ref := res.Ref
		tk, _ := f.st.GetTicket(ctx, ref)
		ps, _ := f.svc.Participants(ctx, tk)
		if len(ps) != 1 || ps[0].Email != "carl@partner.example" {
			t.Fatalf("participants from the first mail's Cc = %+v, want carl only (never the desk)", ps)
		}
		if _, err := f.svc.AddParticipant(ctx, ref, f.staff, "Dana@Partner.example", "Dana Diaz"); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ email, want string }{
			{"ann@agency.gov", "is the requester"},
			{"dana@partner.example", "already on this ticket"},
			{"support@desk.gov", "desk's own address"},
			{"not an address", "is not an email address"},
		} {
			_, err := f.svc.AddParticipant(ctx, ref, f.staff, c.email, "")
			if desk.ErrorCode(err) != desk.Invalid || !strings.Contains(desk.ErrorMessage(err), c.want) || desk.FieldErrors(err)["email"] == "" {
				t.Errorf("add %q: %v, want invalid %q on the email field", c.email, err, c.want)
			}
		}
		files := []mail.Upload{{Filename: "../../etc/report\u202egpj.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 report")}}
		if _, err := f.svc.ReplyWith(ctx, ref, f.staff, desk.ReplyInput{Body: "Here is the report.", Internal: false, Files: files}); err != nil {
			t.Fatal(err)
		}
		out := outboxOf(t, f, ref)
		reply := out[len(out)-1]
		if reply.Kind != desk.OutboxReply || reply.To != "ann@agency.gov,carl@partner.example,dana@partner.example" {
			t.Fatalf("reply envelope %q", reply.To)
		}
		m, err := mail.Parse(reply.Raw, mail.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		if len(m.To) != 1 || m.To[0].Email != "ann@agency.gov" || len(m.Cc) != 2 || m.Cc[1].Name != "Dana Diaz" {
			t.Errorf("To %v Cc %v", m.To, m.Cc)
		}
		if len(m.Attachments) != 1 || m.Attachments[0].Filename != "reportgpj.pdf" || !bytes.Equal(m.Attachments[0].Data, files[0].Data) {
			t.Errorf("attachments %+v", m.Attachments)
		}
		msgs, _ := f.st.TicketMessages(ctx, tk.ID)
		last := msgs[len(msgs)-1]
		if last.Direction != desk.DirectionOut || len(last.Attachments) != 1 || last.Attachments[0].Filename != "reportgpj.pdf" {
			t.Errorf("stored reply %+v attachments %+v", last, last.Attachments)
		}
		if a, err := f.svc.Attachment(ctx, ref, last.Attachments[0].ID); err != nil || string(a.Data) != "%PDF-1.4 report" {
			t.Errorf("download: %v", err)
		}
		if _, err := f.svc.RemoveParticipant(ctx, ref, f.staff, "CARL@partner.example"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.RemoveParticipant(ctx, ref, f.staff, "carl@partner.example"); desk.ErrorCode(err) != desk.NotFound {
			t.Errorf("removing twice: %v", err)
		}
		if _, err := f.svc.Reply(ctx, ref, f.staff, "Anything else?", false); err != nil {
			t.Fatal(err)
		}
		out = outboxOf(t, f, ref)
		if to := out[len(out)-1].To; to != "ann@agency.gov,dana@partner.example" {
			t.Errorf("after removing carl the reply goes to %q", to)
		}
		_, ev, _ := f.svc.Get(ctx, ref)
		if !hasEvent(ev, desk.EventParticipantAdded, "dana@partner.example") || !hasEvent(ev, desk.EventParticipantRemoved, "") {
			t.Error("the timeline does not show the people changes")
		}
	})
	eachStore(t, "cc_on_a_reply_joins_and_is_copied_next_time", func(t *testing.T, st *store.Store) {
		f := mailFixture(t, st)
		ref := ingest(t, f, eml("ann@agency.gov", "VPN", "no VPN", "Message-ID: <p4@agency.gov>")).Ref
		ack := outboxOf(t, f, ref)[0].MessageID
		// A forged reply naming the ticket only by its tag, copying an
		// outsider: it threads (the requester's address), but the outsider
		// is not copied on what staff write next.
		r := ingest(t, f, eml("ann@agency.gov", "Re: ["+ref+"] VPN", "forged", "Message-ID: <p6@agency.gov>", "Cc: Eve <eve@evil.example>"))
		if r.Action != desk.ActionAppended {
			t.Fatalf("tagged reply %+v", r)
		}
		// The real reply answers our acknowledgement's signed Message-ID.
		r = ingest(t, f, eml("ann@agency.gov", "Re: ["+ref+"] VPN", "adding my manager", "Message-ID: <p5@agency.gov>", "In-Reply-To: <"+ack+">", "Cc: Mia <mia@agency.gov>, Support <SUPPORT@desk.gov>"))
		if r.Action != desk.ActionAppended {
			t.Fatalf("reply %+v", r)
		}
		if _, err := f.svc.Reply(ctx, ref, f.staff, "Noted.", false); err != nil {
			t.Fatal(err)
		}
		out := outboxOf(t, f, ref)
		if to := out[len(out)-1].To; to != "ann@agency.gov,mia@agency.gov" {
			t.Errorf("reply after a Cc'd reply goes to %q", to)
		}
	})
	eachStore(t, "a_mail_copying_many_adds_at_most_the_cap", func(t *testing.T, st *store.Store) {
		f := mailFixture(t, st)
		ref := ingest(t, f, eml("ann@agency.gov", "VPN", "no VPN", "Message-ID: <p7@agency.gov>")).Ref
		ack := outboxOf(t, f, ref)[0].MessageID
		var cc []string
		for i := range desk.MaxParticipants + 20 {
			cc = append(cc, fmt.Sprintf("p%d@agency.gov", i))
		}
		ingest(t, f, eml("ann@agency.gov", "Re: VPN", "everyone", "Message-ID: <p8@agency.gov>", "In-Reply-To: <"+ack+">", "Cc: "+strings.Join(cc, ", ")))
		tk, err := f.st.GetTicket(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		ps, err := f.svc.Participants(ctx, tk)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) > desk.MaxParticipants {
			t.Errorf("%d people on the ticket after one mail, want at most %d", len(ps), desk.MaxParticipants)
		}
	})
	eachStore(t, "too_large_file_is_refused_whole", func(t *testing.T, st *store.Store) {
		f := mailFixture(t, st)
		f.svc.Mail.Limits.MaxAttachmentBytes = 1000
		ref := ingest(t, f, eml("ann@agency.gov", "VPN", "no VPN", "Message-ID: <p2@agency.gov>")).Ref
		n := len(outboxOf(t, f, ref))
		_, err := f.svc.ReplyWith(ctx, ref, f.staff, desk.ReplyInput{Body: "see attached", Internal: false, Files: []mail.Upload{{Filename: "big.bin", Data: make([]byte, 1001)}}})
		if desk.ErrorCode(err) != desk.TooLarge || !strings.Contains(desk.ErrorMessage(err), "big.bin is 1001 bytes; each file may be at most 1000 bytes") {
			t.Fatalf("err = %v", err)
		}
		if len(outboxOf(t, f, ref)) != n {
			t.Error("a reply with a refused file was sent anyway")
		}
	})
	eachStore(t, "files_on_a_note_are_kept_and_not_mailed", func(t *testing.T, st *store.Store) {
		f := mailFixture(t, st)
		ref := ingest(t, f, eml("ann@agency.gov", "VPN", "no VPN", "Message-ID: <p3@agency.gov>")).Ref
		n := len(outboxOf(t, f, ref))
		if _, err := f.svc.ReplyWith(ctx, ref, f.staff, desk.ReplyInput{Body: "log from the server", Internal: true, Files: []mail.Upload{{Filename: "vpn.log", Data: []byte("denied")}}}); err != nil {
			t.Fatal(err)
		}
		if len(outboxOf(t, f, ref)) != n {
			t.Error("a note was mailed")
		}
		tk, ev, _ := f.svc.Get(ctx, ref)
		last := ev[len(ev)-1]
		msgs, _ := f.st.TicketMessages(ctx, tk.ID)
		if last.Kind != desk.EventNote || last.MailID == nil || len(msgs[len(msgs)-1].Attachments) != 1 {
			t.Errorf("note %+v, messages %d", last, len(msgs))
		}
	})
}

// TestMerge folds a duplicate into another ticket.
func TestMerge(t *testing.T) {
	ctx := context.Background()
	pair := func(t *testing.T, st *store.Store) (*fixture, string, string) {
		t.Helper()
		f := mailFixture(t, st)
		survivor := ingest(t, f, eml("ann@agency.gov", "Cannot log in", "login fails", "Message-ID: <s1@agency.gov>")).Ref
		dup := ingest(t, f, eml("Bob <bob@partner.example>", "Login broken", "same here", "Message-ID: <d1@partner.example>", "Cc: carl@partner.example")).Ref
		return f, dup, survivor
	}
	eachStore(t, "messages_people_and_promises_move_and_mail_follows", func(t *testing.T, st *store.Store) {
		f, dup, survivor := pair(t, st)
		if _, err := f.svc.AddParticipant(ctx, dup, f.staff, "dana@partner.example", "Dana"); err != nil {
			t.Fatal(err)
		}
		before, _ := f.st.GetTicket(ctx, survivor)
		d, s, err := f.svc.Merge(ctx, dup, " ["+strings.ToLower(survivor)+"] ", f.staff)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != desk.StatusClosed || d.Open || s.Ref != survivor {
			t.Fatalf("duplicate %s open %v, survivor %s", d.Status, d.Open, s.Ref)
		}
		for _, p := range d.Promises {
			if p.Open() || p.EndReason != "merged into "+survivor || p.Outcome != promise.Cancelled {
				t.Errorf("duplicate's promise %s: open %v, %s (%q)", p.Kind, p.Open(), p.Outcome, p.EndReason)
			}
		}
		if len(s.Promises) != len(before.Promises) {
			t.Errorf("survivor has %d promises, had %d", len(s.Promises), len(before.Promises))
		}
		for i, p := range s.Promises {
			if p.Open() != before.Promises[i].Open() || !p.DueAt.Equal(before.Promises[i].DueAt) {
				t.Errorf("survivor's promise %s changed", p.Kind)
			}
		}
		msgs, _ := f.st.TicketMessages(ctx, s.ID)
		var froms []string
		for _, m := range msgs {
			if m.Direction == desk.DirectionIn {
				froms = append(froms, m.FromAddr)
			}
		}
		if strings.Join(froms, " ") != "ann@agency.gov bob@partner.example" {
			t.Errorf("survivor's inbound mail from %v", froms)
		}
		ps, _ := f.svc.Participants(ctx, s)
		var emails []string
		for _, p := range ps {
			emails = append(emails, p.Email)
		}
		if strings.Join(emails, " ") != "bob@partner.example carl@partner.example dana@partner.example" {
			t.Errorf("survivor's participants %v", emails)
		}
		_, evD, _ := f.svc.Get(ctx, dup)
		_, evS, _ := f.svc.Get(ctx, survivor)
		if !hasEvent(evD, desk.EventMerged, survivor) || !hasEvent(evS, desk.EventMerged, survivor) {
			t.Error("both timelines should say so")
		}
		if into, _ := f.svc.MergedInto(ctx, d); into != survivor {
			t.Errorf("MergedInto = %q", into)
		}

		// Later mail: by the duplicate's signed Message-ID, and by either tag.
		dt, _ := f.st.GetTicket(ctx, dup)
		acks, _ := f.st.TicketOutbox(ctx, dt.ID)
		if len(acks) == 0 {
			t.Fatal("the duplicate had no acknowledgement to reply to")
		}
		for i, raw := range [][]byte{
			eml("bob@partner.example", "Re: anything", "by message id", "Message-ID: <d2@partner.example>", "In-Reply-To: <"+acks[0].MessageID+">"),
			eml("bob@partner.example", "Re: ["+dup+"] Login broken", "by the old tag", "Message-ID: <d3@partner.example>"),
			eml("bob@partner.example", "Re: ["+survivor+"] Cannot log in", "by the new tag", "Message-ID: <d4@partner.example>"),
			eml("ann@agency.gov", "Re: ["+dup+"] Login broken", "the survivor's requester by the old tag", "Message-ID: <d5@agency.gov>"),
		} {
			if r := ingest(t, f, raw); r.Action != desk.ActionAppended || r.Ref != survivor {
				t.Errorf("later mail %d: %+v, want appended to %s", i, r, survivor)
			}
		}
	})
	eachStore(t, "refusals", func(t *testing.T, st *store.Store) {
		f, dup, survivor := pair(t, st)
		third := ingest(t, f, eml("cy@agency.gov", "Third", "third", "Message-ID: <t1@agency.gov>")).Ref
		check := func(ref, into, want string, code desk.Code) {
			t.Helper()
			_, _, err := f.svc.Merge(ctx, ref, into, f.staff)
			if desk.ErrorCode(err) != code || !strings.Contains(desk.ErrorMessage(err), want) {
				t.Errorf("merge %s into %q: %v (%s), want %s %q", ref, into, err, desk.ErrorCode(err), code, want)
			}
		}
		check(dup, "", "please give the reference", desk.Invalid)
		check(dup, dup, "cannot be merged into itself", desk.Invalid)
		check(dup, "SR-99999", "there is no ticket SR-99999", desk.Invalid)
		if _, _, err := f.svc.Merge(ctx, dup, survivor, f.staff); err != nil {
			t.Fatal(err)
		}
		check(dup, third, "was already merged into "+survivor, desk.Conflict)
		check(third, dup, "was itself merged into "+survivor+"; merge into "+survivor+" instead", desk.Invalid)
		check(survivor, dup, "merging back would make a loop", desk.Invalid)
		if _, _, err := f.svc.Merge(ctx, survivor, third, f.staff); err != nil {
			t.Fatal(err)
		}
		// dup answered to survivor, which now answers to third: so does dup.
		d, _ := f.st.GetTicket(ctx, dup)
		if into, _ := f.svc.MergedInto(ctx, d); into != third {
			t.Errorf("after a second merge the first duplicate answers to %q, want %s", into, third)
		}
		check(third, dup, "merging back would make a loop", desk.Invalid)
		if _, err := f.svc.Reply(ctx, dup, f.staff, "hello?", false); desk.ErrorCode(err) != desk.Conflict || !strings.Contains(desk.ErrorMessage(err), "please continue there") {
			t.Errorf("a reply on a merged ticket: %v", err)
		}
		if _, err := f.svc.AddParticipant(ctx, dup, f.staff, "zed@agency.gov", ""); desk.ErrorCode(err) != desk.Conflict {
			t.Errorf("adding someone to a merged ticket: %v", err)
		}
	})
	eachStore(t, "two_opposite_merges_at_once_one_wins", func(t *testing.T, st *store.Store) {
		f, a, b := pair(t, st)
		errs := make(chan error, 2)
		for _, p := range [][2]string{{a, b}, {b, a}} {
			go func() { _, _, err := f.svc.Merge(ctx, p[0], p[1], f.staff); errs <- err }()
		}
		var ok, refused int
		for range 2 {
			switch err := <-errs; {
			case err == nil:
				ok++
			case desk.ErrorCode(err) == desk.Invalid || desk.ErrorCode(err) == desk.Conflict:
				refused++
			default:
				t.Errorf("unexpected error %v", err)
			}
		}
		if ok != 1 || refused != 1 {
			t.Fatalf("%d merges succeeded and %d were refused, want one of each", ok, refused)
		}
		ta, _ := f.st.GetTicket(ctx, a)
		tb, _ := f.st.GetTicket(ctx, b)
		ia, _ := f.svc.MergedInto(ctx, ta)
		ib, _ := f.svc.MergedInto(ctx, tb)
		if (ia == "") == (ib == "") {
			t.Errorf("merged into: %s → %q, %s → %q; want exactly one", a, ia, b, ib)
		}
	})
}
