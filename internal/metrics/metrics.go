// Package metrics exposes slatrack's service metrics in the Prometheus
// format: tickets by class and SLA state, first responses met or breached,
// owed promises by class, kind and state, promises kept or broken by class
// and kind, and inbound mail by outcome (read from the database at scrape time, so
// every instance reports the same desk, mail stored by `mail-in` included),
// plus this instance's HTTP latency.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/slatrack/slatrack/internal/promise"
	"github.com/slatrack/slatrack/internal/sla"
)

// Snapshot is the desk's state as the database sees it.
type Snapshot struct {
	// Open counts open, unanswered tickets by class and SLA state
	// (on_track, at_risk, breached).
	Open map[string]map[sla.State]int
	// FirstResponses counts first responses by class and result (met,
	// breached) for tickets received in the last 90 days.
	FirstResponses map[string]map[sla.State]int
	// Owed counts the promises open tickets owe (each ticket's owed
	// promise: its running promise due soonest) by class, kind and state
	// (on_track, at_risk, breached).
	Owed map[string]map[string]map[sla.State]int
	// Promises counts the promises started in the last 90 days that were
	// kept or broken, by class, kind and outcome (met, breached).
	Promises      map[string]map[string]map[promise.Outcome]int
	Quarantined   int
	OutboxBacklog int
	// Ingested counts every inbound mail ever stored, by outcome and source.
	Ingested []IngestCount
}

// IngestCount is how many inbound mails from one source (smtp, pipe, http,
// imap) had one outcome: created, appended, ignored (kept without a
// ticket) or quarantined.
type IngestCount struct {
	Outcome string
	Source  string
	N       int64
}

// Source reads a Snapshot; *store.Store implements it. The open tickets
// and owed promises are counted by the policy's state bounds at the
// scrape, the first responses for tickets received since since and the
// promises for those started since since.
type Source interface {
	MetricsSnapshot(ctx context.Context, b sla.Bounds, since time.Time) (Snapshot, error)
}

// Metrics is the registry and this instance's HTTP latency histogram.
type Metrics struct {
	reg     *prometheus.Registry
	httpDur *prometheus.HistogramVec
}

// New registers the collectors. pol gives the at-risk window; now the clock.
func New(src Source, pol *sla.Policy, now func() time.Time, log *slog.Logger) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.httpDur = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "slatrack_http_request_duration_seconds",
		Help:    "HTTP request latency by route, method and status code.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"route", "method", "code"})
	m.reg.MustRegister(m.httpDur,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&deskCollector{src: src, pol: pol, now: now, log: log})
	return m
}

// Handler serves the metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// ObserveHTTP records one request. route is the route pattern (not the
// raw path), so the label set stays small.
func (m *Metrics) ObserveHTTP(route, method string, code int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.httpDur.WithLabelValues(route, method, strconv.Itoa(code)).Observe(d.Seconds())
}

var (
	openDesc = prometheus.NewDesc("slatrack_open_tickets",
		"Open tickets awaiting a first response, by class and SLA state.", []string{"class", "state"}, nil)
	frDesc = prometheus.NewDesc("slatrack_first_responses_90d",
		"First responses to tickets received in the last 90 days, by class and result (met or breached).", []string{"class", "result"}, nil)
	owedDesc = prometheus.NewDesc("slatrack_owed_promises",
		"Promises open tickets owe now (each ticket's running promise due soonest), by class, kind (first_response, next_response, resolution) and SLA state.",
		[]string{"class", "kind", "state"}, nil)
	promisesDesc = prometheus.NewDesc("slatrack_promises_90d",
		"Promises started in the last 90 days that were kept or broken, by class, kind (first_response, next_response, resolution) and result (met or breached).",
		[]string{"class", "kind", "result"}, nil)
	quarantineDesc = prometheus.NewDesc("slatrack_mail_quarantined",
		"Inbound mail held in quarantine.", nil, nil)
	backlogDesc = prometheus.NewDesc("slatrack_outbox_backlog",
		"Outgoing mail and webhooks waiting to be sent.", nil, nil)
	ingestedDesc = prometheus.NewDesc("slatrack_mail_ingested_total",
		"Inbound mail stored, by every instance and mail-in, by action (created, appended, ignored, quarantined) and source (smtp, pipe, http, imap). Duplicates and mail refused while the database was down are not stored, so not counted.",
		[]string{"action", "source"}, nil)
	upDesc = prometheus.NewDesc("slatrack_database_up",
		"1 when the database answered the last scrape.", nil, nil)
)

// deskCollector reads the desk's state at each scrape.
type deskCollector struct {
	src Source
	pol *sla.Policy
	now func() time.Time
	log *slog.Logger
}

func (c *deskCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{openDesc, frDesc, owedDesc, promisesDesc, quarantineDesc, backlogDesc, ingestedDesc, upDesc} {
		ch <- d
	}
}

func (c *deskCollector) Collect(ch chan<- prometheus.Metric) {
	now := c.now()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	snap, err := c.src.MetricsSnapshot(ctx, c.pol.Bounds(now), now.AddDate(0, 0, -90))
	if err != nil {
		c.log.Warn("metrics: read the desk", "err", err)
		ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, 1)
	for _, class := range c.pol.ClassNames() {
		for _, st := range []sla.State{sla.OnTrack, sla.AtRisk, sla.Breached} {
			ch <- prometheus.MustNewConstMetric(openDesc, prometheus.GaugeValue, float64(snap.Open[class][st]), class, string(st))
		}
		for _, st := range []sla.State{sla.Met, sla.Breached} {
			ch <- prometheus.MustNewConstMetric(frDesc, prometheus.GaugeValue, float64(snap.FirstResponses[class][st]), class, string(st))
		}
		// Every kind the class promises, zeros included, so a series does
		// not vanish when its count drops to nothing.
		for _, kind := range sla.Kinds() {
			if _, ok := c.pol.TargetFor(class, kind); !ok {
				continue
			}
			for _, st := range []sla.State{sla.OnTrack, sla.AtRisk, sla.Breached} {
				ch <- prometheus.MustNewConstMetric(owedDesc, prometheus.GaugeValue, float64(snap.Owed[class][kind][st]), class, kind, string(st))
			}
			for _, o := range []promise.Outcome{promise.Met, promise.Breached} {
				ch <- prometheus.MustNewConstMetric(promisesDesc, prometheus.GaugeValue, float64(snap.Promises[class][kind][o]), class, kind, string(o))
			}
		}
	}
	ch <- prometheus.MustNewConstMetric(quarantineDesc, prometheus.GaugeValue, float64(snap.Quarantined))
	ch <- prometheus.MustNewConstMetric(backlogDesc, prometheus.GaugeValue, float64(snap.OutboxBacklog))
	for _, in := range snap.Ingested {
		ch <- prometheus.MustNewConstMetric(ingestedDesc, prometheus.CounterValue, float64(in.N), in.Outcome, in.Source)
	}
}
