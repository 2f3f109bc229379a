package web

import (
	"encoding/base64"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/mail"
)

// peopleView is what the ticket page shows of its participants and
// merges (templates/partials_people.html).
type peopleView struct {
	Ref        string
	People     []*desk.Participant
	MergedInto string
	// Email, Name and Into are what the person typed, kept when a form
	// is refused.
	Email, Name, Into string
	// MaxFileWords is the per-file limit in words, for the file inputs.
	MaxFileWords string
	// CSRF and Errors are the page's, for the section's forms.
	CSRF   string
	Errors desk.ValidationErrors
}

// mailLimits are the limits inbound mail is held to, which files people
// attach by hand share.
func (s *Server) mailLimits() mail.Limits {
	l := mail.DefaultLimits()
	if s.svc.Mail != nil {
		m := s.svc.Mail.Limits
		if m.MaxMessageBytes > 0 {
			l.MaxMessageBytes = m.MaxMessageBytes
		}
		if m.MaxAttachmentBytes > 0 {
			l.MaxAttachmentBytes = m.MaxAttachmentBytes
		}
		if m.MaxAttachments > 0 {
			l.MaxAttachments = m.MaxAttachments
		}
	}
	return l
}

// uploadRoutes are the routes that take files: their bodies may be as large
// as an inbound mail (base64 in JSON a third more).
var uploadRoutes = map[string]bool{
	"/":                            true,
	"/tickets/:ref/reply":          true,
	"/api/v1/tickets/:ref/replies": true,
}

// bodyLimit is the largest request body a route takes.
func (s *Server) bodyLimit(c *gin.Context) int64 {
	limit := int64(s.cfg.MaxBodyKB) * 1024
	ct := c.ContentType()
	if c.Request.Method == http.MethodPost && uploadRoutes[c.FullPath()] && (ct == "multipart/form-data" || ct == "application/json" && strings.HasPrefix(c.FullPath(), "/api/")) {
		if up := int64(s.mailLimits().MaxMessageBytes)*4/3 + 64<<10; up > limit {
			return up
		}
	}
	return limit
}

// formFiles are the files posted in a multipart form's "attachments"
// inputs (none for a plain form).
func formFiles(c *gin.Context) ([]mail.Upload, error) {
	mf := c.Request.MultipartForm
	if mf == nil {
		return nil, nil
	}
	var out []mail.Upload
	for _, fh := range mf.File["attachments"] {
		data, err := readPart(fh)
		if err != nil {
			return nil, desk.Errorf(desk.Invalid, "the file %s could not be read; please attach it again", fh.Filename)
		}
		out = append(out, mail.Upload{Filename: fh.Filename, ContentType: fh.Header.Get("Content-Type"), Data: data})
	}
	return out, nil
}

func readPart(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// peopleOf is the ticket page's people section for t.
func (s *Server) peopleOf(c *gin.Context, t *desk.Ticket) (*peopleView, error) {
	ctx := c.Request.Context()
	ps, err := s.svc.Participants(ctx, t)
	if err != nil {
		return nil, err
	}
	into, err := s.svc.MergedInto(ctx, t)
	if err != nil {
		return nil, err
	}
	return &peopleView{Ref: t.Ref, People: ps, MergedInto: into, MaxFileWords: mailSize(s.mailLimits().MaxAttachmentBytes), CSRF: csrfToken(c)}, nil
}

// mailSize is a size limit in words: "10 MB", "256 KB".
func mailSize(n int) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return strconv.Itoa(n>>20) + " MB"
	}
	if n >= 10<<20 {
		return strconv.Itoa((n+(1<<20)-1)>>20) + " MB"
	}
	return strconv.Itoa((n+1023)>>10) + " KB"
}

// ticketAddParticipant puts someone on the ticket from its page.
func (s *Server) ticketAddParticipant(c *gin.Context) {
	email, name := c.PostForm("email"), c.PostForm("name")
	t, err := s.svc.AddParticipant(c.Request.Context(), c.Param("ref"), currentUser(c), email, name)
	if err != nil && desk.ErrorCode(err) == desk.Invalid {
		s.showTicket(c, statusOf(desk.Invalid), ticketShow{err: err, keep: func(v *peopleView) { v.Email, v.Name = email, name }})
		return
	}
	s.afterAction(c, t, err, strings.TrimSpace(email)+" added: copied on replies from now on.", ticketForm{})
}

// ticketRemoveParticipant takes someone off the ticket.
func (s *Server) ticketRemoveParticipant(c *gin.Context) {
	email := c.PostForm("email")
	t, err := s.svc.RemoveParticipant(c.Request.Context(), c.Param("ref"), currentUser(c), email)
	s.afterAction(c, t, err, strings.TrimSpace(email)+" removed: no longer copied on replies.", ticketForm{})
}

// mergePage is the confirmation before a merge.
type mergePage struct {
	Dup, Into *desk.Ticket
	Messages  int
	People    int
}

