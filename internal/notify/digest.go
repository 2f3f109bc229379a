package notify

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/sla"
)

// Digest limits: how many tickets a section lists, and how many are
// counted at most.
const (
	digestListed  = 50
	digestCounted = 2000
)

// Digest is what the daily digest reports, as of At.
type Digest struct {
	At          time.Time
	Overdue     []*desk.Ticket // open, unanswered, due before At
	DueToday    []*desk.Ticket // open, unanswered, due from At to DayEnd
	DayEnd      time.Time      // today's closing
	NextOpening time.Time      // the next business day's opening
	// More is set when a section holds more than digestCounted tickets
	// (the counts are then lower bounds).
	More bool
}

// Forecast is how many tickets will be breached by the next opening if
// none is answered: every overdue one and every one due today (no
// deadline falls while the desk is closed).
func (d *Digest) Forecast() int { return len(d.Overdue) + len(d.DueToday) }

// digest mails the day's digest at the first pass while the desk is open.
func (s *Scheduler) digest(p *pass) error {
	if !s.Config.Digest || !p.open {
		return nil
	}
	key := DigestKey(p.now, s.Policy.Calendar().Location())
	done, err := s.Store.NotifiedKeys(p.ctx, []string{key})
	if err != nil {
		return fmt.Errorf("notify: digest: %w", err)
	}
	if done[key] {
		return nil
	}
	d, err := s.BuildDigest(p.ctx, p.now)
	if err != nil {
		return fmt.Errorf("notify: digest: %w", err)
	}
	to, err := p.staffList()
	if err != nil {
		return fmt.Errorf("notify: digest: recipients: %w", err)
	}
	var rows []*desk.OutboxMail
	if s.Mail != nil && len(to) > 0 {
		subject, text := s.digestText(d)
		o, err := s.email(desk.OutboxDigest, to, subject, text, "", KindDigest, p.now)
		if err != nil {
			return fmt.Errorf("notify: digest: compose: %w", err)
		}
		rows = append(rows, o)
	}
	sent, err := s.Store.RecordNotification(p.ctx, Notification{Key: key, Kind: KindDigest, CreatedAt: p.now}, nil, rows)
	if err != nil {
		return fmt.Errorf("notify: digest: record: %w", err)
	}
	if sent {
		s.log().Info("notify: digest queued", "key", key, "to", strings.Join(to, ","), "overdue", len(d.Overdue), "due_today", len(d.DueToday))
	}
	return nil
}

// BuildDigest gathers the digest as of now.
func (s *Scheduler) BuildDigest(ctx context.Context, now time.Time) (*Digest, error) {
	cal := s.Policy.Calendar()
	l := now.In(cal.Location())
	midnight := time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, cal.Location())
	d := &Digest{
		At:          now,
		DayEnd:      cal.Due(now, cal.Elapsed(now, midnight)),
		NextOpening: cal.NextOpen(midnight),
	}
	yes := true
	var more1, more2 bool
	var err error
	breached := s.Policy.Bounds(now).Breached
	if d.Overdue, more1, err = s.collect(ctx, desk.TicketQuery{OpenOnly: true, Owing: &yes, DueFrom: breached.From, DueBefore: breached.Before}); err != nil {
		return nil, err
	}
	if d.DueToday, more2, err = s.collect(ctx, desk.TicketQuery{OpenOnly: true, Owing: &yes, DueFrom: breached.Before, DueBefore: d.DayEnd.Add(time.Nanosecond)}); err != nil {
		return nil, err
	}
	d.More = more1 || more2
	return d, nil
}

// collect pages through a query, up to digestCounted tickets.
func (s *Scheduler) collect(ctx context.Context, q desk.TicketQuery) ([]*desk.Ticket, bool, error) {
	var out []*desk.Ticket
	q.Limit = 200
	for {
		page, next, err := s.Store.ListTickets(ctx, q)
		if err != nil {
			return nil, false, err
		}
		out = append(out, page...)
		if next == "" {
			return out, false, nil
		}
		if len(out) >= digestCounted {
			return out, true, nil
		}
		c, err := desk.DecodeCursor(next)
		if err != nil {
			return nil, false, err
		}
		q.After = &c
	}
}

