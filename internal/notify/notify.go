// Package notify tells staff about tickets that need them: a warning when
// one of a ticket's promises (its first response, a next response, its
// resolution) enters "at risk" (due within the SLA's at-risk window) and a
// notice when it is breached (still running past its due instant), a
// notice when a ticket of an urgent class (availability, by default)
// arrives, and a digest of the queue at each business day's opening.
//
// A Scheduler runs in every instance of `slatrack serve`. Each pass
// (Tick) looks at the running promises and new tickets and, for each
// notification due, composes its mail (to the assignee, or to the staff
// list when the ticket is unassigned) and its webhook POST, and hands them
// to the store, which inserts the notification's key (e.g. "at_risk:p17"
// for promise 17, "arrival:42" for ticket 42) into the notifications
// table, and only if that insert took, the outbox rows and an internal
// "notified" event on the ticket's timeline, all in one transaction. So
// every notification goes out exactly once however many instances tick at
// once, and none is lost while the relay or the webhook is down: the
// outbox retries them.
//
// Warnings are per promise, once each: a customer message that starts a
// next response, or a reclassification that restarts a promise under new
// targets, makes a new promise with its own keys, and a promise that is
// kept, paused or ended is warned about no more. (Databases from before
// promises had per-ticket keys, "at_risk:42"; the store's migration moved
// each onto the ticket's running first-response promise, which is what
// they were about.)
//
// # Business hours
//
// Nothing pages people while the desk is closed, when every ticket's clock
// is stopped, except about tickets of urgent classes when
// Config.AvailabilityAfterHours is set. A notice held while closed goes out
// at the first pass after the opening if it is still relevant (the promise
// is still running, due when it was). A promise can enter both states
// before its notices go out (a breach at closing time, seen the next
// morning; a scheduler that was down; a ticket imported already overdue):
// it then gets both, at-risk first, then breached, in the same pass, so the
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
// going) out. Its Key ("at_risk:p17", "breached:p17", "arrival:42",
// "digest:2026-07-06") is unique: recording it is what makes a
// notification happen exactly once across instances.
type Notification struct {
	Key       string
	TicketID  *uint64 // nil for a digest
	Kind      string
	CreatedAt time.Time
	// PromiseID is the promise a warning is about (nil for an arrival
	// notice or a digest).
	PromiseID *uint64
	// IfDue, when set (with TicketID), makes the record conditional,
	// checked under the ticket's row lock: with PromiseID, it is written
	// only if that promise is still running (not kept, paused or ended)
	// and due at exactly IfDue; without, only if the ticket is still open,
	// unanswered and its first response due at exactly IfDue. So a notice
	// composed just before someone answered, paused or reclassified is
	// dropped instead of sent.
	IfDue time.Time
}

// Candidate is a running promise the warning scheduler looks at, with its
// ticket (Assignee filled).
type Candidate struct {
	Ticket  *desk.Ticket
	Promise *desk.Promise
}

