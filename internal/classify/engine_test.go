package classify

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// corpusTexts are the subjects and bodies of every labelled request, as
// given (not tidied).
func corpusTexts(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, name := range []string{"requests.json", "fresh.json", "holdout.json", "blind.json"} {
		for _, r := range loadRequests(t, name) {
			out = append(out, r.Subject, r.Body)
		}
	}
	return out
}

// trickyTexts exercise tidying, tokenizing and the edges of windows.
var trickyTexts = []string{
	"", " ", "\n\n", "> \n>> x", "a\r\nb\rc\fd\ve", "  > > quoted\t\ttext  \n\n\n  next  ",
	"can\u2019t \u201cquoted\u201d\u00a0nbsp\u2009thin\u202fnarrow", "\u2018x\u2019 \u201b \u2032",
	"caf\u00e9 na\u00efve \u212aelvin \u017fite \u03a3\u03af\u03c3\u03c5\u03c6\u03bf\u03c2 \u3000ideographic\u2003em",
	"bad utf8 \xff\xfe here \xe2\x80 cut", "drop-down site's can't -x x- 'y y' a--b a''b",
	"is down-right", "site.com down", "is cloud.gov down?", "DOWN!!!", "down", "x\ndown\ny", "the site is\ndown",
	"HTTP/1.1 500", "status:500", "code = 500", "got a 500", "err_ssl_protocol_error", "ERR_SSL_",
	"add jane.doe@agency.gov to the org", "add\njane@x.gov", "access to all of our sandbox spaces",
	"errors", " 500 errors", "500 errors\n", "lots of weird errors", "a\u00a0b",
	strings.Repeat("download ", 50) + "is the site down", strings.Repeat("x", 300) + " down",
}

// tidyReference is tidy as first written, line by line: the oracle for the
// one-pass tidy.
func tidyReference(s string) string {
	s = quoteReplacer.Replace(s)
	var lines []string
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimLeft(line, " \t>")
		line = strings.TrimRight(line, " \t")
		if line == "" {
			continue
		}
		lines = append(lines, strings.Join(strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' }), " "))
	}
	return strings.Join(lines, "\n")
}

// tokenizeReference is tokenize as first written, rune by rune: the
// oracle for nextToken.
func tokenizeReference(s string) []token {
	var toks []token
	gap := true
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.IsSpace(r):
			gap = true
			i += size
		case isWordRune(r):
			j := i + size
			for j < len(s) {
				r2, n2 := utf8.DecodeRuneInString(s[j:])
				if isWordRune(r2) {
					j += n2
					continue
				}
				if r2 == '-' || r2 == '\'' {
					if r3, n3 := utf8.DecodeRuneInString(s[j+n2:]); isWordRune(r3) {
						j += n2 + n3
						continue
					}
				}
				break
			}
			toks = append(toks, token{i, j, gap})
			gap = false
			i = j
		default:
			toks = append(toks, token{i, i + size, gap})
			gap = false
			i += size
		}
	}
	return toks
}

func TestTidy_SameAsLineByLine(t *testing.T) {
	for _, s := range append(corpusTexts(t), trickyTexts...) {
		if got, want := tidy(s), tidyReference(s); got != want {
			t.Errorf("tidy(%q)\n got %q\nwant %q", s, got, want)
		}
	}
}

func TestTokenize_SameAsRuneByRune(t *testing.T) {
	for _, s := range append(corpusTexts(t), trickyTexts...) {
		for _, text := range []string{s, tidy(s)} {
			got, want := tokenize(text), tokenizeReference(text)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("tokenize(%q)\n got %v\nwant %v", text, got, want)
			}
		}
	}
}

// regexpRule builds a classifier with one rule of one pattern, in a class
// without negation.
func regexpRule(t *testing.T, pattern string) (*Classifier, *regexpPattern) {
	t.Helper()
	c, err := New([]Class{{Name: "r"}, {Name: "other", Fallback: true}},
		[]Rule{{Name: "r: x", Class: "r", Patterns: []string{pattern}}})
	if err != nil {
		t.Fatalf("%s: %v", pattern, err)
	}
	return c, &c.compiled[0].regexps[0]
}

