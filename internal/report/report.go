// Package report builds slatrack's SLA reports from the stored tickets and
// their promises: the overdue report (open tickets whose owed promise —
// first response, next response or resolution — is broken or at risk, and
// those that will be broken within the next few business hours) and the compliance
// report (how many first responses met their objective over a period, per
// class and per week, and how many promises of each kind were kept, per
// class), rendered as CSV, JSON, aligned text and server-side SVG charts.
//
// Every duration is business time from the policy's calendar
// (clock.Calendar.Elapsed), and every time is shown in the calendar's zone.
// The package is pure domain code: it reads tickets through Source, which
// the store implements, and imports no database or web framework.
package report

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/slatrack/slatrack/internal/clock"
	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/promise"
	"github.com/slatrack/slatrack/internal/sla"
)

// Source is what the reports read; *store.Store implements it.
type Source interface {
	// OpenOwing returns the open tickets that owe a promise due before
	// before (desk.Settle's mirrors: not idle, QueueAt < before), in the
	// queue's order (earliest due first, then id), Assignee filled, with
	// only the owed promise in Promises (its kind, start and due instant).
	OpenOwing(ctx context.Context, before time.Time) ([]*desk.Ticket, error)
	// ResponseRows calls fn for every ticket received in [from, to) with the
	// few columns compliance needs, in no particular order. An error from fn
	// stops the scan and is returned as it is.
	ResponseRows(ctx context.Context, from, to time.Time, fn func(ResponseRow) error) error
	// PromiseRows calls fn for every promise started in [from, to), of
	// every kind and outcome, in no particular order. An error from fn
	// stops the scan and is returned as it is.
	PromiseRows(ctx context.Context, from, to time.Time, fn func(PromiseRow) error) error
}

// ResponseRow is one ticket as the compliance report sees it.
type ResponseRow struct {
	Class           string
	ReceivedAt      time.Time
	DueAt           time.Time
	FirstResponseAt time.Time // zero if unanswered
	Open            bool
}

// PromiseRow is one promise as the compliance report sees it: the class
// whose target it carries and the promise itself (see package promise).
type PromiseRow struct {
	Class string
	promise.Promise
}

// NextOpening is the start of the desk's next open period strictly after
// at's current one: when the desk is open at at, the opening after today's
// closing (Tue 10:00 → Wed 09:00; Wed 14:00 before a Thursday holiday → Fri
// 09:00); when it is closed, the next opening (Tue 18:00 → Wed 09:00; Sat
// 03:00 → Mon 09:00). A ticket due before then will be overdue when the desk
// next opens unless someone answers it first.
//
// For a desk that never closes (open 00:00–24:00 every day and no holidays
// or closures within 400 days) it returns the zero Time.
func NextOpening(cal *clock.Calendar, at time.Time) time.Time {
	at = at.Round(0) // no monotonic reading: only the instant matters
	if !cal.IsOpen(at) {
		return cal.NextOpen(at)
	}
	// The current open stretch ends at the last instant e at which all of
	// [at, e) was open time, i.e. e − at − Elapsed(at, e) is still 0; that
	// gap only grows with e, so a binary search finds the closing to the
	// nanosecond with ~50 table lookups, whatever the hours, time zone or
	// DST change.
	gap := func(e time.Time) time.Duration { return e.Sub(at) - cal.Elapsed(at, e) }
	lo, span := at, 24*time.Hour
	hi := at.Add(span)
	for gap(hi) == 0 {
		if span > 400*24*time.Hour {
			return time.Time{}
		}
		lo, span = hi, span*2
		hi = at.Add(span)
	}
	for hi.Sub(lo) > 1 {
		mid := lo.Add(hi.Sub(lo) / 2)
		if gap(mid) == 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return cal.NextOpen(lo) // lo is the closing: the desk is closed there
}

// classOrder lists the policy's classes first, in its order, then any
// others (tickets of a class since renamed or dropped in the
// configuration) alphabetically.
func classOrder(pol *sla.Policy, extra map[string]bool) []string {
	out := pol.ClassNames()
	var more []string
	for c := range extra {
		if !pol.ValidClass(c) {
			more = append(more, c)
		}
	}
	slices.Sort(more)
	return append(out, more...)
}

// objective is the class's first-response objective in words ("first
// response within 3 business hours"), or "" for a class the policy does
// not know.
func objective(pol *sla.Policy, class string) string {
	t, err := pol.Target(class)
	if err != nil {
		return ""
	}
	return "first response within " + t.Words()
}

// objectives are the class's promises in words, in kind order ("first
// response within 3 business hours; next response within 3 business
// hours"), or "" for a class the policy does not know.
func objectives(pol *sla.Policy, class string) string {
	var out []string
	for _, k := range sla.Kinds() {
		if t, ok := pol.TargetFor(class, k); ok {
			out = append(out, sla.KindLabel(k)+" within "+t.Words())
		}
	}
	return strings.Join(out, "; ")
}

// kindObjective is the class's promise of kind in words ("within 3
// business hours"), or "" when the class makes no such promise.
func kindObjective(pol *sla.Policy, class, kind string) string {
	t, ok := pol.TargetFor(class, kind)
	if !ok {
		return ""
	}
	return "within " + t.Words()
}

// termSafe makes text from people safe to print on a terminal: control
// characters (escape sequences, newlines) become spaces, and it is cut to
// max runes with an ellipsis.
func termSafe(s string, max int) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == max {
			b.WriteString("…")
			break
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			r = ' '
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// seconds is d in whole seconds, rounded half away from zero.
func seconds(d time.Duration) int64 {
	return int64(d.Round(time.Second) / time.Second)
}

// rfc is t in the zone loc as RFC 3339, with the fraction of a second when
// there is one ("" for the zero time).
func rfc(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(time.RFC3339Nano)
}
