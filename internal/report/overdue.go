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
// owed promise (the running promise due soonest: a first response, a next
// response or the resolution) is broken or at risk, and the breach
// forecast — those not yet broken that fall due within the next
// ForecastHorizon of business time (before ForecastUntil), so will be
// broken by then unless someone keeps them first. A ticket waiting on the
// customer that owes nothing is not in it.
type Overdue struct {
	// At is the report's instant and NextOpening the start of the desk's
	// next open period after it (see NextOpening), both in the calendar's
	// zone.
	At, NextOpening time.Time
	// ForecastHorizon is the business time the forecast looks ahead, and
	// ForecastUntil the instant that much business time after At
	// (clock.Calendar.Due): from a closed desk, the hours count from the
	// next opening.
	ForecastHorizon time.Duration
	ForecastUntil   time.Time
	// OverdueCount counts the broken rows, AtRiskCount those at risk
	// (sla.Bounds), ForecastCount those not broken that fall due before
	// ForecastUntil. A row at risk and due before then counts in both
	// AtRiskCount and ForecastCount.
	OverdueCount, AtRiskCount, ForecastCount int
	// Groups has one entry per class of the policy, in its order, even
	// when empty, then one per other class that has rows.
	Groups []OverdueGroup

	loc         *time.Location
	businessDay time.Duration
}

// OverdueGroup is one class's rows in the queue's order: earliest due
// first (so the most overdue first, forecast and at-risk rows after the
// broken ones), then by ticket id.
type OverdueGroup struct {
	Class string
	// Objective is the class's promises in words ("first response within
	// 3 business hours; next response within 3 business hours").
	Objective string
	Tickets   []OverdueTicket
}

// OverdueTicket is one row of the overdue report: a ticket and the
// promise it owes.
type OverdueTicket struct {
	Ref, Class, Status, Subject, RequesterEmail string
	AssigneeEmail                               string // "" when unassigned
	// ReceivedAt is the ticket's receipt and ResponseDueAt its
	// first-response deadline (whatever it owes now).
	ReceivedAt, ResponseDueAt time.Time
	// Kind is the owed promise's kind (sla.FirstResponse, …), StartedAt
	// when its clock started (receipt, or the customer message a next
	// response answers) and DueAt its due instant.
	Kind             string
	StartedAt, DueAt time.Time
	// State is the owed promise's state at At: breached, at risk or on
	// track (sla.Bounds; an on-track row is a forecast row).
	State sla.State
	// OverdueBy is business time past the due instant at At (Elapsed(due,
	// at)), positive for a broken promise; for the others it is minus the
	// business time left (−Elapsed(at, due)), so ≤ 0.
	OverdueBy time.Duration
	// Forecast is true for a promise not yet broken at At but due before
	// ForecastUntil (see Overdue.Forecasts).
	Forecast bool
	// URL is the ticket's path on the web UI, "/tickets/SR-1042".
	URL string
}

// DefaultForecastHours is how many business hours the overdue report's
// forecast looks ahead unless told otherwise (reports.forecast_hours).
const DefaultForecastHours = 4

// MaxForecastHours is the longest forecast asked for: five business weeks
// of the default calendar.
const MaxForecastHours = 200

// ParseForecastHours reads a forecast horizon given as a whole number of
// business hours ("4"); "" is def. Anything else, or a number outside 0 to
// MaxForecastHours, is a *ParamError about "forecast_hours".
func ParseForecastHours(s string, def int) (time.Duration, error) {
	s = strings.TrimSpace(s)
	n := def
	if s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			return 0, paramErr("forecast_hours", "%q is not a whole number of business hours (from 0 to %d)", s, MaxForecastHours)
		}
	}
	if n < 0 || n > MaxForecastHours {
		return 0, paramErr("forecast_hours", "the forecast looks ahead 0 to %d business hours, not %d", MaxForecastHours, n)
	}
	return time.Duration(n) * time.Hour, nil
}

