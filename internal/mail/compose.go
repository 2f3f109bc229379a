package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	netmail "net/mail"
	"net/textproto"
	"strings"
	"time"

	"github.com/jhillyerd/enmime/v2"
)

// Outgoing is a message slatrack sends.
type Outgoing struct {
	// From is the sender (the desk's address).
	From Address
	// To are the recipients; at least one is required.
	To []Address
	// Cc are copied recipients (a ticket's participants).
	Cc []Address
	// Attachments go out as attachment parts, their names as given
	// (cleaned by CheckUploads when they came from a person).
	Attachments []Attachment
	// ReplyTo, when set, becomes the Reply-To header.
	ReplyTo *Address
	// Subject may hold any Unicode; it is encoded as needed.
	Subject string
	// Text is the plain-text body; any line ends.
	Text string
	// MessageID is our id for the message, without <>. When empty a random
	// one in the From domain is made.
	MessageID string
	// InReplyTo is the id (without <>) of the message answered.
	InReplyTo string
	// References are the thread's ids, without <>.
	References []string
	// AutoSubmitted is "" for mail a person wrote, or "auto-replied" /
	// "auto-generated": it sets Auto-Submitted and
	// "X-Auto-Response-Suppress: All" so other robots stay quiet.
	AutoSubmitted string
	// Headers are extra headers, e.g. "X-Slatrack-Ticket": "SR-1042". They
	// may not replace the headers Compose writes itself.
	Headers map[string]string
	// Date is the Date header; the current time when zero.
	Date time.Time
}

// composedHeaders are written by Compose and may not be given in Headers.
var composedHeaders = map[string]bool{
	"From": true, "To": true, "Cc": true, "Bcc": true, "Reply-To": true, "Subject": true, "Date": true,
	"Message-Id": true, "In-Reply-To": true, "References": true, "Mime-Version": true,
	"Content-Type": true, "Content-Transfer-Encoding": true, "Content-Disposition": true,
	"Auto-Submitted": true, "X-Auto-Response-Suppress": true, "Sender": true, "Return-Path": true,
}

// maxLine is RFC 5322's limit on a line, without CRLF.
const maxLine = 998

