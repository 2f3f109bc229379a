package desk

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Search is a parsed search box: the words and phrases every matching
// ticket contains (somewhere in its subject, body, messages in and out or
// internal notes), and the filters written into the search (from:, class:,
// status:, assignee:, a reference). ParseSearch makes one.
type Search struct {
	// Terms must all match; each is a word or a phrase.
	Terms []SearchTerm
	// Ref is a ticket reference named in the search ("SR-1042"), upper
	// case: only that ticket matches.
	Ref string
	// From is the requester: a whole address ("ann@example.org") or, when
	// it starts with "@", a mail domain ("@example.org"), lower case.
	From string
	// Class, Status and Assignee are the search's own filters ("" when not
	// given); they replace the same filters chosen beside the search box.
	// Status may be "all". Assignee is an email, "me" or "none".
	Class    string
	Status   string
	Assignee string
}

// SearchTerm is a word (one entry in Words) or a phrase: words that must
// appear next to each other, in order. Words are lower case and hold no
// ASCII character but letters, digits and inner underscores, so they need
// no quoting in either engine's query syntax; the engines stem them ("invoices" finds "invoice").
type SearchTerm struct {
	Words  []string
	Phrase bool
}

// Empty reports whether the search asks for nothing at all.
func (s Search) Empty() bool {
	return len(s.Terms) == 0 && s.Ref == "" && s.From == "" && s.Class == "" && s.Status == "" && s.Assignee == ""
}

// MaxSearchTerms bounds the words and phrases of one search: each is a
// lookup in the full-text indexes.
const MaxSearchTerms = 12

// SearchSyntax is what ParseSearch needs to know about the desk.
type SearchSyntax struct {
	// RefPrefix is the desk's reference prefix ("SR"): "SR-1042" is a
	// ticket reference, "covid-19" two words.
	RefPrefix string
	// Classes are the valid class names.
	Classes []string
}

// searchFilters are the filters, in the order error messages list them.
var searchFilters = []string{"from", "class", "status", "assignee"}

// filterToken is name:value, name made of letters.
var filterToken = regexp.MustCompile(`^([A-Za-z]+):(.*)$`)

// ParseSearch reads what a person typed into the search box:
//
//	invoices refund            tickets with both words (stemmed)
//	"pay the invoice"          the words next to each other
//	from:ann@example.org       the requester (from:@example.org: a domain)
//	class:billing status:all   a class; a status, or all
//	assignee:me                me, none or a staff email
//	SR-1042                    that ticket
//
// It fails with a message a person understands when a filter is unknown,
// a value is not valid or the search is too long. Very common words ("the",
// "and") are left out unless they are in a phrase.
func ParseSearch(text string, syn SearchSyntax) (Search, error) {
	var s Search
	if msg := searchTooLong(text); msg != "" {
		return s, FieldError("q", "%s", msg)
	}
	tokens, err := splitSearch(text)
	if err != nil {
		return s, err
	}
	refRe := refPattern(syn.RefPrefix)
	dropped := 0
	for _, tk := range tokens {
		if tk.quoted {
			words := searchWords(tk.text)
			if len(words) == 0 {
				continue
			}
			if allStopWords(words) {
				dropped++
				continue
			}
			s.Terms = append(s.Terms, SearchTerm{Words: words, Phrase: len(words) > 1})
			continue
		}
		if m := filterToken.FindStringSubmatch(tk.text); m != nil && searchFilterLike(m) {
			if err := s.setFilter(strings.ToLower(m[1]), m[2], syn); err != nil {
				return Search{}, err
			}
			continue
		}
		if refRe != nil && refRe.MatchString(tk.text) {
			ref := strings.ToUpper(tk.text)
			if s.Ref != "" && s.Ref != ref {
				return Search{}, FieldError("q", "a search can name one ticket reference; it names %s and %s", s.Ref, ref)
			}
			s.Ref = ref
			continue
		}
		words := searchWords(tk.text)
		switch {
		case len(words) == 0:
		case len(words) == 1 && stopWords[words[0]]:
			dropped++
		case len(words) == 1:
			s.Terms = append(s.Terms, SearchTerm{Words: words})
		default:
			// "e-mail", "v2.3", "ann@example.org": the parts, in order, as
			// both engines split them in the text.
			s.Terms = append(s.Terms, SearchTerm{Words: words, Phrase: true})
		}
	}
	s.Terms = dedupeTerms(s.Terms)
	if len(s.Terms) > MaxSearchTerms {
		return Search{}, FieldError("q", "a search may have at most %d words and phrases; this one has %d", MaxSearchTerms, len(s.Terms))
	}
	if s.Empty() && dropped == 0 && strings.TrimSpace(text) != "" {
		return Search{}, FieldError("q", "%q has no letters or digits to search for", strings.TrimSpace(text))
	}
	if s.Empty() && dropped > 0 {
		return Search{}, FieldError("q", "those words are too common to search for; add a less common word")
	}
	return s, nil
}

