package store_test

import (
	"testing"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

func TestParticipants_AddNamedRemove(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		tk := newTicket("people", base)
		if err := s.CreateTicketWith(ctx(t), "SR", tk, func(desk.Tx, *desk.Ticket) (desk.Writes, error) {
			return desk.Writes{Participants: []string{"Cc@Example.org"}}, nil
		}); err != nil {
			t.Fatal(err)
		}
		_, err := s.UpdateTicketWith(ctx(t), tk.Ref, func(tx desk.Tx, _ *desk.Ticket) (desk.Writes, error) {
			return desk.Writes{People: []*desk.Participant{
				{Email: "cc@example.org", Name: "Cee Cee", AddedBy: "Agent"}, // gains a name
				{Email: "boss@example.org", Name: "Boss", AddedAt: base, AddedBy: "Agent"},
			}}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		ps, err := s.Participants(ctx(t), tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 2 || ps[0].Email != "boss@example.org" || ps[0].Name != "Boss" || !ps[0].AddedAt.Equal(base) ||
			ps[1].Email != "cc@example.org" || ps[1].Name != "Cee Cee" {
			t.Fatalf("Participants = %+v %+v", ps[0], ps[len(ps)-1])
		}
		_, err = s.UpdateTicketWith(ctx(t), tk.Ref, func(tx desk.Tx, t *desk.Ticket) (desk.Writes, error) {
			in, err := tx.PeopleOn(t.ID)
			if err != nil || len(in) != 2 {
				return desk.Writes{}, err
			}
			return desk.Writes{Unpeople: []string{"BOSS@example.org"}}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.IsParticipant(ctx(t), tk.ID, "boss@example.org"); ok {
			t.Error("boss is still a participant after removal")
		}
		if ok, _ := s.IsParticipant(ctx(t), tk.ID, "cc@example.org"); !ok {
			t.Error("cc is no longer a participant")
		}
	})
}

func TestMergeTickets_MovesMailPeopleAndRepointsEarlierMerges(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		mk := func(subject, from string) *desk.Ticket {
			tk := newTicket(subject, base)
			tk.RequesterEmail = from
			msg := &desk.Message{Direction: desk.DirectionIn, DedupeKey: "id:" + subject, MessageID: subject + "@x", FromAddr: from, Subject: subject, Text: "text of " + subject,
				Attachments: []*desk.Attachment{{Filename: subject + ".txt", ContentType: "text/plain", Data: []byte("file")}}}
			if err := s.CreateTicketWith(ctx(t), "SR", tk, func(desk.Tx, *desk.Ticket) (desk.Writes, error) {
				return desk.Writes{Messages: []*desk.Message{msg}, Participants: []string{"cc-" + from},
					Events: []*desk.Event{{Kind: desk.EventMessageIn, Body: "text of " + subject, Mail: msg}, {Kind: desk.EventCreated, Body: "created"}}}, nil
			}); err != nil {
				t.Fatal(err)
			}
			return tk
		}
		a, b, c := mk("a", "a@example.org"), mk("b", "b@example.org"), mk("c", "c@example.org")
		merge := func(dup, into *desk.Ticket) {
			t.Helper()
			_, _, err := s.MergeTickets(ctx(t), dup.Ref, into.Ref, func(tx desk.Tx, d, i *desk.Ticket) (desk.MergeWrites, error) {
				if n, err := tx.CountMessages(d.ID, 100); err != nil || n == 0 {
					t.Errorf("CountMessages = %d, %v", n, err)
				}
				d.Status = desk.StatusClosed
				return desk.MergeWrites{
					Duplicate: desk.Writes{Events: []*desk.Event{{Kind: desk.EventMerged, Old: d.Ref, New: i.Ref}}},
					Survivor:  desk.Writes{Events: []*desk.Event{{Kind: desk.EventMerged, Actor: "Agent", Old: d.Ref, New: i.Ref}}, People: []*desk.Participant{{Email: d.RequesterEmail}}},
				}, nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		merge(a, b)
		if r, _ := s.MergedInto(ctx(t), a.ID); r != b.Ref {
			t.Fatalf("a merged into %q, want %s", r, b.Ref)
		}
		merge(b, c)
		for _, tk := range []*desk.Ticket{a, b} {
			if r, _ := s.MergedInto(ctx(t), tk.ID); r != c.Ref {
				t.Errorf("%s answers to %q, want %s", tk.Ref, r, c.Ref)
			}
		}
		if r, _ := s.MergedInto(ctx(t), c.ID); r != "" {
			t.Errorf("the survivor answers to %q", r)
		}
		msgs, err := s.TicketMessages(ctx(t), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != 3 || len(msgs[0].Attachments) != 1 {
			t.Fatalf("survivor has %d messages, want 3 with attachments", len(msgs))
		}
		if m, _ := s.TicketMessages(ctx(t), a.ID); len(m) != 0 {
			t.Errorf("the duplicate still has %d messages", len(m))
		}
		tl, _ := s.Timeline(ctx(t), c.ID)
		var in, merged int
		for _, e := range tl {
			switch e.Kind {
			case desk.EventMessageIn:
				in++
			case desk.EventMerged:
				merged++
			}
		}
		if in != 3 || merged != 1 { // b's own merge entry (a into b) stays b's history
			t.Errorf("survivor timeline: %d messages, %d merge entries; want 3, 1", in, merged)
		}
		tlA, _ := s.Timeline(ctx(t), a.ID)
		for _, e := range tlA {
			if e.Kind == desk.EventMessageIn {
				t.Error("the duplicate's conversation stayed on it")
			}
		}
		for _, e := range []string{"a@example.org", "b@example.org", "cc-a@example.org", "cc-b@example.org", "cc-c@example.org"} {
			if ok, _ := s.IsParticipant(ctx(t), c.ID, e); !ok {
				t.Errorf("%s is not on the survivor", e)
			}
		}
		if ps, _ := s.Participants(ctx(t), a.ID); len(ps) != 0 {
			t.Errorf("the duplicate kept participants %v", ps)
		}
		got, _ := s.GetTicket(ctx(t), a.Ref)
		if got.Status != desk.StatusClosed || got.Open {
			t.Errorf("duplicate status %s open %v", got.Status, got.Open)
		}
	})
}

func TestMergeTickets_FailedChangeWritesNothing(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		a, b := newTicket("a", base), newTicket("b", base)
		for _, tk := range []*desk.Ticket{a, b} {
			if err := s.CreateTicket(ctx(t), "SR", tk, []*desk.Event{{Kind: desk.EventMessageIn}}); err != nil {
				t.Fatal(err)
			}
		}
		_, _, err := s.MergeTickets(ctx(t), a.Ref, b.Ref, func(desk.Tx, *desk.Ticket, *desk.Ticket) (desk.MergeWrites, error) {
			return desk.MergeWrites{}, desk.Errorf(desk.Invalid, "no")
		})
		if desk.ErrorCode(err) != desk.Invalid {
			t.Fatalf("err = %v", err)
		}
		if r, _ := s.MergedInto(ctx(t), a.ID); r != "" {
			t.Errorf("merged into %q after a failed change", r)
		}
		if tl, _ := s.Timeline(ctx(t), a.ID); len(tl) != 1 {
			t.Errorf("the duplicate's timeline has %d entries", len(tl))
		}
		if _, _, err := s.MergeTickets(ctx(t), a.Ref, "SR-999999", nil); desk.ErrorCode(err) != desk.NotFound {
			t.Errorf("merge into a missing ticket: %v", err)
		}
	})
}
