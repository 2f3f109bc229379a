package classify

import (
	"cmp"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A prefilter is a list of sets of folded strings. A text can match the
// regexp only if, for every set, the folded text contains one of its
// strings. Matching a Go regexp costs tens of nanoseconds per byte even when
// it fails, so the prefilter lets most regexps skip most tickets: a
// needleIndex finds every prefilter string of every regexp in one pass over
// the ticket, and each regexp then checks a few bits.
type prefilter [][]string

const (
	// maxNeeds bounds the strings in one set; past that, running the
	// regexp is about as cheap.
	maxNeeds = 48
	// maxSets bounds the sets checked; the most selective are kept.
	maxSets = 3
	// maxClass is the largest character class spelled out as strings.
	maxClass = 4
)

// newPrefilter works out a prefilter for the parsed regexp re; nil (always
// pass) when it cannot tell, e.g. for /\d+/, which needs no literal text.
//
// It must never leave out a string a match could rely on; being too
// generous merely costs speed.
func newPrefilter(re *syntax.Regexp) prefilter {
	p := analyse(re).needs()
	slices.SortStableFunc(p, bySelectivity)
	if len(p) > maxSets {
		p = p[:maxSets]
	}
	return p
}

// info is what analyse knows about a regexp.
type info struct {
	// exact, if not nil, lists every string (folded) the regexp can match.
	exact []string
	// need is a prefilter for the regexp, used when exact is nil.
	need prefilter
}

// needs turns i into a prefilter.
func (i info) needs() prefilter {
	if i.exact != nil {
		if slices.Contains(i.exact, "") {
			return nil // can match empty text: nothing is needed
		}
		return prefilter{minimal(i.exact)}
	}
	return i.need
}

// minimal drops strings that contain another string of the set: finding
// "error" already finds "errors".
func minimal(set []string) []string {
	out := make([]string, 0, len(set))
	for _, s := range set {
		redundant := false
		for _, t := range set {
			if t != s && strings.Contains(s, t) {
				redundant = true
				break
			}
		}
		if !redundant {
			out = append(out, s)
		}
	}
	return out
}

func analyse(re *syntax.Regexp) info {
	switch re.Op {
	case syntax.OpLiteral:
		return info{exact: []string{fold(string(re.Rune))}}
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return info{exact: []string{""}}
	case syntax.OpCharClass:
		if set, ok := classSet(re); ok {
			return info{exact: set}
		}
	case syntax.OpCapture:
		return analyse(re.Sub[0])
	case syntax.OpQuest:
		if sub := analyse(re.Sub[0]); sub.exact != nil {
			return info{exact: dedupe(append(sub.exact, ""))}
		}
	case syntax.OpStar:
		// Tidied text never has two whitespace characters in a row, so \s*
		// matches at most one.
		if set, ok := classSet(re.Sub[0]); ok && allBlank(set) {
			return info{exact: dedupe(append(set, ""))}
		}
	case syntax.OpPlus:
		if set, ok := classSet(re.Sub[0]); ok && allBlank(set) {
			return info{exact: set} // likewise, \s+ matches exactly one
		}
		return info{need: analyse(re.Sub[0]).needs()}
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return info{need: analyse(re.Sub[0]).needs()}
		}
	case syntax.OpConcat:
		return analyseConcat(re.Sub)
	case syntax.OpAlternate:
		return analyseAlternate(re.Sub)
	}
	return info{}
}

// classSet spells out a small character class as folded strings, leaving
// out whitespace that tidied text never contains (so \s is " " or "\n").
func classSet(re *syntax.Regexp) ([]string, bool) {
	if re.Op != syntax.OpCharClass {
		return nil, false
	}
	var set []string
	for k := 0; k+1 < len(re.Rune); k += 2 {
		for r := re.Rune[k]; r <= re.Rune[k+1]; r++ {
			if len(set) > 2*maxClass+len(tidiedAway) || r > unicode.MaxRune {
				return nil, false
			}
			if !strings.ContainsRune(tidiedAway, r) {
				set = append(set, string(foldRune(r)))
			}
		}
	}
	set = dedupe(set)
	if len(set) == 0 || len(set) > maxClass {
		return nil, false
	}
	return set, true
}