// setFilter records name:value.
func (s *Search) setFilter(name, value string, syn SearchSyntax) error {
	value = strings.TrimSpace(value)
	if value == "" {
		return FieldError("q", "%s: needs a value right after the colon, e.g. %s", name, filterExample(name))
	}
	twice := func(old string) error {
		if old != "" && !strings.EqualFold(old, value) {
			return FieldError("q", "the search has %s: twice (%s and %s); use it once", name, old, value)
		}
		return nil
	}
	switch name {
	case "from":
		v := strings.ToLower(value)
		switch {
		case strings.HasPrefix(v, "@") && validDomain(v[1:]):
		case strings.Count(v, "@") == 1 && !strings.HasPrefix(v, "@") && validDomain(v[strings.IndexByte(v, '@')+1:]):
		case !strings.Contains(v, "@") && validDomain(v):
			v = "@" + v
		default:
			return FieldError("q", "from:%s is not an email address or a mail domain; write from:ann@example.org or from:example.org", value)
		}
		if err := twice(s.From); err != nil {
			return err
		}
		s.From = v
	case "class":
		v := strings.ToLower(value)
		ok := false
		for _, c := range syn.Classes {
			ok = ok || c == v
		}
		if !ok {
			return FieldError("q", "there is no class %q; the classes are %s", value, strings.Join(syn.Classes, ", "))
		}
		if err := twice(s.Class); err != nil {
			return err
		}
		s.Class = v
	case "status":
		v := strings.ToLower(value)
		if !ValidStatus(v) && v != "all" {
			return FieldError("q", "there is no status %q; the statuses are %s, or all", value, strings.Join(Statuses(), ", "))
		}
		if err := twice(s.Status); err != nil {
			return err
		}
		s.Status = v
	case "assignee":
		v := strings.ToLower(value)
		if v != "me" && v != "none" && (strings.Count(v, "@") != 1 || strings.HasPrefix(v, "@") || !validDomain(v[strings.IndexByte(v, '@')+1:])) {
			return FieldError("q", "assignee:%s is not a staff email; write assignee:me, assignee:none or a staff member's email", value)
		}
		if err := twice(s.Assignee); err != nil {
			return err
		}
		s.Assignee = v
	default:
		return FieldError("q", "“%s:” is not a search filter; the filters are from:, class:, status: and assignee: (to search for the text itself, put it in quotes: \"%s:%s\")", name, name, value)
	}
	return nil
}

// searchFilterLike reports whether name:value (m from filterToken) is
// meant as a filter: a known filter's name, or any name with a value.
// "Re:" and "Fwd:" pasted from a subject, and links (https://…), are words.
func searchFilterLike(m []string) bool {
	name, value := strings.ToLower(m[1]), m[2]
	if isSearchFilter(name) {
		return true
	}
	return value != "" && !strings.HasPrefix(value, "/")
}

func isSearchFilter(name string) bool {
	for _, f := range searchFilters {
		if f == name {
			return true
		}
	}
	return false
}

func filterExample(name string) string {
	switch name {
	case "from":
		return "from:ann@example.org"
	case "class":
		return "class:billing"
	case "status":
		return "status:waiting"
	}
	return "assignee:me"
}

