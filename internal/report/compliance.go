package report

import (
	"context"
	"slices"
	"time"

	"github.com/slatrack/slatrack/internal/clock"
	"github.com/slatrack/slatrack/internal/sla"
)

// Compliance is the first-response compliance report over the tickets
// received in [From, To), judged at At.
//
// Each ticket counts once, in the class it has now, as exactly one of:
//
//   - met: answered at or before its deadline (the instant; a reply at
//     09:00 to a ticket due at the previous day's 17:00 closing is late even
//     though no business time passed in between);
//   - late: answered after its deadline;
//   - open overdue: open, unanswered, and its deadline is before At;
//   - pending: open, unanswered, deadline at or after At (not yet decided);
//   - closed unanswered: resolved or closed without any public reply (spam,
//     duplicates, requests withdrawn). These are left out of the
//     percentage: whether one was a breach depends on why it was closed,
//     which the report cannot tell.
//
// Breached = late + open overdue, and the percentage met is met / (met +
// breached), undefined (no value) when nothing was decided.
//
// Kinds then count the promises of each kind (first response, next
// response, resolution) started in the period, per class: made, kept,
// broken, and the business time to keep them (see KindStats). The
// first-response kind counts the same tickets as Classes, judged by their
// promises: a ticket closed unanswered after its deadline is a broken
// promise there, and left out of Classes' percentage.
type Compliance struct {
	From, To, At time.Time // in the calendar's zone
	// Classes has one entry per known class, in the policy's order, then one
	// per other class that has tickets.
	Classes []Stats
	Total   Stats
	// Weeks are the calendar weeks, Monday 00:00 to Monday 00:00 in the
	// calendar's zone (so 167 or 169 hours long across a DST change), that
	// cover [From, To); tickets are counted in the week they were received.
	// The first and last may be only partly inside the period.
	Weeks []Week
	// Kinds has one entry per kind of promise that some class of the
	// policy makes or that some promise started in the period has, in
	// sla.Kinds() order.
	Kinds []KindReport

	loc         *time.Location
	businessDay time.Duration
}

// Stats are the counts for one class (or all, Class "total") over the
// period or a week. The first-response times are business time from
// receipt to the first public reply (Calendar.Elapsed), over the answered
// tickets (met + late); they are only set on the period's stats, not the
// weeks'.
type Stats struct {
	Class     string
	Objective string // "first response within 3 business hours"; "" for the total
	Received  int
	Met       int
	Late      int
	// OpenOverdue are open, unanswered tickets whose deadline is before At.
	OpenOverdue int
	// Pending are open, unanswered tickets not yet due at At.
	Pending int
	// ClosedUnanswered were resolved or closed with no public reply.
	ClosedUnanswered int
	// Breached is Late + OpenOverdue.
	Breached int
	// Median and P90 are the nearest-rank 50th and 90th percentiles of the
	// first-response times: the ⌈p/100 × n⌉-th smallest of the n answered
	// tickets' times (so the median of an even count is the lower of the two
	// middle values, and every value reported is one a ticket really had).
	// Both are 0 when no ticket was answered (Answered() == 0).
	Median, P90 time.Duration
}

// Answered is how many tickets got a first response (met or late).
func (s Stats) Answered() int { return s.Met + s.Late }

// PercentMet is 100 × met / (met + breached), and false when no ticket was
// decided (met + breached = 0), where the percentage has no meaning.
func (s Stats) PercentMet() (float64, bool) {
	d := s.Met + s.Breached
	if d == 0 {
		return 0, false
	}
	return 100 * float64(s.Met) / float64(d), true
}

// Week is one calendar week of the trend.
type Week struct {
	// Start is Monday 00:00 and End the next Monday 00:00, in the
	// calendar's zone.
	Start, End time.Time
	Classes    []Stats // same classes, same order as Compliance.Classes
	Total      Stats
}

// Outcomes of one ticket.
const (
	outMet = iota
	outLate
	outOpenOverdue
	outPending
	outClosedUnanswered
)

// counts are Stats' counters, kept apart so the per-row work is a few
// increments.
type counts struct {
	received, met, late, overdue, pending, closed int
}

func (c *counts) add(out int) {
	c.received++
	switch out {
	case outMet:
		c.met++
	case outLate:
		c.late++
	case outOpenOverdue:
		c.overdue++
	case outPending:
		c.pending++
	default:
		c.closed++
	}
}

