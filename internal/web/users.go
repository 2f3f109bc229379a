package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/slatrack/slatrack/internal/desk"
)

// usersPage is the admin's list of staff accounts with a form to add one.
type usersPage struct {
	Users  []*desk.User
	Form   desk.NewUser
	Errors desk.ValidationErrors
}

func (s *Server) usersPage(c *gin.Context) {
	s.showUsers(c, http.StatusOK, usersPage{Form: desk.NewUser{Role: desk.RoleStaff}})
}

func (s *Server) showUsers(c *gin.Context, status int, p usersPage) {
	users, err := s.svc.Staff(c.Request.Context())
	if err != nil {
		s.respondError(c, err)
		return
	}
	p.Users = users
	s.render(c, status, "users", pageData{Title: "Staff accounts", Nav: "users", Page: p})
}

func (s *Server) usersCreate(c *gin.Context) {
	n := desk.NewUser{Email: c.PostForm("email"), Name: c.PostForm("name"), Role: c.PostForm("role"), Password: c.PostForm("password")}
	u, err := s.svc.CreateUser(c.Request.Context(), n)
	if err != nil {
		code := desk.ErrorCode(err)
		if code == desk.Invalid || code == desk.Conflict {
			n.Password = ""
			fe := desk.FieldErrors(err)
			if code == desk.Conflict {
				fe = desk.ValidationErrors{"email": desk.ErrorMessage(err)}
			}
			s.showUsers(c, statusOf(code), usersPage{Form: n, Errors: fe})
			return
		}
		s.respondError(c, err)
		return
	}
	s.setFlash(c, "Account created for "+u.Email+".")
	c.Redirect(http.StatusSeeOther, "/admin/users")
}

func (s *Server) usersSetActive(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		s.respondError(c, err)
		return
	}
	active := c.PostForm("active") == "1"
	u, err := s.svc.SetActive(c.Request.Context(), currentUser(c), id, active)
	if err != nil {
		s.respondError(c, err)
		return
	}
	msg := u.Email + " can log in again."
	if !active {
		msg = u.Email + " is deactivated and logged out everywhere. Their API tokens are revoked."
	}
	s.setFlash(c, msg)
	c.Redirect(http.StatusSeeOther, "/admin/users")
}
