package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/slatrack/slatrack/internal/desk"
)

// ticketPage is one ticket, its conversation and the staff actions.
type ticketPage struct {
	T ticketView
	// Promises are the ticket's promises, oldest first.
	Promises []promiseView
	// Conversation is the timeline, oldest first, as people read it:
	// messages, replies and notes one by one, the system's entries between
	// them grouped (see conversation).
	Conversation []convItem
	Classes      []classOption
	Statuses     []string
	Users        []*desk.User
	Errors       desk.ValidationErrors
	// Form is what the agent had typed or chosen, kept when the page is
	// shown again (an error, a stale page, a macro inserted).
	Form ticketForm
	// Version is the ticket's version this page shows; every form carries
	// it back as expected_version.
	Version int64
	// Stale is set when a submit was refused because the ticket changed
	// since the agent's page was loaded: what changed, and what they
	// tried to do.
	Stale *staleNotice
	// Related are the requester's other tickets and their organisation's.
	Related *desk.Related
	// Prev and Next are the neighbouring open tickets in the queue's order.
	Prev, Next string
	// Macros are the library, each expanded for this ticket and agent.
	Macros []ticketMacro
	// Mail holds the ticket's stored messages by ID, for events that point
	// at one (formatted view, attachments).
	Mail   map[uint64]*desk.Message
	Outbox []outboxRow
	// People are the participants and the merge (partials_people.html).
	People *peopleView
}

// ticketForm is the ticket page's forms as posted.
type ticketForm struct {
	Body string
	// Action is the form that was sent: "reply", "note", "status",
	// "assign", "class".
	Action   string
	MacroID  uint64
	Status   string
	Assignee string
	Class    string
	Reason   string
}

// staleNotice says why a submit was held back.
type staleNotice struct {
	// Changes are what happened since the agent's version, oldest first.
	Changes []desk.Change
	// What names what they tried ("Your reply", "Your status change").
	What string
}

