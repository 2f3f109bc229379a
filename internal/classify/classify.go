// Package classify sorts a support ticket into one of the desk's classes
// (by default availability, provisioning or other) from its subject and
// body, and records which rule decided it so staff can see why.
//
// # Evaluation
//
// Rules are evaluated by class, in the order the classes are given to New
// (the configuration's order): every rule of the first class (in the order
// given), then every rule of the second, and so on. The first rule with a
// matching pattern wins. When nothing matches the ticket gets the fallback
// class. The default classes put availability first on purpose: a missed
// outage is the costliest mistake the desk can make, so a ticket that could
// be about an outage is treated as one.
//
// Subject and body are matched separately (a match never spans the two). A
// rule that matches the subject reports that match; otherwise it reports its
// match in the body. Within one of them, a rule's words and phrases are
// looked for first, and its regexps only if none matched; the leftmost match
// is reported, and of word or phrase matches starting there, the longest
// ("502 bad gateway" rather than "502" when the rule has both patterns).
//
// # Patterns
//
// A pattern is either a word or phrase, or a Go regular expression wrapped in
// slashes. Both are case-insensitive.
//
//   - Words and phrases match whole words only. Letters, digits and '_' are
//     word characters, and so are a hyphen or an apostrophe between two of
//     them: "down" matches "is down" and "down-" but not "download",
//     "downgrade", "drop-down" or "zero-downtime", and "site" does not match
//     "site's". Punctuation must appear as written: "app.crash" needs the
//     dot, with no space around it. A space in a phrase matches any run of
//     whitespace, including a line break.
//   - "/.../" is compiled as-is with the flags i (case-insensitive) and m
//     (^ and $ match at line breaks); it gets no automatic word boundaries.
//     Go's \b is ASCII-only and treats a hyphen as a boundary.
//   - A regexp that only spells out words is matched as the phrases it
//     stands for, with the rules of words above: alternatives, optional
//     parts and bounded repeats of words and punctuation, separated by
//     whitespace, that start and end on \b (or punctuation, or ^ and $),
//     with \w+ standing for any one word, such as
//     /\b(?:is|are)\s+(?:the\s+)?(?:site|app)\s+down\b/. This is faster (see
//     Speed) and changes what it matches only where a word holds a hyphen
//     or an apostrophe: such a regexp no longer finds "is down" in "is
//     down-right" or "site" in "site's", and \w+ takes "aws-rds" as one
//     word; a space in it, like \s, matches a line break too. A match it
//     reports is the longest at its start rather than the one the regexp
//     would prefer. A regexp that could start or end inside
//     a word (/down/ matches "download"), that is case-sensitive, or that
//     uses ., \d+, \S+ or unbounded repeats of words runs as a regexp.
//     Either way a regexp match counts as a regexp match: it is reported
//     only when none of the rule's words and phrases matched in the field.
//
// Before matching, subject and body are tidied: e-mail quote markers ('>')
// at the start of lines are dropped, runs of spaces and tabs become one
// space, blank lines go, and typographic quotes become ASCII ones (so "can’t"
// matches the pattern "can't"). Result.Match is quoted from the tidied text.
//
// # Negation
//
// The rules of a class with Negation set (availability, by default) honour a
// light negation: a match directly preceded by "no", "not", "never",
// "without", "zero", "non", "isn't", "aren't", "wasn't" or "weren't"
// (optionally with up to two of "a", "an", "any", "the", "more", "real",
// "actual" in between) does not count, so "not an outage, just a question"
// is not an outage. Any other match of such a rule in the ticket still
// counts, so "no 502s, but the site is down" is. The other classes' rules
// ignore negation ("I never got the invite" is still about an invitation).
//
// # Speed
//
// Classify reads each field a constant number of times, whatever the rules:
// once to tidy it, once to split it into words, and at most once more to
// find the literal text regexps need. Every word, phrase and regexp
// compiled into phrases is found in the pass over the words: each word is
// looked up once, in a hash table, and moves along an automaton of all the
// patterns at once, so the cost does not grow with the number of patterns.
//
// The other regexps never read the whole text. Each needs literal text that
// every match contains (for /(is|are) down/, "is down" or "are down"); one
// pass over the field finds all of it for all regexps (an Aho–Corasick
// automaton), a regexp whose literals are missing is skipped, and one whose
// literals are there runs only on a window around each place its most
// selective literal occurs, wide enough to hold any match: tidied text never
// has two whitespace characters in a row, so a regexp whose repeats hold no
// whitespace can span only so many words (see window.go). Only a regexp
// with no literal text, or one that can span any number of words (/a.*b/),
// runs on the whole field; the default rules have none.
//
// Work stops as soon as the decision cannot change: rules after the first
// one whose words matched are not looked at, a regexp looks only for
// matches left of the best one its rule already has, and the body is not
// read when the first rule matched the subject.
package classify

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"sync"
	"unicode/utf8"
)

