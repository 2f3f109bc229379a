package web

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/sla"
)

// queuePage is the staff queue: open tickets, what is due first on top.
type queuePage struct {
	Filter   desk.Filter
	Rows     []ticketView
	Next     string // URL of the next page, "" at the end
	First    string // URL of the first page when paging
	Classes  []classOption
	Statuses []string
	States   []sla.State
	Users    []*desk.User
	Errors   desk.ValidationErrors
	Now      any
}

func filterFrom(c *gin.Context) desk.Filter {
	f := desk.Filter{
		Class: c.Query("class"), Status: c.Query("status"), Assignee: c.Query("assignee"),
		State: c.Query("state"), Text: c.Query("q"), Cursor: c.Query("cursor"),
	}
	if u := currentUser(c); u != nil {
		f.Me = u.ID // assignee:me in the search
	}
	return f
}

func (s *Server) queuePage(c *gin.Context) {
	f := filterFrom(c)
	users, err := s.svc.Staff(c.Request.Context())
	if err != nil {
		s.respondError(c, err)
		return
	}
	now := s.now()
	p := queuePage{Filter: f, Classes: s.classOptions(), Statuses: desk.Statuses(), States: sla.States(), Users: users, Now: now}
	tickets, next, err := s.svc.List(c.Request.Context(), f)
	status := http.StatusOK
	switch {
	case desk.ErrorCode(err) == desk.Invalid:
		p.Errors, status = desk.FieldErrors(err), http.StatusBadRequest
	case err != nil:
		s.respondError(c, err)
		return
	}
	for _, t := range tickets {
		p.Rows = append(p.Rows, s.view(t, now))
	}
	q := url.Values{}
	for k, v := range map[string]string{"class": f.Class, "status": f.Status, "assignee": f.Assignee, "state": f.State, "q": f.Text} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if next != "" {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("cursor", next)
		p.Next = "/queue?" + nq.Encode()
	}
	if f.Cursor != "" {
		p.First = "/queue?" + q.Encode()
	}
	s.render(c, status, "queue", pageData{Title: "Queue", Nav: "queue", Page: p})
}
