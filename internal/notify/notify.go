// Package notify tells staff about tickets that need them: a warning when
// a ticket enters "at risk" (due within the SLA's at-risk window) and a
// notice when it is breached (still unanswered past its deadline), a
// notice when a ticket of an urgent class (availability, by default)
// arrives, and a digest of the queue at each business day's opening.
//
// A Scheduler runs in every instance of `slatrack serve`. Each pass
// (Tick) looks at the queue and, for each notification due, composes its
// mail (to the assignee, or to the staff list when the ticket is
// unassigned) and its webhook POST, and hands them to the store, which
// inserts the notification's key (e.g. "at_risk:42") into the
// notifications table, and only if that insert took, the outbox rows and
// an internal "notified" event on the ticket's timeline, all in one
// transaction. So every notification goes out exactly once however many
// instances tick at once, and none is lost while the relay or the webhook
// is down: the outbox retries them.
//
// # Business hours
//
// Nothing pages people while the desk is closed, when every ticket's clock
// is stopped, except about tickets of urgent classes when
// Config.AvailabilityAfterHours is set. A notice held while closed goes out
// at the first pass after the opening if it is still relevant (the ticket
// is still open and unanswered). A ticket can enter both states before its
// notices go out (a breach at closing time, seen the next morning; a
// scheduler that was down; a ticket imported already overdue): it then
// gets both, at-risk first, then breached, in the same pass, so the
// timeline always shows both steps and "once each" holds.
//
// # Digest
//
// With Config.Digest, the first pass while the desk is open on each
// business day mails the staff list a digest: the overdue tickets, those
// due today (before the closing), and the forecast (how many will be
// breached by the next opening if none is answered, which is the two lists
// together, since nothing falls due while the desk is closed). It goes out
// once per day across instances (key "digest:2026-07-06", the date in the
// calendar's zone). A day on which no instance runs while the desk is open
// gets no digest.
package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/mail"
	"github.com/slatrack/slatrack/internal/sla"
)

// EventNotified is the timeline event of a notification about the ticket
// (internal; New is the kind: at_risk, breached or arrival).
const EventNotified = "notified"

// Notification kinds (the part of the key before the colon), as stored in
// notifications.kind.
const (
	KindAtRisk   = "at_risk"
	KindBreached = "breached"
	KindArrival  = "arrival"
	KindDigest   = "digest"
)

// Notification is one warning, arrival notice or digest that went (or is
// going) out. Its Key ("at_risk:42", "breached:42", "arrival:42",
// "digest:2026-07-06") is unique: recording it is what makes a
// notification happen exactly once across instances.
type Notification struct {
	Key       string
	TicketID  *uint64 // nil for a digest
	Kind      string
	CreatedAt time.Time
	// IfDue, when set (with TicketID), makes the record conditional: it is
	// written only if the ticket is still open, unanswered and due at
	// exactly IfDue, checked under the ticket's row lock, so a warning
	// composed just before someone answered or reclassified the ticket is
	// dropped instead of sent.
	IfDue time.Time
}

// Store is what the scheduler needs from the database; the store package
// implements it.
type Store interface {
	// NotifyCandidates are the open, unanswered tickets due at or before
	// dueBy (sla.Bounds.AtRiskUntil) that have had no breach notice yet,
	// Assignee filled.
	NotifyCandidates(ctx context.Context, dueBy time.Time) ([]*desk.Ticket, error)
	// NewTickets are the open, unanswered tickets of class received at or
	// after since that have had no arrival notice yet, Assignee filled.
	NewTickets(ctx context.Context, class string, since time.Time) ([]*desk.Ticket, error)
	// NotifiedKeys reports which keys are already recorded.
	NotifiedKeys(ctx context.Context, keys []string) (map[string]bool, error)
	// RecordNotification records n and, only if its key was new (and the
	// ticket still qualifies), writes ev and the outbox rows with it.
	RecordNotification(ctx context.Context, n Notification, ev *desk.Event, rows []*desk.OutboxMail) (sent bool, err error)
	// ActiveStaffEmails are every active account's address.
	ActiveStaffEmails(ctx context.Context) ([]string, error)
	// ListTickets pages through the queue (for the digest).
	ListTickets(ctx context.Context, q desk.TicketQuery) ([]*desk.Ticket, string, error)
}