// The default classes' names, which DefaultRules assign. The classes a
// classifier knows are the ones given to New.
const (
	// Availability: the platform or a customer's app is down or badly degraded.
	Availability = "availability"
	// Provisioning: orgs, spaces, users, roles, quotas, service instances,
	// access, onboarding, domains and routes.
	Provisioning = "provisioning"
	// Other: questions, billing, documentation, compliance, feedback and
	// everything else; also the class of a ticket no rule matched.
	Other = "other"
)

// DefaultRuleName is the Result.Rule of a ticket that no rule matched.
const DefaultRuleName = "default: no rule matched"

// MaxScan is how many bytes of the subject, and of the body, are examined.
// Tickets sometimes carry megabytes of pasted logs; an outage is reported
// well before this point, and the cap keeps classification time bounded.
const MaxScan = 64 << 10

// Class is what the classifier knows of one of the desk's classes.
type Class struct {
	// Name is what rules and results call the class.
	Name string
	// Negation makes the class's rules ignore negated matches ("not an
	// outage"; see the package documentation).
	Negation bool
	// Fallback marks the class of a ticket no rule matched; exactly one
	// class has it.
	Fallback bool
}

// Rule assigns Class to a ticket whose subject or body matches any of
// Patterns.
type Rule struct {
	// Name is shown to staff as the reason for the class, e.g.
	// "availability: 5xx error". Names must be unique.
	Name string
	// Class is one of the classes given to New.
	Class string
	// Patterns are case-insensitive. A plain pattern is a word or phrase
	// matched on word boundaries; a pattern wrapped in slashes, /.../, is a
	// Go regular expression. See the package documentation for details.
	Patterns []string
}

// Result is the outcome of classifying one ticket.
type Result struct {
	// Class is one of the classes given to New.
	Class string
	// Rule is the Name of the rule that matched, or DefaultRuleName.
	Rule string
	// Match is the text the rule matched, quoted from the tidied subject or
	// body (see the package documentation); empty when no rule matched.
	Match string
}

// maxReasonMatch caps how much of Match Reason quotes, in characters.
const maxReasonMatch = 60

// Reason explains the result for people, e.g.
// `rule "availability: 5xx error" matched "502 bad gateway"`.
func (r Result) Reason() string {
	if r.Rule == DefaultRuleName || r.Rule == "" {
		return fmt.Sprintf("no rule matched, so %q by default", r.Class)
	}
	m := r.Match
	if utf8.RuneCountInString(m) > maxReasonMatch {
		m = string([]rune(m)[:maxReasonMatch]) + "…"
	}
	return fmt.Sprintf("rule %q matched %q", r.Rule, m)
}

// Classifier applies a compiled rule set. It is immutable and safe for
// concurrent use.
type Classifier struct {
	classes  []Class        // as given to New
	fallback string         // the class of a ticket no rule matched
	rules    []Rule         // as given to New, deep-copied
	compiled []compiledRule // in evaluation order
	// phrases finds every word and phrase pattern, and the regexps
	// compiled into phrases, in one pass over a text's words.
	phrases phraseIndex
	// needles finds the strings regexp prefilters look for.
	needles needleIndex
	// scratch holds the buffers of finished calls to Classify.
	scratch sync.Pool
}

type compiledRule struct {
	name    string
	class   string
	negate  bool
	regexps []regexpPattern
	// windowed counts the regexps not compiled into phrases.
	windowed int
}

