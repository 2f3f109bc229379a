package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/slatrack/slatrack/internal/desk"
)

// bulkGroup is a group of changes in the queue's bulk select.
type bulkGroup struct {
	Label   string
	Options []bulkOption
}

// bulkOption is one change: its form value ("assign:sam@agency.gov",
// "status:open", "class:other", "close") and its label.
type bulkOption struct {
	Value, Label string
}

// bulkActions are the changes the queue offers for the selected tickets.
func (s *Server) bulkActions(users []*desk.User) []bulkGroup {
	assign := bulkGroup{Label: "Assign to"}
	for _, u := range users {
		if u.Active {
			assign.Options = append(assign.Options, bulkOption{"assign:" + u.Email, nameOf(u)})
		}
	}
	assign.Options = append(assign.Options, bulkOption{"assign:", "Nobody (unassign)"})
	status := bulkGroup{Label: "Set status"}
	for _, st := range desk.Statuses() {
		status.Options = append(status.Options, bulkOption{"status:" + st, desk.StatusLabel(st)})
	}
	class := bulkGroup{Label: "Change class"}
	for _, o := range s.classOptions() {
		class.Options = append(class.Options, bulkOption{"class:" + o.Value, o.Label})
	}
	return []bulkGroup{{Label: "Close", Options: []bulkOption{{"close", "Close the tickets"}}}, assign, status, class}
}

func nameOf(u *desk.User) string {
	if u.Name != "" {
		return u.Name
	}
	return u.Email
}

// bulkForm is the queue's bulk change as posted: the tickets (or all in
// the view the query string names) and the change.
type bulkForm struct {
	Refs  []string
	All   bool
	Query string // the view's filter, queryOf's string
	Do    string
}

func bulkFormFrom(c *gin.Context) bulkForm {
	return bulkForm{Refs: c.PostFormArray("ref"), All: c.PostForm("all") == "1", Query: c.PostForm("vq"), Do: c.PostForm("do")}
}

// patchOf reads the change a bulk form asks for, with a description for
// people ("assign them to Sam Staff").
func (s *Server) patchOf(c *gin.Context, do string) (desk.Patch, string, error) {
	kind, arg, _ := strings.Cut(do, ":")
	switch kind {
	case "close":
		st := desk.StatusClosed
		return desk.Patch{Status: &st}, "close them", nil
	case "status":
		if desk.ValidStatus(arg) {
			return desk.Patch{Status: &arg}, "set their status to " + desk.StatusLabel(arg), nil
		}
	case "class":
		if s.svc.Policy.ValidClass(arg) {
			return desk.Patch{Class: &arg, Reason: "bulk change"}, "change their class to " + s.svc.Policy.Title(arg), nil
		}
	case "assign":
		if arg == "" {
			return desk.Patch{AssigneeEmail: &arg}, "unassign them", nil
		}
		users, err := s.svc.Staff(c.Request.Context())
		if err != nil {
			return desk.Patch{}, "", err
		}
		for _, u := range users {
			if u.Active && strings.EqualFold(u.Email, arg) {
				return desk.Patch{AssigneeEmail: &arg}, "assign them to " + nameOf(u), nil
			}
		}
		return desk.Patch{}, "", desk.FieldError("do", "nobody active on the staff has the address %s", arg)
	}
	return desk.Patch{}, "", desk.FieldError("do", "please choose what to do with the selected tickets")
}

// bulkPage is the confirmation of a bulk change, and afterwards its
// outcome when some tickets could not be changed.
type bulkPage struct {
	Form      bulkForm
	What      string // "assign them to Sam Staff"
	Back      string // the queue view to return to
	Truncated bool   // the view holds more than MaxBulk tickets
	Max       int
	Problem   string
	Done      bool
	Changed   int
	Failed    []bulkFailure
}

// bulkFailure is a ticket a bulk change could not change, and why.
type bulkFailure struct {
	Ref, Why string
}