// BuildOverdue builds the overdue report at at from src's open tickets
// that owe a promise, with a breach forecast of the promises that fall due
// within the next forecast of business time (see Overdue). The report reads the promises owed now and judges
// them as of at, so a past at replays deadlines, not history: a promise
// whose clock started after at (a ticket received later, a customer
// message since) is left out, a promise kept since at is not brought back,
// and due instants are today's (a pause since at has moved them).
//
// at must lie within the calendar's range (clock.Calendar.Range), else the
// error is a *ParamError about "at"; forecast must be 0 to
// MaxForecastHours hours, and end within the range too, else the error is
// about "forecast_hours". When ctx ends the work stops and ctx's error is
// returned.
func BuildOverdue(ctx context.Context, src Source, pol *sla.Policy, at time.Time, forecast time.Duration) (*Overdue, error) {
	cal := pol.Calendar()
	loc := cal.Location()
	at = at.Round(0).In(loc)
	if err := checkInstant(cal, "at", at, false); err != nil {
		return nil, err
	}
	if forecast < 0 || forecast > MaxForecastHours*time.Hour {
		return nil, paramErr("forecast_hours", "the forecast looks ahead 0 to %d business hours, not %v", MaxForecastHours, forecast)
	}
	until := cal.Due(at, forecast)
	if err := checkInstant(cal, "forecast_hours", until, true); err != nil {
		return nil, err
	}
	bounds := pol.Bounds(at) // the one definition of broken and at risk
	next := NextOpening(cal, at)
	// Every row is due before the end of the at-risk range or before the
	// end of the forecast.
	before := bounds.AtRisk.Before
	if until.After(before) {
		before = until
	}
	ts, err := src.OpenOwing(ctx, before)
	if err != nil {
		return nil, err
	}
	r := &Overdue{At: at, NextOpening: next, ForecastHorizon: forecast, ForecastUntil: until.In(loc), loc: loc, businessDay: cal.BusinessDay()}
	if !next.IsZero() {
		r.NextOpening = next.In(loc)
	}
	byClass := map[string][]OverdueTicket{}
	for i, t := range ts {
		if i%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		o := t.Owed()
		if o == nil || !t.Open || o.StartedAt.After(at) || !o.DueAt.Before(before) {
			continue
		}
		state := bounds.State(o.DueAt)
		soon := r.Forecasts(state, o.DueAt)
		if state == sla.OnTrack && !soon {
			continue
		}
		row := OverdueTicket{
			Ref: t.Ref, Class: t.Class, Status: t.Status, Subject: t.Subject,
			RequesterEmail: t.RequesterEmail,
			ReceivedAt:     t.ReceivedAt.In(loc), ResponseDueAt: t.ResponseDueAt.In(loc),
			Kind: o.Kind, StartedAt: o.StartedAt.In(loc), DueAt: o.DueAt.In(loc),
			State: state, Forecast: soon,
			URL: "/tickets/" + url.PathEscape(t.Ref),
		}
		if t.Assignee != nil {
			row.AssigneeEmail = t.Assignee.Email
		}
		switch state {
		case sla.Breached:
			row.OverdueBy = cal.Elapsed(o.DueAt, at)
			r.OverdueCount++
		case sla.AtRisk:
			r.AtRiskCount++
			fallthrough
		default:
			row.OverdueBy = -cal.Elapsed(at, o.DueAt)
		}
		if soon {
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
		// src gives the queue's order; keep it, by due instant first in
		// case a source does not.
		slices.SortStableFunc(rows, func(a, b OverdueTicket) int { return a.DueAt.Compare(b.DueAt) })
		if rows == nil {
			rows = []OverdueTicket{}
		}
		r.Groups = append(r.Groups, OverdueGroup{Class: c, Objective: objectives(pol, c), Tickets: rows})
	}
	return r, nil
}

// Forecasts is the one definition of a forecast row: a promise not broken
// at At that falls due before ForecastUntil, so will be broken within the
// forecast's business hours unless kept.
func (r *Overdue) Forecasts(state sla.State, due time.Time) bool {
	return state != sla.Breached && due.Before(r.ForecastUntil)
}

// ForecastHours is the forecast's horizon in whole business hours.
func (r *Overdue) ForecastHours() int { return int(r.ForecastHorizon / time.Hour) }

// OverdueCSVHeader is the header row of Overdue.WriteCSV. Its first
// eleven columns are those of the first-response report it grew from, so
// scripts reading them by position keep working; the owed promise's
// columns come after them.
var OverdueCSVHeader = []string{
	"ref", "class", "status", "assignee", "received_at", "response_due_at",
	"overdue_by_seconds", "forecast", "subject", "requester_email", "url",
	"kind", "due_at", "started_at", "state",
}

// WriteCSV writes the report as CSV: the header row OverdueCSVHeader, then
// one row per ticket, grouped by class in report order. Times are RFC 3339
// in the calendar's zone; response_due_at is the ticket's first-response
// deadline, due_at and started_at the owed promise's (kind
// first_response, next_response or resolution); overdue_by_seconds is
// whole business seconds past due_at (negative when not yet due); forecast
// is "true" or "false"; state is breached, at_risk or on_track; url is
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
				csvText(rfc(t.ReceivedAt, r.loc)), csvText(rfc(t.ResponseDueAt, r.loc)),
				csvInt(seconds(t.OverdueBy)), csvText(strconv.FormatBool(t.Forecast)),
				csvText(t.Subject), csvText(t.RequesterEmail), csvText(base+t.URL),
				csvText(t.Kind), csvText(rfc(t.DueAt, r.loc)), csvText(rfc(t.StartedAt, r.loc)), csvText(string(t.State)),
			); err != nil {
				return err
			}
		}
	}
	return cw.flush()
}