// regexpPattern is a compiled /.../ pattern.
type regexpPattern struct {
	re *regexp.Regexp
	// needs rules out texts the regexp cannot match; nil lets all through.
	needs prefilter
	// needIDs is needs as ids in Classifier.needles.
	needIDs [][]int32
	// phrases is set when the regexp was compiled into phrases
	// (regexpPhrases): then re never runs.
	phrases bool
	// whole is set when re must run on the whole text: it has no
	// prefilter, or a match can hold any number of whitespace characters.
	whole bool
	// spaces is how many whitespace characters a match can hold.
	spaces int
	// anchor marks, by needle id, the strings of needs[0]: windows are
	// around the places they occur.
	anchor []bool
}

// RuleError is a problem with one rule given to New.
type RuleError struct {
	// Index is the rule's position in the rules given to New, and Name
	// its name.
	Index int
	Name  string
	// Dup is the position of an earlier rule with the same name, or -1.
	Dup int
	Err error
}

func (e *RuleError) Error() string {
	return e.Describe(func(i int) string { return fmt.Sprintf("classify.rules[%d]", i) })
}

func (e *RuleError) Unwrap() error { return e.Err }

// Describe words the error with key(i) naming rule i, so the configuration
// can point at its own keys.
func (e *RuleError) Describe(key func(i int) string) string {
	where := key(e.Index)
	if strings.TrimSpace(e.Name) != "" {
		where += fmt.Sprintf(" (%q)", e.Name)
	}
	if e.Dup >= 0 {
		return fmt.Sprintf("%s: name is already used by %s; names must be unique", where, key(e.Dup))
	}
	return where + ": " + e.Err.Error()
}

// New checks and compiles rules for classes. Evaluation order is by class,
// in the order of classes, and within a class the order given. An empty
// rule set is allowed; it gives every ticket the fallback class.
//
// Errors about a rule are *RuleError, naming the offending rule and
// pattern, e.g.
// `classify.rules[3] ("x"): class "foo" is not one of availability, provisioning, other`.
func New(classes []Class, rules []Rule) (*Classifier, error) {
	c := &Classifier{
		classes: append([]Class(nil), classes...),
		rules:   make([]Rule, len(rules)),
	}
	c.phrases.init()
	rank := make(map[string]int, len(classes))
	names := make([]string, len(classes))
	for i, cl := range classes {
		if _, dup := rank[cl.Name]; dup || cl.Name == "" {
			return nil, fmt.Errorf("classify: class %d: name %q is empty or used twice", i+1, cl.Name)
		}
		rank[cl.Name] = i
		names[i] = cl.Name
		if cl.Fallback {
			if c.fallback != "" {
				return nil, fmt.Errorf("classify: classes %q and %q are both the fallback; exactly one may be", c.fallback, cl.Name)
			}
			c.fallback = cl.Name
		}
	}
	if c.fallback == "" {
		return nil, fmt.Errorf("classify: no class is the fallback (the class of a ticket no rule matched)")
	}
	seen := make(map[string]int, len(rules))
	order := make([][]int, len(classes)) // rule indexes by class rank
	for i, r := range rules {
		c.rules[i] = Rule{Name: r.Name, Class: r.Class, Patterns: append([]string(nil), r.Patterns...)}
		bad := func(format string, a ...any) error {
			return &RuleError{Index: i, Name: r.Name, Dup: -1, Err: fmt.Errorf(format, a...)}
		}
		switch j, dup := seen[r.Name]; {
		case strings.TrimSpace(r.Name) == "":
			return nil, bad("name is empty; every rule needs a name to show staff")
		case r.Name == DefaultRuleName:
			return nil, bad("name is reserved for tickets no rule matched")
		case dup:
			return nil, &RuleError{Index: i, Name: r.Name, Dup: j, Err: fmt.Errorf("name is already used")}
		}
		seen[r.Name] = i
		k, ok := rank[r.Class]
		if !ok {
			return nil, bad("class %q is not one of %s", r.Class, strings.Join(names, ", "))
		}
		if len(r.Patterns) == 0 {
			return nil, bad("no patterns")
		}
		order[k] = append(order[k], i)
	}
	for k, idxs := range order {
		for _, i := range idxs {
			if err := c.add(rules[i], classes[k].Negation); err != nil {
				return nil, &RuleError{Index: i, Name: rules[i].Name, Dup: -1, Err: err}
			}
		}
	}
	for i := range c.compiled {
		for k := range c.compiled[i].regexps {
			if rp := &c.compiled[i].regexps[k]; !rp.phrases {
				rp.needIDs = c.needles.setIDs(rp.needs, !rp.whole)
			}
		}
	}
	c.needles.build()
	c.phrases.build()
	for i := range c.compiled {
		for k := range c.compiled[i].regexps {
			rp := &c.compiled[i].regexps[k]
			if rp.phrases || rp.whole {
				continue
			}
			rp.anchor = make([]bool, c.needles.n)
			for _, id := range rp.needIDs[0] {
				rp.anchor[id] = true
			}
		}
	}
	return c, nil
}

