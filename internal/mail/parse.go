package mail

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	netmail "net/mail"
	"net/textproto"
	"regexp"
	"strings"
	"time"

	"github.com/jhillyerd/enmime/v2"
	"github.com/jhillyerd/enmime/v2/mediatype"
)

// Limits bound what Parse accepts. Zero (or negative) fields mean the
// default.
type Limits struct {
	// MaxMessageBytes bounds the whole raw message; default 25 MiB.
	MaxMessageBytes int
	// MaxAttachmentBytes bounds each decoded attachment; larger ones are
	// dropped and listed in Problems. Default 10 MiB.
	MaxAttachmentBytes int
	// MaxAttachments bounds the number of attachments kept; default 50.
	MaxAttachments int
	// MaxHeaderBytes bounds the top-level header section; default 256 KiB.
	MaxHeaderBytes int
}

// DefaultLimits returns the limits Parse uses for zero fields.
func DefaultLimits() Limits {
	return Limits{
		MaxMessageBytes:    25 << 20,
		MaxAttachmentBytes: 10 << 20,
		MaxAttachments:     50,
		MaxHeaderBytes:     256 << 10,
	}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxMessageBytes <= 0 {
		l.MaxMessageBytes = d.MaxMessageBytes
	}
	if l.MaxAttachmentBytes <= 0 {
		l.MaxAttachmentBytes = d.MaxAttachmentBytes
	}
	if l.MaxAttachments <= 0 {
		l.MaxAttachments = d.MaxAttachments
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = d.MaxHeaderBytes
	}
	return l
}

// Attachment is a file carried by a message (inline images included).
type Attachment struct {
	// Filename is cleaned: no path separators, no control or bidi
	// characters, no leading dots, at most 200 runes, never empty
	// ("attachment" plus an extension guessed from the type).
	Filename string
	// ContentType is the media type without parameters, lowercased.
	ContentType string
	// Data is the decoded content.
	Data []byte
}

// Message is an inbound message, parsed and judged.
type Message struct {
	// MessageID is the Message-ID without angle brackets; "" when absent,
	// empty or garbage.
	MessageID string
	// InReplyTo holds the ids (without <>) of In-Reply-To.
	InReplyTo []string
	// References holds the ids (without <>) of References.
	References []string
	// From is the author: the From header, falling back to Sender, then
	// Return-Path. It is empty only for bounces.
	From Address
	// ReturnPath is the Return-Path address, lowercased; "" for the null
	// path "<>" or when absent.
	ReturnPath string
	// NullReturnPath reports a "Return-Path: <>".
	NullReturnPath bool
	// To and Cc are the valid addresses of those headers.
	To, Cc []Address
	// Subject is decoded to UTF-8, on one line, trimmed, at most 300 runes.
	Subject string
	// Date is the sender's Date header (informational only; never used for
	// SLA). Zero when missing or unparseable.
	Date time.Time
	// Text is the plain-text body in UTF-8 with "\n" line ends; when the
	// mail has only HTML, a readable text rendering of it.
	Text string
	// HTML is the HTML body sanitised with bluemonday (no scripts, styles,
	// event handlers, javascript: URLs or remote images); "" when none.
	HTML string
	// Attachments are the files, inline images included, within Limits.
	Attachments []Attachment
	// Kind says whether the mail is from a person, automatic, bulk or a
	// bounce.
	Kind Kind
	// KindReason says what decided Kind, e.g. "Auto-Submitted: auto-replied".
	KindReason string
	// BouncedIDs are, for bounces, the Message-IDs of the original message
	// (from the report's message/rfc822 or text/rfc822-headers part, or a
	// plain-text bounce's quoted headers) and the ids of the bounce's own
	// In-Reply-To and References.
	BouncedIDs []string
	// Problems are non-fatal issues met while parsing.
	Problems []string
	// Headers are all top-level headers by canonical key (raw values, made
	// valid UTF-8 without NUL bytes).
	Headers map[string][]string
	// AuthResults are the Authentication-Results fields, topmost first,
	// whoever added them; Authentication judges them for the hosts the desk
	// trusts.
	AuthResults []AuthResult
	// Hash is the hex SHA-256 of the raw bytes, for de-duplicating mail
	// without a Message-ID.
	Hash string
}