// tidiedAway is the ASCII whitespace tidy removes or replaces.
const tidiedAway = "\t\r\f\v"

func allBlank(set []string) bool {
	for _, s := range set {
		if s != " " && s != "\n" {
			return false
		}
	}
	return true
}

// analyseConcat multiplies out runs of exact parts ("re" then "move|name"
// gives "remove" or "rename") and needs every part's prefilter.
func analyseConcat(subs []*syntax.Regexp) info {
	var need prefilter
	cur, allExact := []string{""}, true
	flush := func() {
		if p := (info{exact: cur}).needs(); p != nil {
			need = append(need, p...)
		}
		cur = []string{""}
	}
	for _, sub := range subs {
		si := analyse(sub)
		if si.exact == nil {
			allExact = false
			flush()
			need = append(need, si.need...)
			continue
		}
		if len(cur)*len(si.exact) > maxNeeds {
			allExact = false
			flush()
		}
		next := make([]string, 0, len(cur)*len(si.exact))
		for _, a := range cur {
			for _, b := range si.exact {
				next = append(next, a+b)
			}
		}
		cur = dedupe(next)
	}
	if allExact {
		return info{exact: cur}
	}
	flush()
	return info{need: need}
}

// analyseAlternate: any branch may match, so the best set of each branch
// must be in the union.
func analyseAlternate(subs []*syntax.Regexp) info {
	var exact []string
	allExact := true
	for _, sub := range subs {
		si := analyse(sub)
		if si.exact == nil {
			allExact = false
			break
		}
		exact = append(exact, si.exact...)
	}
	if allExact {
		if exact = dedupe(exact); len(exact) <= maxNeeds {
			return info{exact: exact}
		}
	}
	var union []string
	for _, sub := range subs {
		p := analyse(sub).needs()
		if len(p) == 0 {
			return info{}
		}
		union = append(union, slices.MinFunc(p, bySelectivity)...)
	}
	if union = minimal(dedupe(union)); len(union) > maxNeeds {
		return info{}
	}
	return info{need: prefilter{union}}
}

