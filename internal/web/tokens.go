package web

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/slatrack/slatrack/internal/desk"
)

// tokensPage is the admin's list of API tokens, each with a revoke button.
type tokensPage struct {
	Tokens []tokenRow
}

// tokenRow is one token as the list shows it.
type tokenRow struct {
	*desk.Token
	OwnerEmail  string
	OwnerActive bool
	Expired     bool
}

func (s *Server) tokensPage(c *gin.Context) {
	tokens, err := s.svc.ListTokens(c.Request.Context())
	if err != nil {
		s.respondError(c, err)
		return
	}
	now := s.now()
	p := tokensPage{Tokens: make([]tokenRow, 0, len(tokens))}
	for _, t := range tokens {
		r := tokenRow{Token: t, Expired: t.ExpiresAt != nil && !t.ExpiresAt.After(now)}
		if t.Owner != nil {
			r.OwnerEmail, r.OwnerActive = t.Owner.Email, t.Owner.Active
		}
		p.Tokens = append(p.Tokens, r)
	}
	s.render(c, http.StatusOK, "tokens", pageData{Title: "API tokens", Nav: "tokens", Page: p})
}

func (s *Server) tokensRevoke(c *gin.Context) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil {
		s.respondError(c, desk.ErrNotFound)
		return
	}
	t, err := s.svc.RevokeToken(c.Request.Context(), id)
	if err != nil {
		s.respondError(c, err)
		return
	}
	owner := "its owner"
	if t.Owner != nil {
		owner = t.Owner.Email
	}
	s.setFlash(c, "Token “"+t.Name+"” of "+owner+" is revoked; it no longer works.")
	c.Redirect(http.StatusSeeOther, "/admin/tokens")
}
