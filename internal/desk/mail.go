package desk

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slatrack/slatrack/internal/mail"
)

// MailSettings turn on mail: acknowledgements and replies go out through
// the outbox, and IngestMail turns inbound mail into tickets.
type MailSettings struct {
	// From is the desk's address: the sender of every mail slatrack sends.
	From mail.Address
	// Addresses are the desk's own addresses; they are never participants.
	Addresses []string
	// Signer makes and checks slatrack's signed Message-IDs.
	Signer mail.IDSigner
	Limits mail.Limits
	// ReopenAfter: a reply to a ticket closed longer ago opens a new one.
	ReopenAfter time.Duration
	// AckLimit acknowledgements per sender per AckWindow.
	AckLimit  int
	AckWindow time.Duration
	// NewSenderAckLimit caps, desk-wide, the acknowledgements per AckWindow
	// beyond which a requester new to the desk gets none (0: no cap).
	NewSenderAckLimit int
	// TrustedAuthservIDs are the authserv-ids of the MTAs whose
	// Authentication-Results the desk believes (mail.trusted_authserv_ids).
	// Mail they judge unverified (mail.Message.Authentication) never joins
	// an existing ticket by its subject tag: it opens a new ticket, flagged
	// and linked. Empty: no mail is judged.
	TrustedAuthservIDs []string
}

// Ingest actions, as the inbound HTTP endpoint reports them.
const (
	ActionCreated     = "created"
	ActionAppended    = "appended"
	ActionDuplicate   = "duplicate"
	ActionIgnored     = "ignored"
	ActionQuarantined = "quarantined"
)

// IngestResult says what became of one inbound mail.
type IngestResult struct {
	Action string `json:"action"`
	Ref    string `json:"ref"`
	Reason string `json:"reason,omitempty"`
}

// IngestMail stores one raw inbound message and acts on it: a new ticket, a
// message appended to its thread, a bounce flagged on its ticket, automatic
// mail kept without action, a duplicate ignored, or unusable mail
// quarantined. It returns an error only when nothing could be stored (the
// caller must then ask the sender to retry); every other outcome means the
// mail is safely kept.
func (s *Service) IngestMail(ctx context.Context, raw []byte, source string) (IngestResult, error) {
	return s.ingest(ctx, raw, source, true)
}

func (s *Service) ingest(ctx context.Context, raw []byte, source string, quarantine bool) (IngestResult, error) {
	if s.Mail == nil {
		return IngestResult{}, &Error{Code: Unavailable, Message: "mail is not configured"}
	}
	now := s.now()
	m, err := mail.Parse(raw, s.Mail.Limits)
	if err == nil && m.Kind == mail.KindNormal && strings.TrimSpace(m.Subject+m.Text+m.HTML) == "" && len(m.Attachments) == 0 {
		err = &mail.RejectError{Reason: "nothing to read: no subject, text or attachments" + problems(m)}
	}
	if err != nil {
		reason := err.Error()
		var rej *mail.RejectError
		if errors.As(err, &rej) {
			reason = rej.Reason
		}
		if !quarantine {
			return IngestResult{Action: ActionQuarantined, Reason: reason}, nil
		}
		if err := s.messages.Quarantine(ctx, &Quarantined{Reason: reason, Source: source, Raw: raw, ReceivedAt: now}); err != nil {
			return IngestResult{}, err
		}
		return IngestResult{Action: ActionQuarantined, Reason: reason}, nil
	}
	// Our own mail coming back carries our signed id AND our address; a
	// stranger copying one of our ids into their mail is not dropped.
	if m.MessageID != "" && s.Mail.Signer.Ours(m.MessageID) && s.isDeskAddress(m.From.Email) {
		return IngestResult{Action: ActionIgnored, Reason: "slatrack's own outgoing mail came back in; dropped"}, nil
	}
	key := "sha256:" + m.Hash
	if m.MessageID != "" {
		key = "id:" + m.MessageID
	}
	dup, err := s.duplicate(ctx, key, m.From.Email)
	if err != nil {
		return IngestResult{}, err
	}
	if dup != nil && dup.Action == "" {
		// Someone else's mail reusing a Message-ID we have: keep it,
		// de-duplicated by its content instead.
		key = "sha256:" + m.Hash
		if dup, err = s.duplicate(ctx, key, m.From.Email); err != nil {
			return IngestResult{}, err
		}
	}
	if dup != nil && dup.Action != "" {
		return *dup, nil
	}
	msg := &Message{
		Direction: DirectionIn, MessageID: m.MessageID, DedupeKey: key, FromAddr: m.From.Email,
		ToAddrs: joinAddrs(append(append([]mail.Address{}, m.To...), m.Cc...)), Subject: m.Subject,
		Text: m.Text, HTML: m.HTML, Kind: string(m.Kind), Source: source, Raw: raw, ReceivedAt: now,
	}
	for _, a := range m.Attachments {
		msg.Attachments = append(msg.Attachments, &Attachment{Filename: a.Filename, ContentType: a.ContentType, Data: a.Data})
	}
	res, err := s.route(ctx, m, msg, now)
	if ErrorCode(err) == Conflict {
		// Another instance stored the same mail a moment ago.
		if dup, derr := s.duplicate(ctx, key, m.From.Email); derr == nil && dup != nil && dup.Action != "" {
			return *dup, nil
		}
	}
	return res, err
}

