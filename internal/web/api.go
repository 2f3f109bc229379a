package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/slatrack/slatrack/internal/desk"
)

// apiTicket is the ticket as the JSON API shows it.
type apiTicket struct {
	Ref                      string  `json:"ref"`
	URL                      string  `json:"url"`
	Subject                  string  `json:"subject"`
	Body                     string  `json:"body"`
	Class                    string  `json:"class"`
	ClassBy                  string  `json:"class_by"`
	ClassReason              string  `json:"class_reason"`
	Status                   string  `json:"status"`
	Channel                  string  `json:"channel"`
	RequesterEmail           string  `json:"requester_email"`
	RequesterName            string  `json:"requester_name"`
	AssigneeEmail            *string `json:"assignee_email"`
	ReceivedAt               string  `json:"received_at"`
	ResponseDueAt            string  `json:"response_due_at"`
	FirstResponseAt          *string `json:"first_response_at"`
	SLAState                 string  `json:"sla_state"`
	BusinessSecondsRemaining int64   `json:"business_seconds_remaining"`
	// Promises are every promise the ticket carries, oldest first; Owed
	// is the one it owes now (null when nothing is owed).
	Promises []apiPromise `json:"promises"`
	Owed     *apiOwed     `json:"owed"`
	// Version moves with every change; send it back as expected_version
	// to be told (409) when someone changed the ticket meanwhile.
	Version  int64      `json:"version"`
	Timeline []apiEvent `json:"timeline,omitempty"`
	// MergedInto is the ticket this one was merged into (GET only).
	MergedInto string `json:"merged_into,omitempty"`
}

// apiPromise is one of a ticket's promises.
type apiPromise struct {
	Kind          string  `json:"kind"`
	Class         string  `json:"class"`
	StartedAt     string  `json:"started_at"`
	DueAt         string  `json:"due_at"`
	PausedSeconds int64   `json:"paused_seconds"`
	PausedAt      *string `json:"paused_at"`
	State         string  `json:"state"`
	EndedAt       *string `json:"ended_at"`
	Outcome       *string `json:"outcome"`
	EndReason     string  `json:"end_reason,omitempty"`
}

// apiOwed is the promise a ticket owes now.
type apiOwed struct {
	Kind                     string `json:"kind"`
	DueAt                    string `json:"due_at"`
	BusinessSecondsRemaining int64  `json:"business_seconds_remaining"`
}

type apiEvent struct {
	At       string `json:"at"`
	Kind     string `json:"kind"`
	Actor    string `json:"actor"`
	Internal bool   `json:"internal"`
	Body     string `json:"body,omitempty"`
	Old      string `json:"old,omitempty"`
	New      string `json:"new,omitempty"`
	Reason   string `json:"reason,omitempty"`
	// Version is the ticket's version this event's change made.
	Version int64 `json:"version"`
}

func (s *Server) apiTicketOf(t *desk.Ticket, events []*desk.Event, now time.Time) apiTicket {
	v := s.view(t, now)
	loc := s.svc.Policy.Calendar().Location()
	rfc := func(t time.Time) string { return t.In(loc).Format(time.RFC3339Nano) } // fraction of a second when there is one
	out := apiTicket{
		Ref: t.Ref, URL: s.cfg.BaseURL + "/tickets/" + t.Ref, Subject: t.Subject, Body: t.Body,
		Class: t.Class, ClassBy: t.ClassBy, ClassReason: t.ClassReason, Status: t.Status, Channel: t.Channel,
		RequesterEmail: t.RequesterEmail, RequesterName: t.RequesterName,
		ReceivedAt: rfc(t.ReceivedAt), ResponseDueAt: rfc(t.ResponseDueAt),
		SLAState: string(v.State), BusinessSecondsRemaining: int64(v.Remaining / time.Second),
		Version: t.Version,
	}
	if t.Assignee != nil {
		out.AssigneeEmail = &t.Assignee.Email
	}
	if t.FirstResponseAt != nil {
		fr := rfc(*t.FirstResponseAt)
		out.FirstResponseAt = &fr
	}
	out.Promises = make([]apiPromise, 0, len(t.Promises))
	rfcp := func(t *time.Time) *string {
		if t == nil {
			return nil
		}
		v := rfc(*t)
		return &v
	}
	for _, p := range t.Promises {
		st, _ := s.svc.PromiseState(p, now)
		ap := apiPromise{Kind: p.Kind, Class: p.Class, StartedAt: rfc(p.StartedAt), DueAt: rfc(p.DueAt), PausedSeconds: int64(p.Paused / time.Second),
			PausedAt: rfcp(p.PausedAt), State: string(st), EndedAt: rfcp(p.EndedAt), EndReason: p.EndReason}
		if p.Outcome != "" {
			o := string(p.Outcome)
			ap.Outcome = &o
		}
		out.Promises = append(out.Promises, ap)
	}
	if o := t.Owed(); o != nil {
		out.Owed = &apiOwed{Kind: o.Kind, DueAt: rfc(o.DueAt), BusinessSecondsRemaining: int64(s.svc.Policy.Calendar().Remaining(now, o.DueAt) / time.Second)}
	}
	for _, e := range events {
		out.Timeline = append(out.Timeline, apiEvent{At: rfc(e.At), Kind: e.Kind, Actor: e.Actor, Internal: e.Internal,
			Body: e.Body, Old: e.Old, New: e.New, Reason: e.Reason, Version: e.Version})
	}
	return out
}

