package web

import (
	"crypto/subtle"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/slatrack/slatrack/internal/desk"
)

// MailOptions configure the web side of mail.
type MailOptions struct {
	// InboundSecret, when set, authorises POST /api/v1/inbound/email through
	// the X-Slatrack-Secret header (API tokens work too).
	InboundSecret string
	// MaxMessageBytes caps inbound mail bodies; bigger ones are read up to
	// twice this and quarantined, beyond that refused with 413.
	MaxMessageBytes int64
}

// inboundAuth lets the inbound mail endpoint in with the shared secret or
// an API token.
func (s *Server) inboundAuth(c *gin.Context) {
	if sec := c.GetHeader("X-Slatrack-Secret"); sec != "" {
		if s.mail.InboundSecret == "" || subtle.ConstantTimeCompare([]byte(sec), []byte(s.mail.InboundSecret)) != 1 {
			s.respondError(c, desk.Errorf(desk.Unauthorized, "wrong inbound secret"))
			return
		}
		c.Next()
		return
	}
	s.requireToken(c)
}

// inboundEmail takes one raw RFC 822 message as the request body.
func (s *Server) inboundEmail(c *gin.Context) {
	limit := 2 * s.mail.MaxMessageBytes
	raw, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	if err != nil {
		s.respondError(c, err)
		return
	}
	res, err := s.svc.IngestMail(c.Request.Context(), raw, "http")
	if err != nil {
		s.respondError(c, err)
		return
	}
	status := http.StatusOK
	if res.Action == desk.ActionCreated {
		status = http.StatusCreated
	}
	c.JSON(status, res)
}

// attachment serves a file only as a download: whatever its declared type,
// it goes out as application/octet-stream with nosniff and a sandbox CSP,
// so HTML or SVG in it can never run on our origin.
func (s *Server) attachment(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		s.respondError(c, err)
		return
	}
	a, err := s.svc.Attachment(c.Request.Context(), c.Param("ref"), id)
	if err != nil {
		s.respondError(c, err)
		return
	}
	name := a.Filename
	if name == "" {
		name = "attachment"
	}
	c.Header("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Content-Security-Policy", "sandbox; default-src 'none'")
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, "application/octet-stream", a.Data)
}

// quarantinePage lists held mail for admins.
type quarantinePage struct {
	Held []*desk.Quarantined
}

func (s *Server) quarantineList(c *gin.Context) {
	held, err := s.svc.HeldMail(c.Request.Context())
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.render(c, http.StatusOK, "quarantine", pageData{Title: "Quarantined mail", Nav: "quarantine", Page: quarantinePage{Held: held}})
}

func (s *Server) quarantineID(c *gin.Context) (uint64, bool) {
	id, err := pathID(c, "id")
	if err != nil {
		s.respondError(c, err)
		return 0, false
	}
	return id, true
}

func (s *Server) quarantineReprocess(c *gin.Context) {
	id, ok := s.quarantineID(c)
	if !ok {
		return
	}
	res, err := s.svc.ReprocessQuarantined(c.Request.Context(), id, currentUser(c))
	if err != nil {
		if code := desk.ErrorCode(err); code == desk.Invalid || code == desk.Conflict {
			s.setFlash(c, fmt.Sprintf("Mail #%d: %s", id, desk.ErrorMessage(err)))
			c.Redirect(http.StatusSeeOther, "/admin/quarantine")
			return
		}
		s.respondError(c, err)
		return
	}
	msg := fmt.Sprintf("Mail #%d reprocessed: %s", id, res.Action)
	if res.Ref != "" {
		msg += " (" + res.Ref + ")"
	}
	s.setFlash(c, msg+".")
	c.Redirect(http.StatusSeeOther, "/admin/quarantine")
}

func (s *Server) quarantineDiscard(c *gin.Context) {
	id, ok := s.quarantineID(c)
	if !ok {
		return
	}
	if err := s.svc.DiscardQuarantined(c.Request.Context(), id, currentUser(c)); err != nil && desk.ErrorCode(err) != desk.Conflict {
		s.respondError(c, err)
		return
	}
	s.setFlash(c, fmt.Sprintf("Mail #%d discarded.", id))
	c.Redirect(http.StatusSeeOther, "/admin/quarantine")
}

// quarantineRaw lets an admin download the held bytes to inspect them.
func (s *Server) quarantineRaw(c *gin.Context) {
	id, ok := s.quarantineID(c)
	if !ok {
		return
	}
	q, err := s.svc.QuarantinedMail(c.Request.Context(), id)
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="quarantine-%d.eml"`, q.ID))
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Content-Security-Policy", "sandbox; default-src 'none'")
	c.Data(http.StatusOK, "application/octet-stream", q.Raw)
}

// isInbound reports whether a request is inbound mail, which has its own
// (larger) body limit.
func isInbound(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.TrimSuffix(r.URL.Path, "/") == "/api/v1/inbound/email"
}
