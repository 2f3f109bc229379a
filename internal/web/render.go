package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/sla"
	"github.com/slatrack/slatrack/templates"
)

// pageSet is every page, each parsed once with base.html and the partials.
type pageSet struct {
	pages map[string]*template.Template
}

func parsePages(funcs template.FuncMap) (*pageSet, error) {
	names, err := fs.Glob(templates.FS, "*.html")
	if err != nil {
		return nil, err
	}
	var shared []string
	for _, n := range names {
		if n == "base.html" || strings.HasPrefix(n, "partials_") {
			shared = append(shared, n)
		}
	}
	ps := &pageSet{pages: map[string]*template.Template{}}
	for _, n := range names {
		if n == "base.html" || strings.HasPrefix(n, "partials_") {
			continue
		}
		t, err := template.New(n).Funcs(funcs).ParseFS(templates.FS, append(shared, n)...)
		if err != nil {
			return nil, fmt.Errorf("web: parse template %s: %w", n, err)
		}
		ps.pages[strings.TrimSuffix(n, ".html")] = t
	}
	return ps, nil
}

// pageData is what every page template gets; Page holds the page's own data.
type pageData struct {
	Title  string
	User   *desk.User
	CSRF   string
	Flash  string
	Error  string
	Status int
	Nav    string
	Page   any
}