// RejectError means the message must be quarantined, with a reason for the
// admin.
type RejectError struct {
	// Reason explains the rejection to an administrator.
	Reason string
}

// Error implements error.
func (e *RejectError) Error() string {
	return "mail: rejected: " + e.Reason
}

func reject(format string, args ...any) error {
	return &RejectError{Reason: strings.ToValidUTF8(fmt.Sprintf(format, args...), "?")}
}

const (
	maxSubjectRunes = 300
	maxProblems     = 50
	maxMultiparts   = 100     // multipart containers followed; deeper ones become opaque parts
	maxMIMEParts    = 2000    // delimiter lines; more is an attack, not a support request
	maxHTMLBytes    = 1 << 20 // HTML sanitised for display
	textTypePrefix  = "x-slatrack-"
	invalidType     = "x-slatrack-invalid"
)

// Parse parses raw RFC 5322 bytes. It returns a *RejectError when the mail
// is unusable: larger than MaxMessageBytes, a header section larger than
// MaxHeaderBytes, not a message at all (no header section, binary garbage),
// or no usable sender (no valid From, Sender or Return-Path address, or one
// CheckRoutable refuses) unless it is a bounce. It never panics and never returns (nil, nil).
func Parse(raw []byte, lim Limits) (m *Message, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, reject("internal error while parsing: %v", r)
		}
	}()
	lim = lim.withDefaults()
	switch {
	case len(raw) == 0:
		return nil, reject("empty message")
	case len(raw) > lim.MaxMessageBytes:
		return nil, reject("oversize: %d bytes, limit %d", len(raw), lim.MaxMessageBytes)
	}
	p := &parser{raw: raw, lim: lim, m: &Message{}}
	sum := sha256.Sum256(raw)
	p.m.Hash = hex.EncodeToString(sum[:])
	if err := p.parse(); err != nil {
		return nil, err
	}
	return p.m, nil
}

type parser struct {
	raw  []byte
	lim  Limits
	m    *Message
	hdr  textproto.MIMEHeader
	body []byte // raw body (after the blank line)

	texts, htmls []string
	reportType   string
	deliveryPart bool
	origIDs      []string // Message-IDs of bounced originals
	dropped      int      // attachments over MaxAttachments
	problemSeen  map[string]bool
}

func (p *parser) problem(format string, args ...any) {
	s := strings.ToValidUTF8(fmt.Sprintf(format, args...), "?")
	s = truncateRunes(strings.ReplaceAll(s, "\x00", ""), 300)
	if p.problemSeen == nil {
		p.problemSeen = map[string]bool{}
	}
	if p.problemSeen[s] {
		return
	}
	p.problemSeen[s] = true
	if len(p.m.Problems) == maxProblems {
		p.m.Problems = append(p.m.Problems, "more problems not listed")
	}
	if len(p.m.Problems) > maxProblems {
		return
	}
	p.m.Problems = append(p.m.Problems, s)
}

