package desk

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// The queue's orders. Whatever the order, tickets that owe a promise come
// before those that owe nothing (answered, waiting on the customer), so
// page one of a working view is what is owed.
const (
	SortDue      = "due"      // the owed promise's due instant (the default)
	SortReceived = "received" // when slatrack received the ticket
	SortUpdated  = "updated"  // the last change
	SortClass    = "class"    // class, then due
	SortStatus   = "status"   // status, then due
)

// Sorts lists the orders, the default first.
func Sorts() []string {
	return []string{SortDue, SortReceived, SortUpdated, SortClass, SortStatus}
}

// ValidSort reports whether s names an order ("" is the default).
func ValidSort(s string) bool {
	if s == "" {
		return true
	}
	for _, v := range Sorts() {
		if s == v {
			return true
		}
	}
	return false
}

// sortOf is s with the default spelt out.
func sortOf(s string) string {
	if s == "" {
		return SortDue
	}
	return s
}

// QueuePage is one page of the queue with the cursors of its neighbours
// ("" when there is none).
type QueuePage struct {
	Tickets    []*Ticket
	Next, Prev string
}

// Page returns one page of the queue in f's order with the cursors of the
// next and the previous page.
func (s *Service) Page(ctx context.Context, f Filter) (QueuePage, error) {
	q, err := s.query(ctx, f)
	if err != nil {
		return QueuePage{}, err
	}
	ts, beyond, err := s.tickets.ListTickets(ctx, q)
	if err != nil {
		return QueuePage{}, err
	}
	p := QueuePage{Tickets: ts}
	if len(q.Terms) > 0 {
		// Search order pages forward only.
		p.Next = beyond
		return p, nil
	}
	back := q.After != nil && q.After.Back
	if back {
		p.Prev = beyond
	} else {
		p.Next = beyond
	}
	if len(ts) == 0 {
		return p, nil
	}
	if q.After != nil && !back {
		c := CursorIn(ts[0], sortOf(q.Sort), q.Desc)
		c.Back = true
		p.Prev = c.Encode()
	}
	if back {
		p.Next = CursorIn(ts[len(ts)-1], sortOf(q.Sort), q.Desc).Encode()
	}
	return p, nil
}

// MaxCount is where the queue's counts stop ("500+"): counting further
// costs a scan of the whole view and tells an agent nothing more.
const MaxCount = 500

// Count counts the tickets f selects, up to MaxCount+1 (more than
// MaxCount when the count reaches it).
func (s *Service) Count(ctx context.Context, f Filter) (int, error) {
	f.Cursor = ""
	q, err := s.query(ctx, f)
	if err != nil {
		return 0, err
	}
	return s.tickets.CountTickets(ctx, q, MaxCount)
}

// View is a named filter of the queue: a built-in one, or one staff saved.
type View struct {
	// Key is "mine", "unassigned", "breached", "open", or for a saved view
	// "v" and its ID.
	Key    string
	Name   string
	Filter Filter
	// Saved is the saved view (nil for a built-in one).
	Saved *SavedView
}

// Keys of the built-in views.
const (
	ViewMine       = "mine"
	ViewUnassigned = "unassigned"
	ViewBreached   = "breached"
	ViewOpen       = "open"
)

// BuiltinViews are the views every staff member has, for me: what is
// assigned to me, what nobody has, what broke its promise, everything open.
func BuiltinViews(me *User) []View {
	mine := Filter{}
	if me != nil {
		mine.Assignee = me.Email
	}
	return []View{
		{Key: ViewOpen, Name: "All open", Filter: Filter{}},
		{Key: ViewMine, Name: "Mine", Filter: mine},
		{Key: ViewUnassigned, Name: "Unassigned", Filter: Filter{Assignee: "unassigned"}},
		{Key: ViewBreached, Name: "Breached", Filter: Filter{State: "breached"}},
	}
}

// SavedView is a named queue filter a staff member saved, for themselves
// or shared with all staff. Query is the filter as the queue's URL query
// string, so a view is a bookmark the server keeps.
type SavedView struct {
	ID        uint64
	OwnerID   uint64
	Name      string
	Query     string
	Shared    bool
	CreatedAt time.Time
	// Owner is filled by the store when reading.
	Owner *User `gorm:"-"`
}

// Limits on a saved view.
const (
	MaxViewName  = 60
	MaxViewQuery = 2000
)

// MaxViewsEach is how many views one person may save; CountedViews is how
// many saved views the queue counts on each load (every count is a query,
// so a desk full of shared views cannot slow every agent's queue).
const (
	MaxViewsEach = 20
	CountedViews = 10
)