// Config is [notify].
type Config struct {
	// WebhookURL, when set, gets a JSON POST per notice (not the digest).
	WebhookURL string
	// AvailabilityAfterHours lets notices about tickets of urgent classes
	// (sla.Class.Urgent; availability, by default) go out while the desk
	// is closed.
	AvailabilityAfterHours bool
	// Staff get notices about unassigned tickets, and the digest; empty
	// means every active staff account.
	Staff []string
	// Digest turns the daily digest on.
	Digest bool
}

// DefaultInterval is how often Run ticks when not told.
const DefaultInterval = time.Minute

// Scheduler notices tickets entering at risk and breached, new tickets of
// urgent classes and each business day's opening, and queues the
// notifications. It is safe to run in any number of instances at once.
type Scheduler struct {
	Store  Store
	Policy *sla.Policy
	// Mail gives the sender address and the Message-ID signer; nil means
	// no mail (webhook only).
	Mail   *desk.MailSettings
	Config Config
	// BaseURL is the desk's web address, for links ("" leaves them out).
	BaseURL string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Log receives what was sent and what failed (default slog.Default()).
	Log *slog.Logger
}

// Run calls Tick every interval (default 1 minute), the first time one
// interval after it starts, until ctx ends; then it returns nil. (Waiting
// first keeps a starting instance quiet for its first minute: nothing is
// lost, since every pass catches up on whatever is due.) Failures are
// logged and retried on the next tick.
func (s *Scheduler) Run(ctx context.Context, every time.Duration) error {
	if every <= 0 {
		every = DefaultInterval
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if err := s.Tick(ctx); err != nil && ctx.Err() == nil {
			s.log().Error("notify: pass failed", "err", err)
		}
	}
}

// Tick makes one pass: arrival notices, then at-risk and breach warnings,
// then the digest. A failure about one ticket does not stop the others;
// the errors are returned together.
func (s *Scheduler) Tick(ctx context.Context) error {
	now := s.now()
	p := &pass{s: s, ctx: ctx, now: now, open: s.Policy.Calendar().IsOpen(now)}
	return errors.Join(s.arrivals(p), s.warnings(p), s.digest(p))
}

// pass is one Tick's state.
type pass struct {
	s     *Scheduler
	ctx   context.Context
	now   time.Time
	open  bool
	staff []string
	got   bool
}

// staffList is Config.Staff, or every active account, read once a pass.
func (p *pass) staffList() ([]string, error) {
	if p.got {
		return p.staff, nil
	}
	if len(p.s.Config.Staff) > 0 {
		p.staff = dedupe(p.s.Config.Staff)
	} else {
		all, err := p.s.Store.ActiveStaffEmails(p.ctx)
		if err != nil {
			return nil, err
		}
		p.staff = dedupe(all)
	}
	p.got = true
	return p.staff, nil
}

// mayPage reports whether a notice about t may go out now.
func (p *pass) mayPage(t *desk.Ticket) bool {
	if p.open {
		return true
	}
	c, _ := p.s.Policy.Class(t.Class)
	return p.s.Config.AvailabilityAfterHours && c.Urgent
}

func (s *Scheduler) now() time.Time {
	n := time.Now
	if s.Now != nil {
		n = s.Now
	}
	return n().UTC().Truncate(time.Microsecond)
}

func (s *Scheduler) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// Key is the notifications key of kind about ticket id.
func Key(kind string, id uint64) string { return kind + ":" + strconv.FormatUint(id, 10) }

// DigestKey is the digest's key for the business day of t.
func DigestKey(t time.Time, loc *time.Location) string {
	return KindDigest + ":" + t.In(loc).Format("2006-01-02")
}

// arrivals notifies about new tickets of the urgent classes.
func (s *Scheduler) arrivals(p *pass) error {
	if !p.open && !s.Config.AvailabilityAfterHours {
		return nil
	}
	var errs []error
	for _, c := range s.Policy.Classes() {
		if !c.Urgent {
			continue
		}
		ts, err := s.Store.NewTickets(p.ctx, c.Name, s.arrivalSince(p.now))
		if err != nil {
			errs = append(errs, fmt.Errorf("notify: new tickets: %w", err))
			continue
		}
		for _, t := range ts {
			if !p.mayPage(t) || t.ReceivedAt.After(p.now) {
				continue
			}
			errs = append(errs, s.notifyTicket(p, t, KindArrival))
		}
	}
	return errors.Join(errs...)
}