func (c *counts) stats(class, obj string) Stats {
	return Stats{
		Class: class, Objective: obj, Received: c.received, Met: c.met, Late: c.late,
		OpenOverdue: c.overdue, Pending: c.pending, ClosedUnanswered: c.closed,
		Breached: c.late + c.overdue,
	}
}

// compliance accumulates rows. The per-row path does no allocation besides
// appending first-response times, and no map lookup for the known classes.
type compliance struct {
	cal      *clock.Calendar
	from, to time.Time
	at       time.Time
	classes  []string       // index → class; the policy's first
	known    int            // how many of classes are the policy's
	extra    map[string]int // other classes → index
	breached sla.Range      // an open, unanswered ticket due in it is overdue at at
	total    counts
	byClass  []counts
	frt      [][]time.Duration // first-response times per class index
	weekNs   []int64           // week boundaries, Unix ns: week k is [weekNs[k], weekNs[k+1])
	weeks    [][]counts        // [week][class]
	weekTot  []counts
	// The promises: per kind (sla.Kinds() order), per class index (the
	// policy's classes as above, then pextra's).
	pextra map[string]int
	kinds  [3][]kindCounts
}

// BuildCompliance builds the compliance report over the tickets received in
// [from, to) and the promises started then, judging open ones at at. It
// streams src's rows once each; the work per row is a few comparisons and,
// for an answered ticket or an ended promise, one Calendar.Elapsed, and
// each class's times are sorted once.
//
// The period may be at most MaxPeriodDays long and from, to and at must lie
// within the calendar's range (clock.Calendar.Range); otherwise the error is
// a *ParamError naming the bound. When ctx ends the scan stops and ctx's
// error is returned.
func BuildCompliance(ctx context.Context, src Source, pol *sla.Policy, from, to, at time.Time) (*Compliance, error) {
	cal := pol.Calendar()
	loc := cal.Location()
	from, to, at = from.Round(0).In(loc), to.Round(0).In(loc), at.Round(0).In(loc)
	if err := checkPeriod(cal, from, to, at); err != nil {
		return nil, err
	}
	b := &compliance{cal: cal, from: from, to: to, at: at, classes: pol.ClassNames(), extra: map[string]int{}, pextra: map[string]int{}}
	b.known = len(b.classes)
	b.breached = pol.Bounds(at).Breached
	b.byClass = make([]counts, len(b.classes))
	b.frt = make([][]time.Duration, len(b.classes))
	b.weekNs = weekBounds(from, to, loc)
	nw := len(b.weekNs) - 1
	b.weeks = make([][]counts, nw)
	for i := range b.weeks {
		b.weeks[i] = make([]counts, len(b.classes))
	}
	b.weekTot = make([]counts, nw)
	if to.After(from) {
		n := 0
		add := func(r ResponseRow) error {
			if n++; n%ctxCheckEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			return b.add(r)
		}
		if err := src.ResponseRows(ctx, from, to, add); err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		addPromise := func(r PromiseRow) error {
			if n++; n%ctxCheckEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			return b.addPromise(r)
		}
		if err := src.PromiseRows(ctx, from, to, addPromise); err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	return b.finish(pol, loc), nil
}

// ctxCheckEvery is how many tickets the reports handle between two looks at
// their context: often enough that an abandoned request stops within a
// millisecond or so, rarely enough to cost nothing.
const ctxCheckEvery = 256

// weekBounds are the Unix-ns instants of the Mondays 00:00 (in loc) from the
// one on or before from up to the first at or after to: n+1 bounds for n
// weeks. An empty period has no weeks.
func weekBounds(from, to time.Time, loc *time.Location) []int64 {
	if !to.After(from) {
		return []int64{from.UnixNano()}
	}
	f := from.In(loc)
	back := (int(f.Weekday()) + 6) % 7 // days since Monday
	y, m, d := f.Date()
	var out []int64
	for i := 0; ; i++ {
		w := time.Date(y, m, d-back+7*i, 0, 0, 0, 0, loc)
		out = append(out, w.UnixNano())
		if !w.Before(to) {
			break
		}
	}
	return out
}

// classIndex is the index of class, adding it when it is new.
func (b *compliance) classIndex(class string) int {
	for i, c := range b.classes[:b.known] { // a handful, compared in place: no hashing
		if c == class {
			return i
		}
	}
	if i, ok := b.extra[class]; ok {
		return i
	}
	i := len(b.classes)
	b.classes = append(b.classes, class)
	b.extra[class] = i
	b.byClass = append(b.byClass, counts{})
	b.frt = append(b.frt, nil)
	for w := range b.weeks {
		b.weeks[w] = append(b.weeks[w], counts{})
	}
	return i
}

// weekIndex is the week of the instant x (Unix ns), which lies in the
// period. Weeks are 7 days ± 1 hour, so dividing by 7 days lands on the
// right week or next to it.
func (b *compliance) weekIndex(x int64) int {
	const weekNs = int64(7 * 24 * time.Hour)
	n := len(b.weekNs) - 1
	k := int((x - b.weekNs[0]) / weekNs)
	k = min(max(k, 0), n-1)
	for k > 0 && x < b.weekNs[k] {
		k--
	}
	for k < n-1 && x >= b.weekNs[k+1] {
		k++
	}
	return k
}

func (b *compliance) add(r ResponseRow) error {
	if r.ReceivedAt.Before(b.from) || !r.ReceivedAt.Before(b.to) {
		return nil // outside the period: not ours to count
	}
	var out int
	switch {
	case !r.FirstResponseAt.IsZero():
		if sla.AnsweredState(r.DueAt, r.FirstResponseAt) == sla.Breached {
			out = outLate
		} else {
			out = outMet
		}
	case !r.Open:
		out = outClosedUnanswered
	case b.breached.Contains(r.DueAt):
		out = outOpenOverdue
	default:
		out = outPending
	}
	ci := b.classIndex(r.Class)
	wi := b.weekIndex(r.ReceivedAt.UnixNano())
	b.total.add(out)
	b.byClass[ci].add(out)
	b.weeks[wi][ci].add(out)
	b.weekTot[wi].add(out)
	if out == outMet || out == outLate {
		b.frt[ci] = append(b.frt[ci], b.cal.Elapsed(r.ReceivedAt, r.FirstResponseAt))
	}
	return nil
}

func (b *compliance) finish(pol *sla.Policy, loc *time.Location) *Compliance {
	c := &Compliance{From: b.from, To: b.to, At: b.at, loc: loc, businessDay: b.cal.BusinessDay()}
	// Known classes first, then the others by name.
	order := make([]int, 0, len(b.classes))
	for i := range b.known {
		order = append(order, i)
	}
	extra := map[string]bool{}
	for name := range b.extra {
		extra[name] = true
	}
	for _, name := range classOrder(pol, extra)[b.known:] {
		order = append(order, b.extra[name])
	}
	var all []time.Duration
	for _, i := range order {
		s := b.byClass[i].stats(b.classes[i], objective(pol, b.classes[i]))
		slices.Sort(b.frt[i])
		s.Median, s.P90 = percentile(b.frt[i], 50), percentile(b.frt[i], 90)
		all = mergeSorted(all, b.frt[i])
		c.Classes = append(c.Classes, s)
	}
	c.Total = b.total.stats("total", "")
	c.Total.Median, c.Total.P90 = percentile(all, 50), percentile(all, 90)
	for w := range b.weeks {
		wk := Week{Start: time.Unix(0, b.weekNs[w]).In(loc), End: time.Unix(0, b.weekNs[w+1]).In(loc)}
		for _, i := range order {
			wk.Classes = append(wk.Classes, b.weeks[w][i].stats(b.classes[i], objective(pol, b.classes[i])))
		}
		wk.Total = b.weekTot[w].stats("total", "")
		c.Weeks = append(c.Weeks, wk)
	}
	c.Kinds = b.finishKinds(pol)
	return c
}

// mergeSorted merges two sorted slices into a new sorted one: the total's
// times come from the classes' sorted ones in linear time, so each time is
// sorted once.
func mergeSorted(a, b []time.Duration) []time.Duration {
	out := make([]time.Duration, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if b[j] < a[i] {
			out = append(out, b[j])
			j++
		} else {
			out = append(out, a[i])
			i++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// percentile is the nearest-rank p-th percentile of sorted: the
// ⌈p/100 × n⌉-th smallest value (1-based), 0 for no values.
func percentile(sorted []time.Duration, p int) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := (p*n + 99) / 100 // ⌈p·n/100⌉ in integers
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}
