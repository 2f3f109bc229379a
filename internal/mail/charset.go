package mail

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// charsetAliases are labels seen in real mail that the WHATWG and IANA
// tables do not know, or know wrongly for mail.
var charsetAliases = map[string]string{
	"latin-1":      "windows-1252",
	"iso-latin-1":  "windows-1252",
	"cp-1252":      "windows-1252",
	"win-1252":     "windows-1252",
	"ansi":         "windows-1252",
	"cp-1251":      "windows-1251",
	"win-1251":     "windows-1251",
	"cp-1250":      "windows-1250",
	"x-sjis":       "shift_jis",
	"sjis":         "shift_jis",
	"cp932":        "shift_jis",
	"x-euc-jp":     "euc-jp",
	"x-gbk":        "gbk",
	"cp936":        "gbk",
	"cp949":        "euc-kr",
	"ks_c_5601":    "euc-kr",
	"x-mac-roman":  "macintosh",
	"mac":          "macintosh",
	"koi8r":        "koi8-r",
	"koi8u":        "koi8-u",
	"utf8mb4":      "utf-8",
	"utf-8mb4":     "utf-8",
	"unicode-utf8": "utf-8",
}

// unknownCharsets are labels that say "I don't know": treat as undeclared.
var unknownCharsets = map[string]bool{
	"": true, "unknown": true, "unknown-8bit": true, "x-unknown": true, "default": true,
	"8bit": true, "x-user-defined": true, "none": true, "charset": true,
}

// normalizeCharsetLabel cleans a charset parameter as found in the wild:
// quotes, spaces, "charset=utf-8" doubled up, trailing junk.
func normalizeCharsetLabel(label string) string {
	l := strings.ToLower(strings.TrimSpace(label))
	l = strings.Trim(l, "\"' \t;")
	if i := strings.LastIndexByte(l, '='); i >= 0 {
		l = strings.Trim(l[i+1:], "\"' \t")
	}
	if i := strings.IndexAny(l, " \t;,\"'"); i >= 0 {
		l = l[:i]
	}
	if a, ok := charsetAliases[l]; ok {
		l = a
	}
	return l
}

// lookupCharset finds the decoder for a normalized label. It returns nil
// for labels it cannot decode (unknown, or the WHATWG "replacement" set,
// which would turn the whole text into one U+FFFD).
func lookupCharset(label string) (encoding.Encoding, string) {
	if unknownCharsets[label] {
		return nil, ""
	}
	if e, name := charset.Lookup(label); e != nil {
		if name == "replacement" {
			return nil, "" // WHATWG would turn the whole text into one U+FFFD
		}
		return e, name
	}
	for _, idx := range []*ianaindex.Index{ianaindex.MIME, ianaindex.IANA} {
		if e, err := idx.Encoding(label); err == nil && e != nil && e != encoding.Replacement {
			name, err := idx.Name(e)
			if err != nil {
				name = label
			}
			return e, strings.ToLower(name)
		}
	}
	return nil, ""
}

// isUTF8Label reports labels that mean "UTF-8" (or nothing stronger than
// ASCII, which UTF-8 is a superset of).
func isUTF8Label(name string) bool {
	return name == "utf-8"
}

// isASCIILabel reports a us-ascii declaration (WHATWG maps it to
// windows-1252, but the sender promised 7-bit text).
func isASCIILabel(label string) bool {
	switch label {
	case "us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us", "us", "iso-ir-6", "cp367", "ibm367", "csascii":
		return true
	}
	return false
}