// queueBulkReview answers the queue's bulk form with the confirmation:
// which tickets, what change. Nothing changes until it is confirmed.
func (s *Server) queueBulkReview(c *gin.Context) {
	f := bulkFormFrom(c)
	p := bulkPage{Form: f, Back: queueURL("/queue", queryOf(filterOfQuery(f.Query))), Max: desk.MaxBulk}
	_, what, err := s.patchOf(c, f.Do)
	if desk.ErrorCode(err) == desk.Invalid {
		p.Problem = desk.ErrorMessage(err)
		s.render(c, http.StatusBadRequest, "queue_confirm", pageData{Title: "Bulk change", Nav: "queue", Page: p})
		return
	} else if err != nil {
		s.respondError(c, err)
		return
	}
	p.What = what
	if f.All {
		refs, more, err := s.refsInView(c, filterOfQuery(f.Query))
		if err != nil {
			if desk.ErrorCode(err) == desk.Invalid {
				p.Problem = desk.ErrorMessage(err)
				s.render(c, http.StatusBadRequest, "queue_confirm", pageData{Title: "Bulk change", Nav: "queue", Page: p})
				return
			}
			s.respondError(c, err)
			return
		}
		p.Form.Refs, p.Truncated = refs, more
	}
	switch {
	case len(p.Form.Refs) == 0:
		p.Problem = "No tickets were selected: tick the box of each ticket to change, or “Select all in this view”."
	case len(p.Form.Refs) > desk.MaxBulk:
		p.Problem = fmt.Sprintf("%d tickets were selected; a bulk change may touch at most %d at a time.", len(p.Form.Refs), desk.MaxBulk)
	}
	status := http.StatusOK
	if p.Problem != "" {
		status = http.StatusBadRequest
	}
	s.render(c, status, "queue_confirm", pageData{Title: "Confirm the bulk change", Nav: "queue", Page: p})
}

// refsInView is the references of the first MaxBulk tickets f selects,
// and whether it selects more.
func (s *Server) refsInView(c *gin.Context, f desk.Filter) ([]string, bool, error) {
	var refs []string
	f.Limit, f.Cursor = 200, ""
	for {
		page, err := s.svc.Page(c.Request.Context(), f)
		if err != nil {
			return nil, false, err
		}
		for _, t := range page.Tickets {
			if len(refs) == desk.MaxBulk {
				return refs, true, nil
			}
			refs = append(refs, t.Ref)
		}
		if page.Next == "" {
			return refs, false, nil
		}
		f.Cursor = page.Next
	}
}

// queueBulkApply makes a confirmed bulk change, each ticket through the
// desk's rules and on its timeline, and says what happened.
func (s *Server) queueBulkApply(c *gin.Context) {
	f := bulkFormFrom(c)
	p := bulkPage{Form: f, Back: queueURL("/queue", queryOf(filterOfQuery(f.Query))), Max: desk.MaxBulk, Done: true}
	patch, what, err := s.patchOf(c, f.Do)
	p.What = what
	var results []desk.BulkResult
	if err == nil {
		results, err = s.svc.Bulk(c.Request.Context(), currentUser(c), f.Refs, patch)
	}
	if err != nil {
		if code := desk.ErrorCode(err); code != desk.Invalid && code != desk.Forbidden {
			s.respondError(c, err)
			return
		}
		p.Done, p.Problem = false, desk.ErrorMessage(err)
		s.render(c, http.StatusBadRequest, "queue_confirm", pageData{Title: "Bulk change", Nav: "queue", Page: p})
		return
	}
	for _, r := range results {
		if r.Err != nil {
			why := desk.ErrorMessage(r.Err)
			if desk.ErrorCode(r.Err) == desk.NotFound {
				why = "there is no such ticket"
			}
			p.Failed = append(p.Failed, bulkFailure{Ref: r.Ref, Why: why})
			continue
		}
		p.Changed++
	}
	done := fmt.Sprintf("Done: %s — %s.", plural(p.Changed, "ticket changed", "tickets changed"), what)
	if len(p.Failed) == 0 {
		s.setFlash(c, done)
		c.Redirect(http.StatusSeeOther, p.Back)
		return
	}
	s.render(c, http.StatusOK, "queue_confirm", pageData{Title: "Bulk change", Nav: "queue", Flash: done, Page: p})
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// queueViewSave saves the queue's current filter as a named view.
func (s *Server) queueViewSave(c *gin.Context) {
	query := c.PostForm("vq")
	back := queueURL("/queue", queryOf(filterOfQuery(query)))
	v, err := s.svc.SaveView(c.Request.Context(), currentUser(c), c.PostForm("name"), queryOf(filterOfQuery(query)).Encode(), c.PostForm("shared") == "1")
	switch code := desk.ErrorCode(err); {
	case err == nil:
		msg := "View “" + v.Name + "” saved."
		if v.Shared {
			msg = "View “" + v.Name + "” saved and shared with all staff."
		}
		s.setFlash(c, msg)
	case code == desk.Invalid || code == desk.Conflict:
		s.setFlash(c, "The view was not saved: "+desk.ErrorMessage(err)+".")
	default:
		s.respondError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, back)
}

// queueViewDelete deletes one of the viewer's saved views.
func (s *Server) queueViewDelete(c *gin.Context) {
	id, err := pathID(c, "id")
	if err == nil {
		err = s.svc.DeleteView(c.Request.Context(), currentUser(c), id)
	}
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.setFlash(c, "View deleted.")
	c.Redirect(http.StatusSeeOther, "/queue")
}
