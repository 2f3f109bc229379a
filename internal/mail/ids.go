package mail

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	maxIDLen  = 250
	maxRefIDs = 200
)

// validMessageID reports whether id (without brackets) is plausible: an
// '@' inside, no whitespace or control characters, not absurdly long.
func validMessageID(id string) bool {
	if len(id) < 3 || len(id) > maxIDLen || !utf8.ValidString(id) {
		return false
	}
	at := strings.LastIndexByte(id, '@')
	if at <= 0 || at == len(id)-1 {
		return false
	}
	for _, r := range id {
		if r <= ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '<' || r == '>' || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
			return false
		}
	}
	return true
}

// parseIDList extracts message ids from a Message-ID, In-Reply-To or
// References value: `<a@b>` forms and bare ids separated by whitespace or
// commas, skipping (comments) and words without '@'. Invalid ids are
// dropped, duplicates removed.
func parseIDList(v string) []string {
	v, _ = fixUTF8String(v)
	var out []string
	seen := map[string]bool{}
	add := func(id string) {
		id = strings.Trim(strings.TrimSpace(id), "<>\"'")
		if validMessageID(id) && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for i := 0; i < len(v); {
		switch c := v[i]; {
		case c == '<':
			j := strings.IndexByte(v[i+1:], '>')
			if j < 0 {
				add(v[i+1:])
				i = len(v)
				continue
			}
			add(v[i+1 : i+1+j])
			i += j + 2
		case c == '(':
			depth := 0
			for ; i < len(v); i++ {
				if v[i] == '(' {
					depth++
				} else if v[i] == ')' {
					depth--
					if depth == 0 {
						i++
						break
					}
				}
			}
		case c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		default:
			j := i
			for j < len(v) && !strings.ContainsRune("<(, \t\r\n", rune(v[j])) {
				j++
			}
			if tok := v[i:j]; strings.ContainsRune(tok, '@') {
				add(tok)
			}
			i = j
		}
	}
	if len(out) > maxRefIDs {
		// Keep the thread root and the most recent ids.
		out = append(out[:1:1], out[len(out)-maxRefIDs+1:]...)
	}
	return out
}

// SubjectRefs finds ticket reference tags like "[SR-1042]" in subject for
// the given prefix ("SR"), case-insensitively, and returns them upper-cased
// ("SR-1042") in order of appearance, without duplicates.
func SubjectRefs(subject, prefix string) []string {
	prefix = strings.TrimSpace(prefix)
	if prefix == "" || subject == "" {
		return nil
	}
	re := refPattern(prefix)
	var out []string
	seen := map[string]bool{}
	for _, m := range re.FindAllStringSubmatch(subject, -1) {
		ref := strings.ToUpper(prefix) + "-" + m[1]
		if !seen[ref] {
			seen[ref] = true
			out = append(out, ref)
		}
	}
	return out
}

func refPattern(prefix string) *regexp.Regexp {
	// Patterns are tiny; compiling per call keeps this free of shared state.
	return regexp.MustCompile(`(?i)\[\s*` + regexp.QuoteMeta(prefix) + `\s*-\s*([0-9]{1,18})\s*\]`)
}

// IDSigner makes and checks slatrack's own Message-IDs, signed with
// HMAC-SHA256 so a sender cannot forge a reference to a ticket.
//
// An id looks like "sr-1042.k3j4h5ab.4f2a9c0d1e2b3c4d5e6f7a8b@slatrack.example.gov":
// the ticket reference (lowercased; characters outside [A-Za-z0-9_-] are
// escaped as =XX), a random part, and 96 bits of HMAC over both.
type IDSigner struct {
	// Secret keys the HMAC. With an empty secret New still makes ids but
	// Verify and Ours accept none.
	Secret []byte
	// Domain is the right-hand side of our ids, e.g. "slatrack.example.gov".
	Domain string
}

const (
	idRandLen = 8  // base32 characters: 40 bits
	idMACLen  = 24 // hex characters: 96 bits
)

const base32Lower = "abcdefghijklmnopqrstuvwxyz234567"

// New returns a fresh id (without <>) for a message about ticket ref, e.g.
// "sr-1042.k3j4h5ab.4f2a9c0d1e2b3c4d5e6f7a8b@slatrack.example.gov".
func (s IDSigner) New(ref string) string {
	var buf [idRandLen]byte
	_, _ = rand.Read(buf[:]) // crypto/rand never fails (it aborts the program instead)
	for i := range buf {
		buf[i] = base32Lower[buf[i]&31]
	}
	rnd := string(buf[:])
	domain := strings.ToLower(strings.Trim(strings.TrimSpace(s.Domain), "@<>"))
	if domain == "" || !validEmail("x@"+domain) {
		domain = "slatrack.invalid"
	}
	return escapeRef(ref) + "." + rnd + "." + s.mac(ref, rnd) + "@" + domain
}

// Verify returns the ticket ref (upper-cased) if id is one of ours, for our
// Domain, with a valid signature. Surrounding <> and spaces are ignored, the
// domain's case does not matter, and the ref part may be in any case; the
// random part and the signature are case-sensitive.
func (s IDSigner) Verify(id string) (ref string, ok bool) {
	ref, domain, ok := s.check(id)
	if !ok {
		return "", false
	}
	want := strings.ToLower(strings.TrimSpace(s.Domain))
	if want != "" && !strings.EqualFold(domain, want) {
		return "", false
	}
	return ref, true
}

// Ours reports whether id carries our signature at all, whatever its
// domain (used to detect our own mail looping back).
func (s IDSigner) Ours(id string) bool {
	_, _, ok := s.check(id)
	return ok
}

func (s IDSigner) check(id string) (ref, domain string, ok bool) {
	if len(s.Secret) == 0 {
		return "", "", false
	}
	id = strings.Trim(strings.TrimSpace(id), "<>")
	if len(id) > maxIDLen {
		return "", "", false
	}
	at := strings.LastIndexByte(id, '@')
	if at < 0 {
		return "", "", false
	}
	local, domain := id[:at], id[at+1:]
	i := strings.LastIndexByte(local, '.')
	if i < 0 {
		return "", "", false
	}
	mac := local[i+1:]
	local = local[:i]
	j := strings.LastIndexByte(local, '.')
	if j < 0 {
		return "", "", false
	}
	rnd, escRef := local[j+1:], local[:j]
	if len(mac) != idMACLen || len(rnd) != idRandLen || escRef == "" {
		return "", "", false
	}
	for k := 0; k < len(rnd); k++ {
		if strings.IndexByte(base32Lower, rnd[k]) < 0 {
			return "", "", false
		}
	}
	ref, ok = unescapeRef(escRef)
	if !ok {
		return "", "", false
	}
	if !hmac.Equal([]byte(mac), []byte(s.mac(ref, rnd))) {
		return "", "", false
	}
	return strings.ToUpper(ref), domain, true
}

// mac is the truncated HMAC over the canonical (upper-cased) ref and the
// random part.
func (s IDSigner) mac(ref, rnd string) string {
	h := hmac.New(sha256.New, s.Secret)
	h.Write([]byte("slatrack-msgid-v1\x00"))
	h.Write([]byte(strings.ToUpper(ref)))
	h.Write([]byte{0})
	h.Write([]byte(rnd))
	return hex.EncodeToString(h.Sum(nil))[:idMACLen]
}

// escapeRef lowercases ref for the id and escapes anything that is not a
// letter, digit, '-' or '_' as =XX, so any ref round-trips. The empty ref
// becomes "=".
func escapeRef(ref string) string {
	if ref == "" {
		return "="
	}
	const hexd = "0123456789ABCDEF"
	var sb strings.Builder
	for i := 0; i < len(ref); i++ {
		c := ref[i]
		switch {
		case c >= 'A' && c <= 'Z':
			sb.WriteByte(c + 'a' - 'A')
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
			sb.WriteByte(c)
		default:
			sb.WriteByte('=')
			sb.WriteByte(hexd[c>>4])
			sb.WriteByte(hexd[c&15])
		}
	}
	return sb.String()
}

func unescapeRef(s string) (string, bool) {
	if s == "=" {
		return "", true
	}
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
			sb.WriteByte(c)
		case c == '=' && i+2 < len(s):
			b, err := hex.DecodeString(s[i+1 : i+3])
			if err != nil {
				return "", false
			}
			sb.WriteByte(b[0])
			i += 2
		default:
			return "", false
		}
	}
	return sb.String(), true
}
