package store

import (
	"errors"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/slatrack/slatrack/internal/desk"
)

// redacted stands in for a password, as pgx writes it.
const redacted = "xxxxx"

// passwordParam is a password given as a URL query parameter
// (?password=…) or a libpq key/value pair (password=… or password='…').
var passwordParam = regexp.MustCompile(`(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s&#]*)`)

// RedactDSN is dsn fit for logs, error messages and terminals: the password
// of "scheme://user:password@host/…" (up to the last "@", so a password
// holding "@", "/" or "?" is hidden whole) and any password= parameter are
// replaced by "xxxxx". Every place slatrack shows a DSN goes through it.
func RedactDSN(dsn string) string {
	out := passwordParam.ReplaceAllString(dsn, "${1}"+redacted)
	if i := strings.Index(out, "://"); i >= 0 {
		rest := out[i+3:]
		if at := strings.LastIndexByte(rest, '@'); at >= 0 {
			if user, _, ok := strings.Cut(rest[:at], ":"); ok {
				out = out[:i+3] + user + ":" + redacted + rest[at:]
			}
		}
	}
	return out
}

// dsnSecrets are the passwords in dsn, as written and URL-decoded, longest
// first so a whole password is replaced before its pieces.
func dsnSecrets(dsn string) []string {
	var out []string
	add := func(s string) {
		s = strings.Trim(s, "'")
		if len(s) >= 3 && s != redacted {
			out = append(out, s)
			if d, err := url.QueryUnescape(s); err == nil && d != s {
				out = append(out, d)
			}
		}
	}
	for _, m := range passwordParam.FindAllStringSubmatch(dsn, -1) {
		add(m[2])
	}
	if i := strings.Index(dsn, "://"); i >= 0 {
		rest := dsn[i+3:]
		if at := strings.LastIndexByte(rest, '@'); at >= 0 {
			if _, pw, ok := strings.Cut(rest[:at], ":"); ok {
				add(pw)
				// A URL parser that gives up on a password holding '/', '@',
				// '?', '#' or ':' quotes the piece it took for a host or port.
				for _, piece := range strings.FieldsFunc(pw, func(r rune) bool { return strings.ContainsRune("/@?#:", r) }) {
					add(piece)
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// redactError hides dsn's passwords wherever err's text repeats them (a
// driver may echo the connection string it could not parse), keeping the
// error's code so callers still tell "unavailable" from "invalid".
func redactError(err error, dsn string) error {
	if err == nil {
		return nil
	}
	clean := func(s string) string {
		for _, secret := range dsnSecrets(dsn) {
			s = strings.ReplaceAll(s, secret, redacted)
		}
		return s
	}
	if msg := err.Error(); clean(msg) == msg {
		return err
	}
	var de *desk.Error
	if errors.As(err, &de) {
		c := *de
		c.Message = clean(de.Message)
		if de.Err != nil {
			c.Err = errors.New(clean(de.Err.Error()))
		}
		return &c
	}
	return errors.New(clean(err.Error()))
}