// validDomain is a plausible mail domain: labels of letters, digits and
// hyphens, at least one dot.
var domainRe = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$`)

func validDomain(d string) bool { return domainRe.MatchString(d) }

// refPattern matches the desk's references ("SR-1042"), ignoring case.
func refPattern(prefix string) *regexp.Regexp {
	if prefix == "" {
		return nil
	}
	return regexp.MustCompile(`^(?i)` + regexp.QuoteMeta(prefix) + `-[0-9]+$`)
}

type searchToken struct {
	text   string
	quoted bool
}

// splitSearch splits on spaces outside double quotes; a quoted stretch is
// one token. Curly quotes count as quotes.
func splitSearch(text string) ([]searchToken, error) {
	text = strings.NewReplacer("\u201c", `"`, "\u201d", `"`, "\u201e", `"`).Replace(text)
	var (
		out []searchToken
		cur strings.Builder
	)
	inQuote := false
	flush := func(quoted bool) {
		if cur.Len() > 0 || quoted {
			out = append(out, searchToken{text: cur.String(), quoted: quoted})
		}
		cur.Reset()
	}
	for _, r := range text {
		switch {
		case r == '"':
			if inQuote {
				flush(true)
			} else {
				flush(false)
			}
			inQuote = !inQuote
		case unicode.IsSpace(r) && !inQuote:
			flush(false)
		default:
			cur.WriteRune(r)
		}
	}
	if inQuote {
		return nil, FieldError("q", "a quotation mark is not closed; put a \" at the end of the phrase")
	}
	flush(false)
	return out, nil
}

// searchWords splits text into lower-case words as both full-text indexes
// split the stored text: every ASCII character but letters, digits and "_"
// separates words (SQLite's tokenizer keeps every other character inside a
// word, "can’t" with a curly apostrophe is one word there; PostgreSQL then
// splits such a word of the query as it split the text). Underscores at
// the ends are dropped, and so are "words" without a letter or digit ("—").
func searchWords(text string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return r < utf8.RuneSelf && !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '_')
	}) {
		if w = strings.Trim(w, "_"); strings.IndexFunc(w, isLetterOrDigit) >= 0 {
			out = append(out, w)
		}
	}
	return out
}

func isLetterOrDigit(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func allStopWords(words []string) bool {
	for _, w := range words {
		if !stopWords[w] {
			return false
		}
	}
	return true
}

func dedupeTerms(ts []SearchTerm) []SearchTerm {
	seen := map[string]bool{}
	out := ts[:0]
	for _, t := range ts {
		k := fmt.Sprint(t.Phrase, t.Words)
		if !seen[k] {
			seen[k] = true
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// stopWords are snowball's English stop words (PostgreSQL's english.stop).
// Nearly every ticket has them, so as free words they would only make a
// search slow and find everything: ParseSearch leaves them out (inside a
// phrase they stay, and both engines' indexes keep them for that).
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`i me my myself we our ours ourselves you your yours yourself yourselves
	he him his himself she her hers herself it its itself they them their theirs themselves what which
	who whom this that these those am is are was were be been being have has had having do does did doing
	a an the and but if or because as until while of at by for with about against between into through
	during before after above below to from up down in out on off over under again further then once here
	there when where why how all any both each few more most other some such no nor not only own same so
	than too very s t can will just don should now`) {
		m[w] = true
	}
	return m
}()

// SearchCursor is a position in search order (relevance, then the newest
// ticket first: the highest id), for keyset pagination of search results.
type SearchCursor struct {
	Rank int
	ID   uint64
}

// searchCursorTag starts every encoded SearchCursor, so a queue cursor
// given to a search (or the other way round) is refused, not misread.
const searchCursorTag = "s."

// Encode makes the cursor an opaque URL-safe string.
func (c SearchCursor) Encode() string {
	raw := searchCursorTag + strconv.Itoa(c.Rank) + "." + strconv.FormatUint(c.ID, 10)
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// DecodeSearchCursor reads a cursor made by SearchCursor.Encode.
func DecodeSearchCursor(s string) (SearchCursor, error) {
	bad := FieldError("cursor", "cursor %q is not one this server made for this search (use next_cursor from the previous page)", s)
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(raw), searchCursorTag) {
		return SearchCursor{}, bad
	}
	parts := strings.Split(strings.TrimPrefix(string(raw), searchCursorTag), ".")
	if len(parts) != 2 {
		return SearchCursor{}, bad
	}
	rank, err1 := strconv.Atoi(parts[0])
	id, err2 := strconv.ParseUint(parts[1], 10, 64)
	if err1 != nil || err2 != nil || rank < 0 {
		return SearchCursor{}, bad
	}
	return SearchCursor{Rank: rank, ID: id}, nil
}
