package web

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/slatrack/slatrack/internal/desk"
)

// intakeForm is the public request form.
type intakeForm struct {
	Name, Email, Subject, Body, Class string
	// MaxFileWords is the per-file limit for the attachments input.
	MaxFileWords string
	Errors       desk.ValidationErrors
	Classes      []classOption
}

type intakeDonePage struct {
	Ref, Promise string
}

func (s *Server) intakeForm(c *gin.Context) {
	s.render(c, http.StatusOK, "intake", pageData{Title: "Request support", Nav: "intake",
		Page: intakeForm{Classes: s.classOptions(), MaxFileWords: mailSize(s.mailLimits().MaxAttachmentBytes)}})
}

func (s *Server) intakeSubmit(c *gin.Context) {
	f := intakeForm{
		Name: c.PostForm("name"), Email: c.PostForm("email"), Subject: c.PostForm("subject"),
		Body: c.PostForm("body"), Class: c.PostForm("class"), Classes: s.classOptions(),
		MaxFileWords: mailSize(s.mailLimits().MaxAttachmentBytes),
	}
	if !s.intake.allow(c.ClientIP()) {
		s.render(c, http.StatusTooManyRequests, "intake", pageData{Title: "Request support", Nav: "intake",
			Error: "You have sent many requests in a short time; please wait a while and try again, or email us.", Page: f})
		return
	}
	files, err := formFiles(c)
	var t *desk.Ticket
	if err == nil {
		t, err = s.svc.CreateTicket(c.Request.Context(), desk.NewTicket{
			Subject: f.Subject, Body: f.Body, RequesterEmail: f.Email, RequesterName: f.Name,
			Class: f.Class, Channel: desk.ChannelWeb, Files: files,
		}, nil)
	}
	if err != nil {
		if fe := desk.FieldErrors(err); fe != nil && (desk.ErrorCode(err) == desk.Invalid || desk.ErrorCode(err) == desk.TooLarge) {
			f.Errors = fe
			s.render(c, statusOf(desk.ErrorCode(err)), "intake", pageData{Title: "Request support", Nav: "intake",
				Error: "Please correct the fields marked below.", Page: f})
			return
		}
		s.respondError(c, err)
		return
	}
	// Post/Redirect/Get: the confirmation reads a signed cookie, so a reload
	// does not send the request twice and nobody can look up others' tickets.
	v := t.Ref + "\n" + s.svc.Policy.Promise(t.ResponseDueAt)
	enc := encodeValue(v)
	s.setCookie(c, s.cookies.done, enc+"."+s.sign("done", enc), 600)
	c.Redirect(http.StatusSeeOther, "/submitted")
}

func (s *Server) intakeDone(c *gin.Context) {
	raw, _ := c.Cookie(s.cookies.done)
	v := s.verifySigned("done", raw)
	ref, promise, ok := strings.Cut(v, "\n")
	if !ok {
		c.Redirect(http.StatusSeeOther, "/")
		return
	}
	s.render(c, http.StatusOK, "submitted", pageData{Title: "Request received " + ref, Nav: "intake",
		Page: intakeDonePage{Ref: ref, Promise: promise}})
}