// decodeJSON reads a JSON object strictly: a body that is not an object,
// text that is not Unicode (invalid UTF-8, lone surrogate escapes), unknown
// fields and trailing data are errors that name the problem.
func decodeJSON(c *gin.Context, into any) error {
	data, err := io.ReadAll(c.Request.Body) // bounded by limitBody
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return err
		}
		return desk.FieldError("body", "the request body could not be read")
	}
	if err := notAnObject(data, into); err != nil {
		return err
	}
	if err := badText(data); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err = dec.Decode(into)
	if err == nil {
		if _, e := dec.Token(); !errors.Is(e, io.EOF) {
			err = errors.New("unexpected data after the JSON object")
		}
	}
	var maxErr *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &maxErr):
		return err
	case errors.Is(err, io.EOF):
		return desk.FieldError("body", "the request body is empty; send a JSON object")
	case errors.As(err, &typeErr):
		return desk.FieldError(typeErr.Field, "the field %q must be a %s", typeErr.Field, typeErr.Type.Kind())
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return desk.FieldError(f, "the request body has a field %q that this API does not know", f)
	}
	return desk.FieldError("body", "the request body is not valid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

type apiNewTicket struct {
	Subject        string `json:"subject"`
	Body           string `json:"body"`
	RequesterEmail string `json:"requester_email"`
	RequesterName  string `json:"requester_name"`
	Class          string `json:"class"`
	ReceivedAt     string `json:"received_at"`
}

func (s *Server) apiCreateTicket(c *gin.Context) {
	var in apiNewTicket
	if err := decodeJSON(c, &in); err != nil {
		s.respondError(c, err)
		return
	}
	n := desk.NewTicket{Subject: in.Subject, Body: in.Body, RequesterEmail: in.RequesterEmail,
		RequesterName: in.RequesterName, Class: in.Class, Channel: desk.ChannelAPI}
	var err error
	if n.ReceivedAt, err = apiTime("received_at", in.ReceivedAt); err != nil {
		s.respondError(c, err)
		return
	}
	t, err := s.svc.CreateTicket(c.Request.Context(), n, currentUser(c))
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.Header("Location", "/api/v1/tickets/"+t.Ref)
	c.JSON(http.StatusCreated, s.apiTicketOf(t, nil, s.now()))
}

func (s *Server) apiListTickets(c *gin.Context) {
	f := queueFilterFrom(c)
	if dir := c.Query("dir"); dir != "" && dir != "asc" && dir != "desc" {
		s.respondError(c, desk.FieldError("dir", "the direction must be asc or desc"))
		return
	}
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 200 {
			s.respondError(c, desk.FieldError("limit", "the limit must be a whole number from 1 to 200"))
			return
		}
		f.Limit = n
	}
	tickets, next, err := s.svc.List(c.Request.Context(), f)
	if err != nil {
		s.respondError(c, err)
		return
	}
	now := s.now()
	out := make([]apiTicket, 0, len(tickets))
	for _, t := range tickets {
		out = append(out, s.apiTicketOf(t, nil, now))
	}
	var nc *string
	if next != "" {
		nc = &next
	}
	c.JSON(http.StatusOK, gin.H{"tickets": out, "next_cursor": nc})
}