func dedupe(ss []string) []string {
	slices.Sort(ss)
	return slices.Compact(ss)
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

// needleIndex finds which of a fixed set of folded strings occur in a text,
// in one pass (an Aho–Corasick automaton), however many strings there are.
type needleIndex struct {
	class  [256]uint8 // byte → column in delta; 0 for bytes in no needle
	nclass int
	delta  []int32   // state*nclass + class → next state; state 0 is the root
	trans  []int32   // delta for scan: see build
	out    [][]int32 // state → ids of the needles that end there
	n      int       // number of needles
	ids    map[string]int32
	// anchor marks the needles whose occurrences scan records: those
	// of the sets regexps are windowed on.
	anchor []bool
}

// id returns the id of needle s, adding it if new. All ids must be handed
// out before build; anchor marks s as one whose occurrences scan records.
func (x *needleIndex) id(s string, anchor bool) int32 {
	if x.ids == nil {
		x.ids = make(map[string]int32)
	}
	id, ok := x.ids[s]
	if !ok {
		id = int32(len(x.ids))
		x.ids[s] = id
		x.anchor = append(x.anchor, false)
	}
	x.anchor[id] = x.anchor[id] || anchor
	return id
}

// setIDs hands out ids for the strings of p; anchor marks those of its first
// (most selective) set as anchors.
func (x *needleIndex) setIDs(p prefilter, anchor bool) [][]int32 {
	var out [][]int32
	for j, set := range p {
		ids := make([]int32, len(set))
		for n, s := range set {
			ids[n] = x.id(s, anchor && j == 0)
		}
		out = append(out, ids)
	}
	return out
}

// build compiles the automaton for the needles handed out by id.
func (x *needleIndex) build() {
	x.n = len(x.ids)
	needles := make([]string, x.n)
	for s, id := range x.ids {
		needles[id] = s
	}
	// Columns: one per distinct byte in the needles. Needles are folded, so
	// ASCII upper case shares the lower-case column and ASCII text can be
	// scanned without folding it first.
	x.nclass = 1
	for _, s := range needles {
		for i := 0; i < len(s); i++ {
			if x.class[s[i]] == 0 {
				x.class[s[i]] = uint8(x.nclass)
				x.nclass++
			}
		}
	}
	for c := byte('A'); c <= 'Z'; c++ {
		x.class[c] = x.class[c+'a'-'A']
	}

	// The trie.
	type node struct {
		next map[uint8]int32
		out  []int32
	}
	nodes := []node{{}}
	for id, s := range needles {
		cur := int32(0)
		for i := 0; i < len(s); i++ {
			c := x.class[s[i]]
			nxt, ok := nodes[cur].next[c]
			if !ok {
				nxt = int32(len(nodes))
				nodes = append(nodes, node{})
				if nodes[cur].next == nil {
					nodes[cur].next = make(map[uint8]int32)
				}
				nodes[cur].next[c] = nxt
			}
			cur = nxt
		}
		nodes[cur].out = append(nodes[cur].out, int32(id))
	}

	// Breadth first, fill in every transition from the failure links.
	k := x.nclass
	x.delta = make([]int32, len(nodes)*k)
	x.out = make([][]int32, len(nodes))
	fail := make([]int32, len(nodes))
	queue := []int32{0}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		x.out[u] = append(nodes[u].out, x.out[fail[u]]...)
		for c := 0; c < k; c++ {
			v, ok := nodes[u].next[uint8(c)]
			switch {
			case ok:
				if u != 0 {
					fail[v] = x.delta[int(fail[u])*k+c]
				}
				x.delta[int(u)*k+c] = v
				queue = append(queue, v)
			case u != 0:
				x.delta[int(u)*k+c] = x.delta[int(fail[u])*k+c]
			}
		}
	}
	// The table scan reads: each entry is the next state's row offset,
	// shifted left once, with the low bit set when needles end there.
	x.trans = make([]int32, len(x.delta))
	for i, v := range x.delta {
		x.trans[i] = v * int32(k) << 1
		if len(x.out[v]) > 0 {
			x.trans[i] |= 1
		}
	}
	x.ids = nil // not needed after build
}

// passes reports whether every set has a needle in hit.
func passes(sets [][]int32, hit []bool) bool {
	for _, set := range sets {
		found := false
		for _, id := range set {
			if hit[id] {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// occurrence is where an anchor needle ends in a text (a byte offset into
// the text as given, not its fold).
type occurrence struct {
	end, id int32
}

// scan finds which needles occur in text, by id, and where the anchors
// end; hit and occ are reused. Non-ASCII text is folded as it is read.
func (x *needleIndex) scan(text string, hit []bool, occ []occurrence) ([]bool, []occurrence) {
	if cap(hit) < x.n {
		hit = make([]bool, x.n)
	}
	hit = hit[:x.n]
	clear(hit)
	s, k := 0, x.nclass // s is the state's row in trans
	var buf [utf8.UTFMax]byte
	for i := 0; i < len(text); {
		folded := buf[:1]
		if c := text[i]; c < utf8.RuneSelf {
			buf[0] = c
			i++
		} else {
			r, size := utf8.DecodeRuneInString(text[i:])
			folded = utf8.AppendRune(buf[:0], foldRune(r))
			i += size
		}
		for _, c := range folded {
			t := x.trans[s+int(x.class[c])]
			s = int(t >> 1)
			if t&1 == 0 {
				continue
			}
			for _, id := range x.out[s/k] {
				hit[id] = true
				if x.anchor[id] {
					occ = append(occ, occurrence{int32(i), id})
				}
			}
		}
	}
	return hit, occ
}
