package desk

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slatrack/slatrack/internal/sla"
)

// Macro is a canned response: a reply text with placeholders (see
// MacroPlaceholders) that admins keep in a library and agents insert, and
// actions that apply when the reply is sent.
type Macro struct {
	ID   uint64
	Name string
	Body string
	// SetStatus and SetClass, when not "", are the status and class the
	// ticket gets when a reply from this macro is sent.
	SetStatus string
	SetClass  string
	// AssignTo is who the ticket is assigned to on send: "" leaves it,
	// AssignToMe the agent sending, else a staff member's address.
	AssignTo  string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// AssignToMe in Macro.AssignTo assigns the ticket to the agent who sends.
const AssignToMe = "me"

// Limits on macros.
const (
	MaxMacroName = 100
	MaxMacroBody = 20_000
)

// MacroStore keeps the macro library.
type MacroStore interface {
	// ListMacros lists every macro by name.
	ListMacros(ctx context.Context) ([]*Macro, error)
	GetMacro(ctx context.Context, id uint64) (*Macro, error)
	// CreateMacro gives m an ID; Conflict when the name (ignoring case) is
	// taken.
	CreateMacro(ctx context.Context, m *Macro) error
	// UpdateMacro saves m by ID; NotFound, or Conflict on the name.
	UpdateMacro(ctx context.Context, m *Macro) error
	// DeleteMacro removes one; NotFound when missing.
	DeleteMacro(ctx context.Context, id uint64) error
}

// MacroPlaceholders are the placeholders a macro's text may hold, each
// written {{name}}, in the order the admin page lists them.
func MacroPlaceholders() []string {
	return []string{"requester_name", "ref", "promise", "agent_name"}
}

// placeholder matches {{ name }} in a macro's text.
var placeholder = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_.]*)\s*\}\}`)

// MacroPatch is a change to a macro; nil fields stay as they are (a form
// gives every field).
type MacroPatch struct {
	Name      *string
	Body      *string
	SetStatus *string
	SetClass  *string
	AssignTo  *string
}

// Macros is the library, by name.
func (s *Service) Macros(ctx context.Context) ([]*Macro, error) {
	return s.macros.ListMacros(ctx)
}

// Macro is one macro.
func (s *Service) Macro(ctx context.Context, id uint64) (*Macro, error) {
	return s.macros.GetMacro(ctx, id)
}

// canEditMacros: only admins keep the library.
func canEditMacros(actor *User) error {
	if !actor.IsAdmin() {
		return Errorf(Forbidden, "only an admin may change the macro library")
	}
	return nil
}

// CreateMacro adds a macro to the library (admins only).
func (s *Service) CreateMacro(ctx context.Context, actor *User, p MacroPatch) (*Macro, error) {
	if err := canEditMacros(actor); err != nil {
		return nil, err
	}
	m := &Macro{}
	if err := s.applyMacroPatch(ctx, m, p, true); err != nil {
		return nil, err
	}
	now := s.now()
	m.CreatedAt, m.UpdatedAt = now, now
	if err := s.macros.CreateMacro(ctx, m); err != nil {
		return nil, nameTaken(err, m.Name)
	}
	return m, nil
}

// UpdateMacro changes a macro (admins only).
func (s *Service) UpdateMacro(ctx context.Context, actor *User, id uint64, p MacroPatch) (*Macro, error) {
	if err := canEditMacros(actor); err != nil {
		return nil, err
	}
	m, err := s.macros.GetMacro(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.applyMacroPatch(ctx, m, p, false); err != nil {
		return nil, err
	}
	m.UpdatedAt = s.now()
	if err := s.macros.UpdateMacro(ctx, m); err != nil {
		return nil, nameTaken(err, m.Name)
	}
	return m, nil
}

// DeleteMacro removes a macro (admins only).
func (s *Service) DeleteMacro(ctx context.Context, actor *User, id uint64) error {
	if err := canEditMacros(actor); err != nil {
		return err
	}
	return s.macros.DeleteMacro(ctx, id)
}

func nameTaken(err error, name string) error {
	if ErrorCode(err) == Conflict {
		return &Error{Code: Conflict, Field: "name", Message: "there is already a macro called “" + name + "”; pick another name", Err: err}
	}
	return err
}

// applyMacroPatch validates p and sets it on m; every problem at once.
// create requires a name and a text.
func (s *Service) applyMacroPatch(ctx context.Context, m *Macro, p MacroPatch, create bool) error {
	v := ValidationErrors{}
	if p.Name != nil {
		m.Name = strings.TrimSpace(oneLine(noNUL(*p.Name)))
	}
	if p.Body != nil {
		m.Body = strings.TrimSpace(noNUL(strings.ReplaceAll(*p.Body, "\r\n", "\n")))
	}
	if p.SetStatus != nil {
		m.SetStatus = strings.TrimSpace(*p.SetStatus)
	}
	if p.SetClass != nil {
		m.SetClass = strings.TrimSpace(strings.ToLower(*p.SetClass))
	}
	if p.AssignTo != nil {
		m.AssignTo = strings.TrimSpace(strings.ToLower(*p.AssignTo))
	}
	if create || p.Name != nil {
		switch {
		case m.Name == "":
			v.Add("name", "please give the macro a name agents will recognise")
		case utf8.RuneCountInString(m.Name) > MaxMacroName:
			v.Add("name", "the name must be at most 100 characters")
		}
	}
	if create || p.Body != nil {
		switch {
		case m.Body == "":
			v.Add("body", "please write the reply text")
		case len(m.Body) > MaxMacroBody:
			v.Add("body", "the text must be at most 20,000 bytes")
		case !utf8.ValidString(m.Body):
			v.Add("body", "the text must be valid UTF-8")
		default:
			if msg := badPlaceholders(m.Body); msg != "" {
				v.Add("body", msg)
			}
		}
	}
	if m.SetStatus != "" && !ValidStatus(m.SetStatus) {
		v.Add("set_status", "choose one of new, open, waiting, resolved, closed, or leave the status as it is")
	}
	if m.SetClass != "" && !s.Policy.ValidClass(m.SetClass) {
		v.Add("set_class", "choose one of "+s.Policy.ClassList()+", or leave the class as it is")
	}
	if m.AssignTo != "" && m.AssignTo != AssignToMe {
		u, err := s.accounts.GetUserByEmail(ctx, m.AssignTo)
		switch {
		case ErrorCode(err) == NotFound || (err == nil && !u.Active):
			v.Add("assign_to", "no active staff member has the address "+m.AssignTo)
		case err != nil:
			return err
		}
	}
	return v.Err("name", "body", "set_status", "set_class", "assign_to")
}

// badPlaceholders says which {{…}} in text is not a placeholder ("" when
// all are).
func badPlaceholders(text string) string {
	known := map[string]bool{}
	for _, p := range MacroPlaceholders() {
		known[p] = true
	}
	for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
		if !known[m[1]] {
			return m[0] + " is not a placeholder; use {{requester_name}}, {{ref}}, {{promise}} or {{agent_name}}"
		}
	}
	return ""
}

// Actions says what the macro does on send, in words ("" for nothing):
// "sets the status to Waiting on customer, assigns to the sender".
func (m *Macro) Actions(classTitle func(string) string) string {
	var out []string
	if m.SetStatus != "" {
		out = append(out, "sets the status to "+StatusLabel(m.SetStatus))
	}
	if m.SetClass != "" {
		t := m.SetClass
		if classTitle != nil {
			t = classTitle(t)
		}
		out = append(out, "sets the class to "+t)
	}
	switch m.AssignTo {
	case "":
	case AssignToMe:
		out = append(out, "assigns the ticket to the agent who sends it")
	default:
		out = append(out, "assigns the ticket to "+m.AssignTo)
	}
	return strings.Join(out, ", ")
}

// patch is the change the macro's actions make, actor sending.
func (m *Macro) patch(actor *User) Patch {
	var p Patch
	if m.SetStatus != "" {
		st := m.SetStatus
		p.Status = &st
	}
	if m.SetClass != "" {
		c := m.SetClass
		p.Class, p.Reason = &c, "macro “"+m.Name+"”"
	}
	switch m.AssignTo {
	case "":
	case AssignToMe:
		if actor != nil {
			e := actor.Email
			p.AssigneeEmail = &e
		}
	default:
		e := m.AssignTo
		p.AssigneeEmail = &e
	}
	return p
}

// macroActions is the macro a reply is sent from.
func (s *Service) macroActions(ctx context.Context, id uint64, actor *User) (*Macro, error) {
	m, err := s.macros.GetMacro(ctx, id)
	if ErrorCode(err) == NotFound {
		return nil, FieldError("macro_id", "that macro no longer exists; pick another or send the text without it")
	}
	return m, err
}

// ExpandMacro is the macro's text for a reply on t by agent: every
// placeholder replaced by its value as plain text (a reply is text, never
// HTML; pages escape it when they show it).
func (s *Service) ExpandMacro(m *Macro, t *Ticket, agent *User) string {
	vals := s.macroValues(t, agent)
	return placeholder.ReplaceAllStringFunc(m.Body, func(ph string) string {
		name := placeholder.FindStringSubmatch(ph)[1]
		if v, ok := vals[name]; ok {
			return v
		}
		return ph
	})
}

// macroValues are the placeholders' values for a reply on t by agent.
// {{promise}} is the promise the reply leaves standing, worded as the
// intake confirmation words a deadline: the resolution while it runs (a
// reply keeps the response promise), else whatever the ticket owes, else
// its first response due.
func (s *Service) macroValues(t *Ticket, agent *User) map[string]string {
	name := t.RequesterName
	if name == "" {
		name = t.RequesterEmail
	}
	agentName := ""
	if agent != nil {
		agentName = agent.Name
		if agentName == "" {
			agentName = agent.Email
		}
	}
	due := t.ResponseDueAt
	if p := t.open(sla.Resolution); p != nil && p.Running() {
		due = p.DueAt
	} else if o := t.Owed(); o != nil {
		due = o.DueAt
	}
	return map[string]string{
		"requester_name": name,
		"ref":            t.Ref,
		"promise":        s.Policy.Promise(due),
		"agent_name":     agentName,
	}
}