func (p *parser) parse() error {
	msg := p.raw
	msg = bytes.TrimPrefix(msg, []byte("\xef\xbb\xbf"))
	for i := 0; i < 4 && (bytes.HasPrefix(msg, []byte("\n")) || bytes.HasPrefix(msg, []byte("\r\n"))); i++ {
		msg = msg[bytes.IndexByte(msg, '\n')+1:] // stray blank lines before the headers
	}
	if bytes.HasPrefix(msg, []byte("From ")) && !bytes.HasPrefix(bytes.TrimLeft(msg[5:], " \t"), []byte(":")) {
		// An mbox "From " envelope line; not a header.
		if i := bytes.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		} else {
			msg = nil
		}
	}
	hdrEnd, bodyStart := headerEnd(msg, p.lim.MaxHeaderBytes)
	switch {
	case hdrEnd < 0:
		return reject("header section too large: more than %d bytes", p.lim.MaxHeaderBytes)
	case hdrEnd > p.lim.MaxHeaderBytes:
		return reject("header section too large: %d bytes, limit %d", hdrEnd, p.lim.MaxHeaderBytes)
	case hdrEnd == 0:
		return reject("not a message: no header section")
	}
	head := msg[:hdrEnd]
	if err := checkHeaderSection(head); err != nil {
		return err
	}
	p.body = msg[bodyStart:]
	if bytes.IndexByte(head, 0) >= 0 {
		head = bytes.ReplaceAll(head, []byte{0}, nil)
		p.problem("NUL bytes in the header section removed")
	}
	if n := countMIMEParts(head, p.body); n > maxMIMEParts {
		return reject("too many MIME parts: %d, limit %d", n, maxMIMEParts)
	}
	if bytes.Contains(bytes.ToLower(head), []byte("multipart")) {
		if n := largestPartHeader(p.body); n > p.lim.MaxHeaderBytes {
			return reject("MIME part header section too large: %d bytes, limit %d", n, p.lim.MaxHeaderBytes)
		}
	}

	root, err := p.readParts(head)
	if err != nil {
		return err
	}
	p.readHeaders(root.Header)
	p.walk(root)
	p.collectEnmimeErrors(root)
	p.finishBodies()
	p.judge()
	return p.checkSender()
}

// headerEnd finds the blank line ending the header section within the first
// limit bytes (+ a little). It returns the header length and the body
// offset; the whole input when there is no blank line at all (a message
// without body); -1 when the header section is larger than limit.
func headerEnd(msg []byte, limit int) (int, int) {
	window := msg
	if len(window) > limit+4 {
		window = window[:limit+4]
	}
	if len(window) > 0 && (window[0] == '\n' || bytes.HasPrefix(window, []byte("\r\n"))) {
		return 0, 0
	}
	for i := 0; i < len(window); {
		j := bytes.IndexByte(window[i:], '\n')
		if j < 0 {
			break
		}
		nl := i + j
		next := nl + 1
		if next < len(msg) && msg[next] == '\n' {
			return nl + 1, next + 1
		}
		if next+1 < len(msg) && msg[next] == '\r' && msg[next+1] == '\n' {
			return nl + 1, next + 2
		}
		i = next
	}
	if len(msg) > limit {
		return -1, -1
	}
	return len(msg), len(msg)
}

// checkHeaderSection rejects input that is not a header section: the first
// line must be a header field, most lines must be fields or continuations,
// and it must not be binary.
func checkHeaderSection(head []byte) error {
	valid, invalid, ctl := 0, 0, 0
	for _, c := range head {
		if c < 0x20 && c != '\r' && c != '\n' && c != '\t' && c != 0 || c == 0x7f {
			ctl++
		}
	}
	if ctl > 8 && ctl*20 > len(head) {
		return reject("not a message: binary data in the header section")
	}
	first := true
	for _, line := range bytes.Split(head, []byte("\n")) {
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if first {
				return reject("not a message: header section starts with a continuation line")
			}
			continue
		}
		if isHeaderField(line) {
			valid++
		} else {
			if first {
				return reject("not a message: no header section")
			}
			invalid++
		}
		first = false
	}
	if valid == 0 || invalid > valid {
		return reject("not a message: header section is mostly garbage (%d fields, %d bad lines)", valid, invalid)
	}
	return nil
}

func isHeaderField(line []byte) bool {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return false
	}
	name := bytes.TrimRight(line[:colon], " \t")
	if len(name) == 0 || len(name) > 200 {
		return false
	}
	for _, c := range name {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}

var boundaryParam = regexp.MustCompile(`(?i)boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))`)

