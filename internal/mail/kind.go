package mail

import (
	"net/textproto"
	"regexp"
	"strings"
)

// Kind is what sort of mail a message is, as far as automatic handling is
// concerned.
type Kind string

// Kinds of mail.
const (
	// KindNormal is mail written by a person.
	KindNormal Kind = "normal"
	// KindAutoReply is an automatic answer: out-of-office, vacation
	// responder, auto-acknowledgement, read receipt.
	KindAutoReply Kind = "auto_reply"
	// KindBulk is list or newsletter mail.
	KindBulk Kind = "bulk"
	// KindBounce is a delivery failure report.
	KindBounce Kind = "bounce"
)

// IsAutomatic reports whether the message must never get an automatic
// answer or open a ticket by itself.
func (m *Message) IsAutomatic() bool {
	return m != nil && m.Kind != KindNormal && m.Kind != ""
}

// oofPrefixes start the subjects of out-of-office and other automatic
// replies, lowercased, in the languages our requesters write in.
var oofPrefixes = []string{
	"out of office", "out of the office", "i am out of the office", "i'm out of the office", "i am currently out of the office",
	"automatic reply", "auto reply", "auto-reply", "autoreply", "auto response", "auto-response", "autoresponse",
	"automated reply", "automated response",
	"abwesenheitsnotiz", "automatische antwort", "abwesend",
	"réponse automatique", "reponse automatique", "réponse automatique d'absence", "absence du bureau", "absent du bureau",
	"respuesta automática", "respuesta automatica", "fuera de la oficina",
	"risposta automatica", "fuori sede",
	"automatisch antwoord", "afwezig",
	"resposta automática", "resposta automatica",
	"autosvar", "automatisk svar", "automaattinen vastaus", "fora do escritório",
}

// dsnSubject matches subjects of delivery failure reports.
var dsnSubject = regexp.MustCompile(`(?i)(undeliver|undelivered|not delivered|delivery (status notification|failure|failed|has failed|problem|notification)|failure notice|returned mail|mail delivery (failed|failure|system|subsystem)|could not be delivered|delivery to the following|non remis|non distribuable|unzustellbar|nicht zustellbar|returned to sender|message not delivered|delayed mail|warning: message|mail system error|rejected)`)

// oofSubject reports whether subject starts like an out-of-office reply.
func oofSubject(subject string) bool {
	s := strings.ToLower(strings.TrimSpace(subject))
	for _, p := range oofPrefixes {
		if strings.HasPrefix(s, p) {
			rest := s[len(p):]
			// A whole-word prefix: "Autoreply:" yes, "Autoreplying is broken" no.
			if rest == "" || strings.ContainsRune(" :-–—([!.,", []rune(rest)[0]) {
				return true
			}
		}
	}
	return false
}

// headerToken is the first ;-separated token of a header value, trimmed and
// lowercased.
func headerToken(v string) string {
	if i := strings.IndexByte(v, ';'); i >= 0 {
		v = v[:i]
	}
	return strings.ToLower(strings.TrimSpace(v))
}

// reasonValue shortens a header value for a KindReason.
func reasonValue(v string) string {
	v, _ = fixUTF8String(v)
	return truncateRunes(oneLine(v), 80)
}

// judgeInput is what classification looks at.
type judgeInput struct {
	hdr          textproto.MIMEHeader
	subject      string
	fromLocal    string // local part of the From address (or raw From text)
	nullReturn   bool
	reportType   string // report-type of a multipart/report anywhere in the message
	deliveryPart bool   // a message/delivery-status part was found
}

// classify decides the Kind, in order: bounce, auto-reply, bulk, normal.
//
// One refinement over a strict order: a null return path alone marks a
// bounce, but RFC 3834 asks auto-responders to use the null path too, so
// when an explicit auto-reply header is present the mail is an auto-reply
// (a vacation notice must not flag a requester's address as bouncing).
func classify(in judgeInput) (Kind, string) {
	switch {
	case in.reportType == "delivery-status":
		return KindBounce, "multipart/report; report-type=delivery-status"
	case in.deliveryPart:
		return KindBounce, "message/delivery-status part"
	}
	if lp := in.fromLocal; (lp == "mailer-daemon" || lp == "postmaster") && dsnSubject.MatchString(in.subject) {
		if lp == "mailer-daemon" {
			return KindBounce, "From: MAILER-DAEMON"
		}
		return KindBounce, "From: postmaster"
	}
	if v := in.hdr.Get("X-Failed-Recipients"); v != "" {
		return KindBounce, "X-Failed-Recipients: " + reasonValue(v)
	}
	auto, autoReason := autoReply(in)
	if in.nullReturn && !auto {
		return KindBounce, "null return path"
	}
	if auto {
		return KindAutoReply, autoReason
	}
	if p := headerToken(in.hdr.Get("Precedence")); p == "bulk" || p == "junk" || p == "list" {
		return KindBulk, "Precedence: " + p
	}
	if v, ok := in.hdr["List-Id"]; ok {
		return KindBulk, "List-Id: " + reasonValue(strings.Join(v, " "))
	}
	if _, ok := in.hdr["List-Unsubscribe"]; ok {
		return KindBulk, "List-Unsubscribe present"
	}
	return KindNormal, ""
}

func autoReply(in judgeInput) (bool, string) {
	if vs, ok := in.hdr["Auto-Submitted"]; ok {
		for _, v := range vs {
			if t := headerToken(v); t != "no" {
				if t == "" {
					t = "(empty)"
				}
				return true, "Auto-Submitted: " + reasonValue(t)
			}
		}
	}
	for _, h := range []string{"X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Auto-Response-Suppress"} {
		if vs, ok := in.hdr[textproto.CanonicalMIMEHeaderKey(h)]; ok {
			return true, h + ": " + reasonValue(strings.Join(vs, " "))
		}
	}
	if p := headerToken(in.hdr.Get("Precedence")); p == "auto_reply" || p == "auto-reply" {
		return true, "Precedence: " + p
	}
	if strings.EqualFold(strings.TrimSpace(in.hdr.Get("X-Autogenerated")), "reply") {
		return true, "X-Autogenerated: Reply"
	}
	if in.reportType != "" {
		return true, "multipart/report; report-type=" + reasonValue(in.reportType)
	}
	if oofSubject(in.subject) {
		return true, "out-of-office subject"
	}
	return false, ""
}
