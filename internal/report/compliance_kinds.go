package report

import (
	"slices"
	"time"

	"github.com/slatrack/slatrack/internal/promise"
	"github.com/slatrack/slatrack/internal/sla"
)

// KindReport is the compliance of one kind of promise (first response,
// next response, resolution) over the promises started in the period.
type KindReport struct {
	Kind  string // sla.FirstResponse, …
	Label string // "first response"
	// Classes has one entry per class of the policy that makes this kind
	// of promise, in its order, then one per other class that has
	// promises of it, by name.
	Classes []KindStats
	Total   KindStats
}

// KindStats count one class's promises of one kind (or every class's,
// Class "total") started in the period, judged at the report's instant.
//
// Each promise counts once, as exactly one of kept (met: ended by its due
// instant), broken (ended after it: answered late, or the ticket closed
// after the deadline), open overdue (still open and its due instant has
// passed; a paused one that was paused after it), pending (open, not yet
// due) or cancelled (stopped mattering before it fell due: the ticket was
// closed before a reply). A superseded promise is not counted at all: the
// promise that continues it (after a reclassification or a reopen) is,
// from the same start.
type KindStats struct {
	Class, Kind string
	// Objective is the class's promise in words ("within 3 business
	// hours"); "" for the total.
	Objective                                           string
	Made, Kept, Broken, OpenOverdue, Pending, Cancelled int
	// Breached is Broken + OpenOverdue.
	Breached int
	// Median and P90 are the nearest-rank percentiles of the business time
	// to keep (promise.Promise.TimeToKeep: from the start to the end, less
	// the pauses) over the ended promises that count (kept + broken); 0
	// when there are none (Ended() == 0).
	Median, P90 time.Duration
}

// Ended is how many promises were kept or broken.
func (s KindStats) Ended() int { return s.Kept + s.Broken }

// PercentKept is 100 × kept / (kept + breached), and false when nothing
// was decided, where the percentage has no meaning.
func (s KindStats) PercentKept() (float64, bool) {
	d := s.Kept + s.Breached
	if d == 0 {
		return 0, false
	}
	return 100 * float64(s.Kept) / float64(d), true
}

// Outcomes of one promise, as the report counts them.
const (
	pKept = iota
	pBroken
	pOverdue
	pPending
	pCancelled
)

// kindCounts are KindStats' counters.
type kindCounts struct {
	made, kept, broken, overdue, pending, cancelled int
	times                                           []time.Duration // time to keep of the kept and broken
}

func (c *kindCounts) add(out int, keep time.Duration) {
	c.made++
	switch out {
	case pKept:
		c.kept++
	case pBroken:
		c.broken++
	case pOverdue:
		c.overdue++
	case pPending:
		c.pending++
	default:
		c.cancelled++
	}
	if out == pKept || out == pBroken {
		c.times = append(c.times, keep)
	}
}

func (c *kindCounts) stats(class, kind, obj string) KindStats {
	return KindStats{
		Class: class, Kind: kind, Objective: obj, Made: c.made, Kept: c.kept, Broken: c.broken,
		OpenOverdue: c.overdue, Pending: c.pending, Cancelled: c.cancelled, Breached: c.broken + c.overdue,
	}
}

// kindIndex is the place of kind in sla.Kinds(), or -1.
func kindIndex(kind string) int {
	switch kind {
	case sla.FirstResponse:
		return 0
	case sla.NextResponse:
		return 1
	case sla.Resolution:
		return 2
	}
	return -1
}

// promiseClass is the index of class among the promises' classes (the
// policy's first, as for the tickets), adding it when it is new.
func (b *compliance) promiseClass(class string) int {
	for i, c := range b.classes[:b.known] {
		if c == class {
			return i
		}
	}
	if i, ok := b.pextra[class]; ok {
		return i
	}
	i := b.known + len(b.pextra)
	b.pextra[class] = i
	return i
}

// addPromise counts one promise started in the period.
func (b *compliance) addPromise(r PromiseRow) error {
	if r.StartedAt.Before(b.from) || !r.StartedAt.Before(b.to) {
		return nil // outside the period: not ours to count
	}
	k := kindIndex(r.Kind)
	if k < 0 || r.Outcome == promise.Superseded {
		return nil
	}
	var out int
	switch {
	case r.EndedAt != nil && r.Outcome == promise.Met:
		out = pKept
	case r.EndedAt != nil && r.Outcome == promise.Breached:
		out = pBroken
	case r.EndedAt != nil:
		out = pCancelled
	case r.Running():
		out = pPending
		if b.breached.Contains(r.DueAt) {
			out = pOverdue
		}
	default: // paused: broken if the pause began after the due instant
		out = pPending
		if st, _ := r.State(b.cal, b.at, 0); st == promise.StateBreached {
			out = pOverdue
		}
	}
	ci := b.promiseClass(r.Class)
	for len(b.kinds[k]) <= ci {
		b.kinds[k] = append(b.kinds[k], kindCounts{})
	}
	var keep time.Duration
	if out == pKept || out == pBroken {
		keep = r.TimeToKeep(b.cal)
	}
	b.kinds[k][ci].add(out, keep)
	return nil
}

// finishKinds builds Compliance.Kinds: the kinds some class of the policy
// promises or some promise in the period has, in sla.Kinds() order.
func (b *compliance) finishKinds(pol *sla.Policy) []KindReport {
	names := make([]string, b.known+len(b.pextra))
	copy(names, b.classes[:b.known])
	extra := map[string]bool{}
	for name, i := range b.pextra {
		names[i] = name
		extra[name] = true
	}
	order := classOrder(pol, extra)
	index := make(map[string]int, len(names))
	for i, n := range names {
		index[n] = i
	}
	out := []KindReport{}
	for k, kind := range sla.Kinds() {
		counts := b.kinds[k]
		has := func(i int) bool { return i < len(counts) && counts[i].made > 0 }
		kr := KindReport{Kind: kind, Label: sla.KindLabel(kind), Classes: []KindStats{}}
		var total kindCounts
		var all []time.Duration
		for _, name := range order {
			i := index[name]
			obj := kindObjective(pol, name, kind)
			if obj == "" && !has(i) {
				continue // the class makes no such promise
			}
			var c kindCounts
			if i < len(counts) {
				c = counts[i]
			}
			s := c.stats(name, kind, obj)
			slices.Sort(c.times)
			s.Median, s.P90 = percentile(c.times, 50), percentile(c.times, 90)
			all = mergeSorted(all, c.times)
			total.made, total.kept, total.broken = total.made+c.made, total.kept+c.kept, total.broken+c.broken
			total.overdue, total.pending, total.cancelled = total.overdue+c.overdue, total.pending+c.pending, total.cancelled+c.cancelled
			kr.Classes = append(kr.Classes, s)
		}
		if len(kr.Classes) == 0 {
			continue // no class promises it, and none was made
		}
		kr.Total = total.stats("total", kind, "")
		kr.Total.Median, kr.Total.P90 = percentile(all, 50), percentile(all, 90)
		out = append(out, kr)
	}
	return out
}