func (s *Server) apiGetTicket(c *gin.Context) {
	t, events, err := s.svc.Get(c.Request.Context(), c.Param("ref"))
	if err != nil {
		s.respondError(c, err)
		return
	}
	out := s.apiTicketOf(t, events, s.now())
	if out.MergedInto, err = s.svc.MergedInto(c.Request.Context(), t); err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}

// apiTime parses an optional RFC 3339 instant of a history import ("" is
// none: now).
func apiTime(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil || t.Year() < 1990 {
		return time.Time{}, desk.FieldError(field, "%q is not a time since 1990 written like 2026-07-02T16:00:00-04:00 (RFC 3339)", v)
	}
	return t, nil
}

type apiPatch struct {
	Class         *string `json:"class"`
	Status        *string `json:"status"`
	AssigneeEmail *string `json:"assignee_email"`
	Reason        string  `json:"reason"`
	At            string  `json:"at"`
	// ExpectedVersion is the version the client last read (0 or absent:
	// no check).
	ExpectedVersion int64 `json:"expected_version"`
}

func (s *Server) apiUpdateTicket(c *gin.Context) {
	var in apiPatch
	if err := decodeJSON(c, &in); err != nil {
		s.respondError(c, err)
		return
	}
	at, err := apiTime("at", in.At)
	if err != nil {
		s.respondError(c, err)
		return
	}
	t, err := s.svc.Update(c.Request.Context(), c.Param("ref"), currentUser(c),
		desk.Patch{Class: in.Class, Status: in.Status, AssigneeEmail: in.AssigneeEmail, Reason: in.Reason, At: at, ExpectedVersion: in.ExpectedVersion})
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, s.apiTicketOf(t, nil, s.now()))
}

type apiReply struct {
	Body     string `json:"body"`
	Internal bool   `json:"internal"`
	At       string `json:"at"`
	// Attachments go out with the reply (base64 bytes; see apiFile).
	Attachments []apiFile `json:"attachments"`
	// ExpectedVersion: see apiPatch. MacroID applies a macro's actions
	// with the reply (the body is sent as given: GET the macro's expanded
	// text first).
	ExpectedVersion int64  `json:"expected_version"`
	MacroID         uint64 `json:"macro_id"`
}

func (s *Server) apiReply(c *gin.Context) {
	var in apiReply
	if err := decodeJSON(c, &in); err != nil {
		s.respondError(c, err)
		return
	}
	at, err := apiTime("at", in.At)
	if err != nil {
		s.respondError(c, err)
		return
	}
	files, err := apiUploads(in.Attachments)
	if err != nil {
		s.respondError(c, err)
		return
	}
	t, err := s.svc.ReplyWith(c.Request.Context(), c.Param("ref"), currentUser(c),
		desk.ReplyInput{Body: in.Body, Internal: in.Internal, At: at, ExpectedVersion: in.ExpectedVersion, MacroID: in.MacroID, Files: files})
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusCreated, s.apiTicketOf(t, nil, s.now()))
}

type apiMessage struct {
	Body      string `json:"body"`
	FromEmail string `json:"from_email"`
	At        string `json:"at"`
}

// apiAddMessage records a message from the requester (a phone call, or
// history imported from another tracker).
func (s *Server) apiAddMessage(c *gin.Context) {
	var in apiMessage
	if err := decodeJSON(c, &in); err != nil {
		s.respondError(c, err)
		return
	}
	at, err := apiTime("at", in.At)
	if err != nil {
		s.respondError(c, err)
		return
	}
	t, err := s.svc.AddMessage(c.Request.Context(), c.Param("ref"), currentUser(c), desk.NewMessage{Body: in.Body, FromEmail: in.FromEmail, At: at})
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusCreated, s.apiTicketOf(t, nil, s.now()))
}