// Compose renders o as RFC 5322 bytes: CRLF line ends, Date, MIME-Version,
// "text/plain; charset=utf-8" in quoted-printable, RFC 2047-encoded
// non-ASCII subject and display names, no line longer than 998 octets.
// CR, LF and other control characters in any field are folded to spaces,
// so no field can inject a header.
func Compose(o Outgoing) ([]byte, error) {
	from, err := outAddress(o.From)
	if err != nil {
		return nil, fmt.Errorf("mail: from: %w", err)
	}
	if len(o.To) == 0 {
		return nil, errors.New("mail: no recipients")
	}
	to := make([]netmail.Address, 0, len(o.To))
	for _, a := range o.To {
		na, err := outAddress(a)
		if err != nil {
			return nil, fmt.Errorf("mail: to: %w", err)
		}
		to = append(to, na)
	}

	cc := make([]netmail.Address, 0, len(o.Cc))
	for _, a := range o.Cc {
		na, err := outAddress(a)
		if err != nil {
			return nil, fmt.Errorf("mail: cc: %w", err)
		}
		cc = append(cc, na)
	}

	b := enmime.Builder().
		From(from.Name, from.Address).
		ToAddrs(to).
		Subject(truncateRunes(oneLine(o.Subject), maxSubjectRunes)).
		Text([]byte(composeText(o.Text)))
	if len(cc) > 0 {
		b = b.CCAddrs(cc)
	}
	for _, a := range o.Attachments {
		ct := a.ContentType
		if ct == "" || strings.HasPrefix(ct, "message/") || strings.HasPrefix(ct, "multipart/") {
			// message/* may not be base64-encoded (RFC 2046): a mail
			// attached as a file goes as bytes, which base64 keeps intact.
			ct = "application/octet-stream"
		}
		b = b.AddAttachment(a.Data, ct, cleanFilename(a.Filename, ct))
	}
	if o.ReplyTo != nil {
		rt, err := outAddress(*o.ReplyTo)
		if err != nil {
			return nil, fmt.Errorf("mail: reply-to: %w", err)
		}
		b = b.ReplyTo(rt.Name, rt.Address)
	}
	date := o.Date
	if date.IsZero() {
		date = time.Now()
	}
	b = b.Date(date)

	id := strings.Trim(strings.TrimSpace(o.MessageID), "<>")
	if id == "" {
		id = randomID(from.Address)
	}
	if !validMessageID(id) {
		return nil, fmt.Errorf("mail: invalid message id %q", o.MessageID)
	}
	b = b.Header("Message-ID", "<"+id+">")
	if irt := strings.Trim(strings.TrimSpace(o.InReplyTo), "<>"); irt != "" {
		if !validMessageID(irt) {
			return nil, fmt.Errorf("mail: invalid in-reply-to id %q", o.InReplyTo)
		}
		b = b.Header("In-Reply-To", "<"+irt+">")
	}
	var refs []string
	for _, r := range o.References {
		r = strings.Trim(strings.TrimSpace(r), "<>")
		if r == "" {
			continue
		}
		if !validMessageID(r) {
			return nil, fmt.Errorf("mail: invalid reference id %q", r)
		}
		refs = append(refs, "<"+r+">")
	}
	if len(refs) > 0 {
		b = b.Header("References", strings.Join(refs, " "))
	}
	if a := strings.ToLower(strings.TrimSpace(o.AutoSubmitted)); a != "" && a != "no" {
		switch a {
		case "auto-replied", "auto-generated", "auto-notified":
		default:
			return nil, fmt.Errorf("mail: invalid Auto-Submitted value %q", o.AutoSubmitted)
		}
		b = b.Header("Auto-Submitted", a).Header("X-Auto-Response-Suppress", "All")
	}
	for k, v := range o.Headers {
		name := strings.TrimSpace(k)
		if !validHeaderName(name) {
			return nil, fmt.Errorf("mail: invalid header name %q", k)
		}
		if composedHeaders[textproto.CanonicalMIMEHeaderKey(name)] {
			return nil, fmt.Errorf("mail: header %q is written by Compose", name)
		}
		b = b.Header(name, truncateRunes(oneLine(v), 900))
	}

	root, err := b.Build()
	if err != nil {
		return nil, fmt.Errorf("mail: build: %w", err)
	}
	// Text goes out in quoted-printable (CRLF lines, none too long), text
	// attachments too (text's canonical line end is CRLF anyway); other
	// attachments in base64, byte for byte.
	qp := enmime.NewEncoder(enmime.ForceQuotedPrintableCte(true))
	root = root.WithEncoder(qp)
	for c := root.FirstChild; c != nil; c = c.NextSibling {
		if c.Disposition != "attachment" || c.TextContent() {
			c.WithEncoder(qp)
		}
	}
	var buf bytes.Buffer
	if err := root.Encode(&buf); err != nil {
		return nil, fmt.Errorf("mail: encode: %w", err)
	}
	out := buf.Bytes()
	if err := checkLines(out); err != nil {
		return nil, err
	}
	return out, nil
}

// outAddress validates and cleans an address for a header.
func outAddress(a Address) (netmail.Address, error) {
	email := strings.ToLower(strings.TrimSpace(a.Email))
	if !validEmail(email) || strings.ContainsAny(email, "\"") {
		return netmail.Address{}, fmt.Errorf("invalid address %q", a.Email)
	}
	return netmail.Address{Name: cleanDisplayName(a.Name), Address: email}, nil
}

func validHeaderName(s string) bool {
	if s == "" || len(s) > 76 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 33 || c > 126 || c == ':' {
			return false
		}
	}
	return true
}

// composeText normalizes line ends to "\n" (the QP encoder writes CRLF) and
// drops NUL and other C0 controls except tab and newline.
func composeText(s string) string {
	s = cleanText(s)
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

func randomID(fromEmail string) string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	domain := "slatrack.invalid"
	if at := strings.LastIndexByte(fromEmail, '@'); at >= 0 && !strings.HasPrefix(fromEmail[at+1:], "[") {
		domain = fromEmail[at+1:]
	}
	return hex.EncodeToString(b[:]) + "@" + domain
}

// checkLines enforces CRLF line ends and the 998-octet line limit on the
// final bytes.
func checkLines(b []byte) error {
	for n := 1; len(b) > 0; n++ {
		i := bytes.IndexByte(b, '\n')
		line := b
		if i >= 0 {
			line = b[:i]
			b = b[i+1:]
		} else {
			b = nil
		}
		if i >= 0 && !bytes.HasSuffix(line, []byte("\r")) {
			return fmt.Errorf("mail: composed line %d has a bare LF", n)
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if bytes.IndexByte(line, '\r') >= 0 {
			return fmt.Errorf("mail: composed line %d has a bare CR", n)
		}
		if len(line) > maxLine {
			return fmt.Errorf("mail: composed line %d is %d octets, limit %d", n, len(line), maxLine)
		}
	}
	return nil
}
