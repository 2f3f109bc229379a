package classify

import (
	"regexp/syntax"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A phraseIndex finds every word and phrase pattern in a text in one pass
// over its words: an automaton whose edges are words (with whether
// whitespace comes before them), walked from every word of the text at
// once. Word and phrase patterns form a trie from the root; a regexp
// compiled into phrases is a chain of segments (the parts between its
// top-level \s+), each a small trie, joined at shared nodes, so that its
// size is the sum of its parts' alternatives rather than their product.
type phraseIndex struct {
	// vocab numbers every folded word the patterns use, from 1; 0 stands
	// for "any word" (anyWordID).
	vocab map[string]int32
	// root[id] is where a phrase starting with word id leads, and
	// next[edgeKey(node, id, gap)] where one at node goes next: a node
	// (> 0), several (-1 - an index into multi), or none (0). Node 0 is
	// the root.
	root  []int32
	next  map[uint64]int32
	multi [][]int32
	// ends lists, for every node, the patterns that end there.
	ends [][]phraseEnd
	// join marks the nodes segments meet at; they have many ways in, so
	// no other pattern may be added below them.
	join []bool
	// anyWord is set when some pattern has an "any word" (\w+) step.
	anyWord bool
	// table is vocab as an open-addressing hash table (see lookup): a
	// word's hash in the high half of a slot, its id in the low one; 0
	// is an empty slot. words[id] is the word.
	table []uint64
	mask  uint32
	words []string
}

// anyWordID is the vocab id of a \w+ step: any one word.
const anyWordID = 0

// phraseEnd is a pattern ending at a trie node.
type phraseEnd struct {
	rule int32
	// regexp marks a phrase a /.../ pattern was compiled into: it counts
	// as a regexp match (looked at only when no word or phrase of the
	// rule matched in the field).
	regexp bool
	// lineStart and lineEnd are the regexp's ^ and $: the phrase must
	// start and end a line.
	lineStart, lineEnd bool
}

// phrase is a word or phrase pattern as a list of folded words.
type phrase struct {
	words []string // folded; "" is any word
	gaps  []bool   // gaps[i]: whitespace before words[i] (ignored for i == 0)
	end   phraseEnd
}

func edgeKey(node, id int32, gap bool) uint64 {
	k := uint64(uint32(node))<<32 | uint64(uint32(id))<<1
	if gap {
		k |= 1
	}
	return k
}

func (x *phraseIndex) init() {
	x.vocab = make(map[string]int32)
	x.root = []int32{0}
	x.next = make(map[uint64]int32)
	x.ends = [][]phraseEnd{nil}
	x.join = []bool{false}
}

// wordID returns the vocab id of folded word w, adding it if new.
func (x *phraseIndex) wordID(w string) int32 {
	if w == "" {
		x.anyWord = true
		return anyWordID
	}
	if id, ok := x.vocab[w]; ok {
		return id
	}
	id := int32(len(x.vocab) + 1)
	x.vocab[w] = id
	x.root = append(x.root, 0)
	return id
}

func (x *phraseIndex) newNode(join bool) int32 {
	x.ends = append(x.ends, nil)
	x.join = append(x.join, join)
	return int32(len(x.ends) - 1)
}

// edge returns where the edge from node by word id leads (see next).
func (x *phraseIndex) edge(node, id int32, gap bool) int32 {
	if node == 0 {
		return x.root[id]
	}
	return x.next[edgeKey(node, id, gap)]
}

func (x *phraseIndex) setEdge(node, id int32, gap bool, v int32) {
	if node == 0 {
		x.root[id] = v
	} else {
		x.next[edgeKey(node, id, gap)] = v
	}
}

// targets returns the nodes edge value v leads to.
func (x *phraseIndex) targets(v int32) []int32 {
	switch {
	case v > 0:
		return []int32{v}
	case v < 0:
		return x.multi[-1-v]
	}
	return nil
}

// link adds an edge from node by word id to node to.
func (x *phraseIndex) link(node, id int32, gap bool, to int32) {
	v := x.edge(node, id, gap)
	switch {
	case v == 0:
		x.setEdge(node, id, gap, to)
	case v == to:
	case v > 0:
		x.multi = append(x.multi, []int32{v, to})
		x.setEdge(node, id, gap, int32(-len(x.multi)))
	case !slices.Contains(x.multi[-1-v], to):
		x.multi[-1-v] = append(x.multi[-1-v], to)
	}
}

// child returns a node below node by word id that only this way leads
// to, adding one if there is none.
func (x *phraseIndex) child(node, id int32, gap bool) int32 {
	for _, n := range x.targets(x.edge(node, id, gap)) {
		if !x.join[n] {
			return n
		}
	}
	n := x.newNode(false)
	x.link(node, id, gap, n)
	return n
}

// add puts p in the trie.
func (x *phraseIndex) add(p phrase) {
	node := int32(0)
	for k, w := range p.words {
		node = x.child(node, x.wordID(w), p.gaps[k])
	}
	if !slices.Contains(x.ends[node], p.end) {
		x.ends[node] = append(x.ends[node], p.end)
	}
}

// addSegments puts a chain of segments in: any phrase of the first, then
// whitespace and any phrase of the second, and so on; end is where the
// last ends.
func (x *phraseIndex) addSegments(segs [][]phrase, end phraseEnd) {
	from := int32(0)
	for _, seg := range segs {
		to := x.newNode(true)
		for _, p := range seg {
			node := from
			for k, w := range p.words {
				gap := p.gaps[k] || k == 0 // a segment starts after whitespace
				if k == len(p.words)-1 {
					x.link(node, x.wordID(w), gap, to)
				} else {
					node = x.child(node, x.wordID(w), gap)
				}
			}
		}
		from = to
	}
	x.ends[from] = append(x.ends[from], end)
}

// build makes the lookup table; call it after the last add.
func (x *phraseIndex) build() {
	size := 64
	for size < 4*len(x.vocab) {
		size *= 2
	}
	x.table = make([]uint64, size)
	x.mask = uint32(size - 1)
	x.words = make([]string, len(x.vocab)+1)
	for w, id := range x.vocab {
		x.words[id] = w
		h := wordHash(w)
		j := h & x.mask
		for x.table[j] != 0 {
			j = (j + 1) & x.mask
		}
		x.table[j] = uint64(h)<<32 | uint64(id)
	}
}

// wordHash is FNV-1a of a folded word.
func wordHash(w string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(w); i++ {
		h = (h ^ uint32(w[i])) * 16777619
	}
	return h
}

// lookup returns the vocab id of the word or punctuation token t, or -1,
// and whether t is a word (so that an "any word" step takes it). buf is
// scratch space for folding non-ASCII words.
//
// Most words of a ticket are in no pattern, so this is the classifier's
// inner loop: it hashes t as it lower-cases it, and the table is sparse
// enough that most misses stop at the first, empty, slot.
func (x *phraseIndex) lookup(t string, buf *[]byte) (id int32, word bool) {
	h := uint32(2166136261)
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c >= utf8.RuneSelf {
			*buf = foldTo((*buf)[:0], t)
			r, _ := utf8.DecodeRuneInString(t)
			return x.find(string(*buf), wordHash(string(*buf)), false), isWordRune(r)
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		h = (h ^ uint32(c)) * 16777619
	}
	return x.find(t, h, true), asciiWord[t[0]]
}

// find looks up word w with hash h in the table; w is folded, or ASCII
// to be compared without case when ascii is set.
func (x *phraseIndex) find(w string, h uint32, ascii bool) int32 {
	for j := h & x.mask; ; j = (j + 1) & x.mask {
		sl := x.table[j]
		if sl == 0 {
			return -1
		}
		if uint32(sl>>32) != h {
			continue
		}
		id := int32(uint32(sl))
		if word := x.words[id]; len(word) == len(w) && (word == w || (ascii && equalLower(word, w))) {
			return id
		}
	}
}

// equalLower reports whether ASCII w lower-cased is folded.
func equalLower(folded, w string) bool {
	for i := 0; i < len(w); i++ {
		c := w[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != folded[i] {
			return false
		}
	}
	return true
}

// Markers that expand leaves in the strings it returns for the zero-width
// parts of a regexp and for \w+.
const (
	markBoundary  = '\x01' // \b
	markLineStart = '\x02' // ^ (with the m flag every pattern has)
	markLineEnd   = '\x03' // $
	markAnyWord   = '\x04' // \w+
)

// maxPhrases bounds how many phrases one regexp may be compiled into; a
// regexp that stands for more is run as a regexp.
const maxPhrases = 8000

// regexpPhrases adds the parsed regexp re to x as the phrases it stands
// for, when it only spells out words: alternatives, optional parts and
// bounded repeats of words and punctuation, separated by whitespace, and
// starting and ending on a word boundary (\b) or punctuation; \w+ is any one
// word; ^ and $ may begin and end it. It reports false, adding nothing, for
// every other regexp, or when a part of it stands for more than maxPhrases
// phrases.
func (x *phraseIndex) regexpPhrases(re *syntax.Regexp, end phraseEnd) bool {
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	// Split at the top-level \s+: each part is compiled on its own.
	var parts [][]*syntax.Regexp
	if re.Op == syntax.OpConcat {
		cur := []*syntax.Regexp{}
		for _, sub := range re.Sub {
			if sub.Op == syntax.OpPlus && isBlank(sub.Sub[0]) {
				parts = append(parts, cur)
				cur = []*syntax.Regexp{}
				continue
			}
			cur = append(cur, sub)
		}
		parts = append(parts, cur)
	} else {
		parts = [][]*syntax.Regexp{{re}}
	}
	segs := make([][]phrase, len(parts))
	for i, part := range parts {
		ss, ok := expandConcat(part, maxPhrases)
		if !ok {
			return false
		}
		first, last := i == 0, i == len(parts)-1
		var lineStart, lineEnd *bool
		for _, s := range ss {
			p, keep, ok := stringPhrase(s, phraseEnd{}, first, last)
			if !ok {
				return false
			}
			if !keep {
				continue
			}
			// ^ and $ must hold for the whole part or not at all.
			for _, f := range []struct {
				seen **bool
				v    bool
			}{{&lineStart, p.end.lineStart}, {&lineEnd, p.end.lineEnd}} {
				if *f.seen != nil && **f.seen != f.v {
					return false
				}
				*f.seen = &f.v
			}
			segs[i] = append(segs[i], p)
		}
		if len(segs[i]) == 0 {
			return true // never matches tidied text
		}
		if lineStart != nil && *lineStart {
			end.lineStart = true
		}
		if lineEnd != nil && *lineEnd {
			end.lineEnd = true
		}
	}
	if len(segs) == 1 {
		for _, p := range segs[0] {
			p.end = end
			x.add(p)
		}
		return true
	}
	x.addSegments(segs, end)
	return true
}

// expand returns every string re can match in tidied text, with the
// markers above, whitespace as ' ' and letters folded; ok is false when
// re is not of the kind regexpPhrases takes, or the strings would be more
// than limit.
func expand(re *syntax.Regexp, limit int) ([]string, bool) {
	switch re.Op {
	case syntax.OpEmptyMatch:
		return []string{""}, true
	case syntax.OpWordBoundary:
		return []string{string(rune(markBoundary))}, true
	case syntax.OpBeginLine:
		return []string{string(rune(markLineStart))}, true
	case syntax.OpEndLine:
		return []string{string(rune(markLineEnd))}, true
	case syntax.OpLiteral:
		var b strings.Builder
		for _, r := range re.Rune {
			switch {
			case r == ' ' || r == '\n':
				b.WriteByte(' ')
			case unicode.IsSpace(r):
				return nil, true // tidied text has none of these
			case r < ' ':
				return nil, false
			case re.Flags&syntax.FoldCase == 0 && unicode.SimpleFold(r) != r:
				return nil, false // case-sensitive
			default:
				b.WriteRune(foldRune(r))
			}
		}
		return []string{b.String()}, true
	case syntax.OpCharClass:
		return classStrings(re)
	case syntax.OpCapture:
		return expand(re.Sub[0], limit)
	case syntax.OpQuest:
		sub, ok := expand(re.Sub[0], limit-1)
		return dedupe(append(sub, "")), ok
	case syntax.OpStar, syntax.OpPlus:
		return expandRepeat(re.Sub[0], re.Op == syntax.OpStar)
	case syntax.OpRepeat:
		if re.Max < 0 {
			if re.Min > 1 {
				return nil, false
			}
			return expandRepeat(re.Sub[0], re.Min == 0)
		}
		sub, ok := expand(re.Sub[0], limit)
		if !ok {
			return nil, false
		}
		var out []string
		cur := []string{""}
		for n := 0; n <= re.Max; n++ {
			if n >= re.Min {
				out = append(out, cur...)
			}
			if n < re.Max {
				if cur, ok = product(cur, sub, limit); !ok {
					return nil, false
				}
			}
		}
		out = dedupe(out)
		return out, len(out) <= limit
	case syntax.OpConcat:
		return expandConcat(re.Sub, limit)
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			ss, ok := expand(sub, limit)
			if !ok {
				return nil, false
			}
			if out = append(out, ss...); len(out) > limit {
				return nil, false
			}
		}
		return dedupe(out), true
	}
	return nil, false // any character, \A, \z, \B
}

// expandConcat is expand for subs one after the other.
func expandConcat(subs []*syntax.Regexp, limit int) ([]string, bool) {
	cur := []string{""}
	for _, sub := range subs {
		ss, ok := expand(sub, limit)
		if !ok {
			return nil, false
		}
		if cur, ok = product(cur, ss, limit); !ok {
			return nil, false
		}
	}
	return cur, true
}

// expandRepeat handles x* (star) and x+: whitespace repeated is one space
// in tidied text; \w+ (or [\w-]+) is any one word.
func expandRepeat(sub *syntax.Regexp, star bool) ([]string, bool) {
	var one string
	switch {
	case isBlank(sub):
		one = " "
	case !star && isWordClass(sub):
		one = string(rune(markAnyWord))
	default:
		return nil, false
	}
	if star {
		return []string{"", one}, true
	}
	return []string{one}, true
}

func product(a, b []string, limit int) ([]string, bool) {
	if len(a)*len(b) > limit {
		return nil, false
	}
	out := make([]string, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = append(out, x+y)
		}
	}
	return out, true // duplicates are harmless: phraseIndex.add ignores them
}