// arrivalSince is how far back arrivals are looked for: the opening of the
// previous business day, or 24 hours, whichever is earlier, so a ticket
// that came in over a long (holiday) weekend, held until the opening, is
// still found.
func (s *Scheduler) arrivalSince(now time.Time) time.Time {
	cal := s.Policy.Calendar()
	since := now.Add(-24 * time.Hour)
	l := now.In(cal.Location())
	for k := 1; k <= 31; k++ {
		day := time.Date(l.Year(), l.Month(), l.Day()-k, 0, 0, 0, 0, cal.Location())
		if _, closed := cal.ClosedDayInfo(day); !closed {
			if o := cal.NextOpen(day); o.Before(since) {
				since = o
			}
			return since
		}
	}
	return now.Add(-31 * 24 * time.Hour)
}

// warnings sends the at-risk and breach notices due.
func (s *Scheduler) warnings(p *pass) error {
	pol := s.Policy
	ts, err := s.Store.NotifyCandidates(p.ctx, pol.Bounds(p.now).AtRiskUntil)
	if err != nil {
		return fmt.Errorf("notify: candidates: %w", err)
	}
	var keys []string
	var pageable []*desk.Ticket
	for _, t := range ts {
		if p.mayPage(t) {
			pageable = append(pageable, t)
			keys = append(keys, Key(KindAtRisk, t.ID), Key(KindBreached, t.ID))
		}
	}
	if len(pageable) == 0 {
		return nil
	}
	done, err := s.Store.NotifiedKeys(p.ctx, keys)
	if err != nil {
		return fmt.Errorf("notify: notified keys: %w", err)
	}
	var errs []error
	for _, t := range pageable {
		state, _ := pol.Evaluate(t.ResponseDueAt, time.Time{}, p.now)
		if state != sla.AtRisk && state != sla.Breached {
			continue
		}
		if !done[Key(KindAtRisk, t.ID)] {
			if err := s.notifyTicket(p, t, KindAtRisk); err != nil {
				errs = append(errs, err)
				continue // never the breach notice before the at-risk one
			}
		}
		if state == sla.Breached && !done[Key(KindBreached, t.ID)] {
			errs = append(errs, s.notifyTicket(p, t, KindBreached))
		}
	}
	return errors.Join(errs...)
}

// recipients of a notice about t: its assignee while active, else the
// staff list.
func (p *pass) recipients(t *desk.Ticket) ([]string, error) {
	if t.Assignee != nil && t.Assignee.Active && t.Assignee.Email != "" {
		return []string{strings.ToLower(t.Assignee.Email)}, nil
	}
	return p.staffList()
}

// notifyTicket composes and records one notice about t.
func (s *Scheduler) notifyTicket(p *pass, t *desk.Ticket, kind string) error {
	to, err := p.recipients(t)
	if err != nil {
		return fmt.Errorf("notify: %s %s: recipients: %w", kind, t.Ref, err)
	}
	n := s.notice(t, kind, p.now)
	var rows []*desk.OutboxMail
	var sentTo []string
	if s.Mail != nil && len(to) > 0 {
		o, err := s.email(desk.OutboxNotify, to, n.subject, n.text, t.Ref, kind, p.now)
		if err != nil {
			return fmt.Errorf("notify: %s %s: compose: %w", kind, t.Ref, err)
		}
		id := t.ID
		o.TicketID = &id // listed with the ticket's mail, with its delivery state
		rows = append(rows, o)
		sentTo = append(sentTo, to...)
	}
	if s.Config.WebhookURL != "" {
		o, err := s.webhook(t, kind, n, p.now)
		if err != nil {
			return fmt.Errorf("notify: %s %s: webhook body: %w", kind, t.Ref, err)
		}
		rows = append(rows, o)
	}
	ev := &desk.Event{At: p.now, Actor: "slatrack", Kind: EventNotified, Internal: true, New: kind,
		Body: eventWords(kind, s.Policy.Title(t.Class), sentTo, s.Config.WebhookURL != "")}
	id := t.ID
	sent, err := s.Store.RecordNotification(p.ctx, Notification{
		Key: Key(kind, t.ID), TicketID: &id, Kind: kind, CreatedAt: p.now, IfDue: t.ResponseDueAt,
	}, ev, rows)
	if err != nil {
		return fmt.Errorf("notify: %s %s: record: %w", kind, t.Ref, err)
	}
	if sent {
		s.log().Info("notify: queued", "kind", kind, "ref", t.Ref, "to", strings.Join(sentTo, ","), "webhook", s.Config.WebhookURL != "")
	}
	return nil
}