// countMIMEParts counts the delimiter lines of the boundaries the message
// declares, in one pass. The cheap count of lines starting with "--"
// decides whether the exact count is needed at all.
func countMIMEParts(head, body []byte) int {
	if bytes.Count(body, []byte("\n--")) <= maxMIMEParts {
		return 0
	}
	boundaries := map[string]bool{}
	for _, src := range [][]byte{head, body} {
		for _, m := range boundaryParam.FindAllSubmatch(src, -1) {
			b := m[1]
			if b == nil {
				b = m[2]
			}
			boundaries[string(b)] = true
		}
	}
	n := 0
	for rest := body; len(rest) > 0; {
		if bytes.HasPrefix(rest, []byte("--")) {
			rest = rest[2:]
		} else {
			i := bytes.Index(rest, []byte("\n--"))
			if i < 0 {
				break
			}
			rest = rest[i+3:]
		}
		line := rest
		if j := bytes.IndexByte(line, '\n'); j >= 0 {
			line = line[:j]
		}
		cand := string(bytes.TrimRight(line, " \t\r"))
		if boundaries[cand] || strings.HasSuffix(cand, "--") && boundaries[cand[:len(cand)-2]] {
			n++
		}
	}
	return n
}

// largestPartHeader returns the size of the longest run of header-like
// lines (fields and continuations) following a line that starts with "--",
// in one linear pass. The limit on the top-level header section must hold
// for the parts' headers too: enmime keeps every field of every part in
// maps, and a 25 MB run of them costs gigabytes.
func largestPartHeader(body []byte) int {
	largest := 0
	pos := 0 // body[:pos] is already accounted for
	for pos < len(body) {
		var i int
		if pos == 0 && bytes.HasPrefix(body, []byte("--")) {
			i = 0
		} else {
			j := bytes.Index(body[pos:], []byte("\n--"))
			if j < 0 {
				break
			}
			i = pos + j + 1
		}
		// Skip the delimiter line itself.
		k := bytes.IndexByte(body[i:], '\n')
		if k < 0 {
			break
		}
		start := i + k + 1
		end := start
		for end < len(body) {
			n := bytes.IndexByte(body[end:], '\n')
			line := body[end:]
			if n >= 0 {
				line = body[end : end+n]
			}
			line = bytes.TrimSuffix(line, []byte("\r"))
			if len(line) == 0 || !(line[0] == ' ' || line[0] == '\t' || isHeaderField(line)) {
				break
			}
			if n < 0 {
				end = len(body)
				break
			}
			end += n + 1
		}
		if end-start > largest {
			largest = end - start
		}
		if end > start {
			pos = end
		} else {
			pos = start
		}
	}
	return largest
}

// mediaHook is enmime's Content-Type parser, adjusted:
//   - text/* types are renamed so enmime leaves charsets to us (it would
//     otherwise guess with chardet and decode ISO-8859-1 as Latin-1 proper);
//   - a boundary parameter on a non-multipart type is ignored;
//   - after maxMultiparts distinct multipart containers, further ones are
//     opaque, which bounds nesting depth;
//   - an unparseable value becomes invalidType instead of an error that
//     would lose the part.
type mediaHook struct {
	seen       map[string]bool
	multiparts int
	invalid    []string
}

func (h *mediaHook) parse(ctype string) (string, map[string]string, []string, error) {
	mt, params, invalidParams, err := mediatype.Parse(ctype)
	if err != nil || mt == "" {
		if strings.TrimSpace(ctype) == "" {
			return mt, params, invalidParams, err
		}
		if len(h.invalid) < 5 {
			h.invalid = append(h.invalid, ctype)
		}
		return invalidType, map[string]string{}, nil, nil
	}
	if params == nil {
		params = map[string]string{}
	}
	mt = strings.ToLower(mt)
	switch {
	case strings.HasPrefix(mt, "multipart/"):
		if params["boundary"] == "" {
			break
		}
		if h.seen == nil {
			h.seen = map[string]bool{}
		}
		if !h.seen[ctype] {
			if h.multiparts >= maxMultiparts {
				delete(params, "boundary")
				return "application/x-slatrack-too-deep", params, invalidParams, nil
			}
			h.seen[ctype] = true
			h.multiparts++
		}
	case strings.HasPrefix(mt, "text/"):
		delete(params, "boundary")
		mt = textTypePrefix + mt
	default:
		delete(params, "boundary")
	}
	return mt, params, invalidParams, nil
}

