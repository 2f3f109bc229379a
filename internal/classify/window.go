package classify

import (
	"regexp/syntax"
	"unicode"
)

// A regexp that is not compiled into phrases runs only on windows of the
// text around the places its prefilter's most selective strings (its
// anchors) occur, never on the whole text. The window is exact: it is
// wide enough to hold every match that contains the anchor.
//
// Tidied text has no two whitespace characters in a row, so a regexp
// whose repeats cannot match whitespace (or match only one whitespace
// character, as \s+ does) matches at most k whitespace characters, where k
// follows from its syntax (maxSpaces). A match containing an anchor that
// ends at e therefore starts after the (k+1)th whitespace character before
// e and ends at or before the (k+1)th one after it, however long its words
// are. Windows that overlap are merged, so every match lies inside the
// window it is looked for in. The regexp sees one character more on each
// side (a whitespace character, or the start or end of the text), so that
// \b and ^ at the window's edges mean what they mean in the whole text; a
// match that uses that extra character (it starts or ends with it) cannot
// be judged there, and only then does the regexp run on the whole text.

// maxSpaces returns how many whitespace characters (' ' or '\n', the only
// ones tidied text has) a match of re can contain; ok is false when there
// is no bound, as for /.*/ or /(?:\w+\s+)*/.
func maxSpaces(re *syntax.Regexp) (n int, ok bool) {
	switch re.Op {
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if r == ' ' || r == '\n' {
				n++
			}
		}
		return n, true
	case syntax.OpCharClass:
		if classHas(re, ' ') || classHas(re, '\n') {
			return 1, true
		}
		return 0, true
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return 1, true
	case syntax.OpCapture, syntax.OpQuest:
		return maxSpaces(re.Sub[0])
	case syntax.OpStar, syntax.OpPlus, syntax.OpRepeat:
		sub, ok := maxSpaces(re.Sub[0])
		switch {
		case !ok:
			return 0, false
		case sub == 0:
			return 0, true
		case re.Op == syntax.OpRepeat && re.Max >= 0:
			return re.Max * sub, true
		case onlySpaces(re.Sub[0]):
			return 1, true // \s+: never two in a row
		}
		return 0, false
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			k, ok := maxSpaces(sub)
			if !ok {
				return 0, false
			}
			n += k
		}
		return n, true
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			k, ok := maxSpaces(sub)
			if !ok {
				return 0, false
			}
			n = max(n, k)
		}
		return n, true
	}
	return 0, true // empty-width
}

// onlySpaces reports whether re matches a single whitespace character and
// nothing else.
func onlySpaces(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpLiteral:
		return len(re.Rune) == 1 && unicode.IsSpace(re.Rune[0])
	case syntax.OpCharClass:
		for k := 0; k+1 < len(re.Rune); k += 2 {
			for r := re.Rune[k]; r <= re.Rune[k+1]; r++ {
				if r > ' ' || !unicode.IsSpace(r) {
					return false
				}
			}
		}
		return true
	}
	return false
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\n' }

// window returns the bounds [lo, hi) of the text that holds every match
// with at most k whitespace characters that contains text[:e]'s last byte.
func window(text string, e, k int) (lo, hi int) {
	lo = e - 1
	for n := 0; lo > 0; lo-- {
		if isSpaceByte(text[lo-1]) {
			if n++; n > k {
				break
			}
		}
	}
	hi = e
	for n := 0; hi < len(text); hi++ {
		if isSpaceByte(text[hi]) {
			if n++; n > k {
				break
			}
		}
	}
	return max(lo, 0), hi
}

// find returns the leftmost match of rp in fd that is not negated
// (negation is checked when negate is set) and starts before limit.
func (c *Classifier) find(rp *regexpPattern, fd *field, negate bool, limit int) span {
	text := fd.text
	if rp.needIDs != nil {
		if !fd.scanned {
			fd.hits, fd.occ = c.needles.scan(text, fd.hits, fd.occ[:0])
			fd.scanned = true
		}
		if !passes(rp.needIDs, fd.hits) {
			return span{}
		}
	}
	if rp.whole {
		m, _ := findIn(rp, text, 0, len(text), negate, limit)
		return m
	}
	lo, hi := -1, -1 // the window being grown
	for _, o := range fd.occ {
		if !rp.anchor[o.id] {
			continue
		}
		l, h := window(text, int(o.end), rp.spaces)
		if lo >= 0 && l <= hi+1 {
			hi = max(hi, h)
			continue
		}
		if lo >= 0 {
			if m, sure := findIn(rp, text, lo, hi, negate, limit); m.ok || !sure {
				return c.judge(rp, fd, negate, limit, m, sure)
			}
		}
		if l >= limit {
			return span{}
		}
		lo, hi = l, h
	}
	if lo < 0 {
		return span{}
	}
	m, sure := findIn(rp, text, lo, hi, negate, limit)
	return c.judge(rp, fd, negate, limit, m, sure)
}

// judge returns m, or the match in the whole text when the window could
// not tell.
func (c *Classifier) judge(rp *regexpPattern, fd *field, negate bool, limit int, m span, sure bool) span {
	if sure {
		return m
	}
	m, _ = findIn(rp, fd.text, 0, len(fd.text), negate, limit)
	return m
}

// findIn looks for the leftmost unnegated match of rp in text[lo:hi],
// letting the regexp see one character more on each side. sure is false
// when a match uses that character: then only the whole text can tell.
func findIn(rp *regexpPattern, text string, lo, hi int, negate bool, limit int) (m span, sure bool) {
	from, to := max(lo-1, 0), min(hi+1, len(text))
	sub := text[from:to]
	check := func(loc []int) (span, bool, bool) { // match, sure, done
		start, end := from+loc[0], from+loc[1]
		if (start < lo) || (end > hi) {
			return span{}, false, true
		}
		if start >= limit {
			return span{}, true, true
		}
		if negate && negated(text, start) {
			return span{}, true, false
		}
		return span{start, end, true}, true, true
	}
	loc := rp.re.FindStringIndex(sub)
	if loc == nil {
		return span{}, true
	}
	if m, sure, done := check(loc); done {
		return m, sure
	}
	// The first match was negated; look at the rest. Rare, so the cost of
	// finding every match is only paid here.
	for _, loc := range rp.re.FindAllStringIndex(sub, -1)[1:] {
		if m, sure, done := check(loc); done {
			return m, sure
		}
	}
	return span{}, true
}
