package sla

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/slatrack/slatrack/internal/clock"
)

// Class is one kind of request the desk makes a promise for. The policy's
// classes come from the configuration ([[sla.classes]]), in the order they
// are shown everywhere and their classification rules are tried; nothing
// else in slatrack names a class.
type Class struct {
	// Name identifies the class in URLs, CSV, the API and the database:
	// see ValidName.
	Name string
	// Title is the name people read ("Availability").
	Title string
	// Description says what the class covers, for a requester choosing one.
	Description string
	// FirstResponse is the first-response target.
	FirstResponse clock.Target
	// NextResponse is the target for answering each later customer
	// message; zero means the same as FirstResponse.
	NextResponse clock.Target
	// Resolution is the target from receipt to resolved (paused while
	// waiting on the customer); zero means no resolution promise.
	Resolution clock.Target
	// OverridesRequester makes the class win over the requester's choice
	// when the rules pick it: a missed outage is the costliest mistake, so
	// a request that could be one is treated as one.
	OverridesRequester bool
	// Urgent classes get a notice to staff when a ticket arrives, and may
	// page staff while the desk is closed (notify.availability_after_hours).
	Urgent bool
	// Fallback marks the class of a ticket no rule matched; exactly one
	// class has it.
	Fallback bool
}

// MaxClassName is the longest class name.
const MaxClassName = 32

var classNameRE = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

// reservedNames would be read as something else: "total" is the
// compliance report's total row, "at_risk" shares SLATRACK_SLA_AT_RISK.
var reservedNames = map[string]bool{"total": true, "at_risk": true}

// ValidName reports why name cannot name a class, or nil: a class name is
// 1–32 lower-case letters, digits, '-' and '_', starting with a letter,
// because it appears in URLs, CSV cells, JSON and environment variables.
func ValidName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("name is empty")
	case len(name) > MaxClassName || !classNameRE.MatchString(name):
		return fmt.Errorf("name %q must be 1–%d lower-case letters, digits, '-' or '_', starting with a letter (it is used in URLs and CSV)", name, MaxClassName)
	case reservedNames[name]:
		return fmt.Errorf("name %q is reserved", name)
	}
	return nil
}

// Policy is the calendar, the ordered classes with their targets, and the
// at-risk window. It is immutable and safe for concurrent use.
type Policy struct {
	cal     *clock.Calendar
	classes []Class
	byName  map[string]int // index into classes
	atRisk  time.Duration
	window  clock.Target // atRisk as configured
}

// New builds a policy from the classes in display order; they must pass
// Check.
func New(cal *clock.Calendar, classes []Class, atRisk clock.Target) (*Policy, error) {
	if errs := Check(classes, atRisk, cal.BusinessDay()); len(errs) > 0 {
		return nil, fmt.Errorf("sla: %w", errs[0])
	}
	p := &Policy{cal: cal, classes: append([]Class(nil), classes...), byName: map[string]int{}, atRisk: atRisk.Duration(cal.BusinessDay()), window: atRisk}
	for i, c := range p.classes {
		if c.Title == "" {
			p.classes[i].Title = fallbackTitle(c.Name)
		}
		p.byName[c.Name] = i
	}
	return p, nil
}

// CheckError is one problem with a class list: Index is the class's
// position (from 0), or -1 for the list as a whole, and Field the setting
// ("name", "first_response", …; "" for the list; "at_risk" when the
// at-risk window is not shorter than this class's target), so the
// configuration can name its key.
type CheckError struct {
	Index int
	Field string
	Err   error
}

func (e *CheckError) Error() string {
	if e.Index < 0 {
		return e.Err.Error()
	}
	return fmt.Sprintf("class %d %s: %v", e.Index+1, e.Field, e.Err)
}

// Check is the one definition of a valid class list: at least one class;
// names valid (ValidName) and unique; every first-response target positive
// and longer than the at-risk window; exactly one fallback.
func Check(classes []Class, atRisk clock.Target, businessDay time.Duration) []*CheckError {
	var errs []*CheckError
	bad := func(i int, field string, err error) {
		errs = append(errs, &CheckError{Index: i, Field: field, Err: err})
	}
	if len(classes) == 0 {
		bad(-1, "", fmt.Errorf("at least one class is needed"))
	}
	seen := map[string]int{}
	fallbacks, atRiskBad := 0, false
	for i, c := range classes {
		if err := ValidName(c.Name); err != nil {
			bad(i, "name", err)
		} else if j, dup := seen[c.Name]; dup {
			bad(i, "name", fmt.Errorf("%q is already the name of class %d; names must be unique", c.Name, j+1))
		}
		seen[c.Name] = i
		for _, k := range []struct {
			field string
			t     clock.Target
		}{{"next_response", c.NextResponse}, {"resolution", c.Resolution}} {
			if k.t.Amount > 0 && atRisk.Amount > 0 && businessDay > 0 && atRisk.Duration(businessDay) >= k.t.Duration(businessDay) {
				bad(i, k.field, fmt.Errorf("%q must be longer than the at-risk window (%s)", k.t, atRisk))
			}
		}
		switch t := c.FirstResponse; {
		case t.Amount <= 0:
			bad(i, "first_response", fmt.Errorf("class %q needs a target", c.Name))
		case !atRiskBad && atRisk.Amount > 0 && businessDay > 0 && atRisk.Duration(businessDay) >= t.Duration(businessDay):
			// At risk is the last stretch before a deadline: a window as
			// long as a target would call a ticket at risk from the moment
			// it arrives.
			atRiskBad = true
			bad(i, "at_risk", fmt.Errorf("%q must be shorter than every target, and class %q's first_response is %q", atRisk, c.Name, t))
		}
		if c.Fallback {
			fallbacks++
		}
	}
	if len(classes) > 0 && fallbacks != 1 {
		bad(-1, "", fmt.Errorf("exactly one class needs fallback = true (the class of a ticket no rule matched), not %d", fallbacks))
	}
	return errs
}

// Classes are the classes in display order (a copy).
func (p *Policy) Classes() []Class { return append([]Class(nil), p.classes...) }

// ClassNames are the class names in display order (a new slice).
func (p *Policy) ClassNames() []string {
	out := make([]string, len(p.classes))
	for i, c := range p.classes {
		out[i] = c.Name
	}
	return out
}

// Class is the class named name.
func (p *Policy) Class(name string) (Class, bool) {
	i, ok := p.byName[name]
	if !ok {
		return Class{}, false
	}
	return p.classes[i], true
}

// ValidClass reports whether name is one of the policy's classes.
func (p *Policy) ValidClass(name string) bool {
	_, ok := p.byName[name]
	return ok
}

// ClassList is the class names for messages: "availability, provisioning, other".
func (p *Policy) ClassList() string { return strings.Join(p.ClassNames(), ", ") }

// Title is the class's title, or for a class the policy no longer has (a
// ticket stored before the class was renamed or dropped) its name with a
// capital.
func (p *Policy) Title(name string) string {
	if c, ok := p.Class(name); ok {
		return c.Title
	}
	return fallbackTitle(name)
}

func fallbackTitle(name string) string {
	if name == "" {
		return name
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

// UnknownClassError explains a class name that is not one of the policy's.
func (p *Policy) UnknownClassError(name string) error {
	return fmt.Errorf("unknown class %q (valid classes: %s)", name, p.ClassList())
}

// Target is the first-response objective for a class.
func (p *Policy) Target(class string) (clock.Target, error) {
	c, ok := p.Class(class)
	if !ok {
		return clock.Target{}, p.UnknownClassError(class)
	}
	return c.FirstResponse, nil
}
