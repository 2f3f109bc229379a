package report

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/slatrack/slatrack/internal/sla"
)

// Overdue is the overdue report at one instant: the open tickets whose
// first response is past due, and the breach forecast — those still
// unanswered that fall due before the desk's next opening, so will be
// overdue when it opens unless someone answers them first.
type Overdue struct {
	// At is the report's instant and NextOpening the start of the desk's
	// next open period after it (see NextOpening), both in the calendar's
	// zone.
	At, NextOpening time.Time
	// OverdueCount and ForecastCount count the rows of each kind.
	OverdueCount, ForecastCount int
	// Groups has one entry per class of the policy, in its order, even
	// when empty, then one per other class that has rows.
	Groups []OverdueGroup

	loc         *time.Location
	businessDay time.Duration
}

// OverdueGroup is one class's rows, worst first: largest OverdueBy first
// (forecast rows, negative, come after the overdue ones), then earliest
// due, then reference.
type OverdueGroup struct {
	Class     string
	Objective string // "first response within 3 business hours"
	Tickets   []OverdueTicket
}

// OverdueTicket is one row of the overdue report.
type OverdueTicket struct {
	Ref, Class, Status, Subject, RequesterEmail string
	AssigneeEmail                               string // "" when unassigned
	ReceivedAt, DueAt                           time.Time
	// OverdueBy is business time past the deadline at At (Elapsed(due, at)),
	// positive for an overdue ticket; for a forecast row it is minus the
	// business time left (−Elapsed(at, due)), so ≤ 0.
	OverdueBy time.Duration
	// Forecast is true for a ticket not yet due at At but due before the
	// next opening.
	Forecast bool
	// URL is the ticket's path on the web UI, "/tickets/SR-1042".
	URL string
}

// BuildOverdue builds the overdue report at at from src's open, unanswered
// tickets. The report reads the tickets as they are now, so a past at
// replays deadlines, not history: tickets received after at are left out,
// but a ticket answered since at is not brought back.
//
// at must lie within the calendar's range (clock.Calendar.Range), else the
// error is a *ParamError about "at". When ctx ends the work stops and
// ctx's error is returned.
func BuildOverdue(ctx context.Context, src Source, pol *sla.Policy, at time.Time) (*Overdue, error) {
	cal := pol.Calendar()
	loc := cal.Location()
	at = at.Round(0).In(loc)
	if err := checkInstant(cal, "at", at, false); err != nil {
		return nil, err
	}
	next := NextOpening(cal, at)
	before := next
	if before.IsZero() { // the desk never closes: nothing to forecast
		before = at
	}
	ts, err := src.OpenUnanswered(ctx, before)
	if err != nil {
		return nil, err
	}
	r := &Overdue{At: at, NextOpening: next, loc: loc, businessDay: cal.BusinessDay()}
	if !next.IsZero() {
		r.NextOpening = next.In(loc)
	}
	breached := pol.Bounds(at).Breached // overdue; the rest are the forecast
	byClass := map[string][]OverdueTicket{}
	for i, t := range ts {
		if i%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if t.ReceivedAt.After(at) || !t.ResponseDueAt.Before(before) || t.FirstResponseAt != nil || !t.Open {
			continue
		}
		row := OverdueTicket{
			Ref: t.Ref, Class: t.Class, Status: t.Status, Subject: t.Subject,
			RequesterEmail: t.RequesterEmail,
			ReceivedAt:     t.ReceivedAt.In(loc), DueAt: t.ResponseDueAt.In(loc),
			URL: "/tickets/" + url.PathEscape(t.Ref),
		}
		if t.Assignee != nil {
			row.AssigneeEmail = t.Assignee.Email
		}
		if breached.Contains(t.ResponseDueAt) {
			row.OverdueBy = cal.Elapsed(t.ResponseDueAt, at)
			r.OverdueCount++
		} else {
			row.OverdueBy = -cal.Elapsed(at, t.ResponseDueAt)
			row.Forecast = true
			r.ForecastCount++
		}
		byClass[t.Class] = append(byClass[t.Class], row)
	}
	extra := map[string]bool{}
	for c := range byClass {
		extra[c] = true
	}
	for _, c := range classOrder(pol, extra) {
		rows := byClass[c]
		slices.SortFunc(rows, func(a, b OverdueTicket) int {
			if a.OverdueBy != b.OverdueBy {
				if a.OverdueBy > b.OverdueBy {
					return -1
				}
				return 1
			}
			if byDue := a.DueAt.Compare(b.DueAt); byDue != 0 {
				return byDue
			}
			return strings.Compare(a.Ref, b.Ref)
		})
		if rows == nil {
			rows = []OverdueTicket{}
		}
		r.Groups = append(r.Groups, OverdueGroup{Class: c, Objective: objective(pol, c), Tickets: rows})
	}
	return r, nil
}

// OverdueCSVHeader is the header row of Overdue.WriteCSV.
var OverdueCSVHeader = []string{
	"ref", "class", "status", "assignee", "received_at", "response_due_at",
	"overdue_by_seconds", "forecast", "subject", "requester_email", "url",
}

// WriteCSV writes the report as CSV: the header row OverdueCSVHeader, then
// one row per ticket, grouped by class in report order. Times are RFC 3339
// in the calendar's zone; overdue_by_seconds is whole business seconds
// (negative on forecast rows); forecast is "true" or "false"; url is
// baseURL (trailing slashes dropped; may be "") followed by the ticket's
// path. Rows end in CRLF, and text cells that could be read as a
// spreadsheet formula get an apostrophe (see csvSafe).
func (r *Overdue) WriteCSV(w io.Writer, baseURL string) error {
	base := strings.TrimRight(baseURL, "/")
	cw := newCSVWriter(w)
	if err := cw.header(OverdueCSVHeader); err != nil {
		return err
	}
	for _, g := range r.Groups {
		for _, t := range g.Tickets {
			if err := cw.row(
				csvText(t.Ref), csvText(t.Class), csvText(t.Status), csvText(t.AssigneeEmail),
				csvText(rfc(t.ReceivedAt, r.loc)), csvText(rfc(t.DueAt, r.loc)),
				csvInt(seconds(t.OverdueBy)), csvText(strconv.FormatBool(t.Forecast)),
				csvText(t.Subject), csvText(t.RequesterEmail), csvText(base+t.URL),
			); err != nil {
				return err
			}
		}
	}
	return cw.flush()
}

