package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/slatrack/slatrack/internal/clock"
	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/report"
	"github.com/slatrack/slatrack/internal/sla"
)

// reportErr turns a report parameter error into a 400 naming it.
func reportErr(err error) error {
	var pe *report.ParamError
	if errors.As(err, &pe) {
		return desk.FieldError(pe.Param, "%s", pe.Message)
	}
	return err
}

// reportAt reads ?at= (RFC 3339), defaulting to now.
func (s *Server) reportAt(c *gin.Context) (time.Time, error) {
	v := c.Query("at")
	if v == "" {
		return s.now(), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, desk.FieldError("at", "%q is not a time written like 2026-07-06T09:00:00-04:00 (RFC 3339)", v)
	}
	return t, nil
}

// reportFormat reads ?format=, defaulting to def.
func reportFormat(c *gin.Context, def string, ok ...string) (string, error) {
	f := c.DefaultQuery("format", def)
	for _, o := range ok {
		if f == o {
			return f, nil
		}
	}
	return "", desk.FieldError("format", "there is no format %q; the formats are %s", f, strings.Join(ok, ", "))
}

// writeReport answers a report as CSV or JSON.
func writeReport(c *gin.Context, format, name string, csv, js func(*bytes.Buffer) error) error {
	var buf bytes.Buffer
	if format == "csv" {
		if err := csv(&buf); err != nil {
			return err
		}
		c.Header("Content-Disposition", `attachment; filename="`+name+`.csv"`)
		c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
		return nil
	}
	if err := js(&buf); err != nil {
		return err
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", buf.Bytes())
	return nil
}

func (s *Server) buildOverdue(c *gin.Context) (*report.Overdue, error) {
	at, err := s.reportAt(c)
	if err != nil {
		return nil, err
	}
	forecast, err := report.ParseForecastHours(c.Query("forecast_hours"), s.reportDefs.ForecastHours)
	if err != nil {
		return nil, reportErr(err)
	}
	// The request's context: a client that hangs up stops the work.
	r, err := report.BuildOverdue(c.Request.Context(), s.reports, s.svc.Policy, at, forecast)
	return r, reportErr(err)
}

// reportFormErrors splits a report's parameter error for a page that shows
// its form again: the messages of the fields the form has, by field, and
// anything else as the page's alert. ok is false for an error that is not
// about a parameter (the page cannot be shown: respondError).
func reportFormErrors(err error, fields ...string) (fe desk.ValidationErrors, alert string, ok bool) {
	if desk.ErrorCode(err) != desk.Invalid || desk.ErrorField(err) == "" {
		return nil, "", false
	}
	f, msg := desk.ErrorField(err), desk.ErrorMessage(err)
	for _, name := range fields {
		if f == name {
			return desk.ValidationErrors{f: msg}, "Please correct the field marked below.", true
		}
	}
	return nil, upperFirst(msg) + ".", true
}

func (s *Server) buildCompliance(c *gin.Context) (*report.Compliance, error) {
	at, err := s.reportAt(c)
	if err != nil {
		return nil, err
	}
	from, to, err := report.ParsePeriod(c.Query("period"), c.Query("from"), c.Query("to"), at, s.svc.Policy.Calendar().Location())
	if err != nil {
		return nil, reportErr(err)
	}
	r, err := report.BuildCompliance(c.Request.Context(), s.reports, s.svc.Policy, from, to, at)
	return r, reportErr(err)
}

// apiOverdue is GET /api/v1/reports/overdue?format=csv|json&at=RFC3339&forecast_hours=N.
func (s *Server) apiOverdue(c *gin.Context) {
	format, err := reportFormat(c, "json", "json", "csv")
	if err == nil {
		var r *report.Overdue
		if r, err = s.buildOverdue(c); err == nil {
			err = writeReport(c, format, "overdue", func(b *bytes.Buffer) error { return r.WriteCSV(b, s.cfg.BaseURL) }, func(b *bytes.Buffer) error { return r.WriteJSON(b) })
		}
	}
	if err != nil {
		s.respondError(c, err)
	}
}

// apiCompliance is GET /api/v1/reports/compliance?period=|from=&to=&format=.
func (s *Server) apiCompliance(c *gin.Context) {
	format, err := reportFormat(c, "json", "json", "csv")
	if err == nil {
		var r *report.Compliance
		if r, err = s.buildCompliance(c); err == nil {
			err = writeReport(c, format, "compliance", func(b *bytes.Buffer) error { return r.WriteCSV(b) }, func(b *bytes.Buffer) error { return r.WriteJSON(b) })
		}
	}
	if err != nil {
		s.respondError(c, err)
	}
}

// overduePage is the staff overdue report; R is nil when its form holds
// an error (Errors, by parameter).
type overduePage struct {
	R             *report.Overdue
	Query         string
	ForecastHours string // the form's value, as entered
	At            string // ?at=, kept in the form when given
	Errors        desk.ValidationErrors
}

func (s *Server) overduePage(c *gin.Context) {
	format, err := reportFormat(c, "html", "html", "csv", "json")
	if err != nil {
		s.respondError(c, err)
		return
	}
	if format != "html" {
		s.apiOverdue(c)
		return
	}
	p := overduePage{ForecastHours: c.Query("forecast_hours"), At: c.Query("at")}
	r, err := s.buildOverdue(c)
	if err != nil {
		fe, alert, ok := reportFormErrors(err, "forecast_hours")
		if !ok {
			s.respondError(c, err)
			return
		}
		p.Errors = fe
		if desk.ErrorField(err) == "at" {
			p.At = "" // the form asks again without it
		}
		s.render(c, http.StatusBadRequest, "overdue", pageData{Title: "Overdue report", Nav: "reports", Error: alert, Page: p})
		return
	}
	if p.ForecastHours == "" {
		p.ForecastHours = strconv.Itoa(r.ForecastHours())
	}
	p.R, p.Query = r, c.Request.URL.Query().Encode()
	s.render(c, http.StatusOK, "overdue", pageData{Title: "Overdue report", Nav: "reports", Page: p})
}

// compliancePage is the staff compliance report with its charts; R is nil
// when its form holds an error (Errors, by parameter).
type compliancePage struct {
	R       *report.Compliance
	Errors  desk.ValidationErrors
	Bars    template.HTML
	Trend   template.HTML
	Kinds   []kindTable
	Period  string
	From    string
	To      string
	Periods []string
	Query   string
}

// kindTable is one kind of promise on the compliance page.
type kindTable struct {
	Kind, Title string // "next_response", "Next response"
	Rows        []kindRow
	Total       kindRow
}

// kindRow is one class's promises of a kind, with the share kept in words.
type kindRow struct {
	report.KindStats
	Percent string // "97.5%", or "—"
}

func kindTables(r *report.Compliance) []kindTable {
	var out []kindTable
	for _, k := range r.Kinds {
		kt := kindTable{Kind: k.Kind, Title: upperFirst(k.Label), Total: kindRow{k.Total, percentKept(k.Total)}}
		for _, s := range k.Classes {
			kt.Rows = append(kt.Rows, kindRow{s, percentKept(s)})
		}
		out = append(out, kt)
	}
	return out
}

func (s *Server) compliancePage(c *gin.Context) {
	format, err := reportFormat(c, "html", "html", "csv", "json")
	if err != nil {
		s.respondError(c, err)
		return
	}
	if format != "html" {
		s.apiCompliance(c)
		return
	}
	r, err := s.buildCompliance(c)
	if err != nil {
		// A bad period keeps the form, with what was entered and the
		// message next to the field it is about.
		fe, alert, ok := reportFormErrors(err, "period", "from", "to")
		if !ok {
			s.respondError(c, err)
			return
		}
		s.render(c, http.StatusBadRequest, "compliance", pageData{Title: "Compliance report", Nav: "reports", Error: alert, Page: compliancePage{
			Errors: fe, Period: c.Query("period"), From: c.Query("from"), To: c.Query("to"), Periods: report.PeriodNames(),
		}})
		return
	}
	q := c.Request.URL.Query()
	q.Del("format")
	s.render(c, http.StatusOK, "compliance", pageData{Title: "Compliance report", Nav: "reports", Page: compliancePage{
		R: r,
		// The charts are drawn by report.BarsSVG/TrendSVG, which escape every
		// piece of text they place.
		Bars: template.HTML(report.BarsSVG(r)), Trend: template.HTML(report.TrendSVG(r)), Kinds: kindTables(r),
		Period: c.Query("period"), From: c.Query("from"), To: c.Query("to"), Periods: report.PeriodNames(), Query: q.Encode(),
	}})
}

// statusPage is the public transparency page: every promise and how well
// it was kept, queue health in counts only, hours and upcoming closures.
type statusPage struct {
	Classes  []statusClass
	Open     queueHealth
	AtRisk   string // the at-risk window in words: "1 business hour"
	Closures []clock.ClosedDay
	Updated  time.Time
	Error    bool
}

// queueHealth counts the promises open requests are owed, by SLA state.
type queueHealth struct{ OnTrack, AtRisk, Breached int }

// statusClass is one class on the status page: its promises, first
// response first.
type statusClass struct {
	Class, Label, Objective, Help string
	Promises                      []statusPromise
}

// statusPromise is one kind of promise a class makes and how it was kept
// over the last 30 and 90 days.
type statusPromise struct {
	Kind           string
	What           string // "First response within 3 business hours"
	Last30, Last90 statusFigures
}

// statusFigures are a promise's figures over one period, in words for the
// public: the share kept, how many were decided and broken, and how long
// keeping them took.
type statusFigures struct {
	Percent               string // "97%", or "—" when nothing was decided
	Kept, Broken, Decided int    // Broken: kept late or still overdue
	Median, P90           string // business time, "" when none was kept or broken
}

func figures(st report.KindStats, day time.Duration) statusFigures {
	f := statusFigures{Percent: percentKept(st), Kept: st.Kept, Broken: st.Breached, Decided: st.Kept + st.Breached}
	if st.Ended() > 0 {
		f.Median, f.P90 = sla.FormatBusiness(st.Median, day), sla.FormatBusiness(st.P90, day)
	}
	return f
}

// statusCache keeps the public page's numbers for a minute, so a busy or
// hostile audience cannot make the database work per request.
type statusCache struct {
	mu   sync.Mutex
	at   time.Time
	page *statusPage
}

func (s *Server) statusPage(c *gin.Context) {
	p, err := s.status(c)
	if err != nil {
		s.log.Warn("status page", "err", err)
		p = &statusPage{Error: true, Updated: s.now()}
	}
	c.Header("Cache-Control", "public, max-age=60")
	s.render(c, http.StatusOK, "status", pageData{Title: "Service status and performance", Nav: "status", Page: p})
}

func (s *Server) status(c *gin.Context) (*statusPage, error) {
	s.statusCache.mu.Lock()
	defer s.statusCache.mu.Unlock()
	now := s.now()
	if s.statusCache.page != nil && now.Sub(s.statusCache.at) < time.Minute && now.After(s.statusCache.at) {
		return s.statusCache.page, nil
	}
	ctx := c.Request.Context()
	pol := s.svc.Policy
	cal := pol.Calendar()
	c30, err := report.BuildCompliance(ctx, s.reports, pol, now.AddDate(0, 0, -30), now, now)
	if err != nil {
		return nil, err
	}
	c90, err := report.BuildCompliance(ctx, s.reports, pol, now.AddDate(0, 0, -90), now, now)
	if err != nil {
		return nil, err
	}
	day := cal.BusinessDay()
	find := func(r *report.Compliance, kind, class string) report.KindStats {
		for _, k := range r.Kinds {
			for _, st := range k.Classes {
				if k.Kind == kind && st.Class == class {
					return st
				}
			}
		}
		return report.KindStats{Class: class, Kind: kind}
	}
	p := &statusPage{Updated: now, AtRisk: pol.AtRiskTarget().Words()}
	for _, o := range s.classOptions() {
		sc := statusClass{Class: o.Value, Label: o.Label, Objective: o.Objective, Help: o.Help}
		for _, kind := range sla.Kinds() {
			t, ok := pol.TargetFor(o.Value, kind)
			if !ok {
				continue
			}
			sc.Promises = append(sc.Promises, statusPromise{
				Kind: kind, What: upperFirst(sla.KindLabel(kind)) + " within " + t.Words(),
				Last30: figures(find(c30, kind, o.Value), day), Last90: figures(find(c90, kind, o.Value), day),
			})
		}
		p.Classes = append(p.Classes, sc)
	}
	if s.health != nil {
		snap, err := s.health.MetricsSnapshot(ctx, pol.Bounds(now), now.AddDate(0, 0, -90))
		if err != nil {
			return nil, err
		}
		for _, byKind := range snap.Owed {
			for _, byState := range byKind {
				p.Open.OnTrack += byState[sla.OnTrack]
				p.Open.AtRisk += byState[sla.AtRisk]
				p.Open.Breached += byState[sla.Breached]
			}
		}
	}
	today := now.In(cal.Location())
	for _, y := range []int{today.Year(), today.Year() + 1} {
		for _, d := range cal.ClosedWeekdays(y) {
			if !d.Date.Before(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, cal.Location())) && len(p.Closures) < 6 {
				p.Closures = append(p.Closures, d)
			}
		}
	}
	s.statusCache.at, s.statusCache.page = now, p
	return p, nil
}

// percentKept is a kind's share kept for people: "97.5%", "100%", or "—"
// when nothing was decided yet.
func percentKept(st report.KindStats) string {
	v, ok := st.PercentKept()
	if !ok {
		return "—"
	}
	return strings.Replace(fmt.Sprintf("%.1f%%", v), ".0%", "%", 1)
}

// percentMet is a class's share met for people: "97.5%", "100%", or "—"
// when nothing was decided yet.
func percentMet(st report.Stats) string {
	v, ok := st.PercentMet()
	if !ok {
		return "—"
	}
	return strings.Replace(fmt.Sprintf("%.1f%%", v), ".0%", "%", 1)
}

// upperFirst is s with its first letter in upper case: "next response" →
// "Next response".
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