// SaveView stores a named view of the queue for actor, shared with all
// staff when shared.
func (s *Service) SaveView(ctx context.Context, actor *User, name, query string, shared bool) (*SavedView, error) {
	if actor == nil {
		return nil, Errorf(Unauthorized, "please log in")
	}
	name = strings.TrimSpace(oneLine(noNUL(name)))
	v := ValidationErrors{}
	switch {
	case name == "":
		v.Add("name", "please give the view a name")
	case utf8.RuneCountInString(name) > MaxViewName:
		v.Add("name", "must be at most 60 characters")
	}
	if len(query) > MaxViewQuery || !utf8.ValidString(query) {
		v.Add("name", "the filters are too long to save")
	}
	if err := v.Err("name"); err != nil {
		return nil, err
	}
	mine := 0
	views, err := s.views.ListViews(ctx, actor.ID)
	if err != nil {
		return nil, err
	}
	for _, w := range views {
		if w.OwnerID == actor.ID {
			mine++
		}
	}
	if mine >= MaxViewsEach {
		return nil, FieldError("name", "you have %d saved views, the most one person may keep; delete one first", mine)
	}
	sv := &SavedView{OwnerID: actor.ID, Name: name, Query: strings.TrimPrefix(query, "?"), Shared: shared, CreatedAt: s.now()}
	if err := s.views.CreateView(ctx, sv); err != nil {
		if ErrorCode(err) == Conflict {
			return nil, &Error{Code: Conflict, Field: "name", Message: "you already have a view named " + `"` + name + `"`}
		}
		return nil, err
	}
	sv.Owner = actor
	return sv, nil
}

// Views are the views actor sees: their own and those shared with all
// staff, by name.
func (s *Service) Views(ctx context.Context, actor *User) ([]*SavedView, error) {
	if actor == nil {
		return nil, nil
	}
	return s.views.ListViews(ctx, actor.ID)
}

// DeleteView removes one of actor's own views; another's is Forbidden,
// even shared.
func (s *Service) DeleteView(ctx context.Context, actor *User, id uint64) error {
	v, err := s.views.GetView(ctx, id)
	if err != nil {
		return err
	}
	if actor == nil || v.OwnerID != actor.ID {
		return Errorf(Forbidden, "only the person who saved a view may delete it")
	}
	return s.views.DeleteView(ctx, id)
}

// MaxBulk is how many tickets one bulk change may touch.
const MaxBulk = 500

// BulkResult is what a bulk change did to one ticket: the ticket as it is
// now, or why it was not changed.
type BulkResult struct {
	Ref    string
	Ticket *Ticket
	Err    error
}

// Bulk applies one patch to each of the tickets refs names (each once, in
// the order given), each in its own transaction through the same rules as
// Update, so every change is on each ticket's timeline. A patch that is
// wrong for all of them (an unknown status, nobody by that address) is
// refused before any ticket is touched; a ticket that cannot be changed
// (gone, locked out) says why in its result and the rest go on.
func (s *Service) Bulk(ctx context.Context, actor *User, refs []string, p Patch) ([]BulkResult, error) {
	seen := map[string]bool{}
	var uniq []string
	for _, r := range refs {
		r = strings.TrimSpace(r)
		if r == "" || seen[strings.ToUpper(r)] {
			continue
		}
		seen[strings.ToUpper(r)] = true
		uniq = append(uniq, r)
	}
	switch {
	case len(uniq) == 0:
		return nil, FieldError("refs", "choose at least one ticket")
	case len(uniq) > MaxBulk:
		return nil, FieldError("refs", "a bulk change may touch at most %d tickets at a time; %d were given", MaxBulk, len(uniq))
	}
	if !p.At.IsZero() {
		return nil, FieldError("at", "a bulk change happens now; it cannot be backdated")
	}
	assignee, err := s.checkPatch(ctx, actor, &p)
	if err != nil {
		return nil, err
	}
	out := make([]BulkResult, 0, len(uniq))
	for _, ref := range uniq {
		if err := ctx.Err(); err != nil {
			out = append(out, BulkResult{Ref: ref, Err: Errorf(Unavailable, "not changed: the request was cancelled")})
			continue
		}
		t, err := s.patchTicket(ctx, ref, actor, p, assignee)
		r := BulkResult{Ref: ref, Ticket: t, Err: err}
		if t != nil {
			r.Ref = t.Ref
		}
		out = append(out, r)
	}
	return out, nil
}