// maxClassRunes is the largest character class expand spells out.
const maxClassRunes = 64

// classStrings spells out a small character class; it must not depend on
// case (expand's strings are folded).
func classStrings(re *syntax.Regexp) ([]string, bool) {
	var out []string
	n := 0
	for k := 0; k+1 < len(re.Rune); k += 2 {
		n += int(re.Rune[k+1]-re.Rune[k]) + 1
	}
	if n > maxClassRunes {
		return nil, false
	}
	in := func(r rune) bool {
		for k := 0; k+1 < len(re.Rune); k += 2 {
			if re.Rune[k] <= r && r <= re.Rune[k+1] {
				return true
			}
		}
		return false
	}
	for k := 0; k+1 < len(re.Rune); k += 2 {
		for r := re.Rune[k]; r <= re.Rune[k+1]; r++ {
			for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
				if !in(f) {
					return nil, false // case-sensitive
				}
			}
			switch {
			case r == ' ' || r == '\n':
				out = append(out, " ")
			case unicode.IsSpace(r):
				// tidied text has none of these
			case r < ' ':
				return nil, false
			default:
				out = append(out, string(foldRune(r)))
			}
		}
	}
	return dedupe(out), true
}

// isBlank reports whether re matches one whitespace character and nothing
// else (\s, [ \n], a space).
func isBlank(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpLiteral:
		return len(re.Rune) == 1 && (re.Rune[0] == ' ' || re.Rune[0] == '\n')
	case syntax.OpCharClass:
		blank := false
		for k := 0; k+1 < len(re.Rune); k += 2 {
			for r := re.Rune[k]; r <= re.Rune[k+1]; r++ {
				if r > ' ' || !unicode.IsSpace(r) {
					return false
				}
				blank = blank || r == ' ' || r == '\n'
			}
		}
		return blank
	}
	return false
}

