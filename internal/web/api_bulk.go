package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/slatrack/slatrack/internal/desk"
)

// apiBulkRequest is POST /api/v1/tickets/bulk: one change for many tickets.
type apiBulkRequest struct {
	Refs []string   `json:"refs"`
	Set  apiBulkSet `json:"set"`
}

// apiBulkSet is the change; absent fields stay as they are, and an empty
// assignee_email unassigns.
type apiBulkSet struct {
	AssigneeEmail *string `json:"assignee_email"`
	Status        *string `json:"status"`
	Class         *string `json:"class"`
	Reason        string  `json:"reason"`
}

// apiBulkResult is what the change did to one ticket.
type apiBulkResult struct {
	Ref    string     `json:"ref"`
	OK     bool       `json:"ok"`
	Error  string     `json:"error,omitempty"`
	Code   string     `json:"code,omitempty"`
	Ticket *apiTicket `json:"ticket,omitempty"`
}

// apiBulk applies one change to up to desk.MaxBulk tickets and answers per
// ticket: 200 with a result for each (ok, or the error), whether or not
// all of them could be changed; 400 when the change itself is wrong.
func (s *Server) apiBulk(c *gin.Context) {
	var in apiBulkRequest
	if err := decodeJSON(c, &in); err != nil {
		s.respondError(c, err)
		return
	}
	if len(in.Refs) > desk.MaxBulk {
		s.respondError(c, desk.FieldError("refs", "refs: at most %d tickets at a time; %d were given (send them in several requests)", desk.MaxBulk, len(in.Refs)))
		return
	}
	results, err := s.svc.Bulk(c.Request.Context(), currentUser(c), in.Refs,
		desk.Patch{AssigneeEmail: in.Set.AssigneeEmail, Status: in.Set.Status, Class: in.Set.Class, Reason: in.Set.Reason})
	if err != nil {
		s.respondError(c, err)
		return
	}
	now := s.now()
	out := make([]apiBulkResult, 0, len(results))
	failed := 0
	for _, r := range results {
		res := apiBulkResult{Ref: r.Ref, OK: r.Err == nil}
		if r.Err != nil {
			failed++
			res.Error, res.Code = desk.ErrorMessage(r.Err), string(desk.ErrorCode(r.Err))
			if desk.ErrorCode(r.Err) == desk.NotFound {
				res.Error = "no ticket has this reference"
			}
		} else {
			t := s.apiTicketOf(r.Ticket, nil, now)
			res.Ticket = &t
		}
		out = append(out, res)
	}
	c.JSON(http.StatusOK, gin.H{"results": out, "changed": len(results) - failed, "failed": failed})
}
