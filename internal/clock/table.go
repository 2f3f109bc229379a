package clock

import "time"

// table is the precomputed open time of the table years, in Unix
// nanoseconds. Its intervals are sorted, disjoint and non-empty. All its
// methods are read-only, allocation-free and lock-free.
type table struct {
	lo, hi time.Time // first opening and last closing in the table
	// loNs, hiNs are lo and hi in Unix nanoseconds.
	loNs, hiNs int64
	iv         []span
	// byDay[k] is the index of the first interval that closes after
	// loNs + k×24h, so that find needs no binary search.
	byDay []int32
}

// span is one open interval [open, close) with cumEnd, the table's open time
// from its beginning up to close. Keeping the three together means a lookup
// touches one cache line.
type span struct {
	open, close, cumEnd int64
}

const dayNs = int64(24 * time.Hour)

// add appends the open interval [open, close). Intervals must not overlap,
// and must be in order when finish runs.
func (t *table) add(open, close int64) {
	t.iv = append(t.iv, span{open: open, close: close})
}

// finish joins touching intervals, sums the open time, and sets the bounds
// and the day index, once all intervals are in, in order.
func (t *table) finish() {
	out := t.iv[:0]
	var cum int64
	for _, s := range t.iv {
		cum += s.close - s.open
		if n := len(out); n > 0 && out[n-1].close == s.open {
			out[n-1].close, out[n-1].cumEnd = s.close, cum
			continue
		}
		out = append(out, span{open: s.open, close: s.close, cumEnd: cum})
	}
	t.iv = out
	t.loNs, t.hiNs = t.iv[0].open, t.iv[len(t.iv)-1].close
	t.lo, t.hi = time.Unix(0, t.loNs), time.Unix(0, t.hiNs)
	days := (t.hiNs-t.loNs)/dayNs + 1
	t.byDay = make([]int32, days)
	j := 0
	for k := range t.byDay {
		at := t.loNs + int64(k)*dayNs
		for j < len(t.iv) && t.iv[j].close <= at {
			j++
		}
		t.byDay[k] = int32(j)
	}
}

// covers reports whether instant x lies within [lo, hi).
func (t *table) covers(x time.Time) bool {
	return !x.Before(t.lo) && x.Before(t.hi)
}

// find returns the index of the first interval that closes after x, for x in
// [loNs, hiNs). The desk is open at x exactly when that interval has opened.
func (t *table) find(x int64) int {
	j := int(t.byDay[(x-t.loNs)/dayNs])
	for t.iv[j].close <= x { // at most a couple of steps
		j++
	}
	return j
}

// cumAt returns the open time of the table before x, for x in [loNs, hiNs].
func (t *table) cumAt(x int64) int64 {
	if x >= t.hiNs {
		return t.iv[len(t.iv)-1].cumEnd
	}
	s := &t.iv[t.find(x)]
	return s.cumEnd - (s.close - max(x, s.open))
}

// due returns the earliest instant at which target nanoseconds of open time
// have passed since x, for x in [loNs, hiNs) and target > 0. When the table
// ends first it returns the open time still owed (left > 0) instead.
func (t *table) due(x, target int64) (due, left int64) {
	j := t.find(x)
	s := &t.iv[j]
	goal := s.cumEnd - (s.close - max(x, s.open)) + target
	if total := t.iv[len(t.iv)-1].cumEnd; goal > total || goal < 0 { // goal < 0: overflow
		return 0, target - (total - (s.cumEnd - (s.close - max(x, s.open))))
	}
	// The first interval k ≥ j whose cumEnd reaches goal holds the answer.
	// Business targets span a few intervals, so look nearby first.
	k := j
	for end := min(j+16, len(t.iv)); k < end && t.iv[k].cumEnd < goal; k++ {
	}
	if k == j+16 {
		lo, hi := k, len(t.iv)-1 // t.iv[hi].cumEnd ≥ goal
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if t.iv[m].cumEnd < goal {
				lo = m + 1
			} else {
				hi = m
			}
		}
		k = lo
	}
	// A goal reached exactly at an interval's end is due at its close.
	return t.iv[k].close - (t.iv[k].cumEnd - goal), 0
}
