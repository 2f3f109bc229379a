package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/slatrack/slatrack/internal/desk"
)

// macroForm is the admin's macro form as posted.
type macroForm struct {
	Name, Body, SetStatus, SetClass, AssignTo string
}

func macroFormOf(c *gin.Context) macroForm {
	return macroForm{Name: c.PostForm("name"), Body: c.PostForm("body"), SetStatus: c.PostForm("set_status"),
		SetClass: c.PostForm("set_class"), AssignTo: c.PostForm("assign_to")}
}

func (f macroForm) patch() desk.MacroPatch {
	return desk.MacroPatch{Name: &f.Name, Body: &f.Body, SetStatus: &f.SetStatus, SetClass: &f.SetClass, AssignTo: &f.AssignTo}
}

// macrosPage is the library with a form to add (or, with Editing, change)
// one.
type macrosPage struct {
	Macros       []macroRow
	Editing      *desk.Macro
	Form         macroForm
	Errors       desk.ValidationErrors
	Placeholders []string
	Classes      []classOption
	Statuses     []string
	Users        []*desk.User
}

// macroRow is a macro with its actions in words.
type macroRow struct {
	*desk.Macro
	Actions string
}

func (s *Server) macroRows(ms []*desk.Macro) []macroRow {
	out := make([]macroRow, 0, len(ms))
	for _, m := range ms {
		out = append(out, macroRow{Macro: m, Actions: m.Actions(s.svc.Policy.Title)})
	}
	return out
}

func (s *Server) showMacros(c *gin.Context, status int, p macrosPage) {
	ctx := c.Request.Context()
	ms, err := s.svc.Macros(ctx)
	if err != nil {
		s.respondError(c, err)
		return
	}
	users, err := s.svc.Staff(ctx)
	if err != nil {
		s.respondError(c, err)
		return
	}
	p.Macros, p.Placeholders, p.Classes, p.Statuses, p.Users = s.macroRows(ms), desk.MacroPlaceholders(), s.classOptions(), desk.Statuses(), users
	title := "Macros"
	if p.Editing != nil {
		title = "Edit macro " + p.Editing.Name
	}
	d := pageData{Title: title, Nav: "macros", Page: &p}
	if len(p.Errors) > 0 {
		d.Error = "The macro was not saved: please correct the fields marked below."
	}
	s.render(c, status, "macros", d)
}

func (s *Server) macrosList(c *gin.Context) {
	s.showMacros(c, http.StatusOK, macrosPage{})
}

func (s *Server) macroEdit(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		s.respondError(c, err)
		return
	}
	m, err := s.svc.Macro(c.Request.Context(), id)
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.showMacros(c, http.StatusOK, macrosPage{Editing: m,
		Form: macroForm{Name: m.Name, Body: m.Body, SetStatus: m.SetStatus, SetClass: m.SetClass, AssignTo: m.AssignTo}})
}

// macroFailed re-renders the form with the problems next to the fields,
// or answers the error page for anything else.
func (s *Server) macroFailed(c *gin.Context, err error, p macrosPage) {
	code := desk.ErrorCode(err)
	if code != desk.Invalid && code != desk.Conflict {
		s.respondError(c, err)
		return
	}
	p.Errors = desk.FieldErrors(err)
	if len(p.Errors) == 0 {
		p.Errors = desk.ValidationErrors{"name": desk.ErrorMessage(err)}
	}
	s.showMacros(c, statusOf(code), p)
}

func (s *Server) macroCreate(c *gin.Context) {
	f := macroFormOf(c)
	m, err := s.svc.CreateMacro(c.Request.Context(), currentUser(c), f.patch())
	if err != nil {
		s.macroFailed(c, err, macrosPage{Form: f})
		return
	}
	s.setFlash(c, "Macro “"+m.Name+"” added.")
	c.Redirect(http.StatusSeeOther, "/admin/macros")
}

func (s *Server) macroUpdate(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		s.respondError(c, err)
		return
	}
	f := macroFormOf(c)
	m, err := s.svc.UpdateMacro(c.Request.Context(), currentUser(c), id, f.patch())
	if err != nil {
		old, gerr := s.svc.Macro(c.Request.Context(), id)
		if gerr != nil {
			s.respondError(c, gerr)
			return
		}
		s.macroFailed(c, err, macrosPage{Form: f, Editing: old})
		return
	}
	s.setFlash(c, "Macro “"+m.Name+"” saved.")
	c.Redirect(http.StatusSeeOther, "/admin/macros")
}