// problems lists the parser's warnings for a quarantine reason.
func problems(m *mail.Message) string {
	if len(m.Problems) == 0 {
		return ""
	}
	return " (" + strings.Join(m.Problems, "; ") + ")"
}

func derefResult(r *IngestResult) IngestResult {
	if r == nil {
		return IngestResult{}
	}
	return *r
}

// duplicate reports a mail already stored under key. A stored mail from
// another sender under the same key comes back with an empty Action.
func (s *Service) duplicate(ctx context.Context, key, from string) (*IngestResult, error) {
	prev, err := s.messages.FindMessage(ctx, key)
	switch {
	case ErrorCode(err) == NotFound:
		return nil, nil
	case err != nil:
		return nil, err
	}
	if !strings.EqualFold(prev.FromAddr, from) {
		return &IngestResult{}, nil
	}
	r := &IngestResult{Action: ActionDuplicate, Reason: "this message was already received"}
	if prev.TicketID != nil {
		if t, err := s.ticketByID(ctx, *prev.TicketID); err == nil {
			r.Ref = t.Ref
		}
	}
	return r, nil
}

func (s *Service) ticketByID(ctx context.Context, id uint64) (*Ticket, error) {
	ts, _, err := s.tickets.ListTickets(ctx, TicketQuery{IDs: []uint64{id}, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, ErrNotFound
	}
	return ts[0], nil
}

// route decides where a parsed mail goes and stores it there.
func (s *Service) route(ctx context.Context, m *mail.Message, msg *Message, now time.Time) (IngestResult, error) {
	if m.Kind == mail.KindBounce {
		return s.bounce(ctx, m, msg, now)
	}
	auth := m.Authentication(s.Mail.TrustedAuthservIDs)
	ref, byTag, signed := s.threadRef(ctx, m, auth)
	var linkFrom string
	if ref != "" {
		t, err := s.current(ctx, ref)
		switch {
		case ErrorCode(err) == NotFound:
			ref = ""
		case err != nil:
			return IngestResult{}, err
		case !t.Open && t.ClosedAt != nil && now.Sub(*t.ClosedAt) > s.Mail.ReopenAfter && !m.IsAutomatic():
			linkFrom = t.Ref // closed long ago: a new ticket, linked
		default:
			// Whom the mail copied joins the ticket only when the mail is
			// known to be genuine (it answers our signed Message-ID, or a
			// trusted MTA verified its sender): a forged "[SR-1042]" must not
			// put an outsider on every later staff reply.
			return s.appendMail(ctx, t.Ref, m, msg, now, signed || auth.Status == mail.AuthVerified)
		}
	} else if byTag != "" {
		linkFrom = byTag // a stranger's mail naming someone else's ticket
	}
	if m.IsAutomatic() {
		msg.Outcome = ActionIgnored
		if err := s.messages.SaveMessage(ctx, msg); err != nil {
			return IngestResult{}, err
		}
		return IngestResult{Action: ActionIgnored, Reason: "automatic mail (" + m.KindReason + ") does not open a ticket"}, nil
	}
	return s.ticketFromMail(ctx, m, msg, now, linkFrom, auth)
}

// threadRef finds the ticket a mail replies to: first by our own signed
// Message-IDs in In-Reply-To/References (only someone who received our
// mail has one, so they thread whatever the sender's authentication says),
// then by a [SR-1042] subject tag, but only when the sender is the
// requester, already on that ticket, or in the requester's organisation
// (the same mail domain, never a public provider's), and the trusted MTA
// did not find the From: address unverified (anyone can write someone
// else's address in From:). A tag of a merged ticket stands for the
// ticket it was merged into. byTag is a tag the sender was not entitled
// to use.
func (s *Service) threadRef(ctx context.Context, m *mail.Message, auth mail.AuthVerdict) (ref, byTag string, signed bool) {
	for _, id := range append(append([]string{}, m.InReplyTo...), m.References...) {
		if r, ok := s.Mail.Signer.Verify(id); ok {
			return r, "", true
		}
	}
	for _, r := range mail.SubjectRefs(m.Subject, s.RefPrefix) {
		t, err := s.current(ctx, r)
		if err != nil {
			continue
		}
		if auth.Status == mail.AuthUnverified {
			return "", t.Ref, false
		}
		if ok, err := s.messages.IsParticipant(ctx, t.ID, m.From.Email); err == nil && ok {
			return t.Ref, "", false
		}
		if colleague(t, m.From.Email) && s.vouched(auth) {
			return t.Ref, "", false
		}
		if byTag == "" {
			byTag = t.Ref
		}
	}
	return "", byTag, false
}

// appendMail adds a message to its ticket's thread. A requester's mail
// brings a ticket waiting on them back to open, and reopens a resolved one.
// The sender joins the ticket's people; whom the mail copied joins too
// when copied is true, up to MaxParticipants in all.
func (s *Service) appendMail(ctx context.Context, ref string, m *mail.Message, msg *Message, now time.Time, copied bool) (IngestResult, error) {
	msg.Outcome = ActionAppended
	t, err := s.tickets.UpdateTicketWith(ctx, ref, func(tx Tx, t *Ticket) (Writes, error) {
		ev := &Event{At: now, Actor: m.From.Display(), Kind: EventMessageIn, Body: msg.Text, New: msg.Subject, Mail: msg}
		people := s.participants(m)
		if !copied {
			people = s.participants(&mail.Message{From: m.From})
		}
		ps, err := tx.PeopleOn(t.ID)
		if err != nil {
			return Writes{}, err
		}
		people = newPeople(people, ps, MaxParticipants)
		w := Writes{Messages: []*Message{msg}, Events: []*Event{ev}, Participants: people}
		if m.IsAutomatic() {
			ev.Kind, ev.Reason = EventMailIgnored, "automatic mail ("+m.KindReason+"): kept, not acted on"
			return w, nil
		}
		if t.Status == StatusWaiting || !t.Open {
			w.Events = append(w.Events, s.setStatus(t, StatusOpen, nil, now)...)
		}
		w.Events = append(w.Events, s.customerWrote(t, now, nil, now)...)
		return w, nil
	})
	if err != nil {
		return IngestResult{}, err
	}
	return IngestResult{Action: ActionAppended, Ref: t.Ref}, nil
}

// bounce attaches a delivery failure to the ticket whose mail bounced and
// flags it; it never answers.
func (s *Service) bounce(ctx context.Context, m *mail.Message, msg *Message, now time.Time) (IngestResult, error) {
	for _, id := range m.BouncedIDs {
		ref, ok := s.Mail.Signer.Verify(id)
		if !ok {
			continue
		}
		msg.Outcome = ActionAppended
		t, err := s.tickets.UpdateTicketWith(ctx, ref, func(_ Tx, t *Ticket) (Writes, error) {
			t.Flag = "Mail to the requester bounced: " + truncateRunes(m.Subject, 200)
			return Writes{Messages: []*Message{msg}, Events: []*Event{{At: now, Actor: m.From.Display(), Kind: EventBounce,
				Body: msg.Text, New: msg.Subject, Reason: m.KindReason, Mail: msg}}}, nil
		})
		if ErrorCode(err) == NotFound {
			continue
		}
		if err != nil {
			return IngestResult{}, err
		}
		return IngestResult{Action: ActionAppended, Ref: t.Ref, Reason: "bounce flagged on the ticket"}, nil
	}
	msg.Outcome = ActionIgnored
	if err := s.messages.SaveMessage(ctx, msg); err != nil {
		return IngestResult{}, err
	}
	return IngestResult{Action: ActionIgnored, Reason: "a bounce of no ticket's mail"}, nil
}

// participants are the other people on a mail (Cc and To), minus the desk.
func (s *Service) participants(m *mail.Message) []string {
	var out []string
	for _, a := range append(append([]mail.Address{m.From}, m.To...), m.Cc...) {
		if a.Email != "" && !s.isDeskAddress(a.Email) {
			out = append(out, a.Email)
		}
	}
	return out
}

// newPeople are the addresses of emails not yet among ps, as many as fit
// under max people in all.
func newPeople(emails []string, ps []*Participant, max int) []string {
	have := make(map[string]bool, len(ps))
	for _, p := range ps {
		have[strings.ToLower(p.Email)] = true
	}
	var out []string
	for _, e := range emails {
		if len(ps)+len(out) >= max {
			break
		}
		if k := strings.ToLower(e); !have[k] {
			have[k] = true
			out = append(out, e)
		}
	}
	return out
}

func (s *Service) isDeskAddress(email string) bool {
	for _, a := range s.Mail.Addresses {
		if strings.EqualFold(a, email) {
			return true
		}
	}
	return strings.EqualFold(email, s.Mail.From.Email)
}

// ticketFromMail opens a ticket from a mail, acknowledges it, and links it
// to linkFrom when the mail named another ticket. A mail whose sender the
// trusted MTA found unverified is flagged so.
func (s *Service) ticketFromMail(ctx context.Context, m *mail.Message, msg *Message, now time.Time, linkFrom string, auth mail.AuthVerdict) (IngestResult, error) {
	subject := strings.TrimSpace(m.Subject)
	if subject == "" {
		subject = "(no subject)"
	}
	body := strings.TrimSpace(m.Text)
	if body == "" {
		body = "(no text; see the attachments)"
	}
	n := NewTicket{Subject: truncateRunes(subject, MaxSubject), Body: truncateBytes(body, MaxBody), RequesterEmail: m.From.Email,
		RequesterName: truncateRunes(m.From.Name, MaxName), Channel: ChannelEmail}
	why := "its sender is not on that ticket"
	if auth.Status == mail.AuthUnverified {
		n.Flag = truncateRunes("Unverified sender: "+auth.Reason+". The From: address may be forged; check before sharing anything.", MaxReason)
		why = "its sender could not be verified (" + auth.Reason + ")"
		n.NoAck = "No acknowledgement sent: the sender could not be verified, and answering a forged address would be backscatter."
	}
	if err := n.Validate(s.Policy); err != nil {
		// The parser vouched for the address; anything else wrong is ours to fix
		// by hand, so keep the mail.
		if qerr := s.messages.Quarantine(ctx, &Quarantined{Reason: "cannot open a ticket: " + ErrorMessage(err), Source: msg.Source, Raw: msg.Raw, ReceivedAt: now}); qerr != nil {
			return IngestResult{}, qerr
		}
		return IngestResult{Action: ActionQuarantined, Reason: ErrorMessage(err)}, nil
	}
	msg.Outcome = ActionCreated
	t, err := s.createTicket(ctx, n, nil, now, func(t *Ticket, w *Writes) {
		w.Messages = []*Message{msg}
		w.Events[0].Mail = msg
		w.Participants = s.participants(m)
		if linkFrom != "" {
			w.Events = append(w.Events, &Event{At: now, Actor: "slatrack", Kind: EventLinked, New: linkFrom,
				Body: "This mail named " + linkFrom + ", but " + why + ", so it became a new ticket."})
		}
	}, m.MessageID)
	if err != nil {
		return IngestResult{}, err
	}
	if linkFrom != "" {
		// Best effort: the new ticket is safely stored; the back-link is a courtesy.
		_, _ = s.tickets.UpdateTicketWith(ctx, linkFrom, func(Tx, *Ticket) (Writes, error) {
			return Writes{Events: []*Event{{At: now, Actor: "slatrack", Kind: EventLinked, New: t.Ref,
				Body: "Mail from " + m.From.Email + " naming this ticket became " + t.Ref + "."}}}, nil
		})
	}
	return IngestResult{Action: ActionCreated, Ref: t.Ref}, nil
}

// ackMail is the acknowledgement of a new ticket: the reference and the
// promise, and no word of the requester's text (so nobody can use the desk
// to relay their own message). It runs inside the ticket's creation
// transaction and reads through tx alone. No acknowledgement goes out (and
// skipped says why) when the requester already had AckLimit of them within
// AckWindow, or when the requester is new to the desk and the desk already
// sent NewSenderAckLimit acknowledgements within AckWindow: a flood of
// mail from forged, never-seen addresses cannot turn the desk into a
// source of backscatter.
func (s *Service) ackMail(tx Tx, t *Ticket, inReplyTo string, now time.Time) (o *OutboxMail, m *Message, skipped string, err error) {
	if s.Mail == nil {
		return nil, nil, "", nil
	}
	since := now.Add(-s.Mail.AckWindow)
	window := wallWords(s.Mail.AckWindow)
	n, err := tx.CountOutbox(OutboxAck, t.RequesterEmail, since, s.Mail.AckLimit)
	if err != nil {
		return nil, nil, "", err
	}
	if n >= s.Mail.AckLimit {
		return nil, nil, fmt.Sprintf("No acknowledgement sent: %s was already acknowledged %d times in the last %s (mail.ack_limit).", t.RequesterEmail, n, window), nil
	}
	if s.Mail.NewSenderAckLimit > 0 {
		known, err := tx.OtherTickets(t.RequesterEmail, t.ID)
		if err != nil {
			return nil, nil, "", err
		}
		if !known {
			total, err := tx.CountOutbox(OutboxAck, "", since, s.Mail.NewSenderAckLimit)
			if err != nil {
				return nil, nil, "", err
			}
			if total >= s.Mail.NewSenderAckLimit {
				return nil, nil, fmt.Sprintf("No acknowledgement sent: %s is new to the desk and %d acknowledgements already went out in the last %s (mail.ack_limit_new_senders), which looks like a flood.", t.RequesterEmail, total, window), nil
			}
		}
	}
	target, _ := s.Policy.Target(t.Class)
	text := fmt.Sprintf("Hello,\r\n\r\nWe have received your request and given it the reference %s.\r\n\r\n"+
		"We will respond by %s (our objective for %s requests is %s; business hours are %s).\r\n\r\n"+
		"To add anything, reply to this message and keep %s in the subject.\r\n\r\n-- \r\n%s\r\n",
		t.Ref, s.Policy.Promise(t.ResponseDueAt), t.Class, target.Words(), s.Policy.Calendar().HoursInWords(), "["+t.Ref+"]", s.Mail.From.Name)
	o, m, err = s.outgoing(t, OutboxAck, "["+t.Ref+"] We received your request", text, inReplyTo, nil, "auto-replied", now)
	return o, m, "", err
}

// outgoing composes a mail to the requester and returns both its outbox
// row and its stored copy (so later replies can thread on it).
func (s *Service) outgoing(t *Ticket, kind, subject, text, inReplyTo string, refs []string, auto string, now time.Time) (*OutboxMail, *Message, error) {
	return s.outgoingWith(t, kind, subject, text, inReplyTo, refs, auto, now, nil, nil)
}

// outgoingWith is outgoing copied to cc (envelope recipients too) and
// carrying files; the stored copy keeps the files for download.
func (s *Service) outgoingWith(t *Ticket, kind, subject, text, inReplyTo string, refs []string, auto string, now time.Time, cc []mail.Address, files []*Attachment) (*OutboxMail, *Message, error) {
	id := s.Mail.Signer.New(t.Ref)
	to := mail.Address{Name: t.RequesterName, Email: t.RequesterEmail}
	if auto != "" {
		// Automatic mail carries no word the requester chose, not even as the
		// display name, so the desk cannot be used to relay their text.
		to.Name = ""
	}
	if inReplyTo != "" && !contains(refs, inReplyTo) {
		refs = append(refs, inReplyTo)
	}
	raw, err := mail.Compose(mail.Outgoing{
		From: s.Mail.From, To: []mail.Address{to}, Cc: cc, Attachments: mailFiles(files), Subject: subject, Text: text, MessageID: id,
		InReplyTo: inReplyTo, References: refs, AutoSubmitted: auto, Date: now,
		Headers: map[string]string{"X-Slatrack-Ticket": t.Ref},
	})
	if err != nil {
		return nil, nil, &Error{Code: Internal, Err: err}
	}
	rcpts := t.RequesterEmail
	for _, a := range cc {
		rcpts += "," + strings.ToLower(a.Email)
	}
	o := &OutboxMail{Kind: kind, MessageID: id, From: s.Mail.From.Email, To: rcpts, Subject: subject, Raw: raw,
		Status: OutboxQueued, NextAttemptAt: now, CreatedAt: now}
	m := &Message{Direction: DirectionOut, MessageID: id, DedupeKey: "id:" + id, FromAddr: s.Mail.From.Email,
		ToAddrs: strings.ReplaceAll(rcpts, ",", ", "), Subject: subject, Text: text, Kind: kind, Source: "slatrack", ReceivedAt: now, Attachments: files}
	return o, m, nil
}

// mailFiles are stored attachments as Compose takes them.
func mailFiles(files []*Attachment) []mail.Attachment {
	out := make([]mail.Attachment, 0, len(files))
	for _, f := range files {
		out = append(out, mail.Attachment{Filename: f.Filename, ContentType: f.ContentType, Data: f.Data})
	}
	return out
}

// threadIDs are a ticket's message ids, oldest first, for References, and
// the newest inbound one, for In-Reply-To.
func (s *Service) threadIDs(ctx context.Context, t *Ticket) (refs []string, lastIn string, err error) {
	ms, err := s.messages.TicketMessages(ctx, t.ID)
	if err != nil {
		return nil, "", err
	}
	for _, m := range ms {
		if m.MessageID == "" {
			continue
		}
		refs = append(refs, m.MessageID)
		if m.Direction == DirectionIn {
			lastIn = m.MessageID
		}
	}
	if len(refs) > 20 {
		refs = append(refs[:1], refs[len(refs)-19:]...)
	}
	if lastIn == "" && len(refs) > 0 {
		lastIn = refs[len(refs)-1]
	}
	return refs, lastIn, nil
}

// ReprocessQuarantined runs a held mail through ingestion again (after a
// fix or a configuration change). If it still cannot be processed it stays
// held and the error says why.
func (s *Service) ReprocessQuarantined(ctx context.Context, id uint64, actor *User) (IngestResult, error) {
	q, err := s.messages.GetQuarantined(ctx, id)
	if err != nil {
		return IngestResult{}, err
	}
	if q.Status != QuarantineHeld {
		return IngestResult{}, Errorf(Conflict, "that mail is no longer in quarantine")
	}
	res, err := s.ingest(ctx, q.Raw, q.Source, false)
	if err != nil {
		return IngestResult{}, err
	}
	if res.Action == ActionQuarantined {
		return res, Errorf(Invalid, "still cannot be processed: %s", res.Reason)
	}
	if err := s.messages.ResolveQuarantined(ctx, id, QuarantineReprocessed, actorName(actor), s.now()); err != nil {
		return res, err
	}
	return res, nil
}

// DiscardQuarantined drops a held mail from the quarantine list (its bytes
// stay in the database for the record).
func (s *Service) DiscardQuarantined(ctx context.Context, id uint64, actor *User) error {
	return s.messages.ResolveQuarantined(ctx, id, QuarantineDiscarded, actorName(actor), s.now())
}

// wallWords is a wall-clock span for people: "3 hours", "90 minutes".
func wallWords(d time.Duration) string {
	switch {
	case d%time.Hour == 0 && d >= 2*time.Hour:
		return fmt.Sprintf("%d hours", d/time.Hour)
	case d == time.Hour:
		return "hour"
	}
	return fmt.Sprintf("%d minutes", d/time.Minute)
}

func joinAddrs(as []mail.Address) string {
	var out []string
	for _, a := range as {
		if a.Email != "" {
			out = append(out, a.Email)
		}
	}
	return strings.Join(out, ", ")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	return strings.ToValidUTF8(s, "")
}

// routable applies mail's one rule for addresses the desk can answer
// (mail.CheckRoutable: no IP literals, one-word or special-use domains) to
// an address typed into a form or an API call.
func routable(email string) error {
	if err := mail.CheckRoutable(email); err != nil {
		return Errorf(Invalid, "%v; please give an address at a domain that receives mail", err)
	}
	return nil
}

// withoutBidi drops the bidi control characters that could make a subject
// or name read as something else (mail.IsBidiControl), on every way in:
// forms, the API and mail.
func withoutBidi(s string) string { return mail.StripBidi(s) }

// TicketMail is a ticket's stored mail (with attachment names) and what
// was queued to go out for it, for its page.
func (s *Service) TicketMail(ctx context.Context, t *Ticket) ([]*Message, []*OutboxMail, error) {
	msgs, err := s.messages.TicketMessages(ctx, t.ID)
	if err != nil {
		return nil, nil, err
	}
	out, err := s.messages.TicketOutbox(ctx, t.ID)
	if err != nil {
		return nil, nil, err
	}
	return msgs, out, nil
}

// Attachment is a file that came with one of the ticket's mails; an
// attachment of another ticket is NotFound, so a reference cannot be used
// to reach files of tickets elsewhere.
func (s *Service) Attachment(ctx context.Context, ref string, id uint64) (*Attachment, error) {
	t, err := s.tickets.GetTicket(ctx, ref)
	if err != nil {
		return nil, err
	}
	a, tid, err := s.messages.GetAttachment(ctx, id)
	if err != nil {
		return nil, err
	}
	if tid != t.ID {
		return nil, ErrNotFound
	}
	return a, nil
}

// maxQuarantineList bounds the quarantine page.
const maxQuarantineList = 200

// HeldMail lists the mail held in quarantine, newest first.
func (s *Service) HeldMail(ctx context.Context) ([]*Quarantined, error) {
	return s.messages.ListQuarantine(ctx, QuarantineHeld, maxQuarantineList)
}

// QuarantinedMail is one quarantined mail, whole, for an admin to inspect.
func (s *Service) QuarantinedMail(ctx context.Context, id uint64) (*Quarantined, error) {
	return s.messages.GetQuarantined(ctx, id)
}
