package classify

import (
	"cmp"
	"regexp/syntax"
	"slices"
)

// A prefilter is a list of sets of folded strings. A text can match the
// regexp only if, for every set, the folded text contains one of its
// strings. Matching a Go regexp costs tens of nanoseconds per byte even when
// it fails, so the prefilter lets most regexps skip most tickets for the cost
// of a few substring searches.
type prefilter [][]string

const (
	// maxNeeds bounds the strings in one set; past that, running the
	// regexp is about as cheap.
	maxNeeds = 48
	// maxSets bounds the sets checked; the most selective are kept.
	maxSets = 3
)

// pass reports whether folded (the fold of a text) may contain a match.
func (p prefilter) pass(folded string) bool {
	for _, set := range p {
		if !containsAny(folded, set) {
			return false
		}
	}
	return true
}

// newPrefilter works out a prefilter for the parsed regexp re; nil (always
// pass) when it cannot tell, e.g. for /\d+/, which needs no literal text.
//
// It must never leave out a string a match could rely on; being too
// generous merely costs speed.
func newPrefilter(re *syntax.Regexp) prefilter {
	p := required(re)
	slices.SortStableFunc(p, bySelectivity)
	if len(p) > maxSets {
		p = p[:maxSets]
	}
	return p
}

func required(re *syntax.Regexp) prefilter {
	switch re.Op {
	case syntax.OpLiteral:
		if len(re.Rune) == 0 {
			return nil
		}
		return prefilter{{fold(string(re.Rune))}}
	case syntax.OpCapture, syntax.OpPlus:
		return required(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return required(re.Sub[0])
		}
	case syntax.OpConcat:
		// Every part must match, so every part's sets are needed.
		var all prefilter
		for _, sub := range re.Sub {
			all = append(all, required(sub)...)
		}
		return all
	case syntax.OpAlternate:
		// Any branch may match: a branch's best set must be in the union.
		var union []string
		for _, sub := range re.Sub {
			p := required(sub)
			if len(p) == 0 {
				return nil
			}
			union = append(union, slices.MinFunc(p, bySelectivity)...)
		}
		slices.Sort(union)
		union = slices.Compact(union)
		if len(union) > maxNeeds {
			return nil
		}
		return prefilter{union}
	}
	return nil
}

// bySelectivity orders sets best first: a longer shortest string, then fewer
// strings.
func bySelectivity(a, b []string) int {
	if c := cmp.Compare(shortest(b), shortest(a)); c != 0 {
		return c
	}
	return cmp.Compare(len(a), len(b))
}

func shortest(ss []string) int {
	n := -1
	for _, s := range ss {
		if n < 0 || len(s) < n {
			n = len(s)
		}
	}
	return n
}