// eventWords is the timeline's note of a notice: "At-risk warning sent to
// sam@agency.gov and the webhook."
func eventWords(kind, classTitle string, to []string, webhook bool) string {
	var who []string
	if len(to) > 0 {
		who = append(who, strings.Join(to, ", "))
	}
	if webhook {
		who = append(who, "the webhook")
	}
	what := map[string]string{KindAtRisk: "At-risk warning", KindBreached: "Breach notice", KindArrival: "New " + strings.ToLower(classTitle) + " ticket notice"}[kind]
	if len(who) == 0 {
		return what + ": nobody to send it to (no assignee, no staff addresses, no webhook)."
	}
	return what + " sent to " + strings.Join(who, " and ") + "."
}

// noticeText is a notice in words: mail subject and body, and the one-line
// text for the webhook.
type noticeText struct {
	subject, text, line string
	state               sla.State
}

func (s *Scheduler) notice(t *desk.Ticket, kind string, now time.Time) noticeText {
	pol := s.Policy
	state, rem := pol.Evaluate(t.ResponseDueAt, time.Time{}, now)
	day := pol.Calendar().BusinessDay()
	due := pol.Promise(t.ResponseDueAt)
	assignee := "unassigned"
	if t.Assignee != nil {
		assignee = t.Assignee.Display()
	}
	requester := t.RequesterEmail
	if t.RequesterName != "" {
		requester = t.RequesterName + " <" + t.RequesterEmail + ">"
	}
	var n noticeText
	n.state = state
	var lead string
	switch kind {
	case KindAtRisk:
		n.subject = "At risk: " + t.Ref + " " + t.Subject
		left := sla.FormatBusiness(rem, day) + " of business time left"
		lead = t.Ref + " is at risk of missing its first-response objective: it is due " + due + " (" + left + ") and has no response yet."
		n.line = "At risk: " + t.Ref + " “" + t.Subject + "” (" + t.Class + ", " + assignee + "): first response due " + due + ", " + left + "."
		if state == sla.Breached {
			// Both states were entered while no notice could go out (the
			// desk was closed, or no scheduler ran): say so.
			lead = t.Ref + " entered the at-risk window before its deadline, " + due + ", while no notice could go out, and is now breached (" +
				sla.FormatBusiness(rem, day) + "); a breach notice follows."
			n.line = "At risk, now breached: " + t.Ref + " “" + t.Subject + "” (" + t.Class + ", " + assignee + "): first response was due " + due + " (" + sla.FormatBusiness(rem, day) + ")."
		}
	case KindBreached:
		n.subject = "Breached: " + t.Ref + " " + t.Subject
		lead = t.Ref + " has missed its first-response objective: it was due " + due + " and is still unanswered (" + sla.FormatBusiness(rem, day) + " in business time)."
		n.line = "Breached: " + t.Ref + " “" + t.Subject + "” (" + t.Class + ", " + assignee + "): first response was due " + due + ", still unanswered (" + sla.FormatBusiness(rem, day) + ")."
	case KindArrival:
		what := strings.ToLower(pol.Title(t.Class)) + " ticket" // "availability ticket"
		n.subject = "New " + what + ": " + t.Ref + " " + t.Subject
		lead = "A new " + what + " has arrived: " + t.Ref + ", received " + pol.Promise(t.ReceivedAt) + ". Its first response is due " + due + " (" + sla.FormatBusiness(rem, day) + " of business time left)."
		n.line = "New " + what + ": " + t.Ref + " “" + t.Subject + "” from " + t.RequesterEmail + ": first response due " + due + "."
	}
	var b strings.Builder
	b.WriteString(lead + "\n\n")
	fmt.Fprintf(&b, "  Reference:  %s\n", t.Ref)
	fmt.Fprintf(&b, "  Subject:    %s\n", t.Subject)
	fmt.Fprintf(&b, "  Class:      %s\n", t.Class)
	fmt.Fprintf(&b, "  Requester:  %s\n", requester)
	fmt.Fprintf(&b, "  Assignee:   %s\n", assignee)
	fmt.Fprintf(&b, "  Due:        %s\n", due)
	fmt.Fprintf(&b, "  SLA state:  %s\n", state.Label())
	if u := s.ticketURL(t.Ref); u != "" {
		fmt.Fprintf(&b, "\nOpen the ticket: %s\n", u)
		n.line += " " + u
	}
	b.WriteString("\nThis is an automatic notice from slatrack.\n")
	n.text = b.String()
	return n
}

