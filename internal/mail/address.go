package mail

import (
	"fmt"
	"mime"
	netmail "net/mail"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Address is a parsed mailbox.
type Address struct {
	// Name is the display name, decoded to UTF-8 and on one line; it may be
	// empty.
	Name string
	// Email is the addr-spec, lowercased.
	Email string
}

// String renders the address for a header: `Name <email>` with the name
// quoted or RFC 2047-encoded as needed, or the bare email when there is no
// name.
func (a Address) String() string {
	email := strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		return r
	}, a.Email)
	name := cleanDisplayName(a.Name)
	if name == "" {
		return email
	}
	return (&netmail.Address{Name: name, Address: email}).String()
}

// Display renders the address for people, on the timeline and in lists:
// "Name <email>" with the name as decoded (never RFC 2047-encoded, unlike
// String, which is for headers), or the bare email when there is no name.
func (a Address) Display() string {
	name := cleanDisplayName(a.Name)
	if name == "" {
		return a.Email
	}
	return name + " <" + a.Email + ">"
}

// IsBidiControl reports the explicit bidirectional formatting characters:
// the embeddings and overrides U+202A–U+202E and the isolates
// U+2066–U+2069. They reorder the text around them, so "invoice\u202Efdp.exe"
// reads "invoiceexe.pdf" (CVE-2021-42574, "Trojan Source"); subjects and
// names drop them. The marks U+200E, U+200F and U+061C are kept: they only
// set the direction of neutral characters and are what right-to-left text
// legitimately uses.
func IsBidiControl(r rune) bool {
	return r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069'
}

// StripBidi removes the bidi control characters of IsBidiControl from s.
func StripBidi(s string) string {
	if !strings.ContainsFunc(s, IsBidiControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if IsBidiControl(r) {
			return -1
		}
		return r
	}, s)
}

const (
	maxNameRunes   = 200
	maxEmailBytes  = 254
	maxAddressList = 1000
)

// wordDecoder decodes RFC 2047 encoded-words in any charset we know.
var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

// decodeHeaderText decodes an unstructured header value (Subject, display
// names): raw 8-bit bytes (UTF-8, else windows-1252) and RFC 2047
// encoded-words in any charset. It reports whether it had to guess.
func decodeHeaderText(v string) (string, bool) {
	v, guessed := fixUTF8String(v)
	if strings.Contains(v, "=?") {
		// ISO-8859-1 is decoded by the standard library as Latin-1 proper,
		// turning windows-1252 "smart quotes" into C1 controls; mail
		// clients mean windows-1252.
		w := encodedWordLatin.ReplaceAllString(v, "=?windows-1252?")
		if d, err := wordDecoder.DecodeHeader(w); err == nil {
			v = d
		}
		var g bool
		if v, g = fixUTF8String(v); g {
			guessed = true
		}
	}
	return v, guessed
}

// oneLine collapses all whitespace (folded CR/LF included) to single
// spaces, drops control, NUL and bidi control characters, and trims.
func oneLine(s string) string {
	var sb strings.Builder
	sb.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0, IsBidiControl(r):
			continue
		case r == utf8.RuneError:
			// keep replacement characters: they mark undecodable bytes
		}
		if space && sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		space = false
		sb.WriteRune(r)
	}
	return sb.String()
}

// truncateRunes shortens s to at most n runes, ending in "…" when cut.
func truncateRunes(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, c := 0, 0
	for i = range s {
		if c == n-1 {
			break
		}
		c++
	}
	return s[:i] + "…"
}

// cleanDisplayName makes a display name safe and tidy: one line, no quotes
// around it, bounded.
func cleanDisplayName(s string) string {
	s = oneLine(s)
	for len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	return truncateRunes(s, maxNameRunes)
}

// validEmail reports whether s looks like a deliverable addr-spec:
// local@domain, no whitespace or control characters, sane lengths.
func validEmail(s string) bool {
	if len(s) < 3 || len(s) > maxEmailBytes || !utf8.ValidString(s) {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return false
	}
	local, domain := s[:at], s[at+1:]
	if len(local) > 128 {
		return false
	}
	quoted := len(local) >= 2 && local[0] == '"' && local[len(local)-1] == '"'
	for _, r := range local {
		if r <= ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) || unicode.Is(unicode.Cf, r) {
			return false
		}
		if !quoted && strings.ContainsRune(`<>()[]\,;:@"`, r) {
			return false
		}
	}
	if !quoted && (strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..")) {
		return false
	}
	if strings.HasPrefix(domain, "[") && strings.HasSuffix(domain, "]") {
		lit := domain[1 : len(domain)-1]
		return lit != "" && strings.Trim(lit, "0123456789abcdefABCDEF.:IPv") == ""
	}
	if strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return false
	}
	for _, label := range strings.Split(domain, ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return false
		}
		for _, r := range label {
			if !(r == '-' || r == '_' || r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') ||
				r >= 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r))) {
				return false
			}
		}
	}
	return true
}