// realType is a part's media type with our renaming undone; "" for none.
func realType(part *enmime.Part) string {
	ct := strings.ToLower(part.ContentType)
	if ct == invalidType {
		return ""
	}
	return strings.TrimPrefix(ct, textTypePrefix)
}

type discardErrors struct{}

func (discardErrors) AddError(string, string, ...any)   {}
func (discardErrors) AddWarning(string, string, ...any) {}

// readParts runs enmime over the (NUL-cleaned) header and the body. When
// the MIME structure cannot be parsed the body is kept as plain text.
func (p *parser) readParts(head []byte) (*enmime.Part, error) {
	hook := &mediaHook{}
	ep := enmime.NewParser(
		enmime.SkipMalformedParts(true),
		enmime.MultipartWOBoundaryAsSinglePart(true),
		enmime.SetCustomParseMediaType(hook.parse),
		enmime.SetReadPartErrorPolicy(func(*enmime.Part, error) bool { return true }),
		enmime.DisableTextConversion(true),
		enmime.MaxStoredPartErrors(20),
	)
	sep := []byte("\r\n")
	root, err := ep.ReadParts(io.MultiReader(bytes.NewReader(head), bytes.NewReader(sep), bytes.NewReader(p.body)))
	for _, ct := range hook.invalid {
		p.problem("unparseable Content-Type %q treated as text/plain", truncateRunes(ct, 80))
	}
	if err == nil && root != nil && root.FirstChild == nil && strings.HasPrefix(root.ContentType, "multipart/") && root.Boundary != "" {
		p.problem("multipart boundary %q never found; body kept as plain text", truncateRunes(root.Boundary, 80))
		root.ContentType = invalidType
		root.Content = p.body
	}
	if err == nil && root != nil {
		return root, nil
	}
	// Fall back: the headers alone, the body as text.
	h, herr := enmime.ReadHeader(bufio.NewReader(bytes.NewReader(append(head[:len(head):len(head)], sep...))), discardErrors{})
	if herr != nil {
		return nil, reject("not a message: unreadable header section: %v", herr)
	}
	if err != nil {
		p.problem("MIME structure unparseable (%v); body kept as plain text", err)
	}
	root = &enmime.Part{Header: h, ContentType: invalidType, Content: p.body}
	return root, nil
}

