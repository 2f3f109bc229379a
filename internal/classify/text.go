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

// tidyByte classifies bytes for tidy: tidyPlain bytes are copied as they
// are (a '>' only after the start of a line); the rest need a look.
const (
	tidyPlain = iota
	tidyBlank // ' ', '\t'
	tidyBreak // '\n', '\r', '\f', '\v'
	tidyLead  // the first byte of a character quoteReplacer replaces
)

var tidyClass = func() (t [256]uint8) {
	t[' '], t['\t'] = tidyBlank, tidyBlank
	t['\n'], t['\r'], t['\f'], t['\v'] = tidyBreak, tidyBreak, tidyBreak, tidyBreak
	t[0xC2], t[0xE2] = tidyLead, tidyLead // U+00A0; U+2009 to U+2032
	return t
}()

// tidy prepares text for matching: typographic quotes become ASCII, e-mail
// quote markers at line starts go, runs of blanks become one space, and blank
// lines are dropped (the same as quoteReplacer, then trimming " \t>" from
// the start of each line and " \t" from its end).
//
// The prefilter and the regexp windows rely on what comes out: the only
// ASCII whitespace left is ' ' and '\n', and never two in a row.
//
// It makes one pass, copying runs of ordinary text (words and the single
// spaces between them) in one go.
func tidy(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	lineStart := true // nothing of the current line has been written
	brk := false      // a line with text ended: write '\n' before more text
	blank := false    // blanks after text on this line: write ' ' before more
	text := func(t string) {
		if brk {
			b.WriteByte('\n')
		} else if blank {
			b.WriteByte(' ')
		}
		b.WriteString(t)
		lineStart, brk, blank = false, false, false
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch tidyClass[c] {
		case tidyPlain:
			if c == '>' && lineStart {
				i++
				continue
			}
			j := i + 1
			for j < len(s) {
				if k := tidyClass[s[j]]; k == tidyPlain || (s[j] == ' ' && j+1 < len(s) && tidyClass[s[j+1]] == tidyPlain) {
					j++
					continue
				}
				break
			}
			text(s[i:j])
			i = j
		case tidyBlank:
			blank = !lineStart
			i++
		case tidyBreak:
			if !lineStart {
				brk = true
			}
			lineStart, blank = true, false
			if c == '\r' && i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			i++
		default: // tidyLead
			r, size := utf8.DecodeRuneInString(s[i:])
			switch r {
			case '\u2018', '\u2019', '\u201B', '\u2032':
				text("'")
			case '\u201C', '\u201D':
				text(`"`)
			case '\u00A0', '\u2009', '\u202F':
				blank = !lineStart
			default:
				text(s[i : i+size])
			}
			i += size
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
	for start, end, gap := nextToken(s, 0); start >= 0; start, end, gap = nextToken(s, end) {
		toks = append(toks, token{start, end, gap})
	}
	return toks
}

// nextToken finds the first token of s at or after i (see tokenize): its
// bounds, and whether whitespace or the start of s comes before it. start
// is -1 when there is none.
func nextToken(s string, i int) (start, end int, gap bool) {
	gap = i == 0
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if c == ' ' || c == '\n' || ('\t' <= c && c <= '\r') {
				gap = true
				i++
				continue
			}
			if !asciiWord[c] {
				return i, i + 1, gap
			}
			return i, wordEnd(s, i+1), gap
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.IsSpace(r):
			gap = true
			i += size
		case isWordRune(r):
			return i, wordEnd(s, i+size), gap
		default:
			return i, i + size, gap
		}
	}
	return -1, len(s), gap
}

// wordEnd returns where the word that continues at s[j:] ends.
func wordEnd(s string, j int) int {
	for j < len(s) {
		c := s[j]
		if c < utf8.RuneSelf {
			if asciiWord[c] {
				j++
				continue
			}
			if (c == '-' || c == '\'') && j+1 < len(s) && startsWord(s[j+1:]) {
				j++ // the word goes on with the next character
				continue
			}
			return j
		}
		r, size := utf8.DecodeRuneInString(s[j:])
		if !isWordRune(r) {
			return j
		}
		j += size
	}
	return j
}

// startsWord reports whether s starts with a word character.
func startsWord(s string) bool {
	if s[0] < utf8.RuneSelf {
		return asciiWord[s[0]]
	}
	r, _ := utf8.DecodeRuneInString(s)
	return isWordRune(r)
}

// foldTo appends the fold of s (see fold) to buf.
func foldTo(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			for _, r := range s[i:] {
				buf = utf8.AppendRune(buf, foldRune(r))
			}
			return buf
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf = append(buf, c)
	}
	return buf
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