func (s *Server) macroDelete(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		s.respondError(c, err)
		return
	}
	m, err := s.svc.Macro(c.Request.Context(), id)
	if err == nil {
		err = s.svc.DeleteMacro(c.Request.Context(), currentUser(c), id)
	}
	if err != nil {
		s.respondError(c, err)
		return
	}
	s.setFlash(c, "Macro “"+m.Name+"” deleted.")
	c.Redirect(http.StatusSeeOther, "/admin/macros")
}

// apiMacro is a macro as the JSON API shows it.
type apiMacro struct {
	ID        uint64 `json:"id"`
	Name      string `json:"name"`
	Body      string `json:"body"`
	SetStatus string `json:"set_status"`
	SetClass  string `json:"set_class"`
	AssignTo  string `json:"assign_to"`
	// Actions says in words what sending it does besides the reply.
	Actions   string `json:"actions"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

func (s *Server) apiMacroOf(m *desk.Macro) apiMacro {
	loc := s.svc.Policy.Calendar().Location()
	return apiMacro{ID: m.ID, Name: m.Name, Body: m.Body, SetStatus: m.SetStatus, SetClass: m.SetClass, AssignTo: m.AssignTo,
		Actions: m.Actions(s.svc.Policy.Title), CreatedAt: m.CreatedAt.In(loc).Format(time.RFC3339), UpdatedAt: m.UpdatedAt.In(loc).Format(time.RFC3339)}
}

// apiMacroIn is a macro as POST and PATCH take it; absent fields stay.
type apiMacroIn struct {
	Name      *string `json:"name"`
	Body      *string `json:"body"`
	SetStatus *string `json:"set_status"`
	SetClass  *string `json:"set_class"`
	AssignTo  *string `json:"assign_to"`
}

func (in apiMacroIn) patch() desk.MacroPatch {
	return desk.MacroPatch{Name: in.Name, Body: in.Body, SetStatus: in.SetStatus, SetClass: in.SetClass, AssignTo: in.AssignTo}
}

func (s *Server) apiListMacros(c *gin.Context) {
	ms, err := s.svc.Macros(c.Request.Context())
	if err != nil {
		s.respondError(c, err)
		return
	}
	out := make([]apiMacro, 0, len(ms))
	for _, m := range ms {
		out = append(out, s.apiMacroOf(m))
	}
	c.JSON(http.StatusOK, gin.H{"macros": out})
}

func (s *Server) apiGetMacro(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		s.respondError(c, err)
		return
	}
	m, err := s.svc.Macro(c.Request.Context(), id)
	if err != nil {
		s.respondError(c, err)
		return
	}
	out := s.apiMacroOf(m)
	// ?ticket=SR-1042 adds the text expanded for that ticket and the caller.
	if ref := c.Query("ticket"); ref != "" {
		t, _, err := s.svc.Get(c.Request.Context(), ref)
		if err != nil {
			s.respondError(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"macro": out, "expanded": s.svc.ExpandMacro(m, t, currentUser(c))})
		return
	}
	c.JSON(http.StatusOK, gin.H{"macro": out})
}

func (s *Server) apiCreateMacro(c *gin.Context) {
	var in apiMacroIn
	if err := decodeJSON(c, &in); err != nil {
		s.respondError(c, err)
		return
	}
	m, err := s.svc.CreateMacro(c.Request.Context(), currentUser(c), in.patch())
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.Header("Location", "/api/v1/macros/"+strconv.FormatUint(m.ID, 10))
	c.JSON(http.StatusCreated, gin.H{"macro": s.apiMacroOf(m)})
}

func (s *Server) apiUpdateMacro(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		s.respondError(c, err)
		return
	}
	var in apiMacroIn
	if err := decodeJSON(c, &in); err != nil {
		s.respondError(c, err)
		return
	}
	m, err := s.svc.UpdateMacro(c.Request.Context(), currentUser(c), id, in.patch())
	if err != nil {
		s.respondError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"macro": s.apiMacroOf(m)})
}

func (s *Server) apiDeleteMacro(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		s.respondError(c, err)
		return
	}
	if err := s.svc.DeleteMacro(c.Request.Context(), currentUser(c), id); err != nil {
		s.respondError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