// CheckRoutable is the one rule for an address slatrack may answer: its
// domain must be a name the public DNS could route mail to. It returns why
// not, in words a person understands, for:
//   - IP-address literals ("postmaster@[10.0.0.5]", "a@[IPv6:::1]"): no MX
//     to look up, and answering them would send the desk's mail to hosts by
//     address, internal ones included;
//   - single-label domains ("root@localhost", "ann@intranet"), meaningful
//     only inside one network;
//   - a numeric last label ("a@10.0.0.5"): no top-level domain is numeric
//     (RFC 3696 section 2), so this is an IP address without brackets;
//   - the special-use names that never receive mail: .invalid and
//     .localhost (RFC 6761), .onion (RFC 7686), .alt (RFC 9476).
//
// .test and .example (RFC 2606) pass: RFC 6761 asks applications not to
// treat them specially, and tests and documentation use them. .local,
// .internal and .home.arpa pass: organisations run internal mail on them.
// It does not check syntax (see validEmail).
func CheckRoutable(email string) error {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return fmt.Errorf("%s has no domain", email)
	}
	domain := strings.ToLower(strings.TrimSuffix(email[at+1:], "."))
	if strings.HasPrefix(domain, "[") {
		return fmt.Errorf("%s has an IP address instead of a domain name", email)
	}
	dot := strings.LastIndexByte(domain, '.')
	if dot < 0 {
		return fmt.Errorf("%s has a one-word domain, reachable only inside one network", email)
	}
	tld := domain[dot+1:]
	if strings.Trim(tld, "0123456789") == "" {
		return fmt.Errorf("%s has an IP address instead of a domain name", email)
	}
	if neverMailTLDs[tld] {
		return fmt.Errorf("%s is in .%s, a domain reserved never to receive mail", email, tld)
	}
	return nil
}

// neverMailTLDs are the special-use top-level domains of CheckRoutable.
var neverMailTLDs = map[string]bool{"invalid": true, "localhost": true, "onion": true, "alt": true}

// addrSpecRE finds something address-shaped in a header the strict parser
// gave up on.
var addrSpecRE = regexp.MustCompile(`[^\s<>()\[\]"',;:@]+@[^\s<>()\[\]"',;:@]+`)

// parseAddressList parses an address header value leniently: the standard
// parser first, then entry by entry, then anything address-shaped. Only
// valid addresses are returned; guessed reports 8-bit bytes that had to be
// guessed.
func parseAddressList(v string) (out []Address, guessed bool) {
	v, guessed = fixUTF8String(v)
	v = strings.Map(func(r rune) rune {
		if r == 0 || r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, v)
	if strings.TrimSpace(v) == "" {
		return nil, guessed
	}
	p := netmail.AddressParser{WordDecoder: wordDecoder}
	if list, err := p.ParseList(v); err == nil {
		for _, a := range list {
			out = appendAddress(out, a.Name, a.Address)
		}
		return out, guessed
	}
	for _, part := range splitAddressList(v) {
		if a, err := p.Parse(part); err == nil {
			out = appendAddress(out, a.Name, a.Address)
			continue
		}
		prev := 0
		for _, m := range addrSpecRE.FindAllStringIndex(part, maxAddressList) {
			name := strings.TrimSpace(part[prev:m[0]])
			name = strings.Trim(name, "<>(), \t")
			out = appendAddress(out, name, part[m[0]:m[1]])
			prev = m[1]
		}
	}
	return out, guessed
}

func appendAddress(out []Address, name, email string) []Address {
	email = strings.ToLower(strings.TrimSpace(email))
	email = strings.Trim(email, "<>")
	if !validEmail(email) || len(out) >= maxAddressList {
		return out
	}
	if strings.Contains(name, "=?") {
		name, _ = decodeHeaderText(name)
	}
	name = cleanDisplayName(name)
	if strings.EqualFold(name, email) {
		name = ""
	}
	for _, a := range out {
		if a.Email == email {
			return out
		}
	}
	return append(out, Address{Name: name, Email: email})
}

// splitAddressList splits on commas outside quotes, angle brackets and
// comments.
func splitAddressList(v string) []string {
	var parts []string
	depthAngle, depthParen, quoted, start := 0, 0, false, 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '<':
			depthAngle++
		case c == '>' && depthAngle > 0:
			depthAngle--
		case c == '(':
			depthParen++
		case c == ')' && depthParen > 0:
			depthParen--
		case (c == ',' || c == ';') && depthAngle == 0 && depthParen == 0:
			parts = append(parts, v[start:i])
			start = i + 1
		}
	}
	parts = append(parts, v[start:])
	return parts
}

// localPart returns the lowercased local part of an email.
func localPart(email string) string {
	if at := strings.LastIndexByte(email, '@'); at >= 0 {
		return strings.ToLower(email[:at])
	}
	return strings.ToLower(email)
}