func defaultRegexps() []string {
	var out []string
	for _, r := range DefaultRules() {
		for _, p := range r.Patterns {
			if len(p) > 2 && p[0] == '/' && p[len(p)-1] == '/' {
				out = append(out, p)
			}
		}
	}
	return out
}

// TestRegexpPhrases_AgreeWithRegexp: a default regexp compiled into phrases
// finds a match in exactly the tickets the regexp does, and what it reports
// is a match of the regexp.
func TestRegexpPhrases_AgreeWithRegexp(t *testing.T) {
	var texts []string
	for _, s := range append(corpusTexts(t), trickyTexts...) {
		texts = append(texts, tidy(s))
	}
	compiled := 0
	for _, p := range defaultRegexps() {
		c, rp := regexpRule(t, p)
		if !rp.phrases {
			continue
		}
		compiled++
		whole := regexp.MustCompile(`(?im)^(?:` + p[1:len(p)-1] + `)$`)
		for _, text := range texts {
			res := c.Classify("", text)
			if got, want := res.Rule != DefaultRuleName, rp.re.MatchString(text); got != want && !phraseDifference(text) {
				t.Errorf("%s on %q: phrases match %v, the regexp %v", p, text, got, want)
			}
			if res.Match != "" && !whole.MatchString(res.Match) && !phraseDifference(res.Match) {
				t.Errorf("%s on %q: phrases report %q, which the regexp does not match", p, text, res.Match)
			}
		}
	}
	if compiled < len(defaultRegexps())*3/4 {
		t.Errorf("%d of %d default regexps were compiled into phrases; want most", compiled, len(defaultRegexps()))
	}
}

// phraseDifference reports whether text holds what the package
// documentation says phrases read as one word where a regexp sees two: a
// hyphen between letters ("20-30", "aws-rds", "down-right"), where \b
// matches and \w+ stops.
func phraseDifference(text string) bool {
	for _, tk := range tokenize(text) {
		if strings.Contains(text[tk.start:tk.end], "-") {
			return true
		}
	}
	return false
}

// TestRegexpPhrases_WhatCompiles pins down which regexps become phrases,
// and the documented difference from the regexp.
func TestRegexpPhrases_WhatCompiles(t *testing.T) {
	for _, tt := range []struct {
		re      string
		phrases bool
	}{
		{`/\bis\s+down\b/`, true},
		{`/\b(?:is|are)\s+(?:(?:the|our)\s+){0,2}down\b/`, true},
		{`/\bgetting\s+(?:\w+\s+)?errors\b/`, true},
		{`/^down[.!?]{0,2}$/`, true},
		{`/\bhealth[- ]?checks?\s+fail\b/`, true},
		{`/\bapp\.crash\b/`, true},
		{`/down/`, false},                    // matches inside "download"
		{`/\bdown/`, false},                  // and "downtime"
		{`/(?-i:Down)\b/`, false},            // case-sensitive
		{`/\b\w+ing\s+down\b/`, false},       // part of a word
		{`/\bdown\b.{0,9}\bagain\b/`, false}, // any character
		{`/\d+\s+errors\b/`, false},          // \d+ is not a word
		{`/\bdown\B/`, false},
		{`/\A\bdown\b/`, false},
	} {
		c, rp := regexpRule(t, tt.re)
		if rp.phrases != tt.phrases {
			t.Errorf("%s: compiled into phrases %v; want %v", tt.re, rp.phrases, tt.phrases)
		}
		_ = c
	}
	// Words are whole words, hyphens and apostrophes included.
	c, _ := regexpRule(t, `/\bis\s+down\b/`)
	if got := c.Classify("", "it is down-right odd"); got.Rule != DefaultRuleName {
		t.Errorf(`/\bis\s+down\b/ as phrases matched "is down-right": %s`, got.Reason())
	}
	if got := c.Classify("", "it is\ndown"); got.Match != "is\ndown" {
		t.Errorf(`/\bis\s+down\b/ on a line break: %s`, got.Reason())
	}
	c, _ = regexpRule(t, `/^down[.!?]{0,2}$/`)
	for text, want := range map[string]bool{"down!!": true, "x\ndown.\ny": true, "so down": false, "down!!!": false} {
		if got := c.Classify(text, "").Rule != DefaultRuleName; got != want {
			t.Errorf(`/^down[.!?]{0,2}$/ on %q: %v, want %v`, text, got, want)
		}
	}
}

