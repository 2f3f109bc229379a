package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/slatrack/slatrack/internal/desk"
)

// cookieNames are the names of slatrack's cookies.
type cookieNames struct{ session, csrf, flash, done string }

// newCookieNames gives the cookies the __Host- prefix when they are Secure:
// a browser then takes them only from HTTPS, with Path=/ and no Domain, so
// neither a sibling subdomain nor anyone on plain HTTP can plant or
// overwrite them (a planted CSRF cookie is half of a login-CSRF attack).
func newCookieNames(secure bool) cookieNames {
	p := ""
	if secure {
		p = "__Host-"
	}
	return cookieNames{session: p + "slatrack_session", csrf: p + "slatrack_csrf", flash: p + "slatrack_flash", done: p + "slatrack_submitted"}
}

// Context keys.
const (
	ctxUser = "slatrack.user"
	ctxCSRF = "slatrack.csrf"
)

func currentUser(c *gin.Context) *desk.User {
	if u, ok := c.Get(ctxUser); ok {
		return u.(*desk.User)
	}
	return nil
}

func csrfToken(c *gin.Context) string { return c.GetString(ctxCSRF) }

func (s *Server) setCookie(c *gin.Context, name, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) sign(purpose, value string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(purpose + "\x00" + value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// csrf gives every browser a random CSRF cookie and every form a token
// derived from it (and, once logged in, from the session) with the server's
// secret; state-changing requests must send the token back. It also loads
// the logged-in user, if any.
func (s *Server) csrf(c *gin.Context) {
	id, err := c.Cookie(s.cookies.csrf)
	if err != nil || len(id) < 32 {
		id = desk.RandomToken()
		s.setCookie(c, s.cookies.csrf, id, 0)
	}
	session := ""
	if tok, err := c.Cookie(s.cookies.session); err == nil && tok != "" {
		if u, err := s.svc.SessionUser(c.Request.Context(), tok); err == nil {
			c.Set(ctxUser, u)
			session = tok
		}
	}
	want := s.csrfFor(id, session)
	c.Set(ctxCSRF, want)
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
		if err := parseForm(c.Request); err != nil {
			s.respondError(c, err)
			return
		}
		got := c.PostForm("csrf_token")
		if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			s.respondError(c, desk.Errorf(desk.Forbidden, "this form has expired or came from another site; please reload the page and try again"))
			return
		}
	}
	c.Next()
}

// csrfFor is the form token for the CSRF cookie id and the logged-in
// session ("" when anonymous). Binding it to the session means a cookie and
// token pair an attacker fetched anonymously (and planted in a victim's
// browser) does not fit any request made with the victim's session.
func (s *Server) csrfFor(id, session string) string {
	if session == "" {
		return s.sign("csrf", id)
	}
	return s.sign("csrf-session", id+"\x00"+desk.HashToken(session))
}

// parseForm reads a posted form up front, so an oversize or broken body is
// answered as such (413, 400) rather than as a missing CSRF token.
func parseForm(r *http.Request) error {
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(1 << 20)
	} else {
		err = r.ParseForm()
	}
	var maxErr *http.MaxBytesError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &maxErr):
		return err
	}
	return desk.Errorf(desk.Invalid, "the form could not be read; please reload the page and try again")
}

// requireStaff lets only logged-in staff through.
func (s *Server) requireStaff(c *gin.Context) {
	if currentUser(c) == nil {
		s.respondError(c, desk.Errorf(desk.Unauthorized, "please log in"))
		return
	}
	c.Next()
}

// requireAdmin lets only admins through.
func (s *Server) requireAdmin(c *gin.Context) {
	if !currentUser(c).IsAdmin() {
		s.respondError(c, desk.Errorf(desk.Forbidden, "only an admin may do this"))
		return
	}
	c.Next()
}