type overdueJSON struct {
	At          string             `json:"at"`
	NextOpening *string            `json:"next_opening"`
	Overdue     int                `json:"overdue"`
	Forecast    int                `json:"forecast"`
	Groups      []overdueGroupJSON `json:"groups"`
}

type overdueGroupJSON struct {
	Class     string              `json:"class"`
	Objective string              `json:"objective"`
	Tickets   []overdueTicketJSON `json:"tickets"`
}

type overdueTicketJSON struct {
	Ref              string  `json:"ref"`
	Class            string  `json:"class"`
	Status           string  `json:"status"`
	Subject          string  `json:"subject"`
	RequesterEmail   string  `json:"requester_email"`
	AssigneeEmail    *string `json:"assignee_email"`
	ReceivedAt       string  `json:"received_at"`
	ResponseDueAt    string  `json:"response_due_at"`
	OverdueBySeconds int64   `json:"overdue_by_seconds"`
	OverdueBy        string  `json:"overdue_by"`
	Forecast         bool    `json:"forecast"`
	URL              string  `json:"url"`
}

// WriteJSON writes the report as one JSON object:
//
//	{"at": RFC 3339, "next_opening": RFC 3339 or null, "overdue": n, "forecast": n,
//	 "groups": [{"class", "objective", "tickets": [{"ref", "class", "status",
//	   "subject", "requester_email", "assignee_email" (null when unassigned),
//	   "received_at", "response_due_at", "overdue_by_seconds", "overdue_by"
//	   (for people: "overdue 2h 30m", "due in 45m"), "forecast", "url"}]}]}
func (r *Overdue) WriteJSON(w io.Writer) error {
	out := overdueJSON{At: rfc(r.At, r.loc), Overdue: r.OverdueCount, Forecast: r.ForecastCount, Groups: []overdueGroupJSON{}}
	if !r.NextOpening.IsZero() {
		n := rfc(r.NextOpening, r.loc)
		out.NextOpening = &n
	}
	for _, g := range r.Groups {
		gj := overdueGroupJSON{Class: g.Class, Objective: g.Objective, Tickets: []overdueTicketJSON{}}
		for _, t := range g.Tickets {
			tj := overdueTicketJSON{
				Ref: t.Ref, Class: t.Class, Status: t.Status, Subject: t.Subject, RequesterEmail: t.RequesterEmail,
				ReceivedAt: rfc(t.ReceivedAt, r.loc), ResponseDueAt: rfc(t.DueAt, r.loc),
				OverdueBySeconds: seconds(t.OverdueBy), OverdueBy: r.overdueWords(t),
				Forecast: t.Forecast, URL: t.URL,
			}
			if t.AssigneeEmail != "" {
				a := t.AssigneeEmail
				tj.AssigneeEmail = &a
			}
			gj.Tickets = append(gj.Tickets, tj)
		}
		out.Groups = append(out.Groups, gj)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// overdueWords is a row's overdue_by for people, via sla.FormatBusiness:
// "overdue 2h 30m", or "due in 45m" on a forecast row.
func (r *Overdue) overdueWords(t OverdueTicket) string {
	if t.Forecast {
		return "due in " + sla.FormatBusiness(-t.OverdueBy, r.businessDay)
	}
	return sla.FormatBusiness(-t.OverdueBy, r.businessDay)
}

// textTime is how the text reports show an instant: "Tue 2026-11-24 10:00 EST".
const textTime = "Mon 2006-01-02 15:04 MST"

// WriteText writes the report for a terminal: a summary line, then per
// class a heading and aligned columns (forecast rows marked), with
// overdue_by in business time via sla.FormatBusiness.
func (r *Overdue) WriteText(w io.Writer) error {
	next := "never (the desk does not close)"
	if !r.NextOpening.IsZero() {
		next = r.NextOpening.In(r.loc).Format(textTime)
	}
	fmt.Fprintf(w, "Overdue first responses at %s (next opening %s)\n", r.At.In(r.loc).Format(textTime), next)
	fmt.Fprintf(w, "%d overdue; %d more will be overdue by the next opening unless answered.\n", r.OverdueCount, r.ForecastCount)
	for _, g := range r.Groups {
		fmt.Fprintln(w)
		head := g.Class
		if g.Objective != "" {
			head += " — " + g.Objective
		}
		fmt.Fprintf(w, "%s (%d)\n", termSafe(head, 120), len(g.Tickets))
		if len(g.Tickets) == 0 {
			fmt.Fprintln(w, "  none")
			continue
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  REF\tSTATUS\tASSIGNEE\tRECEIVED\tDUE\tOVERDUE BY\tSUBJECT")
		for _, t := range g.Tickets {
			assignee := t.AssigneeEmail
			if assignee == "" {
				assignee = "—"
			}
			words := r.overdueWords(t)
			if t.Forecast {
				words += " (forecast)"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\n",
				termSafe(t.Ref, 32), termSafe(t.Status, 16), termSafe(assignee, 40),
				t.ReceivedAt.In(r.loc).Format(textTime), t.DueAt.In(r.loc).Format(textTime),
				words, termSafe(t.Subject, 60))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}
