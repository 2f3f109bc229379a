// Package web is slatrack's HTTP side: the public intake form, the staff
// pages, and the JSON API. gin lives only here. Handlers are methods on
// Server; every route is in routes.go; every error is answered by
// respondError in errors.go.
package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/slatrack/slatrack/internal/config"
	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/metrics"
	"github.com/slatrack/slatrack/internal/report"
	"github.com/slatrack/slatrack/static"
)

// Options are what the web side needs from main.
type Options struct {
	Service *desk.Service
	Server  config.Server
	Logger  *slog.Logger
	// Secret signs CSRF tokens and flash cookies; shared by every instance
	// (it lives in the database's settings table).
	Secret []byte
	// Ready reports whether the server can do its work (/readyz).
	Ready func(*http.Request) error
	// Mail configures inbound mail over HTTP.
	Mail MailOptions
	// Reports read the desk for the reports and the status page.
	Reports report.Source
	// ReportDefaults are the reports' settings ([reports]): the overdue
	// report's forecast horizon when a request names none.
	ReportDefaults config.Reports
	// Health counts the queue for the status page (nil: no counts shown).
	Health metrics.Source
	// Metrics, when set, is served at /metrics to MetricsAccess.
	Metrics       *metrics.Metrics
	MetricsAccess MetricsAccess
	// Sends reports whether this desk delivers the outbox rows of a
	// channel (outbox.Sender.Sends); nil means every channel. A queued row
	// of a channel nobody sends says why on the ticket page ("queued: no
	// relay configured"), and so does a reply's confirmation.
	Sends func(channel string) bool
}

// Server holds the services and the parsed templates.
type Server struct {
	svc    *desk.Service
	cfg    config.Server
	log    *slog.Logger
	secret []byte
	ready  func(*http.Request) error
	mail   MailOptions

	metrics       *metrics.Metrics
	metricsAccess MetricsAccess
	reports       report.Source
	reportDefs    config.Reports
	health        metrics.Source
	statusCache   statusCache
	sends         func(channel string) bool

	pages   *pageSet
	assets  map[string]string // "style.css" → "/static/style.3f2a1c9e.css"
	files   map[string]asset  // hashed URL path → content
	intake  *limiter
	logins  *limiter
	engine  *gin.Engine
	handler http.Handler
	cookies cookieNames
	started time.Time
}

type asset struct {
	body        []byte
	contentType string
}

// New parses the templates and builds the route table.
func New(o Options) (*Server, error) {
	if o.Mail.MaxMessageBytes <= 0 {
		o.Mail.MaxMessageBytes = 25 << 20
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Reports == nil {
		return nil, fmt.Errorf("web: no report source")
	}
	if len(o.Secret) < 16 {
		return nil, fmt.Errorf("web: secret too short")
	}
	s := &Server{
		svc:     o.Service,
		cfg:     o.Server,
		log:     o.Logger,
		secret:  o.Secret,
		ready:   o.Ready,
		mail:    o.Mail,
		metrics: o.Metrics, metricsAccess: o.MetricsAccess,
		reports: o.Reports, reportDefs: o.ReportDefaults, health: o.Health,
		sends:   o.Sends,
		intake:  newLimiter(o.Server.IntakePerHour, time.Hour),
		logins:  newLimiter(20, 15*time.Minute),
		cookies: newCookieNames(o.Server.SecureCookies),
		started: time.Now(),
	}
	if err := s.loadAssets(); err != nil {
		return nil, err
	}
	pages, err := parsePages(s.templateFuncs())
	if err != nil {
		return nil, err
	}
	s.pages = pages
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	// No proxy is trusted unless configured: X-Forwarded-For from an
	// untrusted client would let it dodge the rate limits.
	if err := e.SetTrustedProxies(o.Server.TrustedProxies); err != nil {
		return nil, fmt.Errorf("web: server.trusted_proxies: %w", err)
	}
	e.HandleMethodNotAllowed = true
	s.engine = e
	s.routes(e)
	// slatrack is always served from the root. gin puts X-Forwarded-Prefix
	// in front of its trailing-slash redirects, so any client could choose
	// where they point: the header is dropped before gin sees it.
	s.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Del("X-Forwarded-Prefix")
		e.ServeHTTP(w, r)
	})
	return s, nil
}

// Handler is the whole HTTP application.
func (s *Server) Handler() http.Handler { return s.handler }

// loadAssets reads the static files and names each by a hash of its content.
func (s *Server) loadAssets() error {
	s.assets, s.files = map[string]string{}, map[string]asset{}
	return fs.WalkDir(static.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".go") {
			return err
		}
		b, err := fs.ReadFile(static.FS, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ext := path.Ext(p)
		hashed := "/static/" + strings.TrimSuffix(p, ext) + "." + hex.EncodeToString(sum[:5]) + ext
		ct := map[string]string{".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}[ext]
		s.assets[p] = hashed
		s.files[hashed] = asset{body: b, contentType: ct}
		return nil
	})
}

// serveStatic answers a content-hashed static file, cacheable for a year.
func (s *Server) serveStatic(c *gin.Context) {
	a, ok := s.files[c.Request.URL.Path]
	if !ok {
		s.respondError(c, desk.Errorf(desk.NotFound, "no such file"))
		return
	}
	c.Header("Cache-Control", "public, max-age=31536000, immutable")
	c.Data(http.StatusOK, a.contentType, a.body)
}