// digestText renders the digest mail.
func (s *Scheduler) digestText(d *Digest) (subject, text string) {
	pol := s.Policy
	loc := pol.Calendar().Location()
	day := pol.Calendar().BusinessDay()
	at := d.At.In(loc)
	plus := ""
	if d.More {
		plus = "+"
	}
	unassigned := 0
	for _, t := range append(append([]*desk.Ticket{}, d.Overdue...), d.DueToday...) {
		if t.AssigneeID == nil {
			unassigned++
		}
	}
	subject = fmt.Sprintf("Digest for %s: %d%s overdue, %d%s due today", at.Format("Monday, January 2"), len(d.Overdue), plus, len(d.DueToday), plus)

	var b strings.Builder
	fmt.Fprintf(&b, "The queue at %s: what is owed (first and next responses, resolutions).\n\n", pol.Promise(d.At))
	row := func(label string, n int, more string) { fmt.Fprintf(&b, "  %-34s %d%s%s\n", label+":", n, plus, more) }
	row("Overdue (breached, unanswered)", len(d.Overdue), "")
	row("Due today (by "+clockWords(d.DayEnd, loc)+")", len(d.DueToday), "")
	row("Forecast breaches", d.Forecast(), " by the next opening, "+pol.Promise(d.NextOpening)+", unless answered")
	fmt.Fprintf(&b, "  %-34s %d\n", "Unassigned among them:", unassigned)

	section := func(title string, ts []*desk.Ticket, line func(t *desk.Ticket) string) {
		fmt.Fprintf(&b, "\n%s (%d%s)\n", title, len(ts), plus)
		if len(ts) == 0 {
			b.WriteString("  none\n")
			return
		}
		for i, t := range ts {
			if i == digestListed {
				fmt.Fprintf(&b, "  … and %d more\n", len(ts)-digestListed)
				break
			}
			who := "unassigned"
			if t.Assignee != nil {
				who = t.Assignee.Display()
			}
			fmt.Fprintf(&b, "  %s  %s\n      %s · %s · %s\n", t.Ref, truncate(t.Subject, 120), t.Class, line(t), who)
		}
	}
	// owed is what a listed ticket owes (the lists hold owing tickets
	// only) and when.
	owed := func(t *desk.Ticket) (string, time.Time) {
		if o := t.Owed(); o != nil {
			return sla.KindLabel(o.Kind), o.DueAt
		}
		return sla.KindLabel(sla.FirstResponse), t.ResponseDueAt
	}
	section("OVERDUE", d.Overdue, func(t *desk.Ticket) string {
		what, due := owed(t)
		rem := pol.Calendar().Remaining(d.At, due)
		return what + " was due " + pol.Promise(due) + " (" + sla.FormatBusiness(rem, day) + ")"
	})
	section("DUE TODAY", d.DueToday, func(t *desk.Ticket) string {
		what, due := owed(t)
		rem := pol.Calendar().Remaining(d.At, due)
		return what + " due " + clockWords(due, loc) + " (" + sla.FormatBusiness(rem, day) + " left)"
	})
	if s.BaseURL != "" {
		fmt.Fprintf(&b, "\nThe queue: %s/queue\n", strings.TrimRight(s.BaseURL, "/"))
	}
	b.WriteString("\nThis digest is sent at each business day's opening by slatrack.\n")
	return subject, b.String()
}

// clockWords is a time of day for people: "11:00 AM ET".
func clockWords(t time.Time, loc *time.Location) string {
	l := t.In(loc)
	return l.Format("3:04 PM") + " " + sla.ZoneName(l)
}
