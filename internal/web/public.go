package web

import (
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/slatrack/slatrack/internal/clock"
	"github.com/slatrack/slatrack/internal/desk"
)

// MetricsAccess says who may read /metrics.
type MetricsAccess struct {
	Mode  string // loopback, token or open
	Token string
}

// metricsHandler serves Prometheus metrics to whoever the config allows.
func (s *Server) metricsHandler(c *gin.Context) {
	if s.metrics == nil {
		s.respondError(c, errNoRoute)
		return
	}
	switch s.metricsAccess.Mode {
	case "open":
	case "token":
		tok, _ := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
		if subtle.ConstantTimeCompare([]byte(tok), []byte(s.metricsAccess.Token)) != 1 {
			c.Header("WWW-Authenticate", `Bearer realm="slatrack metrics"`)
			s.respondError(c, desk.Errorf(desk.Unauthorized, "metrics need Authorization: Bearer <metrics.token>"))
			return
		}
	default: // loopback: the direct peer, never a forwarded header
		host, _, _ := net.SplitHostPort(c.Request.RemoteAddr)
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			s.respondError(c, desk.Errorf(desk.Forbidden, "metrics are only served to this machine (set metrics.access)"))
			return
		}
	}
	s.metrics.Handler().ServeHTTP(c.Writer, c.Request)
}

// observe records each request's latency by route pattern, and tells the
// client the server-side time in a Server-Timing header (load tests read it
// to separate the server's time from the network's).
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	c.Writer = &timingWriter{ResponseWriter: c.Writer, start: start}
	c.Next()
	if s.metrics != nil {
		s.metrics.ObserveHTTP(c.FullPath(), c.Request.Method, c.Writer.Status(), time.Since(start))
	}
}

// timingWriter stamps Server-Timing just before the headers go out.
type timingWriter struct {
	gin.ResponseWriter
	start   time.Time
	stamped bool
}

func (w *timingWriter) stamp() {
	if !w.stamped {
		w.stamped = true
		w.Header().Set("Server-Timing", fmt.Sprintf("app;dur=%.3f", float64(time.Since(w.start).Microseconds())/1000))
	}
}

func (w *timingWriter) WriteHeader(code int) { w.stamp(); w.ResponseWriter.WriteHeader(code) }
func (w *timingWriter) WriteHeaderNow()      { w.stamp(); w.ResponseWriter.WriteHeaderNow() }
func (w *timingWriter) Write(b []byte) (int, error) {
	w.stamp()
	return w.ResponseWriter.Write(b)
}
func (w *timingWriter) WriteString(s string) (int, error) {
	w.stamp()
	return w.ResponseWriter.WriteString(s)
}

// calendarICS is the desk's closed days as an iCalendar feed: this year and
// the next, holidays and configured closures (weekends are implied by the
// opening hours and left out).
func (s *Server) calendarICS(c *gin.Context) {
	cal := s.svc.Policy.Calendar()
	now := s.now().In(cal.Location())
	var b strings.Builder
	line := func(l string) { b.WriteString(foldICS(l)) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//slatrack//support desk closures//EN")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	line("X-WR-CALNAME:Support desk closures")
	line("X-WR-TIMEZONE:" + cal.Location().String())
	stamp := now.UTC().Format("20060102T150405Z")
	host := strings.TrimPrefix(strings.TrimPrefix(s.cfg.BaseURL, "https://"), "http://")
	for _, y := range []int{now.Year(), now.Year() + 1} {
		for _, d := range cal.ClosedWeekdays(y) {
			day := d.Date.Format("20060102")
			line("BEGIN:VEVENT")
			line("UID:closed-" + day + "@" + host)
			line("DTSTAMP:" + stamp)
			line("DTSTART;VALUE=DATE:" + day)
			line("DTEND;VALUE=DATE:" + d.Date.AddDate(0, 0, 1).Format("20060102"))
			line("SUMMARY:" + escapeICS("Support desk closed: "+d.Name))
			line("DESCRIPTION:" + escapeICS(closedWhy(d)+". Response clocks are stopped; they resume at the next opening."))
			line("TRANSP:TRANSPARENT")
			line("END:VEVENT")
		}
	}
	line("END:VCALENDAR")
	c.Header("Cache-Control", "public, max-age=3600")
	c.Header("Content-Disposition", `inline; filename="slatrack-closures.ics"`)
	c.Data(http.StatusOK, "text/calendar; charset=utf-8", []byte(b.String()))
}

func closedWhy(d clock.ClosedDay) string {
	if d.Kind == clock.KindClosure {
		return "Closure"
	}
	return "Federal holiday"
}

// escapeICS escapes TEXT values (RFC 5545 3.3.11).
func escapeICS(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`, "\r", "").Replace(s)
}

// foldICS ends a content line with CRLF, folded (RFC 5545 §3.1) so that no
// line is longer than 75 octets — a continuation line's leading space
// included — and no UTF-8 sequence is split.
func foldICS(l string) string {
	var b strings.Builder
	room := 75 // octets the first line may hold; continuation lines hold one less
	for len(l) > room {
		cut := room
		for cut > 0 && l[cut]&0xC0 == 0x80 { // l[cut] continues a sequence: cut before it
			cut--
		}
		b.WriteString(l[:cut] + "\r\n ")
		l = l[cut:]
		room = 74
	}
	b.WriteString(l + "\r\n")
	return b.String()
}