// readHeaders fills the header-derived fields.
func (p *parser) readHeaders(h textproto.MIMEHeader) {
	p.hdr = make(textproto.MIMEHeader, len(h))
	p.m.Headers = make(map[string][]string, len(h))
	for k, vs := range h {
		key := textproto.CanonicalMIMEHeaderKey(strings.ToValidUTF8(k, ""))
		for _, v := range vs {
			v = strings.ReplaceAll(strings.ToValidUTF8(v, "\uFFFD"), "\x00", "")
			p.m.Headers[key] = append(p.m.Headers[key], v)
		}
		p.hdr[key] = append(p.hdr[key], vs...)
	}

	if vs := p.hdr["Subject"]; len(vs) > 0 {
		s, guessed := decodeHeaderText(vs[0])
		if guessed {
			p.problem("charset guessed: windows-1252 for 8-bit bytes in Subject")
		}
		p.m.Subject = truncateRunes(oneLine(s), maxSubjectRunes)
	}
	p.m.AuthResults = parseAuthResults(p.m.Headers["Authentication-Results"])
	p.m.MessageID = first(parseIDList(p.hdr.Get("Message-Id")))
	p.m.InReplyTo = parseIDList(strings.Join(p.hdr["In-Reply-To"], " "))
	p.m.References = parseIDList(strings.Join(p.hdr["References"], " "))
	if d := strings.TrimSpace(p.hdr.Get("Date")); d != "" {
		if t, ok := parseDate(d); ok {
			p.m.Date = t
		} else {
			p.problem("unparseable Date header %q", truncateRunes(oneLine(d), 80))
		}
	}

	if vs, ok := p.hdr["Return-Path"]; ok && len(vs) > 0 {
		rp := strings.TrimSpace(vs[0])
		inner := strings.TrimSpace(strings.Trim(rp, "<> \t"))
		switch {
		case inner == "" && strings.Contains(rp, "<"):
			p.m.NullReturnPath = true
		case inner != "":
			if as, _ := parseAddressList(rp); len(as) > 0 {
				p.m.ReturnPath = as[0].Email
			} else if e := strings.ToLower(inner); validEmail(e) {
				p.m.ReturnPath = e
			}
		}
	}
	p.m.To = p.addresses("To")
	p.m.Cc = p.addresses("Cc")

	if as := p.addresses("From"); len(as) > 0 {
		p.m.From = as[0]
	} else if as := p.addresses("Sender"); len(as) > 0 {
		p.m.From = as[0]
		p.problem("no usable From address; using Sender")
	} else if p.m.ReturnPath != "" {
		p.m.From = Address{Email: p.m.ReturnPath}
		p.problem("no usable From or Sender address; using Return-Path")
	}
}

func (p *parser) addresses(key string) []Address {
	var out []Address
	for _, v := range p.hdr[key] {
		as, guessed := parseAddressList(v)
		if guessed {
			p.problem("charset guessed: windows-1252 for 8-bit bytes in %s", key)
		}
		for _, a := range as {
			out = appendAddress(out, a.Name, a.Email)
		}
	}
	return out
}

func first(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}

var dateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700 (MST)",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"Mon Jan 2 15:04:05 2006",
	"Mon Jan 2 15:04:05 MST 2006",
	"Mon, 2 Jan 06 15:04:05 -0700",
	time.RFC3339,
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05",
}