// TestFind_WindowsAgreeWithWholeText: a regexp run on windows around its
// anchors finds what it finds on the whole text, negated or not, and with
// a bound on where the match may start.
func TestFind_WindowsAgreeWithWholeText(t *testing.T) {
	patterns := []string{
		// edges: matches that start or end with whitespace, line anchors
		`/\s500\b/`, `/errors?\s/`, `/^down[.!?]*$/`, `/down$/`, `/^\w+\s+down/`,
		`/\bdown\b.{0,12}\bagain\b/`, `/\d+\s+errors\b/`, `/err_ssl_\w+/`, `/gam+a/`, `/(?-i:Down)\s+\w+/`,
		`/\badd\s+\S+@\S+/`, `/[\w-]+\.gov\s+(?:is\s+)?down\b/`,
	}
	var windowed int
	for _, p := range append(defaultRegexps(), patterns...) {
		c, rp := regexpRule(t, p)
		if rp.phrases || rp.whole {
			continue
		}
		windowed++
		for _, s := range append(corpusTexts(t), trickyTexts...) {
			text := tidy(s)
			for _, negate := range []bool{false, true} {
				for _, limit := range []int{len(text) + 1, len(text) / 2} {
					fd := &field{text: text}
					got := c.find(rp, fd, negate, limit)
					want, _ := findIn(rp, text, 0, len(text), negate, len(text)+1)
					if want.start >= limit {
						want = span{}
					}
					if got != want {
						t.Errorf("%s on %q (negate %v, limit %d): windows give %+v, the whole text %+v", p, text, negate, limit, got, want)
					}
				}
			}
		}
	}
	if windowed < len(patterns) {
		t.Errorf("only %d regexps were windowed", windowed)
	}
}

// TestDefaultRules_NoRegexpReadsTheWholeText: every default regexp is
// either phrases or windowed; none runs over the whole text.
func TestDefaultRules_NoRegexpReadsTheWholeText(t *testing.T) {
	c := defaultClassifier(t)
	for _, cr := range c.compiled {
		for _, rp := range cr.regexps {
			if !rp.phrases && rp.whole {
				t.Errorf("%s: %s runs on the whole text; give it literal text to anchor on and a bounded number of words", cr.name, rp.re)
			}
		}
	}
}

// TestMaxSpaces checks the bound windows rely on.
func TestMaxSpaces(t *testing.T) {
	for _, tt := range []struct {
		re string
		n  int
		ok bool
	}{
		{`a b`, 1, true}, {`a\s+b\s*c`, 2, true}, {`(?:a\s+){0,3}b`, 3, true}, {`\w+`, 0, true},
		{`[\w-]+(?:\.[\w-]+)*`, 0, true}, {`a.b`, 1, true}, {`(?:\w+\s+)*x`, 0, false}, {`.*`, 0, false},
		{`[^x]+`, 0, false}, {`(?:a|b\s+c)`, 1, true},
	} {
		tree, err := syntax.Parse(tt.re, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		if n, ok := maxSpaces(tree); n != tt.n || ok != tt.ok {
			t.Errorf("maxSpaces(%s) = %d, %v; want %d, %v", tt.re, n, ok, tt.n, tt.ok)
		}
	}
}
