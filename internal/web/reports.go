package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"sync"
	"time"

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
		return desk.FieldError(pe.Param, "%s", pe.Error())
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
		return time.Time{}, desk.FieldError("at", "at: %q is not RFC 3339 (e.g. 2026-07-06T09:00:00-04:00)", v)
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
	return "", desk.FieldError("format", "format: %q is not one of %s", f, strings.Join(ok, ", "))
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
	// The request's context: a client that hangs up stops the work.
	r, err := report.BuildOverdue(c.Request.Context(), s.reports, s.svc.Policy, at)
	return r, reportErr(err)
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

// apiOverdue is GET /api/v1/reports/overdue?format=csv|json&at=RFC3339.
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

// overduePage is the staff overdue report.
type overduePage struct {
	R     *report.Overdue
	Query string
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
	r, err := s.buildOverdue(c)
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.render(c, http.StatusOK, "overdue", pageData{Title: "Overdue report", Nav: "reports", Refresh: 60,
		Page: overduePage{R: r, Query: c.Request.URL.Query().Encode()}})
}

// compliancePage is the staff compliance report with its charts.
type compliancePage struct {
	R       *report.Compliance
	Bars    template.HTML
	Trend   template.HTML
	Period  string
	From    string
	To      string
	Periods []string
	Query   string
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
		s.respondError(c, err)
		return
	}
	q := c.Request.URL.Query()
	q.Del("format")
	s.render(c, http.StatusOK, "compliance", pageData{Title: "Compliance report", Nav: "reports", Page: compliancePage{
		R: r,
		// The charts are drawn by report.BarsSVG/TrendSVG, which escape every
		// piece of text they place.
		Bars: template.HTML(report.BarsSVG(r)), Trend: template.HTML(report.TrendSVG(r)),
		Period: c.Query("period"), From: c.Query("from"), To: c.Query("to"), Periods: report.PeriodNames(), Query: q.Encode(),
	}})
}

// statusPage is the public transparency page: objectives, how well they
// were kept, queue health in counts only, hours and upcoming closures.
type statusPage struct {
	Classes  []statusClass
	Open     queueHealth
	AtRisk   string // the at-risk window in words: "1 business hour"
	Closures []clock.ClosedDay
	Updated  time.Time
	Error    bool
}

// queueHealth counts open tickets awaiting a first response by SLA state.
type queueHealth struct{ OnTrack, AtRisk, Breached int }

type statusClass struct {
	Class, Label, Objective, Help string
	Met30, Met90                  string // "97%" or "—"
	Decided30, Decided90          int
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
	p := &statusPage{Updated: now, AtRisk: pol.AtRiskTarget().Words()}
	for _, o := range s.classOptions() {
		sc := statusClass{Class: o.Value, Label: o.Label, Objective: o.Objective, Help: o.Help, Met30: "—", Met90: "—"}
		for _, st := range c30.Classes {
			if st.Class == o.Value {
				sc.Met30, sc.Decided30 = percentMet(st), st.Met+st.Breached
			}
		}
		for _, st := range c90.Classes {
			if st.Class == o.Value {
				sc.Met90, sc.Decided90 = percentMet(st), st.Met+st.Breached
			}
		}
		p.Classes = append(p.Classes, sc)
	}
	if s.health != nil {
		snap, err := s.health.MetricsSnapshot(ctx, pol.Bounds(now), now.AddDate(0, 0, -90))
		if err != nil {
			return nil, err
		}
		for _, byState := range snap.Open {
			p.Open.OnTrack += byState[sla.OnTrack]
			p.Open.AtRisk += byState[sla.AtRisk]
			p.Open.Breached += byState[sla.Breached]
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

// percentMet is a class's share met for people: "97.5%", "100%", or "—"
// when nothing was decided yet.
func percentMet(st report.Stats) string {
	v, ok := st.PercentMet()
	if !ok {
		return "—"
	}
	return strings.Replace(fmt.Sprintf("%.1f%%", v), ".0%", "%", 1)
}