// Who names the people who made the changes: "Ana", "Ana and Bo",
// "Ana, Bo and Cy".
func (n *staleNotice) Who() string {
	var names []string
	seen := map[string]bool{}
	for _, c := range n.Changes {
		if !seen[c.Actor] {
			seen[c.Actor] = true
			names = append(names, c.Actor)
		}
	}
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// ticketMacro is a macro ready to insert on this ticket: its text with the
// placeholders filled, and its actions in words.
type ticketMacro struct {
	ID       uint64
	Name     string
	Text     string
	Actions  string
	Selected bool
}

// convItem is one entry of the conversation: a message (Entry) or a run of
// the system's entries between two messages (Group).
type convItem struct {
	Entry *convEntry
	Group []convEntry
	// Summary is the group's one line: its last entry's words and how many
	// there are; At is when the last one happened.
	Summary string
	At      time.Time
	// Fresh: the item holds something new since the agent's version.
	Fresh bool
}

// convEntry is one timeline entry for people.
type convEntry struct {
	*desk.Event
	// Label is the kind for people ("Reply", "Internal note").
	Label string
	// Name is who, by name; Email their address ("" for slatrack).
	Name, Email string
	// Words say what a system entry did.
	Words string
	// Fresh: made after the version the agent had open.
	Fresh bool
	// Last marks the newest message, next to the reply box.
	Last bool
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

// RelatedURL is the queue filtered to a requester's (or, with org, their
// organisation's) tickets, every status: the "more" link of the sidebar.
func (p *ticketPage) RelatedURL(org bool) string {
	q := "from:" + p.T.RequesterEmail
	if org {
		q = "from:" + p.Related.Domain
	}
	return "/queue?status=all&q=" + url.QueryEscape(q)
}

// MoreMine and MoreOrg report whether the requester (their
// organisation) has more tickets than the sidebar lists.
func (p *ticketPage) MoreMine() bool {
	return p.Related != nil && p.Related.MineTotal > int64(len(p.Related.Mine))
}

// MoreOrg: see MoreMine.
func (p *ticketPage) MoreOrg() bool {
	return p.Related != nil && p.Related.OrgTotal > int64(len(p.Related.Org))
}

// staffNames maps staff addresses to their names.
func staffNames(users []*desk.User) func(string) string {
	names := make(map[string]string, len(users))
	for _, u := range users {
		names[strings.ToLower(u.Email)] = u.Name
	}
	return func(email string) string { return names[strings.ToLower(email)] }
}

// conversation arranges the timeline for people: every message, reply and
// note on its own, the system entries between them in groups, and entries
// after version since (0: none) marked fresh.
func (s *Server) conversation(t *desk.Ticket, events []*desk.Event, users []*desk.User, since int64) []convItem {
	names := staffNames(users)
	var out []convItem
	lastMsg := -1
	for _, e := range events {
		ce := convEntry{Event: e, Label: desk.EventLabel(e.Kind), Name: e.ActorName(), Email: e.ActorEmail(),
			Fresh: since > 0 && e.Version > since}
		if strings.EqualFold(ce.Email, t.RequesterEmail) || (ce.Email == "" && strings.EqualFold(ce.Name, t.RequesterEmail)) {
			ce.Email = t.RequesterEmail
			if t.RequesterName != "" {
				ce.Name = t.RequesterName
			}
		}
		if n := names(ce.Email); n != "" {
			ce.Name = n
		}
		if e.IsConversation() {
			out = append(out, convItem{Entry: &ce, Fresh: ce.Fresh})
			lastMsg = len(out) - 1
			continue
		}
		ce.Words = s.svc.Describe(e, names)
		if n := len(out); n == 0 || out[n-1].Entry != nil {
			out = append(out, convItem{})
		}
		g := &out[len(out)-1]
		g.Group = append(g.Group, ce)
		g.Fresh = g.Fresh || ce.Fresh
	}
	for i := range out {
		if g := out[i].Group; len(g) > 0 {
			// The line names the last thing a person did, else the last entry.
			head := g[len(g)-1]
			for j := len(g) - 1; j >= 0; j-- {
				if g[j].ByPerson() {
					head = g[j]
					break
				}
			}
			out[i].Summary, out[i].At = head.Words, g[len(g)-1].At
			if len(g) > 1 {
				out[i].Summary += " · " + strconv.Itoa(len(g)) + " updates"
			}
		}
	}
	if lastMsg >= 0 {
		out[lastMsg].Entry.Last = true
	}
	return out
}

func (s *Server) ticketPage(c *gin.Context) {
	var since int64
	if v, err := strconv.ParseInt(c.Query("since"), 10, 64); err == nil && v > 0 {
		since = v
	}
	s.showTicket(c, http.StatusOK, ticketShow{since: since})
}

// ticketShow is how to show the ticket page again after a submit.
type ticketShow struct {
	err   error
	form  ticketForm
	since int64 // mark what came after this version
	stale *desk.StaleError
	// keep puts back what was typed into a refused people or merge form.
	keep func(*peopleView)
}

// showTicket renders the ticket page, with form errors when an action
// failed, or what changed when it was refused as stale.
func (s *Server) showTicket(c *gin.Context, status int, o ticketShow) {
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
	related, err := s.svc.RelatedTickets(ctx, t)
	if err != nil {
		s.respondError(c, err)
		return
	}
	prev, next, err := s.svc.QueueNeighbours(ctx, t)
	if err != nil {
		s.respondError(c, err)
		return
	}
	macros, err := s.svc.Macros(ctx)
	if err != nil {
		s.respondError(c, err)
		return
	}
	now := s.now()
	p := ticketPage{T: s.view(t, now), Promises: s.promiseViews(t, now), Classes: s.classOptions(), Statuses: desk.Statuses(), Users: users,
		Form: o.form, Version: t.Version, Related: related, Prev: prev, Next: next, Mail: map[uint64]*desk.Message{}}
	p.Conversation = s.conversation(t, events, users, o.since)
	agent := currentUser(c)
	for _, m := range macros {
		p.Macros = append(p.Macros, ticketMacro{ID: m.ID, Name: m.Name, Text: s.svc.ExpandMacro(m, t, agent),
			Actions: m.Actions(s.svc.Policy.Title), Selected: m.ID == o.form.MacroID})
	}
	for _, m := range msgs {
		p.Mail[m.ID] = m
	}
	if p.People, err = s.peopleOf(c, t); err != nil {
		s.respondError(c, err)
		return
	}
	if o.keep != nil {
		o.keep(p.People)
	}
	for _, o := range outbox {
		row := outboxRow{OutboxMail: o}
		if o.Status == desk.OutboxQueued {
			row.Held, row.Hint = s.held(o.Channel)
		}
		p.Outbox = append(p.Outbox, row)
	}
	d := pageData{Title: t.Ref + " " + t.Subject, Nav: "queue", Page: &p}
	if o.stale != nil {
		p.Stale = &staleNotice{Changes: s.namedChanges(o.stale.Changes, users), What: actionWords(o.form.Action)}
	} else if o.err != nil {
		p.Errors = desk.FieldErrors(o.err)
		p.People.Errors = p.Errors
		d.Error = desk.ErrorMessage(o.err)
	}
	s.render(c, status, "ticket", d)
}

// namedChanges are changes with staff addresses in their words replaced by
// names (the domain words them with what the events hold).
func (s *Server) namedChanges(cs []desk.Change, users []*desk.User) []desk.Change {
	out := make([]desk.Change, len(cs))
	copy(out, cs)
	for i := range out {
		for _, u := range users {
			if u.Name != "" {
				out[i].Words = strings.ReplaceAll(out[i].Words, u.Email, u.Name)
			}
		}
	}
	return out
}

// actionWords names what an agent tried, for the stale notice.
func actionWords(action string) string {
	switch action {
	case "note":
		return "Your note"
	case "status":
		return "Your status change"
	case "assign":
		return "Your assignment"
	case "class":
		return "Your class change"
	}
	return "Your reply"
}

// expectedVersion is the version a ticket form was loaded at (0: none
// sent, no check).
func expectedVersion(c *gin.Context) int64 {
	v, err := strconv.ParseInt(c.PostForm("expected_version"), 10, 64)
	if err != nil || v < 0 {
		return 0
	}
	return v
}

// afterAction finishes a ticket form: back to the ticket with a flash; the
// page again with the error next to the field; or, when the ticket changed
// since the agent's page was loaded, the page again with what changed
// marked, their input kept and a button to send it anyway.
func (s *Server) afterAction(c *gin.Context, t *desk.Ticket, err error, done string, form ticketForm) {
	if err != nil {
		code := desk.ErrorCode(err)
		if st := desk.Stale(err); st != nil {
			s.showTicket(c, http.StatusConflict, ticketShow{form: form, since: expectedVersion(c), stale: st})
			return
		}
		if code == desk.Invalid || code == desk.TooLarge {
			s.showTicket(c, statusOf(code), ticketShow{err: err, form: form})
			return
		}
		s.respondError(c, err)
		return
	}
	s.setFlash(c, done)
	c.Redirect(http.StatusSeeOther, "/tickets/"+t.Ref)
}

func macroID(c *gin.Context) uint64 {
	id, err := strconv.ParseUint(c.PostForm("macro_id"), 10, 64)
	if err != nil {
		return 0
	}
	return id
}

func (s *Server) ticketReply(c *gin.Context) {
	internal := c.PostForm("internal") == "1" || c.PostForm("action") == "note"
	body := c.PostForm("body")
	form := ticketForm{Body: body, Action: "reply", MacroID: macroID(c)}
	if internal {
		form.Action = "note"
	}
	if c.PostForm("action") == "insert" {
		s.ticketInsertMacro(c, form)
		return
	}
	files, err := formFiles(c)
	var t *desk.Ticket
	if err == nil {
		t, err = s.svc.ReplyWith(c.Request.Context(), c.Param("ref"), currentUser(c),
			desk.ReplyInput{Body: body, Internal: internal, ExpectedVersion: expectedVersion(c), MacroID: form.MacroID, Files: files})
	}
	done := "Reply sent to the requester."
	if why, hint := s.held(desk.DeliveryMail); internal {
		done = "Internal note added."
	} else if why != "" && s.svc.Mail != nil {
		done = "Reply saved and queued: " + why + "; " + hint + "."
	}
	done = s.copiedWords(c, t, internal, err, done)
	s.afterAction(c, t, err, done, form)
}

// ticketInsertMacro is the reply form's "Insert" button without
// JavaScript: the page again with the chosen macro's text added to the
// reply box, and the macro remembered so its actions apply on send.
func (s *Server) ticketInsertMacro(c *gin.Context, form ticketForm) {
	if form.MacroID == 0 {
		s.showTicket(c, http.StatusBadRequest, ticketShow{form: form, err: desk.FieldError("macro_id", "choose a macro to insert")})
		return
	}
	m, err := s.svc.Macro(c.Request.Context(), form.MacroID)
	if desk.ErrorCode(err) == desk.NotFound {
		form.MacroID = 0
		s.showTicket(c, http.StatusBadRequest, ticketShow{form: form, err: desk.FieldError("macro_id", "that macro no longer exists; pick another")})
		return
	}
	if err != nil {
		s.respondError(c, err)
		return
	}
	t, _, err := s.svc.Get(c.Request.Context(), c.Param("ref"))
	if err != nil {
		s.respondError(c, err)
		return
	}
	text := s.svc.ExpandMacro(m, t, currentUser(c))
	if strings.TrimSpace(form.Body) != "" {
		text = strings.TrimRight(form.Body, "\r\n ") + "\n\n" + text
	}
	form.Body, form.Action = text, "reply"
	s.showTicket(c, http.StatusOK, ticketShow{form: form})
}

func (s *Server) ticketReclassify(c *gin.Context) {
	class := c.PostForm("class")
	form := ticketForm{Action: "class", Class: class, Reason: c.PostForm("reason")}
	t, err := s.svc.Update(c.Request.Context(), c.Param("ref"), currentUser(c), desk.Patch{Class: &class, Reason: form.Reason, ExpectedVersion: expectedVersion(c)})
	s.afterAction(c, t, err, "Class changed; the deadline was recomputed from the receipt time.", form)
}

func (s *Server) ticketAssign(c *gin.Context) {
	a := c.PostForm("assignee_email")
	if a == "me" {
		a = currentUser(c).Email
	}
	form := ticketForm{Action: "assign", Assignee: a}
	t, err := s.svc.Update(c.Request.Context(), c.Param("ref"), currentUser(c), desk.Patch{AssigneeEmail: &a, ExpectedVersion: expectedVersion(c)})
	s.afterAction(c, t, err, "Assignment saved.", form)
}

func (s *Server) ticketStatus(c *gin.Context) {
	st := c.PostForm("status")
	form := ticketForm{Action: "status", Status: st}
	t, err := s.svc.Update(c.Request.Context(), c.Param("ref"), currentUser(c), desk.Patch{Status: &st, ExpectedVersion: expectedVersion(c)})
	s.afterAction(c, t, err, "Status changed.", form)
}

// presenceAnswer is what the ticket page's script polls: who else has the
// ticket open, the version it is at, and what people changed since the
// version the page was loaded at.
type presenceAnswer struct {
	Version int64           `json:"version"`
	Others  []presenceOther `json:"others"`
	Changes []apiChange     `json:"changes"`
}

type presenceOther struct {
	Name   string `json:"name"`
	Typing bool   `json:"typing"`
}

// ticketPresence is the page's heartbeat: POST with typing=1|0 and
// since=VERSION (the page's), answered with presenceAnswer.
func (s *Server) ticketPresence(c *gin.Context) {
	ctx := c.Request.Context()
	me := currentUser(c)
	t, others, err := s.svc.Heartbeat(ctx, c.Param("ref"), me, c.PostForm("typing") == "1")
	if err != nil {
		s.respondError(c, err)
		return
	}
	out := presenceAnswer{Version: t.Version, Others: []presenceOther{}, Changes: []apiChange{}}
	for _, o := range others {
		name := o.User.Name
		if name == "" {
			name = o.User.Email
		}
		out.Others = append(out.Others, presenceOther{Name: name, Typing: o.Typing})
	}
	since, _ := strconv.ParseInt(c.PostForm("since"), 10, 64)
	if since > 0 && t.Version > since {
		users, err := s.svc.Staff(ctx)
		if err != nil {
			s.respondError(c, err)
			return
		}
		_, changes, err := s.svc.ChangesSince(ctx, t.Ref, since, staffNames(users))
		if err != nil {
			s.respondError(c, err)
			return
		}
		out.Changes = s.apiChanges(changes)
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, out)
}

// ticketLeave forgets the agent's presence (the page was closed).
func (s *Server) ticketLeave(c *gin.Context) {
	if err := s.svc.Leave(c.Request.Context(), c.Param("ref"), currentUser(c)); err != nil {
		s.respondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// apiChange is a change since a version, as JSON: for the API's 409 and
// the page's poll.
type apiChange struct {
	Version  int64  `json:"version"`
	At       string `json:"at"`
	When     string `json:"when"`
	Actor    string `json:"actor"`
	Kind     string `json:"kind"`
	Words    string `json:"words"`
	Internal bool   `json:"internal"`
	Body     string `json:"body,omitempty"`
}

func (s *Server) apiChanges(cs []desk.Change) []apiChange {
	out := make([]apiChange, 0, len(cs))
	for _, c := range cs {
		out = append(out, apiChange{Version: c.Version, At: s.rfc3339(c.At), When: s.timeWords(c.At), Actor: c.Actor, Kind: c.Kind,
			Words: c.Words, Internal: c.Internal, Body: c.Body})
	}
	return out
}
