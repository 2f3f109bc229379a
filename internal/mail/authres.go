package mail

import (
	"fmt"
	"slices"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// AuthResult is one Authentication-Results header field (RFC 8601): what
// the host named by AuthServID found when it checked the message.
type AuthResult struct {
	// AuthServID names the host (or administrative domain) that added the
	// field, lowercased. Anyone can write any id into a mail they send, so
	// only ids the desk was told to trust mean anything.
	AuthServID string
	// Methods are its results, in order.
	Methods []MethodResult
}

// MethodResult is one "method=result" entry of an Authentication-Results
// field, e.g. dkim=pass header.d=agency.gov.
type MethodResult struct {
	// Method is "dmarc", "spf", "dkim", "auth", … lowercased, without a
	// version.
	Method string
	// Result is "pass", "fail", "softfail", "none", … lowercased.
	Result string
	// Reason is the optional reason= text.
	Reason string
	// Props are the ptype.property=value pairs ("smtp.mailfrom",
	// "header.d", "header.from", …), keys lowercased.
	Props map[string]string
}

// AuthStatus is what trusted Authentication-Results say about the author
// address of a mail (its From:).
type AuthStatus string

// The verdicts of Message.Authentication.
const (
	// AuthUnchecked: no trusted host reported a DMARC, SPF, DKIM or SMTP
	// AUTH result (no trusted ids configured, or the MTA added nothing).
	AuthUnchecked AuthStatus = ""
	// AuthVerified: DMARC passed, or SPF or DKIM passed for the From
	// domain, or the sender logged in to the trusted MTA.
	AuthVerified AuthStatus = "verified"
	// AuthUnverified: DMARC failed, or nothing passed for the From domain.
	AuthUnverified AuthStatus = "unverified"
)

// AuthVerdict is Message.Authentication's answer, with the reason in words.
type AuthVerdict struct {
	Status AuthStatus
	// Reason says what decided, e.g. "dmarc=fail for agency.gov (reported
	// by mx.desk.gov)".
	Reason string
}

const (
	maxAuthFields  = 20 // Authentication-Results fields read per message
	maxAuthMethods = 50 // results read per field
)

// Authentication judges the From: address by the Authentication-Results
// fields whose authserv-id is in trusted (compared case-insensitively);
// every other field is ignored, because a sender can forge them. The rule,
// after RFC 7489 (DMARC), which is the only check that is about the From:
// domain itself:
//
//  1. A dmarc=fail in any trusted field: unverified. A failure always wins,
//     so a forged "pass" left in the mail cannot hide the real verdict.
//  2. A dmarc=pass (for the From domain, when the field names it):
//     verified.
//  3. Otherwise (no DMARC policy, a DNS error): verified when SPF passed
//     for an envelope sender (smtp.mailfrom), or DKIM passed for a signing
//     domain (header.d, or header.i's domain), in the From domain's
//     organisational domain (DMARC's relaxed alignment, by the public suffix
//     list); or when the trusted MTA authenticated the sender with SMTP
//     AUTH (auth=pass). A pass for some other domain proves nothing about
//     From:, so is not enough.
//  4. If trusted fields reported any of those methods and none passed as
//     above: unverified.
//
// With no trusted field reporting DMARC, SPF, DKIM or AUTH the verdict is
// AuthUnchecked. The MTA must delete fields carrying its own id from the
// mail it receives, as RFC 8601 section 5 requires, or a sender could pass
// step 2 with a forged field.
func (m *Message) Authentication(trusted []string) AuthVerdict {
	if len(trusted) == 0 || len(m.AuthResults) == 0 {
		return AuthVerdict{}
	}
	from := ""
	if at := strings.LastIndexByte(m.From.Email, '@'); at >= 0 {
		from = strings.ToLower(m.From.Email[at+1:])
	}
	var (
		reporters []string
		seen      []string // method=result as reported, for the reason
		dmarcPass string
		aligned   string
	)
	for _, ar := range m.AuthResults {
		if !slices.ContainsFunc(trusted, func(id string) bool { return strings.EqualFold(strings.TrimSpace(id), ar.AuthServID) }) {
			continue
		}
		for _, mr := range ar.Methods {
			switch mr.Method {
			case "dmarc", "spf", "dkim", "auth":
			default:
				continue
			}
			if !slices.Contains(reporters, ar.AuthServID) {
				reporters = append(reporters, ar.AuthServID)
			}
			seen = append(seen, mr.Method+"="+mr.Result)
			by := " (reported by " + ar.AuthServID + ")"
			switch {
			case mr.Method == "dmarc" && mr.Result == "fail":
				return AuthVerdict{Status: AuthUnverified, Reason: "dmarc=fail for " + or(from, "the From address") + by}
			case mr.Result != "pass":
			case mr.Method == "dmarc":
				if hf := domainOf(mr.Props["header.from"]); hf == "" || hf == from {
					dmarcPass = "dmarc=pass for " + or(from, "the From address") + by
				}
			case mr.Method == "auth":
				aligned = "the sender logged in to " + ar.AuthServID + " (auth=pass)"
			case mr.Method == "spf" && alignedDomains(domainOf(mr.Props["smtp.mailfrom"]), from):
				aligned = "spf=pass for " + domainOf(mr.Props["smtp.mailfrom"]) + by
			case mr.Method == "dkim" && (alignedDomains(domainOf(mr.Props["header.d"]), from) || alignedDomains(domainOf(mr.Props["header.i"]), from)):
				aligned = "dkim=pass for " + or(domainOf(mr.Props["header.d"]), domainOf(mr.Props["header.i"])) + by
			}
		}
	}
	switch {
	case len(seen) == 0:
		return AuthVerdict{}
	case dmarcPass != "":
		return AuthVerdict{Status: AuthVerified, Reason: dmarcPass}
	case aligned != "":
		return AuthVerdict{Status: AuthVerified, Reason: aligned}
	}
	return AuthVerdict{Status: AuthUnverified, Reason: fmt.Sprintf("no DMARC, SPF or DKIM pass for %s (%s reported %s)",
		or(from, "the From address"), strings.Join(reporters, ", "), strings.Join(seen, ", "))}
}

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// domainOf is the lowercased domain of "local@domain", "@domain" or
// "domain".
func domainOf(v string) string {
	v = strings.ToLower(strings.Trim(strings.TrimSpace(v), "<>"))
	if at := strings.LastIndexByte(v, '@'); at >= 0 {
		v = v[at+1:]
	}
	return strings.TrimSuffix(v, ".")
}

// alignedDomains reports DMARC's relaxed alignment: both domains have the
// same organisational domain (the registered name under a public suffix).
func alignedDomains(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	if a == b {
		return true
	}
	oa, err1 := publicsuffix.EffectiveTLDPlusOne(a)
	ob, err2 := publicsuffix.EffectiveTLDPlusOne(b)
	return err1 == nil && err2 == nil && oa == ob
}

// parseAuthResults reads Authentication-Results field values (RFC 8601
// section 2.2), leniently: comments are dropped, unknown syntax is
// skipped, and at most maxAuthFields fields of maxAuthMethods results each
// are kept.
func parseAuthResults(values []string) []AuthResult {
	var out []AuthResult
	for _, v := range values {
		if len(out) == maxAuthFields {
			break
		}
		segs := splitUnquoted(stripComments(v), ';')
		head := authTokens(segs[0])
		if len(head) == 0 {
			continue
		}
		ar := AuthResult{AuthServID: strings.ToLower(head[0])}
		for _, seg := range segs[1:] {
			if len(ar.Methods) == maxAuthMethods {
				break
			}
			if mr, ok := parseMethodResult(authTokens(seg)); ok {
				ar.Methods = append(ar.Methods, mr)
			}
		}
		out = append(out, ar)
	}
	return out
}

// parseMethodResult reads `method[/version] = result [reason = value]
// [ptype.property = value]…` from its tokens ("=" is a token of its own).
func parseMethodResult(toks []string) (MethodResult, bool) {
	if len(toks) < 3 || toks[1] != "=" || toks[0] == "=" || toks[2] == "=" {
		return MethodResult{}, false // "none", or garbage
	}
	method, _, _ := strings.Cut(toks[0], "/")
	mr := MethodResult{Method: strings.ToLower(strings.TrimSpace(method)), Result: strings.ToLower(toks[2])}
	var key []string
	for i := 3; i < len(toks); i++ {
		if toks[i] != "=" {
			key = append(key, toks[i])
			continue
		}
		if len(key) == 0 || i+1 >= len(toks) || toks[i+1] == "=" {
			break
		}
		k := strings.ToLower(strings.Join(key, "")) // "smtp . mailfrom" too
		key = nil
		i++
		if k == "reason" {
			mr.Reason = toks[i]
			continue
		}
		if mr.Props == nil {
			mr.Props = map[string]string{}
		}
		if _, dup := mr.Props[k]; !dup {
			mr.Props[k] = toks[i]
		}
	}
	return mr, true
}

// stripComments replaces RFC 5322 comments "(…)", nested, with a space,
// leaving quoted strings alone.
func stripComments(s string) string {
	var b strings.Builder
	depth, quoted := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && (quoted || depth > 0) && i+1 < len(s):
			if depth == 0 {
				b.WriteByte(c)
				b.WriteByte(s[i+1])
			}
			i++
		case depth > 0 && c == '(':
			depth++
		case depth > 0 && c == ')':
			depth--
			if depth == 0 {
				b.WriteByte(' ')
			}
		case depth > 0:
		case c == '"':
			quoted = !quoted
			b.WriteByte(c)
		case c == '(' && !quoted:
			depth = 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// splitUnquoted splits s at sep outside quoted strings.
func splitUnquoted(s string, sep byte) []string {
	var parts []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && quoted:
			i++
		case s[i] == '"':
			quoted = !quoted
		case s[i] == sep && !quoted:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// authTokens splits one segment into words, quoted strings (unquoted) and
// "=" signs.
func authTokens(s string) []string {
	var toks []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			toks = append(toks, cur.String())
			cur.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			flush()
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				cur.WriteByte(s[i])
			}
			toks = append(toks, cur.String())
			cur.Reset()
		case c == '=':
			flush()
			toks = append(toks, "=")
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			flush()
		default:
			cur.WriteByte(c)
		}
	}
	flush()
	return toks
}