// render executes a page into a buffer first, so a template error becomes a
// clean 500 rather than half a page.
func (s *Server) render(c *gin.Context, status int, name string, d pageData) {
	t, ok := s.pages.pages[name]
	if !ok {
		s.log.Error("missing template", "name", name)
		c.String(http.StatusInternalServerError, "internal error")
		return
	}
	if d.User == nil {
		d.User = currentUser(c)
	}
	d.CSRF = csrfToken(c)
	if d.Flash == "" {
		d.Flash = s.takeFlash(c)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "base", d); err != nil {
		s.log.Error("render template", "name", name, "err", err)
		c.Header("Content-Type", "text/plain; charset=utf-8")
		c.String(http.StatusInternalServerError, "something went wrong on our side; it has been logged")
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

func (s *Server) templateFuncs() template.FuncMap {
	loc := time.UTC
	day := 8 * time.Hour
	hours := ""
	if s.svc != nil && s.svc.Policy != nil {
		loc = s.svc.Policy.Calendar().Location()
		day = s.svc.Policy.Calendar().BusinessDay()
		hours = s.svc.Policy.Calendar().HoursInWords()
	}
	return template.FuncMap{
		"asset": func(name string) string { return s.assets[name] },
		"when": func(t any) string {
			tt, ok := timeOf(t)
			if !ok {
				return "—"
			}
			return whenWords(tt, loc)
		},
		"iso": func(t any) string {
			tt, ok := timeOf(t)
			if !ok {
				return ""
			}
			return tt.In(loc).Format(time.RFC3339)
		},
		// at is an instant in words, as the ticket page shows times (see
		// timeWords).
		"at": func(t any) string {
			tt, ok := timeOf(t)
			if !ok {
				return "—"
			}
			return s.timeWords(tt)
		},
		"business": func(d time.Duration) string { return sla.FormatBusiness(d, day) },
		// byName shows stored words that name people as "Name <address>"
		// with the names alone ("reclassified by Ada Admin").
		"byName": byName,
		// ago is how long before the server's clock t was, in wall-clock
		// time ("2h ago"); pages give the exact time beside it.
		"ago": func(t any) string {
			tt, ok := timeOf(t)
			if !ok {
				return "—"
			}
			return agoWords(s.now().Sub(tt), tt.In(loc))
		},
		"hours":    func() string { return hours },
		"fieldErr": newFieldErr,
		// sentence starts a message with a capital: messages are kept
		// lower-case so they read inside other sentences too.
		"sentence":    upperFirst,
		"statusLabel": desk.StatusLabel,
		"stateLabel":  func(s sla.State) string { return s.Label() },
		// classTitle is a class's title ("Availability"); classSlot its
		// place in the policy's order from 1 (0 for a class it no longer
		// has), which picks its colour in the stylesheet.
		"classTitle": func(name string) string {
			if s.svc == nil || s.svc.Policy == nil {
				return name
			}
			return s.svc.Policy.Title(name)
		},
		"classSlot": func(name string) int {
			if s.svc == nil || s.svc.Policy == nil {
				return 0
			}
			return slices.Index(s.svc.Policy.ClassNames(), name) + 1
		},
		"lines": func(s string) []string { return strings.Split(s, "\n") },
		// safeMail marks mail HTML as safe: it was sanitised with bluemonday
		// when the mail was parsed, before it was stored.
		"safeMail": func(s string) template.HTML { return template.HTML(s) },
		"pct":      percentMet,
		"kb": func(n int64) string {
			if n < 1024 {
				return fmt.Sprintf("%d B", n)
			}
			return fmt.Sprintf("%.0f KB", float64(n)/1024)
		},
	}
}

// fieldErr is a form field's error message and the id of the field it is
// about, so a template can tie the two together for assistive technology:
// the field gets aria-invalid and aria-describedby naming the message
// (Attrs), the message gets the id (partial "field-error").
type fieldErr struct {
	ID      string // the field's id; the message's id is ID + "-error"
	Message string // "" when the field is fine
}

func newFieldErr(id, msg string) fieldErr { return fieldErr{ID: id, Message: msg} }

// Attrs are the field's ARIA attributes: aria-describedby naming its help
// texts (the ids in help) and, when it has an error, the error message,
// and aria-invalid="true" then. Empty when there is neither.
func (e fieldErr) Attrs(help ...string) template.HTMLAttr {
	ids := help
	if e.Message != "" {
		ids = append(slices.Clip(ids), e.ID+"-error")
	}
	var b strings.Builder
	if len(ids) > 0 {
		b.WriteString(`aria-describedby="` + template.HTMLEscapeString(strings.Join(ids, " ")) + `"`)
	}
	if e.Message != "" {
		b.WriteString(` aria-invalid="true"`)
	}
	return template.HTMLAttr(b.String())
}

// addressInBrackets is " <someone@example.gov>" after a name.
var addressInBrackets = regexp.MustCompile(` <[^<>@\s]+@[^<>\s]+>`)

// byName drops the addresses after names in stored words.
func byName(s string) string { return addressInBrackets.ReplaceAllString(s, "") }

// timeWords is THE format of an instant in words on the ticket page and
// in what its script shows: "Mon Dec 7, 11:30 AM ET", with the year when
// it is not this year's ("Mon Dec 7, 2025, 11:30 AM ET"), in the
// calendar's zone.
func (s *Server) timeWords(t time.Time) string {
	lt := t.In(s.location())
	if lt.Year() != s.now().In(s.location()).Year() {
		return lt.Format("Mon Jan 2, 2006, 3:04 PM") + " " + sla.ZoneName(lt)
	}
	return lt.Format("Mon Jan 2, 3:04 PM") + " " + sla.ZoneName(lt)
}

// rfc3339 is an instant for machines, in the calendar's zone.
func (s *Server) rfc3339(t time.Time) string { return t.In(s.location()).Format(time.RFC3339) }

// location is the calendar's zone (UTC without a policy).
func (s *Server) location() *time.Location {
	if s.svc != nil && s.svc.Policy != nil {
		return s.svc.Policy.Calendar().Location()
	}
	return time.UTC
}

// whenWords is an instant for people in the desk's zone: "Wed Jul 1,
// 2026 9:30 AM ET".
func whenWords(t time.Time, loc *time.Location) string {
	lt := t.In(loc)
	return lt.Format("Mon Jan 2, 2006 3:04 PM") + " " + sla.ZoneName(lt)
}

// agoWords is an elapsed wall-clock time for people: "just now", "12m
// ago", "2h ago", "3d ago", and past four weeks the date ("on Mar 3,
// 2025"); "in the future" for a negative one (a clock ahead).
func agoWords(d time.Duration, t time.Time) string {
	switch {
	case d < 0:
		return "in the future"
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d/time.Hour))
	case d < 28*24*time.Hour:
		return fmt.Sprintf("%dd ago", int(d/(24*time.Hour)))
	}
	return "on " + t.Format("Jan 2, 2006")
}

func timeOf(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, !t.IsZero()
	case *time.Time:
		if t == nil || t.IsZero() {
			return time.Time{}, false
		}
		return *t, true
	}
	return time.Time{}, false
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