// Store is what the scheduler needs from the database; the store package
// implements it.
type Store interface {
	// NotifyCandidates are the running promises (of open tickets) due at
	// or before dueBy (sla.Bounds.AtRiskUntil) that have had no breach
	// notice yet, earliest due first.
	NotifyCandidates(ctx context.Context, dueBy time.Time) ([]Candidate, error)
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

// Key is the notifications key of kind about ticket id (an arrival
// notice).
func Key(kind string, id uint64) string { return kind + ":" + strconv.FormatUint(id, 10) }

// PromiseKey is the notifications key of a warning of kind (at_risk,
// breached) about promise id: "at_risk:p17". The store's candidate query
// spells the same key in SQL.
func PromiseKey(kind string, id uint64) string { return kind + ":p" + strconv.FormatUint(id, 10) }

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
			errs = append(errs, s.notify(p, t, nil, KindArrival))
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

// warnings sends the at-risk and breach notices due, per promise.
func (s *Scheduler) warnings(p *pass) error {
	b := s.Policy.Bounds(p.now)
	cs, err := s.Store.NotifyCandidates(p.ctx, b.AtRiskUntil)
	if err != nil {
		return fmt.Errorf("notify: candidates: %w", err)
	}
	var keys []string
	var pageable []Candidate
	for _, c := range cs {
		if p.mayPage(c.Ticket) {
			pageable = append(pageable, c)
			keys = append(keys, PromiseKey(KindAtRisk, c.Promise.ID), PromiseKey(KindBreached, c.Promise.ID))
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
	for _, c := range pageable {
		state := b.State(c.Promise.DueAt)
		if state != sla.AtRisk && state != sla.Breached {
			continue
		}
		if !done[PromiseKey(KindAtRisk, c.Promise.ID)] {
			if err := s.notify(p, c.Ticket, c.Promise, KindAtRisk); err != nil {
				errs = append(errs, err)
				continue // never the breach notice before the at-risk one
			}
		}
		if state == sla.Breached && !done[PromiseKey(KindBreached, c.Promise.ID)] {
			errs = append(errs, s.notify(p, c.Ticket, c.Promise, KindBreached))
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

// notify composes and records one notice about t: a warning about its
// promise pr, or (pr nil) its arrival notice.
func (s *Scheduler) notify(p *pass, t *desk.Ticket, pr *desk.Promise, kind string) error {
	to, err := p.recipients(t)
	if err != nil {
		return fmt.Errorf("notify: %s %s: recipients: %w", kind, t.Ref, err)
	}
	n := s.notice(t, pr, kind, p.now)
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
		Body: eventWords(kind, s.Policy.Title(t.Class), pr, sentTo, s.Config.WebhookURL != "")}
	id := t.ID
	rec := Notification{Key: Key(kind, t.ID), TicketID: &id, Kind: kind, CreatedAt: p.now, IfDue: t.ResponseDueAt}
	if pr != nil {
		pid := pr.ID
		rec.Key, rec.PromiseID, rec.IfDue = PromiseKey(kind, pr.ID), &pid, pr.DueAt
	}
	sent, err := s.Store.RecordNotification(p.ctx, rec, ev, rows)
	if err != nil {
		return fmt.Errorf("notify: %s %s: record: %w", kind, t.Ref, err)
	}
	if sent {
		s.log().Info("notify: queued", "kind", kind, "key", rec.Key, "ref", t.Ref, "to", strings.Join(sentTo, ","), "webhook", s.Config.WebhookURL != "")
	}
	return nil
}

// eventWords is the timeline's note of a notice: "At-risk warning about
// the next response sent to sam@agency.gov and the webhook."
func eventWords(kind, classTitle string, pr *desk.Promise, to []string, webhook bool) string {
	var who []string
	if len(to) > 0 {
		who = append(who, strings.Join(to, ", "))
	}
	if webhook {
		who = append(who, "the webhook")
	}
	what := map[string]string{KindAtRisk: "At-risk warning", KindBreached: "Breach notice", KindArrival: "New " + strings.ToLower(classTitle) + " ticket notice"}[kind]
	if pr != nil {
		what += " about the " + sla.KindLabel(pr.Kind)
	}
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
	promise             string    // the promise's kind
	due                 time.Time // its due instant
}

// notice words a warning about the promise pr of t, or (pr nil) t's
// arrival notice.
func (s *Scheduler) notice(t *desk.Ticket, pr *desk.Promise, kind string, now time.Time) noticeText {
	pol := s.Policy
	cal := pol.Calendar()
	dueAt := t.ResponseDueAt
	what := sla.KindLabel(sla.FirstResponse)
	if pr != nil {
		dueAt, what = pr.DueAt, sla.KindLabel(pr.Kind)
	}
	rem := cal.Remaining(now, dueAt)
	state := pol.Bounds(now).State(dueAt)
	day := cal.BusinessDay()
	due := pol.Promise(dueAt)
	assignee := "unassigned"
	if t.Assignee != nil {
		assignee = t.Assignee.Display()
	}
	requester := t.RequesterEmail
	if t.RequesterName != "" {
		requester = t.RequesterName + " <" + t.RequesterEmail + ">"
	}
	// still is what has not happened yet: "has no response yet".
	still, stillShort := "has no response yet", "still unanswered"
	switch {
	case pr != nil && pr.Kind == sla.Resolution:
		still, stillShort = "is not resolved yet", "still unresolved"
	case pr != nil && pr.Kind == sla.NextResponse:
		still = "has no reply to the requester's latest message yet"
	}
	var n noticeText
	n.state, n.promise, n.due = state, sla.FirstResponse, dueAt
	if pr != nil {
		n.promise = pr.Kind
	}
	var lead string
	switch kind {
	case KindAtRisk:
		n.subject = "At risk: " + t.Ref + " " + t.Subject + " (" + what + ")"
		left := sla.FormatBusiness(rem, day) + " of business time left"
		lead = t.Ref + " is at risk of missing its " + what + " objective: the " + what + " is due " + due + " (" + left + ") and the ticket " + still + "."
		n.line = "At risk: " + t.Ref + " “" + t.Subject + "” (" + t.Class + ", " + assignee + "): " + what + " due " + due + ", " + left + "."
		if state == sla.Breached {
			// Both states were entered while no notice could go out (the
			// desk was closed, or no scheduler ran): say so.
			lead = t.Ref + "'s " + what + " entered the at-risk window before its deadline, " + due + ", while no notice could go out, and is now breached (" +
				sla.FormatBusiness(rem, day) + "); a breach notice follows."
			n.line = "At risk, now breached: " + t.Ref + " “" + t.Subject + "” (" + t.Class + ", " + assignee + "): " + what + " was due " + due + " (" + sla.FormatBusiness(rem, day) + ")."
		}
	case KindBreached:
		n.subject = "Breached: " + t.Ref + " " + t.Subject + " (" + what + ")"
		lead = t.Ref + " has missed its " + what + " objective: the " + what + " was due " + due + " and the ticket " + still + " (" + sla.FormatBusiness(rem, day) + " in business time)."
		n.line = "Breached: " + t.Ref + " “" + t.Subject + "” (" + t.Class + ", " + assignee + "): " + what + " breached, was due " + due + ", " + stillShort + " (" + sla.FormatBusiness(rem, day) + ")."
	case KindArrival:
		kindWords := strings.ToLower(pol.Title(t.Class)) + " ticket" // "availability ticket"
		n.subject = "New " + kindWords + ": " + t.Ref + " " + t.Subject
		lead = "A new " + kindWords + " has arrived: " + t.Ref + ", received " + pol.Promise(t.ReceivedAt) + ". Its first response is due " + due + " (" + sla.FormatBusiness(rem, day) + " of business time left)."
		n.line = "New " + kindWords + ": " + t.Ref + " “" + t.Subject + "” from " + t.RequesterEmail + ": first response due " + due + "."
	}
	var b strings.Builder
	b.WriteString(lead + "\n\n")
	fmt.Fprintf(&b, "  Reference:  %s\n", t.Ref)
	fmt.Fprintf(&b, "  Subject:    %s\n", t.Subject)
	fmt.Fprintf(&b, "  Class:      %s\n", t.Class)
	fmt.Fprintf(&b, "  Requester:  %s\n", requester)
	fmt.Fprintf(&b, "  Assignee:   %s\n", assignee)
	fmt.Fprintf(&b, "  Promise:    %s\n", what)
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
	State   string `json:"state"`   // the promise's SLA state when the notice was made
	Promise string `json:"promise"` // its kind: first_response, next_response, resolution
	Due     string `json:"due"`     // its due instant, RFC 3339, in the desk's zone
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
		Promise: n.promise, Due: n.due.In(s.Policy.Calendar().Location()).Format(time.RFC3339Nano), URL: s.ticketURL(t.Ref),
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