func (s *Scheduler) ticketURL(ref string) string {
	if s.BaseURL == "" {
		return ""
	}
	return strings.TrimRight(s.BaseURL, "/") + "/tickets/" + ref
}

// email composes one staff mail.
func (s *Scheduler) email(outboxKind string, to []string, subject, text, ref, kind string, now time.Time) (*desk.OutboxMail, error) {
	label := ref
	if label == "" {
		label = "digest"
	}
	id := s.Mail.Signer.New(label)
	addrs := make([]mail.Address, len(to))
	for i, a := range to {
		addrs[i] = mail.Address{Email: a}
	}
	headers := map[string]string{"X-Slatrack-Notify": kind}
	if ref != "" {
		headers["X-Slatrack-Ticket"] = ref
	}
	raw, err := mail.Compose(mail.Outgoing{From: s.Mail.From, To: addrs, Subject: subject, Text: text,
		MessageID: id, AutoSubmitted: "auto-generated", Date: now, Headers: headers})
	if err != nil {
		return nil, err
	}
	return &desk.OutboxMail{Kind: outboxKind, MessageID: id, From: s.Mail.From.Email, To: strings.Join(to, ", "),
		Subject: truncate(subject, 300), Raw: raw, Status: desk.OutboxQueued, NextAttemptAt: now, CreatedAt: now}, nil
}

// WebhookBody is the JSON POSTed to notify.webhook_url. Text makes it a
// Slack (and Mattermost, Teams-workflow…) incoming-webhook message.
type WebhookBody struct {
	Text    string `json:"text"`
	Kind    string `json:"kind"` // at_risk, breached, arrival
	Ref     string `json:"ref"`
	Subject string `json:"subject"`
	Class   string `json:"class"`
	State   string `json:"state"` // the SLA state when the notice was made
	Due     string `json:"due"`   // RFC 3339, in the desk's zone
	URL     string `json:"url,omitempty"`
}

// slackEscaper keeps a requester's subject from becoming a Slack link or
// an @channel mention.
var slackEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func (s *Scheduler) webhook(t *desk.Ticket, kind string, n noticeText, now time.Time) (*desk.OutboxMail, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // "text" is escaped for Slack already
	err := enc.Encode(WebhookBody{
		Text: slackEscaper.Replace(n.line), Kind: kind, Ref: t.Ref, Subject: t.Subject, Class: t.Class, State: string(n.state),
		Due: t.ResponseDueAt.In(s.Policy.Calendar().Location()).Format(time.RFC3339Nano), URL: s.ticketURL(t.Ref),
	})
	if err != nil {
		return nil, err
	}
	raw := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	// Not attached to the ticket (TicketID nil): the ticket page lists the
	// ticket's mail. The URL, a secret, is the row's Target, never shown.
	return &desk.OutboxMail{Kind: desk.OutboxWebhook, Channel: desk.DeliveryWebhook, Target: s.Config.WebhookURL,
		Subject: truncate(n.subject, 300), Raw: raw, Status: desk.OutboxQueued, NextAttemptAt: now, CreatedAt: now}, nil
}

func dedupe(list []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, a := range list {
		a = strings.ToLower(strings.TrimSpace(a))
		if a != "" && !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