// isWordClass reports whether re is \w or [\w-] (with the letters (?i)
// adds: the Kelvin sign and the long s).
func isWordClass(re *syntax.Regexp) bool {
	if re.Op != syntax.OpCharClass {
		return false
	}
	for r := rune(0); r < utf8.RuneSelf; r++ {
		if asciiWord[r] && !classHas(re, r) {
			return false
		}
	}
	for k := 0; k+1 < len(re.Rune); k += 2 {
		if re.Rune[k+1]-re.Rune[k] > 80 {
			return false
		}
		for r := re.Rune[k]; r <= re.Rune[k+1]; r++ {
			if !(r < utf8.RuneSelf && asciiWord[r]) && r != '-' && r != '\u017F' && r != '\u212A' {
				return false
			}
		}
	}
	return true
}

func classHas(re *syntax.Regexp, r rune) bool {
	for k := 0; k+1 < len(re.Rune); k += 2 {
		if re.Rune[k] <= r && r <= re.Rune[k+1] {
			return true
		}
	}
	return false
}

// stringPhrase turns one of expand's strings into a phrase; first and
// last say whether it begins and ends the regexp, or sits after or before
// one of its whitespace characters (split off by regexpPhrases). keep is
// false for a string that can never match (a \b between two letters, two
// whitespace characters in a row); ok is false for one a phrase cannot
// stand for (it could start or end inside a word).
func stringPhrase(s string, end phraseEnd, first, last bool) (p phrase, keep, ok bool) {
	lead, trail := false, false
	for s != "" && (s[0] == markBoundary || s[0] == markLineStart) {
		lead = lead || s[0] == markBoundary
		end.lineStart = end.lineStart || s[0] == markLineStart
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == markBoundary || s[len(s)-1] == markLineEnd) {
		trail = trail || s[len(s)-1] == markBoundary
		end.lineEnd = end.lineEnd || s[len(s)-1] == markLineEnd
		s = s[:len(s)-1]
	}
	if (end.lineStart && !first) || (end.lineEnd && !last) ||
		strings.ContainsAny(s, string([]rune{markLineStart, markLineEnd})) {
		return p, false, false
	}
	if s == "" {
		if first || last {
			return p, false, false
		}
		return p, false, true // two whitespace characters in a row
	}
	if (!first && s[0] == ' ') || (!last && s[len(s)-1] == ' ') || strings.Contains(s, "  ") {
		return p, false, true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return p, false, false
	}
	// The ends: at the start or end of the regexp, a word needs \b (or is
	// \w+, which starts and ends on words anyway); punctuation must not
	// have it (that would ask for a letter before it) and must not be a
	// hyphen or an apostrophe, which can sit inside a word. Next to the
	// regexp's whitespace, \b asks for a word.
	isW := func(r rune) bool { return r == markAnyWord || isWordRune(r) }
	firstRune, _ := utf8.DecodeRuneInString(s)
	lastRune, _ := utf8.DecodeLastRuneInString(s)
	for _, e := range []struct {
		r                   rune
		boundary, line, end bool
	}{{firstRune, lead, end.lineStart, first}, {lastRune, trail, end.lineEnd, last}} {
		switch {
		case !e.end:
			if e.boundary && !isW(e.r) {
				return p, false, true
			}
		case e.r == markAnyWord:
		case isWordRune(e.r):
			if !e.boundary && !e.line { // a line's start and end are boundaries too
				return p, false, false
			}
		case e.boundary || e.r == '-' || e.r == '\'':
			return p, false, false
		}
	}
	// \b inside: between a word character and anything else, or never.
	for i := strings.IndexByte(s, markBoundary); i >= 0; i = strings.IndexByte(s, markBoundary) {
		before, _ := utf8.DecodeLastRuneInString(strings.TrimRight(s[:i], string(rune(markBoundary))))
		after, _ := utf8.DecodeRuneInString(strings.TrimLeft(s[i:], string(rune(markBoundary))))
		if isW(before) == isW(after) {
			return p, false, true
		}
		s = s[:i] + s[i+1:]
	}
	toks := tokenize(s)
	p = phrase{words: make([]string, len(toks)), gaps: make([]bool, len(toks)), end: end}
	for i, tk := range toks {
		w := s[tk.start:tk.end]
		if w == string(rune(markAnyWord)) {
			// Any one word: whitespace (or an end) on both sides.
			if (i > 0 && !tk.gap) || (i+1 < len(toks) && !toks[i+1].gap) {
				return p, false, false
			}
			w = ""
		}
		p.words[i] = w
		p.gaps[i] = tk.gap
	}
	return p, true, true
}