func parseDate(s string) (time.Time, bool) {
	s = oneLine(s)
	if t, err := netmail.ParseDate(s); err == nil {
		return t, true
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// walk visits the MIME tree, collecting bodies (choosing among
// alternatives), attachments and the parts of delivery reports.
func (p *parser) walk(root *enmime.Part) {
	p.texts, p.htmls = p.collect(root, 0)
}

// collect returns the text and HTML bodies under part and records its
// attachments and report parts.
func (p *parser) collect(part *enmime.Part, depth int) (texts, htmls []string) {
	if part == nil || depth > maxMultiparts+2 {
		return nil, nil
	}
	ct := realType(part)
	if part.FirstChild != nil {
		if ct == "multipart/report" {
			if _, params, _, err := mediatype.Parse(part.Header.Get("Content-Type")); err == nil && p.reportType == "" {
				p.reportType = strings.ToLower(strings.TrimSpace(params["report-type"]))
			}
		}
		if ct == "multipart/alternative" {
			for c := part.FirstChild; c != nil; c = c.NextSibling {
				t, h := p.collect(c, depth+1)
				if len(texts) == 0 && len(t) > 0 {
					texts = t
				}
				if len(h) > 0 {
					htmls = h // the last alternative is the richest
				}
			}
			return texts, htmls
		}
		for c := part.FirstChild; c != nil; c = c.NextSibling {
			t, h := p.collect(c, depth+1)
			texts = append(texts, t...)
			htmls = append(htmls, h...)
		}
		return texts, htmls
	}

	disp := strings.ToLower(part.Disposition)
	body := disp != "attachment" && strings.TrimSpace(part.FileName) == ""
	switch {
	case body && (ct == "" || ct == "text/plain" || strings.HasPrefix(ct, "multipart/")):
		params := partParams(part)
		s, note := decodeText(part.Content, part.Charset, false)
		if note != "" {
			p.problem("%s in part %s", note, part.PartID)
		}
		if strings.EqualFold(params["format"], "flowed") {
			s = unflow(s, strings.EqualFold(params["delsp"], "yes"))
		}
		return []string{s}, nil
	case body && ct == "text/html":
		s, note := decodeText(part.Content, part.Charset, true)
		if note != "" {
			p.problem("%s in part %s", note, part.PartID)
		}
		return nil, []string{s}
	case ct == "message/delivery-status" || ct == "message/global-delivery-status":
		p.deliveryPart = true
		return nil, nil
	case ct == "message/disposition-notification" || ct == "message/global-disposition-notification" || ct == "message/feedback-report":
		return nil, nil // machine-readable report parts: classification only
	case ct == "text/rfc822-headers" || ct == "message/global-headers":
		p.origIDs = append(p.origIDs, embeddedMessageID(part.Content)...)
		return nil, nil
	case ct == "message/rfc822" || ct == "message/global":
		p.origIDs = append(p.origIDs, embeddedMessageID(part.Content)...)
	}
	p.attach(part, ct)
	return nil, nil
}

func partParams(part *enmime.Part) map[string]string {
	_, params, _, err := mediatype.Parse(part.Header.Get("Content-Type"))
	if err != nil || params == nil {
		return map[string]string{}
	}
	return params
}

// embeddedMessageID reads the Message-ID of a message (or header block)
// carried in a delivery report. Only the original's own Message-ID is
// wanted, not its References.
func embeddedMessageID(content []byte) []string {
	if len(content) > 256<<10 {
		content = content[:256<<10]
	}
	content = bytes.TrimLeft(content, "\r\n")
	h, err := enmime.ReadHeader(bufio.NewReader(bytes.NewReader(content)), discardErrors{})
	if err != nil {
		return nil
	}
	return firstOnly(parseIDList(h.Get("Message-Id")))
}

func firstOnly(ids []string) []string {
	if len(ids) > 1 {
		return ids[:1]
	}
	return ids
}

func (p *parser) attach(part *enmime.Part, ct string) {
	if ct == "" || strings.HasPrefix(ct, "multipart/") || strings.HasPrefix(ct, "application/x-slatrack-") {
		ct = "application/octet-stream"
	}
	if len(part.Content) == 0 && part.FileName == "" {
		return // an empty, unnamed part is nothing worth keeping
	}
	name := cleanFilename(part.FileName, ct)
	switch {
	case len(part.Content) > p.lim.MaxAttachmentBytes:
		p.problem("attachment %q dropped: %d bytes, limit %d", name, len(part.Content), p.lim.MaxAttachmentBytes)
		return
	case len(p.m.Attachments) >= p.lim.MaxAttachments:
		p.dropped++
		return
	}
	p.m.Attachments = append(p.m.Attachments, Attachment{Filename: name, ContentType: ct, Data: part.Content})
}

func (p *parser) collectEnmimeErrors(root *enmime.Part) {
	_ = root.DepthMatchAll(func(part *enmime.Part) bool {
		for _, e := range part.Errors {
			if e == nil || e.Name == enmime.ErrorMissingContentType {
				continue
			}
			p.problem("part %s: %s: %s", part.PartID, e.Name, truncateRunes(oneLine(e.Detail), 120))
		}
		return false
	})
	if p.dropped > 0 {
		p.problem("%d attachments dropped: more than %d", p.dropped, p.lim.MaxAttachments)
	}
}

// finishBodies joins the body parts and sanitises the HTML.
func (p *parser) finishBodies() {
	var texts []string
	for _, t := range p.texts {
		if strings.TrimSpace(t) != "" {
			texts = append(texts, strings.Trim(t, "\n"))
		}
	}
	p.m.Text = strings.Join(texts, "\n\n")
	if len(p.htmls) > 0 {
		raw := strings.Join(p.htmls, "\n")
		safe := raw
		if len(safe) > maxHTMLBytes {
			// Sanitising costs ~40 bytes of garbage per byte of markup; a
			// page nobody reads whole is not worth a gigabyte.
			cut := strings.LastIndexByte(safe[:maxHTMLBytes], '<')
			if cut < maxHTMLBytes/2 {
				cut = maxHTMLBytes
			}
			safe = strings.ToValidUTF8(safe[:cut], "")
			p.problem("HTML body of %d bytes truncated to %d bytes for display; the text has all of it", len(raw), cut)
		}
		p.m.HTML = sanitizeHTML(safe)
		if strings.TrimSpace(p.m.Text) == "" {
			p.m.Text = htmlToText(raw)
		}
	}
	p.m.Text = cleanText(p.m.Text)
	p.m.HTML = cleanText(p.m.HTML)
}

// judge sets Kind, KindReason and BouncedIDs.
func (p *parser) judge() {
	fromLocal := ""
	if p.m.From.Email != "" {
		fromLocal = localPart(p.m.From.Email)
	}
	if raw := strings.ToLower(p.hdr.Get("From")); fromLocal == "" || !strings.Contains(raw, "@") {
		switch {
		case strings.Contains(raw, "mailer-daemon"):
			fromLocal = "mailer-daemon"
		case strings.Contains(raw, "postmaster"):
			fromLocal = "postmaster"
		}
	}
	p.m.Kind, p.m.KindReason = classify(judgeInput{
		hdr:          p.hdr,
		subject:      p.m.Subject,
		fromLocal:    fromLocal,
		nullReturn:   p.m.NullReturnPath,
		reportType:   p.reportType,
		deliveryPart: p.deliveryPart,
	})
	if p.m.Kind != KindBounce {
		return
	}
	ids := append([]string{}, p.origIDs...)
	if len(ids) == 0 {
		ids = append(ids, quotedMessageIDs(p.m.Text)...)
	}
	ids = append(ids, p.m.InReplyTo...)
	ids = append(ids, p.m.References...)
	seen := map[string]bool{p.m.MessageID: true}
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			p.m.BouncedIDs = append(p.m.BouncedIDs, id)
		}
	}
}

