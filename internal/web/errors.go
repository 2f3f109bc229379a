package web

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/slatrack/slatrack/internal/desk"
)

var (
	errNoRoute  = desk.Errorf(desk.NotFound, "there is no page at this address")
	errNoMethod = &desk.Error{Code: "method", Message: "this address does not accept that method"}
)

// pathID reads the id in the path parameter name. Both databases keep ids
// as positive signed 64-bit integers (and their drivers refuse a uint64
// with the high bit set), so anything else — not a number, 0, ≥ 2^63 —
// names nothing: desk.ErrNotFound, a 404.
func pathID(c *gin.Context, name string) (uint64, error) {
	id, err := strconv.ParseUint(c.Param(name), 10, 64)
	if err != nil || id == 0 || id > math.MaxInt64 {
		return 0, desk.ErrNotFound
	}
	return id, nil
}

// statusOf is the one mapping from domain error codes to HTTP statuses.
func statusOf(code desk.Code) int {
	switch code {
	case desk.Invalid:
		return http.StatusBadRequest
	case desk.Unauthorized:
		return http.StatusUnauthorized
	case desk.Forbidden:
		return http.StatusForbidden
	case desk.NotFound:
		return http.StatusNotFound
	case desk.Conflict:
		return http.StatusConflict
	case desk.TooLarge:
		return http.StatusRequestEntityTooLarge
	case desk.RateLimited:
		return http.StatusTooManyRequests
	case desk.Unavailable:
		return http.StatusServiceUnavailable
	case "method":
		return http.StatusMethodNotAllowed
	}
	return http.StatusInternalServerError
}

// wantsJSON decides the error format: the API and clients that ask for JSON
// get JSON, browsers get a page.
func wantsJSON(c *gin.Context) bool {
	if strings.HasPrefix(c.Request.URL.Path, "/api/") {
		return true
	}
	accept := c.GetHeader("Accept")
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}

// statusClientClosed is answered (to no one) when the client hung up and its
// request's work stopped for that: nginx's "client closed request", so logs
// and metrics tell it apart from our failures.
const statusClientClosed = 499

// respondError answers err: the status from its code, a message safe to
// show, and a log line for the internal ones (never the client).
func (s *Server) respondError(c *gin.Context, err error) {
	if c.Request.Context().Err() != nil && errors.Is(err, context.Canceled) {
		s.log.Debug("request abandoned by the client", "method", c.Request.Method, "path", c.Request.URL.Path)
		c.AbortWithStatus(statusClientClosed)
		return
	}
	code := desk.ErrorCode(err)
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		code, err = desk.TooLarge, desk.Errorf(desk.TooLarge, "the request body is larger than %s", mailSize(int(maxErr.Limit)))
	}
	status := statusOf(code)
	if status >= 500 {
		s.log.Error("request failed", "method", c.Request.Method, "path", c.Request.URL.Path, "err", err)
	}
	msg := desk.ErrorMessage(err)
	if code == desk.Unauthorized && !wantsJSON(c) && c.Request.Method == http.MethodGet && strings.Contains(c.GetHeader("Accept"), "text/html") {
		c.Redirect(http.StatusSeeOther, "/login?next="+urlQueryEscape(c.Request.URL.RequestURI()))
		c.Abort()
		return
	}
	if wantsJSON(c) {
		body := gin.H{"error": msg}
		if f := desk.ErrorField(err); f != "" {
			body["field"] = f
		}
		if st := desk.Stale(err); st != nil {
			// A conflict with details: what changed since the version the
			// client sent, so it can show them before trying again.
			body["current_version"] = st.Version
			body["changes"] = s.apiChanges(st.Changes)
		}
		c.AbortWithStatusJSON(status, body)
		return
	}
	s.render(c, status, "error", pageData{Title: http.StatusText(status), Error: upperFirst(msg), Status: status})
	c.Abort()
}