// ticketMerge asks for confirmation, then merges: without confirm=yes it
// shows what would happen; with it, it merges and lands on the survivor.
func (s *Server) ticketMerge(c *gin.Context) {
	ctx := c.Request.Context()
	ref, into := c.Param("ref"), c.PostForm("into")
	keep := func(v *peopleView) { v.Into = into }
	if c.PostForm("confirm") != "yes" {
		dup, surv, err := s.svc.CheckMerge(ctx, ref, into)
		if err != nil {
			if code := desk.ErrorCode(err); code == desk.Invalid || code == desk.Conflict {
				s.showTicket(c, statusOf(code), ticketShow{err: err, keep: keep})
				return
			}
			s.respondError(c, err)
			return
		}
		msgs, _, err := s.svc.TicketMail(ctx, dup)
		if err != nil {
			s.respondError(c, err)
			return
		}
		ps, err := s.svc.Participants(ctx, dup)
		if err != nil {
			s.respondError(c, err)
			return
		}
		s.render(c, http.StatusOK, "merge", pageData{Title: "Merge " + dup.Ref + " into " + surv.Ref, Nav: "queue",
			Page: mergePage{Dup: dup, Into: surv, Messages: len(msgs), People: len(ps)}})
		return
	}
	dup, surv, err := s.svc.Merge(ctx, ref, into, currentUser(c))
	if err != nil {
		if code := desk.ErrorCode(err); code == desk.Invalid || code == desk.Conflict || code == desk.TooLarge {
			s.showTicket(c, statusOf(code), ticketShow{err: err, keep: keep})
			return
		}
		s.respondError(c, err)
		return
	}
	s.setFlash(c, dup.Ref+" was merged into this ticket; its messages and people are here now.")
	c.Redirect(http.StatusSeeOther, "/tickets/"+url.PathEscape(surv.Ref))
}

// apiParticipant is a person on a ticket, in the JSON API.
type apiParticipant struct {
	Email   string `json:"email"`
	Name    string `json:"name"`
	AddedAt string `json:"added_at,omitempty"`
	AddedBy string `json:"added_by,omitempty"`
}

func (s *Server) apiPeople(c *gin.Context, status int, t *desk.Ticket) {
	ps, err := s.svc.Participants(c.Request.Context(), t)
	if err != nil {
		s.respondError(c, err)
		return
	}
	out := make([]apiParticipant, 0, len(ps))
	for _, p := range ps {
		a := apiParticipant{Email: p.Email, Name: p.Name, AddedBy: p.AddedBy}
		if !p.AddedAt.IsZero() {
			a.AddedAt = p.AddedAt.UTC().Format("2006-01-02T15:04:05Z07:00")
		}
		out = append(out, a)
	}
	c.JSON(status, gin.H{"ref": t.Ref, "participants": out})
}

// apiListParticipants is GET /api/v1/tickets/{ref}/participants.
func (s *Server) apiListParticipants(c *gin.Context) {
	t, _, err := s.svc.Get(c.Request.Context(), c.Param("ref"))
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.apiPeople(c, http.StatusOK, t)
}

// apiAddParticipant is POST /api/v1/tickets/{ref}/participants
// {"email", "name"}: it answers with the ticket's participants.
func (s *Server) apiAddParticipant(c *gin.Context) {
	var in struct {
		Email string `json:"email"`
		Name  string `json:"name"`
	}
	if err := decodeJSON(c, &in); err != nil {
		s.respondError(c, err)
		return
	}
	t, err := s.svc.AddParticipant(c.Request.Context(), c.Param("ref"), currentUser(c), in.Email, in.Name)
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.apiPeople(c, http.StatusCreated, t)
}

// apiRemoveParticipant is DELETE /api/v1/tickets/{ref}/participants/{email}.
func (s *Server) apiRemoveParticipant(c *gin.Context) {
	t, err := s.svc.RemoveParticipant(c.Request.Context(), c.Param("ref"), currentUser(c), c.Param("email"))
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.apiPeople(c, http.StatusOK, t)
}

// apiMerge is POST /api/v1/tickets/{ref}/merge {"into": "SR-1042"}: it
// answers with both tickets after the merge.
func (s *Server) apiMerge(c *gin.Context) {
	var in struct {
		Into string `json:"into"`
	}
	if err := decodeJSON(c, &in); err != nil {
		s.respondError(c, err)
		return
	}
	dup, surv, err := s.svc.Merge(c.Request.Context(), c.Param("ref"), in.Into, currentUser(c))
	if err != nil {
		s.respondError(c, err)
		return
	}
	now := s.now()
	c.JSON(http.StatusOK, gin.H{"merged": s.apiTicketOf(dup, nil, now), "into": s.apiTicketOf(surv, nil, now)})
}

// apiFile is a file attached to a reply in the JSON API: its bytes in
// standard base64.
type apiFile struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Data        string `json:"data"`
}

// apiUploads decodes the JSON API's files.
func apiUploads(files []apiFile) ([]mail.Upload, error) {
	out := make([]mail.Upload, 0, len(files))
	for i, f := range files {
		data, err := base64.StdEncoding.DecodeString(f.Data)
		if err != nil {
			return nil, desk.FieldError("attachments", "attachment %d (%s): data must be the file's bytes in standard base64", i+1, f.Filename)
		}
		out = append(out, mail.Upload{Filename: f.Filename, ContentType: f.ContentType, Data: data})
	}
	return out, nil
}

// copiedWords adds to a sent reply's flash whom it was copied to.
func (s *Server) copiedWords(c *gin.Context, t *desk.Ticket, internal bool, err error, done string) string {
	if internal || err != nil || t == nil || s.svc.Mail == nil {
		return done
	}
	ps, perr := s.svc.Participants(c.Request.Context(), t)
	if perr != nil || len(ps) == 0 {
		return done
	}
	n := strconv.Itoa(len(ps)) + " people"
	if len(ps) == 1 {
		n = ps[0].Email
	}
	return strings.TrimSuffix(done, ".") + ", copied to " + n + "."
}