var quotedMessageIDLine = regexp.MustCompile(`(?im)^[ \t>]*Message-Id:[ \t]*(<[^>\r\n]{1,250}>|[^\s<>]{3,250})`)

// quotedMessageIDs finds "Message-ID:" lines in a plain-text bounce that
// quotes the original's headers (qmail, some Exim and Sendmail setups).
func quotedMessageIDs(text string) []string {
	var out []string
	for _, m := range quotedMessageIDLine.FindAllStringSubmatch(text, 20) {
		out = append(out, parseIDList(m[1])...)
	}
	return out
}

// checkSender rejects mail nobody can be answered at, bounces excepted:
// no usable sender, or one whose domain cannot receive mail
// (CheckRoutable).
func (p *parser) checkSender() error {
	if p.m.Kind == KindBounce {
		return nil
	}
	if p.m.From.Email != "" {
		if err := CheckRoutable(p.m.From.Email); err != nil {
			return reject("unroutable sender: %v", err)
		}
		return nil
	}
	var seen []string
	for _, k := range []string{"From", "Sender", "Return-Path"} {
		if vs, ok := p.hdr[k]; ok && len(vs) > 0 {
			v, _ := fixUTF8String(vs[0])
			seen = append(seen, fmt.Sprintf("%s %q", k, truncateRunes(oneLine(v), 100)))
		}
	}
	if len(seen) == 0 {
		return reject("no sender: no From, Sender or Return-Path header")
	}
	return reject("no usable sender: no valid address in %s", strings.Join(seen, ", "))
}
