package web

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/slatrack/slatrack/internal/desk"
)

// ticketPage is one ticket, its timeline and the staff actions.
type ticketPage struct {
	T ticketView
	// Promises are the ticket's promises, oldest first.
	Promises []promiseView
	Timeline []*desk.Event
	Classes  []classOption
	Statuses []string
	Users    []*desk.User
	Errors   desk.ValidationErrors
	Reply    string
	// Mail holds the ticket's stored messages by ID, for events that point
	// at one (formatted view, attachments).
	Mail   map[uint64]*desk.Message
	Outbox []outboxRow
	// People are the participants and the merge (partials_people.html).
	People *peopleView
}

// outboxRow is one of the ticket's deliveries, with why it waits when
// nothing here sends its channel.
type outboxRow struct {
	*desk.OutboxMail
	// Held is why the queued row is not being sent ("no relay
	// configured"), and Hint what would send it; both "" otherwise.
	Held, Hint string
}

// held says why rows of channel are not sent by this desk, and what would
// send them: ("", "") when they are sent.
func (s *Server) held(channel string) (why, hint string) {
	if s.sends == nil || s.sends(channel) {
		return "", ""
	}
	if channel == desk.DeliveryMail || channel == "" {
		return "no relay configured", "it goes out once mail.relay.host is set"
	}
	return "no sender for the " + channel + " channel", ""
}

// MailOf is the message an event is about, or nil.
func (p *ticketPage) MailOf(e *desk.Event) *desk.Message {
	if e.MailID == nil {
		return nil
	}
	return p.Mail[*e.MailID]
}

func (s *Server) ticketPage(c *gin.Context) {
	s.showTicket(c, http.StatusOK, nil, "")
}

// showTicket renders the ticket page, with form errors when an action failed.
func (s *Server) showTicket(c *gin.Context, status int, formErr error, reply string) {
	s.showTicketWith(c, status, formErr, reply, nil)
}

// showTicketWith is showTicket whose people section keeps what was typed
// into a refused form (keep, when not nil).
func (s *Server) showTicketWith(c *gin.Context, status int, formErr error, reply string, keep func(*peopleView)) {
	ctx := c.Request.Context()
	t, events, err := s.svc.Get(ctx, c.Param("ref"))
	if err != nil {
		s.respondError(c, err)
		return
	}
	users, err := s.svc.Staff(ctx)
	if err != nil {
		s.respondError(c, err)
		return
	}
	msgs, outbox, err := s.svc.TicketMail(ctx, t)
	if err != nil {
		s.respondError(c, err)
		return
	}
	now := s.now()
	p := ticketPage{T: s.view(t, now), Promises: s.promiseViews(t, now), Timeline: events, Classes: s.classOptions(), Statuses: desk.Statuses(), Users: users, Reply: reply,
		Mail: map[uint64]*desk.Message{}}
	for _, m := range msgs {
		p.Mail[m.ID] = m
	}
	if p.People, err = s.peopleOf(c, t); err != nil {
		s.respondError(c, err)
		return
	}
	if keep != nil {
		keep(p.People)
	}
	for _, o := range outbox {
		row := outboxRow{OutboxMail: o}
		if o.Status == desk.OutboxQueued {
			row.Held, row.Hint = s.held(o.Channel)
		}
		p.Outbox = append(p.Outbox, row)
	}
	d := pageData{Title: t.Ref + " " + t.Subject, Nav: "queue", Page: &p}
	if formErr != nil {
		p.Errors = desk.FieldErrors(formErr)
		p.People.Errors = p.Errors
		d.Error = desk.ErrorMessage(formErr)
	}
	s.render(c, status, "ticket", d)
}

// afterAction finishes a ticket form: back to the ticket with a flash, or
// the page again with the error next to the field.
func (s *Server) afterAction(c *gin.Context, t *desk.Ticket, err error, done, reply string) {
	if err != nil {
		code := desk.ErrorCode(err)
		if code == desk.Invalid || code == desk.TooLarge {
			s.showTicket(c, statusOf(code), err, reply)
			return
		}
		s.respondError(c, err)
		return
	}
	s.setFlash(c, done)
	c.Redirect(http.StatusSeeOther, "/tickets/"+t.Ref)
}

func (s *Server) ticketReply(c *gin.Context) {
	internal := c.PostForm("internal") == "1" || c.PostForm("action") == "note"
	body := c.PostForm("body")
	files, err := formFiles(c)
	var t *desk.Ticket
	if err == nil {
		t, err = s.svc.ReplyWithFiles(c.Request.Context(), c.Param("ref"), currentUser(c), body, internal, time.Time{}, files)
	}
	done := "Reply sent to the requester."
	if why, hint := s.held(desk.DeliveryMail); internal {
		done = "Internal note added."
	} else if why != "" && s.svc.Mail != nil {
		done = "Reply saved and queued: " + why + "; " + hint + "."
	}
	done = s.copiedWords(c, t, internal, err, done)
	s.afterAction(c, t, err, done, body)
}

func (s *Server) ticketReclassify(c *gin.Context) {
	class := c.PostForm("class")
	t, err := s.svc.Update(c.Request.Context(), c.Param("ref"), currentUser(c), desk.Patch{Class: &class, Reason: c.PostForm("reason")})
	s.afterAction(c, t, err, "Class changed; the deadline was recomputed from the receipt time.", "")
}

func (s *Server) ticketAssign(c *gin.Context) {
	a := c.PostForm("assignee_email")
	t, err := s.svc.Update(c.Request.Context(), c.Param("ref"), currentUser(c), desk.Patch{AssigneeEmail: &a})
	s.afterAction(c, t, err, "Assignment saved.", "")
}

func (s *Server) ticketStatus(c *gin.Context) {
	st := c.PostForm("status")
	t, err := s.svc.Update(c.Request.Context(), c.Param("ref"), currentUser(c), desk.Patch{Status: &st})
	s.afterAction(c, t, err, "Status changed.", "")
}
