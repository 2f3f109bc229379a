package classify

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

var quoteReplacer = strings.NewReplacer(
	"\u2018", "'", "\u2019", "'", "\u201B", "'", "\u2032", "'",
	"\u201C", `"`, "\u201D", `"`,
	"\u00A0", " ", "\u2009", " ", "\u202F", " ",
	"\r\n", "\n", "\r", "\n", "\f", "\n", "\v", "\n",
)

// tidy prepares text for matching: typographic quotes become ASCII, e-mail
// quote markers at line starts go, runs of blanks become one space, and blank
// lines are dropped.
//
// The prefilter relies on what comes out: the only ASCII whitespace left is
// ' ' and '\n', and never two in a row.
func tidy(s string) string {
	s = quoteReplacer.Replace(s)
	var b strings.Builder
	b.Grow(len(s))
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimLeft(line, " \t>")
		line = strings.TrimRight(line, " \t")
		if line == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		// Blanks are ASCII, and UTF-8 never hides ASCII bytes inside a
		// multi-byte character, so the line can be copied in byte runs.
		for line != "" {
			i := strings.IndexAny(line, " \t")
			if i < 0 {
				b.WriteString(line)
				break
			}
			b.WriteString(line[:i])
			b.WriteByte(' ')
			line = strings.TrimLeft(line[i:], " \t")
		}
	}
	return b.String()
}

// token is a word or a punctuation character in a tidied text.
type token struct {
	start, end int  // byte offsets
	gap        bool // whitespace (or the start of the text) comes before it
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiWord[r]
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r)
}

var asciiWord = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = c == '_' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
	}
	return t
}()

// tokenize splits s into words and single punctuation characters. A word is
// a run of word characters (letters, digits, '_'), where a hyphen or an
// apostrophe between two word characters also belongs to the word:
// "drop-down", "can't" and "site's" are one word each.
func tokenize(s string) []token {
	toks := make([]token, 0, len(s)/5+1)
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

// fold maps s to a canonical case so that two strings are equal after fold
// exactly when they are equal under Unicode simple case folding (the folding
// a (?i) regexp uses). ASCII letters become lower case.
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

// foldRune picks one member of r's case-folding orbit: its ASCII member in
// lower case if it has one (so 'K', 'k' and the Kelvin sign all give 'k'),
// else the smallest.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}
	least, ascii := r, rune(-1)
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < utf8.RuneSelf {
			ascii = f
		}
		least = min(least, f)
	}
	if ascii >= 0 {
		return foldRune(ascii)
	}
	return least
}

var (
	negators = map[string]bool{
		"no": true, "not": true, "never": true, "without": true, "zero": true, "non": true,
		"isn't": true, "aren't": true, "wasn't": true, "weren't": true,
	}
	negationFillers = map[string]bool{
		"a": true, "an": true, "any": true, "the": true, "more": true, "real": true, "actual": true,
	}
)

// negated reports whether the words just before t[at:] deny it: a negator,
// optionally followed by up to two filler words, separated by spaces (and a
// hyphen, as in "non-responsive") only.
func negated(t string, at int) bool {
	end := at
	for fillers := 0; ; {
		i := end
		for i > 0 && (t[i-1] == ' ' || t[i-1] == '-') {
			i--
		}
		if i == end || i == 0 {
			return false
		}
		j := i
		for j > 0 {
			r, size := utf8.DecodeLastRuneInString(t[:j])
			if !isWordRune(r) && r != '\'' {
				break
			}
			j -= size
		}
		w := fold(t[j:i])
		switch {
		case negators[w]:
			return true
		case negationFillers[w] && fillers < 2:
			fillers++
			end = j
		default:
			return false
		}
	}
}