// requireToken authenticates API calls by bearer token.
func (s *Server) requireToken(c *gin.Context) {
	h := c.GetHeader("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		c.Header("WWW-Authenticate", `Bearer realm="slatrack"`)
		s.respondError(c, desk.Errorf(desk.Unauthorized, "missing API token (send Authorization: Bearer TOKEN; create one with `slatrack token create --email E`)"))
		return
	}
	u, err := s.svc.TokenUser(c.Request.Context(), strings.TrimSpace(tok))
	if err != nil {
		c.Header("WWW-Authenticate", `Bearer realm="slatrack", error="invalid_token"`)
		s.respondError(c, err)
		return
	}
	c.Set(ctxUser, u)
	c.Next()
}

// setFlash leaves a one-time message for the next page.
func (s *Server) setFlash(c *gin.Context, msg string) {
	v := encodeValue(msg)
	s.setCookie(c, s.cookies.flash, v+"."+s.sign("flash", v), 60)
}

// takeFlash reads and clears the one-time message.
func (s *Server) takeFlash(c *gin.Context) string {
	raw, err := c.Cookie(s.cookies.flash)
	if err != nil || raw == "" {
		return ""
	}
	s.setCookie(c, s.cookies.flash, "", -1)
	return s.verifySigned("flash", raw)
}

func encodeValue(v string) string { return base64.RawURLEncoding.EncodeToString([]byte(v)) }

func (s *Server) verifySigned(purpose, raw string) string {
	v, sig, ok := strings.Cut(raw, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(s.sign(purpose, v))) {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return ""
	}
	return string(b)
}

type loginPage struct {
	Email string
	Next  string
	// Failed marks both fields invalid, described by the page's alert:
	// which of the two was wrong is not said.
	Failed bool
}

func (s *Server) loginForm(c *gin.Context) {
	if currentUser(c) != nil {
		c.Redirect(http.StatusSeeOther, safeNext(c.Query("next")))
		return
	}
	s.render(c, http.StatusOK, "login", pageData{Title: "Staff login", Page: loginPage{Next: c.Query("next")}})
}

func (s *Server) loginSubmit(c *gin.Context) {
	email, next := c.PostForm("email"), c.PostForm("next")
	if !s.logins.allow(c.ClientIP()) {
		s.render(c, http.StatusTooManyRequests, "login", pageData{Title: "Staff login",
			Error: "Too many login attempts from your address; please wait a few minutes.", Page: loginPage{Email: email, Next: next}})
		return
	}
	u, err := s.svc.Authenticate(c.Request.Context(), email, c.PostForm("password"))
	if err != nil {
		if desk.ErrorCode(err) != desk.Unauthorized {
			s.respondError(c, err)
			return
		}
		s.render(c, http.StatusUnauthorized, "login", pageData{Title: "Staff login", Error: upperFirst(desk.ErrorMessage(err)), Page: loginPage{Email: email, Next: next, Failed: true}})
		return
	}
	// Renew everything at login: a new session id and a new CSRF secret,
	// and the old session (if any) ends.
	if old, err := c.Cookie(s.cookies.session); err == nil {
		_ = s.svc.EndSession(c.Request.Context(), old)
	}
	ttl := time.Duration(s.cfg.SessionHours) * time.Hour
	tok, err := s.svc.StartSession(c.Request.Context(), u, ttl)
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.setCookie(c, s.cookies.session, tok, int(ttl.Seconds()))
	s.setCookie(c, s.cookies.csrf, desk.RandomToken(), 0)
	c.Redirect(http.StatusSeeOther, safeNext(next))
}

func (s *Server) logout(c *gin.Context) {
	if tok, err := c.Cookie(s.cookies.session); err == nil {
		if err := s.svc.EndSession(c.Request.Context(), tok); err != nil {
			s.respondError(c, err)
			return
		}
	}
	s.setCookie(c, s.cookies.session, "", -1)
	s.setCookie(c, s.cookies.csrf, "", -1)
	s.setFlash(c, "You have logged out.")
	c.Redirect(http.StatusSeeOther, "/login")
}

// safeNext keeps post-login redirects on this site.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if next == "" || err != nil || u.IsAbs() || u.Host != "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return "/queue"
	}
	return next
}