type overdueJSON struct {
	At          string  `json:"at"`
	NextOpening *string `json:"next_opening"`
	// The forecast's horizon and its end.
	ForecastHours int                `json:"forecast_hours"`
	ForecastUntil string             `json:"forecast_until"`
	Overdue       int                `json:"overdue"`
	AtRisk        int                `json:"at_risk"`
	Forecast      int                `json:"forecast"`
	Groups        []overdueGroupJSON `json:"groups"`
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
	Kind             string  `json:"kind"`
	StartedAt        string  `json:"started_at"`
	DueAt            string  `json:"due_at"`
	State            string  `json:"state"`
	OverdueBySeconds int64   `json:"overdue_by_seconds"`
	OverdueBy        string  `json:"overdue_by"`
	Forecast         bool    `json:"forecast"`
	URL              string  `json:"url"`
}

// WriteJSON writes the report as one JSON object:
//
//	{"at": RFC 3339, "next_opening": RFC 3339 or null,
//	 "forecast_hours": n (business hours the forecast looks ahead), "forecast_until": RFC 3339 (their end),
//	 "overdue": n, "at_risk": n, "forecast": n,
//	 "groups": [{"class", "objective", "tickets": [{"ref", "class", "status",
//	   "subject", "requester_email", "assignee_email" (null when unassigned),
//	   "received_at", "response_due_at" (the first-response deadline),
//	   "kind", "started_at", "due_at" (the owed promise's), "state",
//	   "overdue_by_seconds", "overdue_by" (for people: "overdue 2h 30m",
//	   "due in 45m"), "forecast", "url"}]}]}
func (r *Overdue) WriteJSON(w io.Writer) error {
	out := overdueJSON{At: rfc(r.At, r.loc), ForecastHours: r.ForecastHours(), ForecastUntil: rfc(r.ForecastUntil, r.loc), Overdue: r.OverdueCount, AtRisk: r.AtRiskCount, Forecast: r.ForecastCount, Groups: []overdueGroupJSON{}}
	if !r.NextOpening.IsZero() {
		n := rfc(r.NextOpening, r.loc)
		out.NextOpening = &n
	}
	for _, g := range r.Groups {
		gj := overdueGroupJSON{Class: g.Class, Objective: g.Objective, Tickets: []overdueTicketJSON{}}
		for _, t := range g.Tickets {
			tj := overdueTicketJSON{
				Ref: t.Ref, Class: t.Class, Status: t.Status, Subject: t.Subject, RequesterEmail: t.RequesterEmail,
				ReceivedAt: rfc(t.ReceivedAt, r.loc), ResponseDueAt: rfc(t.ResponseDueAt, r.loc),
				Kind: t.Kind, StartedAt: rfc(t.StartedAt, r.loc), DueAt: rfc(t.DueAt, r.loc), State: string(t.State),
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
// "overdue 2h 30m", or "due in 45m" for a promise not yet due.
func (r *Overdue) overdueWords(t OverdueTicket) string {
	if t.State != sla.Breached {
		return "due in " + sla.FormatBusiness(-t.OverdueBy, r.businessDay)
	}
	return sla.FormatBusiness(-t.OverdueBy, r.businessDay)
}

// textTime is how the text reports show an instant: "Tue 2026-11-24 10:00 EST".
const textTime = "Mon 2006-01-02 15:04 MST"

// WriteText writes the report for a terminal: a summary line, then per
// class a heading and aligned columns (what is owed; at-risk and forecast
// rows marked), with overdue_by in business time via sla.FormatBusiness.
func (r *Overdue) WriteText(w io.Writer) error {
	next := "never (the desk does not close)"
	if !r.NextOpening.IsZero() {
		next = r.NextOpening.In(r.loc).Format(textTime)
	}
	fmt.Fprintf(w, "Overdue and at-risk promises at %s (next opening %s)\n", r.At.In(r.loc).Format(textTime), next)
	fmt.Fprintf(w, "%d overdue; %d at risk; %d will be overdue within the next %s (by %s) unless kept.\n",
		r.OverdueCount, r.AtRiskCount, r.ForecastCount, r.ForecastWords(), r.ForecastUntil.In(r.loc).Format(textTime))
	for _, g := range r.Groups {
		fmt.Fprintln(w)
		head := g.Class
		if g.Objective != "" {
			head += " — " + g.Objective
		}
		fmt.Fprintf(w, "%s (%d)\n", termSafe(head, 160), len(g.Tickets))
		if len(g.Tickets) == 0 {
			fmt.Fprintln(w, "  none")
			continue
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  REF\tOWES\tSTATUS\tASSIGNEE\tRECEIVED\tDUE\tOVERDUE BY\tSUBJECT")
		for _, t := range g.Tickets {
			assignee := t.AssigneeEmail
			if assignee == "" {
				assignee = "—"
			}
			words := r.overdueWords(t)
			switch {
			case t.State == sla.AtRisk && t.Forecast:
				words += " (at risk, forecast)"
			case t.State == sla.AtRisk:
				words += " (at risk)"
			case t.Forecast:
				words += " (forecast)"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
				termSafe(t.Ref, 32), sla.KindLabel(t.Kind), termSafe(t.Status, 16), termSafe(assignee, 40),
				t.ReceivedAt.In(r.loc).Format(textTime), t.DueAt.In(r.loc).Format(textTime),
				words, termSafe(t.Subject, 60))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// ForecastWords is the forecast's horizon in words: "4 business hours".
func (r *Overdue) ForecastWords() string {
	n := r.ForecastHours()
	if n == 1 {
		return "1 business hour"
	}
	return strconv.Itoa(n) + " business hours"
}

// KindLabel is the owed promise's kind for people: "next response".
func (t OverdueTicket) KindLabel() string { return sla.KindLabel(t.Kind) }

// TimeLeft is the business time left until the owed promise is due (−OverdueBy;
// negative when it is broken).
func (t OverdueTicket) TimeLeft() time.Duration { return -t.OverdueBy }
