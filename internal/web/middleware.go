package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/slatrack/slatrack/internal/desk"
)

// recoverPanics turns a panic into a logged 500 with a plain message: no
// stack trace ever reaches the client.
func (s *Server) recoverPanics(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			s.respondError(c, &desk.Error{Code: desk.Internal, Err: fmt.Errorf("panic: %v", r)})
		}
	}()
	c.Next()
}

// logRequests writes one structured line per request.
func (s *Server) logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	s.log.Debug("http", "method", c.Request.Method, "path", c.Request.URL.Path,
		"status", c.Writer.Status(), "ms", time.Since(start).Milliseconds())
}

// securityHeaders: no framing, no sniffing, only our own scripts and
// styles; and with secure cookies (so, behind HTTPS) HTTPS only, for a year.
func (s *Server) securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	if s.cfg.SecureCookies {
		h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	c.Next()
}

// limitBody caps every request body; reading past it fails with a
// *http.MaxBytesError that respondError answers with 413.
func (s *Server) limitBody(c *gin.Context) {
	if c.Request.Body != nil && !isInbound(c.Request) {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.bodyLimit(c))
	}
	c.Next()
}

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

func (s *Server) readyz(c *gin.Context) {
	if s.ready != nil {
		if err := s.ready(c.Request); err != nil {
			s.log.Warn("not ready", "err", err)
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "error": "the database cannot write: " + desk.ErrorMessage(err)})
			return
		}
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}