// add compiles r as the next rule in evaluation order; negate is its
// class's Negation.
func (c *Classifier) add(r Rule, negate bool) error {
	idx := len(c.compiled)
	cr := compiledRule{name: r.Name, class: r.Class, negate: negate}
	for k, p := range r.Patterns {
		bad := func(format string, args ...any) error {
			return fmt.Errorf("pattern %d %q: %s", k+1, p, fmt.Sprintf(format, args...))
		}
		t := strings.TrimSpace(p)
		if len(t) >= 2 && t[0] == '/' && t[len(t)-1] == '/' {
			if len(t) == 2 {
				return bad("empty regular expression")
			}
			// Compile the pattern as written first, so that an error
			// quotes what the user wrote.
			if _, err := regexp.Compile(t[1 : len(t)-1]); err != nil {
				return bad("%v", err)
			}
			src := "(?im)" + t[1:len(t)-1]
			re, err := regexp.Compile(src)
			if err != nil {
				return bad("%v", err)
			}
			if re.MatchString("") {
				return bad("matches empty text, so it would match every ticket")
			}
			rp := regexpPattern{re: re, whole: true}
			if tree, err := syntax.Parse(src, syntax.Perl); err == nil {
				rp.needs = newPrefilter(tree)
				spaces, bounded := maxSpaces(tree)
				rp.spaces, rp.whole = spaces, !bounded || rp.needs == nil
				rp.phrases = c.phrases.regexpPhrases(tree, phraseEnd{rule: int32(idx), regexp: true})
			}
			if !rp.phrases {
				cr.windowed++
			}
			cr.regexps = append(cr.regexps, rp)
			continue
		}
		text := quoteReplacer.Replace(t)
		toks := tokenize(text)
		if len(toks) == 0 {
			return bad("empty pattern")
		}
		p := phrase{words: make([]string, len(toks)), gaps: make([]bool, len(toks)), end: phraseEnd{rule: int32(idx)}}
		for i, tk := range toks {
			p.words[i] = fold(text[tk.start:tk.end])
			p.gaps[i] = tk.gap
		}
		c.phrases.add(p)
	}
	c.compiled = append(c.compiled, cr)
	return nil
}

// Classes returns the classes the classifier was built with, in
// evaluation order (a copy).
func (c *Classifier) Classes() []Class { return append([]Class(nil), c.classes...) }

// Rules returns a copy of the rules the classifier was built from, in the
// order given to New.
func (c *Classifier) Rules() []Rule {
	out := make([]Rule, len(c.rules))
	for i, r := range c.rules {
		out[i] = Rule{Name: r.Name, Class: r.Class, Patterns: append([]string(nil), r.Patterns...)}
	}
	return out
}

// field is the subject or the body, prepared for matching.
type field struct {
	text    string       // tidied
	scanned bool         // hits and occ are filled in (needleIndex.scan)
	hits    []bool       // which needles text contains
	occ     []occurrence // where the anchor needles end
}

// span locates a match in a field's text.
type span struct {
	start, end int
	ok         bool
}

// ruleHits are a rule's earliest (then longest) phrase matches in the
// subject [0] and body [1]: of its words and phrases, and of its regexps
// compiled into phrases.
type ruleHits struct {
	word, re [2]span
}

// walk is a phrase being followed through the trie: it started at byte
// start of the text and has reached node.
type walk struct {
	start int
	node  int32
}

// scratch is what one call to Classify needs, kept between calls.
type scratch struct {
	fields       [2]field
	found        []ruleHits
	walks, spare []walk
	fold         []byte
}