// isSingleByte reports whether the charset with this canonical name is an
// 8-bit single-byte one, where a text that is valid UTF-8 with multi-byte
// sequences is near-certainly mislabelled UTF-8.
func isSingleByte(name string) bool {
	for _, p := range []string{"windows-125", "iso-8859-", "iso8859", "koi8", "ibm", "macintosh", "x-mac-", "cp", "latin"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

var (
	iso2022JPEscapes = [][]byte{[]byte("\x1b$B"), []byte("\x1b$@"), []byte("\x1b(J"), []byte("\x1b$(D")}
	htmlMetaCharset  = regexp.MustCompile(`(?i)<meta[^>]{0,300}?charset\s*=\s*["']?\s*([a-z0-9_:.+\-]{1,40})`)
	encodedWordLatin = regexp.MustCompile(`(?i)=\?(iso-8859-1|iso8859-1|latin1|us-ascii)(\*[a-z-]+)?\?`)
)

func hasISO2022JPEscapes(b []byte) bool {
	for _, e := range iso2022JPEscapes {
		if bytes.Contains(b, e) {
			return true
		}
	}
	return false
}

// hasHighBit reports bytes >= 0x80.
func hasHighBit(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// decodeText decodes a text body (already transfer-decoded) declared with
// label to UTF-8. It returns a note for Problems when it had to guess.
// The result is always valid UTF-8 without NUL bytes.
func decodeText(b []byte, label string, isHTML bool) (string, string) {
	s, note := decodeTextRaw(b, label, isHTML)
	return cleanText(s), note
}

func decodeTextRaw(b []byte, rawLabel string, isHTML bool) (string, string) {
	// A byte-order mark beats any label.
	switch {
	case bytes.HasPrefix(b, []byte("\xef\xbb\xbf")):
		return fixUTF8(b[3:]), ""
	case bytes.HasPrefix(b, []byte("\xff\xfe")), bytes.HasPrefix(b, []byte("\xfe\xff")):
		if s, err := decodeWith(unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), b); err == nil {
			return s, ""
		}
	}
	label := normalizeCharsetLabel(rawLabel)
	if unknownCharsets[label] && isHTML {
		head := b
		if len(head) > 4096 {
			head = head[:4096]
		}
		if m := htmlMetaCharset.FindSubmatch(head); m != nil {
			label = normalizeCharsetLabel(string(m[1]))
		}
	}
	declared := label
	if declared == "" {
		declared = "none"
	}
	if isASCIILabel(label) || unknownCharsets[label] {
		return guessCharset(b, fmt.Sprintf("declared %s", declared))
	}
	enc, name := lookupCharset(label)
	if enc == nil {
		return guessCharset(b, fmt.Sprintf("unknown charset %q", truncateRunes(rawLabel, 40)))
	}
	if isUTF8Label(name) {
		if utf8.Valid(b) {
			return string(b), ""
		}
		return fixUTF8(b), "charset guessed: invalid UTF-8 (declared utf-8), bad bytes decoded as windows-1252"
	}
	if isSingleByte(name) && hasHighBit(b) && utf8.Valid(b) {
		return string(b), fmt.Sprintf("charset guessed: utf-8 (declared %s)", label)
	}
	s, err := decodeWith(enc, b)
	if err != nil {
		return guessCharset(b, fmt.Sprintf("cannot decode as %s", name))
	}
	return s, ""
}

// guessCharset decodes text whose label is missing or useless: UTF-8 when
// valid, ISO-2022-JP when its escapes are there, else windows-1252.
func guessCharset(b []byte, why string) (string, string) {
	if !hasHighBit(b) {
		if hasISO2022JPEscapes(b) {
			if s, err := decodeWith(japanese.ISO2022JP, b); err == nil {
				return s, "charset guessed: iso-2022-jp (" + why + ")"
			}
		}
		return string(b), ""
	}
	if utf8.Valid(b) {
		if strings.HasPrefix(why, "declared none") {
			return string(b), ""
		}
		return string(b), "charset guessed: utf-8 (" + why + ")"
	}
	return fixUTF8(b), "charset guessed: windows-1252 (" + why + ")"
}

func decodeWith(e encoding.Encoding, b []byte) (string, error) {
	out, _, err := transform.Bytes(e.NewDecoder(), b)
	if err != nil {
		return "", err
	}
	return string(out), nil
}

// cp1252 decodes single bytes of windows-1252; undefined ones map to the
// Latin-1 code point, as browsers do.
var cp1252 = charmap.Windows1252

// fixUTF8 keeps valid UTF-8 sequences and decodes every invalid byte as
// windows-1252, so a mostly-UTF-8 text with a stray Latin-1 byte, or a
// whole Latin-1 text, both come out readable.
func fixUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/8)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			sb.WriteRune(cp1252.DecodeByte(b[0]))
			b = b[1:]
			continue
		}
		sb.Write(b[:size])
		b = b[size:]
	}
	return sb.String()
}

// fixUTF8String is fixUTF8 for strings; it reports whether it changed s.
func fixUTF8String(s string) (string, bool) {
	if utf8.ValidString(s) {
		return s, false
	}
	return fixUTF8([]byte(s)), true
}

// cleanText makes s valid UTF-8 with "\n" line ends and no NUL bytes.
func cleanText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	return s
}

// charsetReader serves mime.WordDecoder for encoded-words in headers.
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	l := normalizeCharsetLabel(label)
	if isASCIILabel(l) {
		l = "windows-1252"
	}
	enc, _ := lookupCharset(l)
	if enc == nil {
		return nil, fmt.Errorf("mail: unsupported charset %q", label)
	}
	return transform.NewReader(input, enc.NewDecoder()), nil
}