// Classify returns the class of a ticket and the rule that decided it.
//
// It reads each field once to tidy it and once for its words; the
// regexps not compiled into phrases then look only at windows around
// their anchors (see window.go), and only those of rules that could
// still decide the ticket. The cost is linear in the text.
func (c *Classifier) Classify(subject, body string) Result {
	sc, _ := c.scratch.Get().(*scratch)
	if sc == nil {
		sc = &scratch{}
	}
	defer c.scratch.Put(sc)
	sc.found = append(sc.found[:0], make([]ruleHits, len(c.compiled))...)
	found := sc.found
	fields := &sc.fields

	// Words and phrases: the earliest unnegated match of each rule in each
	// field. Rules after the first one that matched anywhere cannot win, so
	// they are not looked for.
	first := len(c.compiled) // first rule with a phrase match
	x := &c.phrases
	for f, s := range [2]string{subject, body} {
		fd := &fields[f]
		*fd = field{hits: fd.hits, occ: fd.occ[:0]}
		if f == 1 && first == 0 && len(found) > 0 && (found[0].word[0].ok || found[0].re[0].ok) {
			break // the first rule matched the subject: the body cannot matter
		}
		fd.text = tidy(capScan(s))
		text := fd.text
		reach := func(node int32, start, end int) {
			for _, e := range x.ends[node] {
				r := e.rule
				if int(r) > first || (f == 1 && (found[r].word[0].ok || found[r].re[0].ok)) ||
					(e.lineStart && start > 0 && text[start-1] != '\n') ||
					(e.lineEnd && end < len(text) && text[end] != '\n') {
					continue
				}
				sp := &found[r].word[f]
				if e.regexp {
					sp = &found[r].re[f]
				}
				if sp.ok && (sp.start < start || (sp.start == start && end <= sp.end)) {
					continue
				}
				if c.compiled[r].negate && negated(text, start) {
					continue
				}
				// The earliest match; of those starting here, the longest.
				*sp = span{start, end, true}
				first = min(first, int(r))
			}
		}
		walks := sc.walks[:0]
		for start, end, gap := nextToken(text, 0); start >= 0; start, end, gap = nextToken(text, end) {
			id, word := x.lookup(text[start:end], &sc.fold)
			next := sc.spare[:0]
			step := func(v int32, start int) {
				if v > 0 {
					next = append(next, walk{start, v})
					reach(v, start, end)
					return
				}
				for _, n := range x.targets(v) {
					next = append(next, walk{start, n})
					reach(n, start, end)
				}
			}
			for _, w := range walks {
				if id > 0 {
					if v := x.next[edgeKey(w.node, id, gap)]; v != 0 {
						step(v, w.start)
					}
				}
				if word && x.anyWord {
					if v := x.next[edgeKey(w.node, anyWordID, gap)]; v != 0 {
						step(v, w.start)
					}
				}
			}
			if id > 0 && x.root[id] != 0 {
				step(x.root[id], start)
			}
			if word && x.anyWord && x.root[anyWordID] != 0 {
				step(x.root[anyWordID], start)
			}
			sc.spare, walks = walks, next
		}
		sc.walks = walks
	}

	// Regexps can only make an earlier rule win, or give rule first a match
	// in the subject when its words matched only in the body. Of a rule's
	// regexps, the leftmost match counts, so each looks only for matches
	// that start before the best so far.
	for r := 0; r < len(c.compiled) && r <= first; r++ {
		cr := &c.compiled[r]
		for f := range fields {
			fd := &fields[f]
			if m := found[r].word[f]; m.ok {
				return Result{Class: cr.class, Rule: cr.name, Match: fd.text[m.start:m.end]}
			}
			best := found[r].re[f]
			for k := 0; k < len(cr.regexps) && cr.windowed > 0; k++ {
				rp := &cr.regexps[k]
				if rp.phrases {
					continue
				}
				limit := len(fd.text) + 1
				if best.ok {
					limit = best.start
				}
				if m := c.find(rp, fd, cr.negate, limit); m.ok {
					best = m
				}
			}
			if best.ok {
				return Result{Class: cr.class, Rule: cr.name, Match: fd.text[best.start:best.end]}
			}
		}
	}
	return Result{Class: c.fallback, Rule: DefaultRuleName}
}

// capScan cuts s to at most MaxScan bytes, on a character boundary.
func capScan(s string) string {
	if len(s) <= MaxScan {
		return s
	}
	cut := MaxScan
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
