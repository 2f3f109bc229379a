package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/sla"
)

// queuePage is the staff queue: one dense line per ticket, what is owed
// first on top, with views, counts, orders, pages and bulk changes.
type queuePage struct {
	Filter desk.Filter
	// Query is the filter and order as a query string (no cursor): the
	// rows endpoint, the saved view and the bulk change read it.
	Query string
	Views []viewTab
	// Count is how many tickets the filter selects ("37", "500+").
	Count    string
	Rows     []queueRow
	Next     string // URL of the next page, "" at the end
	Prev     string // URL of the previous page, "" on the first
	First    string // URL of the first page when paging
	Here     string // URL of this page, for the manual refresh
	RowsURL  string // URL of the rows alone, for queue.js
	Poll     int    // seconds between queue.js's checks
	Columns  []sortColumn
	Actions  []bulkGroup
	Classes  []classOption
	Statuses []string
	States   []sla.State
	Users    []*desk.User
	Errors   desk.ValidationErrors
	Now      any
}

// viewTab is one view above the queue, with its count.
type viewTab struct {
	Name    string
	URL     string
	Count   string
	Current bool
	// Saved is set for a saved view; Mine when the viewer may delete it.
	Saved *desk.SavedView
	Mine  bool
}

// sortColumn is a sortable column heading: the link that orders by it
// (the other way when it is the current order) and its aria-sort.
type sortColumn struct {
	Label    string
	URL      string
	AriaSort string // "ascending", "descending" or "" when not the order
}

// queueRow is a ticket as one queue line, every value worked out in Go:
// the rows are the queue's hot path, and a template reaching into
// embedded structs and calling functions per cell costs more than the
// database does.
type queueRow struct {
	Ref, Subject, Requester, RequesterEmail string
	Class, ClassTitle                       string
	ClassSlot                               int
	Status                                  string // the status for people
	Assignee                                string // "" when unassigned
	State                                   sla.State
	StateLabel                              string
	// DueShort is the owed promise's due instant in few words ("today
	// 3:00 PM", "Thu 10:00 AM"), DueFull in full, DueISO for <time>;
	// Left is the business time left or overdue ("2h 10m left",
	// "overdue 1h 20m"), or what the ticket waits for when it owes
	// nothing; OwedWords says it in a sentence.
	DueShort, DueFull, DueISO, Left, OwedWords string
	Overdue                                    bool
	ReceivedISO, ReceivedFull, ReceivedAgo     string
	UpdatedISO, UpdatedFull, UpdatedAgo        string
}

// filterFrom is the filter in the query string, as the queue and the API
// read it.
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

// queueFilterFrom is the queue page's filter: the API's, with an order.
func queueFilterFrom(c *gin.Context) desk.Filter {
	f := filterFrom(c)
	f.Sort = c.Query("sort")
	f.Desc = c.Query("dir") == "desc"
	return f
}

// queryOf is f as the queue's query string, without its cursor.
func queryOf(f desk.Filter) url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"class": f.Class, "status": f.Status, "assignee": f.Assignee, "state": f.State, "q": f.Text} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Sort != "" && f.Sort != desk.SortDue {
		q.Set("sort", f.Sort)
	}
	if f.Desc {
		q.Set("dir", "desc")
	}
	return q
}

// filterOfQuery reads a filter back from queryOf's string (a saved view).
func filterOfQuery(raw string) desk.Filter {
	q, _ := url.ParseQuery(raw)
	return desk.Filter{Class: q.Get("class"), Status: q.Get("status"), Assignee: q.Get("assignee"), State: q.Get("state"),
		Text: q.Get("q"), Sort: q.Get("sort"), Desc: q.Get("dir") == "desc"}
}

// sameSelection reports whether two filters select the same tickets
// (whatever their order).
func sameSelection(a, b desk.Filter) bool {
	return a.Class == b.Class && a.Status == b.Status && a.Assignee == b.Assignee && a.State == b.State && a.Text == b.Text
}

// queueURL is path with q's query string.
func queueURL(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// countWords is a capped count for people: "37", or "500+" at the cap.
func countWords(n int) string {
	if n > desk.MaxCount {
		return strconv.Itoa(desk.MaxCount) + "+"
	}
	return strconv.Itoa(n)
}

func (s *Server) queuePage(c *gin.Context) {
	ctx := c.Request.Context()
	f := queueFilterFrom(c)
	users, err := s.svc.Staff(ctx)
	if err != nil {
		s.respondError(c, err)
		return
	}
	now := s.now()
	q := queryOf(f)
	p := queuePage{Filter: f, Query: q.Encode(), Classes: s.classOptions(), Statuses: desk.Statuses(), States: sla.States(), Users: users, Now: now,
		Poll: s.cfg.QueuePollSeconds, Here: queueURL("/queue", q)}
	if p.Poll <= 0 {
		p.Poll = 15
	}
	status := http.StatusOK
	page, err := s.svc.Page(ctx, f)
	switch {
	case desk.ErrorCode(err) == desk.Invalid:
		p.Errors, status = desk.FieldErrors(err), http.StatusBadRequest
	case err != nil:
		s.respondError(c, err)
		return
	}
	p.Rows = s.queueRows(page.Tickets, now)
	rq := queryOf(f)
	if f.Cursor != "" && err == nil {
		rq.Set("cursor", f.Cursor)
	}
	p.RowsURL = queueURL("/queue/rows", rq)
	link := func(cursor string) string {
		if cursor == "" {
			return ""
		}
		nq := queryOf(f)
		nq.Set("cursor", cursor)
		return queueURL("/queue", nq)
	}
	p.Next, p.Prev = link(page.Next), link(page.Prev)
	if f.Cursor != "" {
		p.First = queueURL("/queue", q)
	}
	if p.Errors == nil {
		if p.Views, err = s.viewTabs(c, f); err != nil {
			s.respondError(c, err)
			return
		}
		for _, v := range p.Views {
			if v.Current {
				p.Count = v.Count // the same selection: counted once
			}
		}
		if p.Count == "" {
			n, err := s.svc.Count(ctx, f)
			if err != nil {
				s.respondError(c, err)
				return
			}
			p.Count = countWords(n)
		}
	}
	p.Columns = sortColumns(f)
	p.Actions = s.bulkActions(users)
	s.render(c, status, "queue", pageData{Title: "Queue", Nav: "queue", Page: p})
}

// queueRowsPart answers the rows of a queue page alone (the table body),
// for queue.js to merge into the open page.
func (s *Server) queueRowsPart(c *gin.Context) {
	f := queueFilterFrom(c)
	page, err := s.svc.Page(c.Request.Context(), f)
	if err != nil {
		s.respondError(c, err)
		return
	}
	n, err := s.svc.Count(c.Request.Context(), f)
	if err != nil {
		s.respondError(c, err)
		return
	}
	p := queuePage{Filter: f, Rows: s.queueRows(page.Tickets, s.now()), Count: countWords(n)}
	s.renderPart(c, "queue", "queuerows", pageData{User: currentUser(c), Page: p})
}

// renderPart executes one named template of a page, for a fragment.
func (s *Server) renderPart(c *gin.Context, page, name string, d pageData) {
	t, ok := s.pages.pages[page]
	if !ok {
		s.respondError(c, fmt.Errorf("web: missing template %s", page))
		return
	}
	d.CSRF = csrfToken(c)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, d); err != nil {
		s.respondError(c, fmt.Errorf("web: render %s/%s: %w", page, name, err))
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
}

func (s *Server) queueRows(ts []*desk.Ticket, now time.Time) []queueRow {
	rows := make([]queueRow, 0, len(ts))
	pol := s.svc.Policy
	loc := pol.Calendar().Location()
	day := pol.Calendar().BusinessDay()
	iso := func(t time.Time) string { return t.In(loc).Format(time.RFC3339) }
	ago := func(t time.Time) string { return agoWords(now.Sub(t), t.In(loc)) }
	for _, t := range ts {
		v := s.view(t, now)
		r := queueRow{Ref: t.Ref, Subject: t.Subject, Requester: t.RequesterName, RequesterEmail: t.RequesterEmail,
			Class: t.Class, ClassTitle: pol.Title(t.Class), ClassSlot: slices.Index(pol.ClassNames(), t.Class) + 1,
			Status: desk.StatusLabel(t.Status), State: v.State, StateLabel: v.State.Label(), OwedWords: v.OwedWords, Overdue: v.Overdue,
			ReceivedISO: iso(t.ReceivedAt), ReceivedFull: whenWords(t.ReceivedAt, loc), ReceivedAgo: ago(t.ReceivedAt),
			UpdatedISO: iso(t.UpdatedAt), UpdatedFull: whenWords(t.UpdatedAt, loc), UpdatedAgo: ago(t.UpdatedAt)}
		if r.Requester == "" {
			r.Requester = t.RequesterEmail
		}
		if t.Assignee != nil {
			r.Assignee = nameOf(t.Assignee)
		}
		switch {
		case !v.OwedDue.IsZero():
			r.DueShort, r.DueFull, r.DueISO = shortWhen(v.OwedDue, now, loc), whenWords(v.OwedDue, loc), iso(v.OwedDue)
			if v.Overdue {
				r.Left = "overdue " + sla.FormatBusiness(-v.Remaining, day)
			} else {
				r.Left = sla.FormatBusiness(v.Remaining, day) + " left"
			}
		case t.Status == desk.StatusWaiting:
			r.Left = "waiting on customer"
		case !desk.IsOpenStatus(t.Status):
			r.Left = desk.StatusLabel(t.Status)
		default:
			r.Left = "answered"
		}
		rows = append(rows, r)
	}
	return rows
}

// shortWhen is an instant in few words relative to now: "today 3:00 PM",
// "tomorrow 9:00 AM", "yesterday 4:30 PM", a weekday within a week, else
// the date.
func shortWhen(t, now time.Time, loc *time.Location) string {
	lt, ln := t.In(loc), now.In(loc)
	dayOf := func(x time.Time) time.Time { y, m, d := x.Date(); return time.Date(y, m, d, 0, 0, 0, 0, loc) }
	days := int(dayOf(lt).Sub(dayOf(ln)).Round(24*time.Hour) / (24 * time.Hour))
	clock := lt.Format("3:04 PM")
	switch {
	case days == 0:
		return "today " + clock
	case days == 1:
		return "tomorrow " + clock
	case days == -1:
		return "yesterday " + clock
	case days > 1 && days < 7:
		return lt.Format("Mon") + " " + clock
	case lt.Year() == ln.Year():
		return lt.Format("Jan 2")
	}
	return lt.Format("Jan 2, 2006")
}

// viewTabs are the built-in views and the saved ones the viewer sees,
// each with its count, the one f selects marked current.
func (s *Server) viewTabs(c *gin.Context, f desk.Filter) ([]viewTab, error) {
	ctx := c.Request.Context()
	me := currentUser(c)
	saved, err := s.svc.Views(ctx, me)
	if err != nil {
		return nil, err
	}
	views := desk.BuiltinViews(me)
	for _, sv := range saved {
		views = append(views, desk.View{Key: "v" + strconv.FormatUint(sv.ID, 10), Name: sv.Name, Filter: filterOfQuery(sv.Query), Saved: sv})
	}
	tabs := make([]viewTab, 0, len(views))
	current, counted := false, 0
	for _, v := range views {
		tab := viewTab{Name: v.Name, URL: queueURL("/queue", queryOf(v.Filter)), Saved: v.Saved, Mine: v.Saved != nil && me != nil && v.Saved.OwnerID == me.ID}
		if v.Saved != nil {
			counted++
		}
		if counted > desk.CountedViews {
			// Past the first saved views, no count: each is a query on
			// every load.
			if !current && sameSelection(v.Filter, f) {
				tab.Current, current = true, true
			}
			tabs = append(tabs, tab)
			continue
		}
		n, err := s.svc.Count(ctx, v.Filter)
		switch {
		case desk.ErrorCode(err) == desk.Invalid:
			tab.Count = "?" // a saved view whose class or person is gone
		case err != nil:
			return nil, err
		default:
			tab.Count = countWords(n)
		}
		if !current && sameSelection(v.Filter, f) {
			tab.Current, current = true, true
		}
		tabs = append(tabs, tab)
	}
	return tabs, nil
}

// sortColumns are the sortable headings for f: each links to its order,
// the current one to the other direction.
func sortColumns(f desk.Filter) []sortColumn {
	labels := map[string]string{desk.SortDue: "Due", desk.SortReceived: "Received", desk.SortUpdated: "Updated", desk.SortClass: "Class", desk.SortStatus: "Status"}
	cur := f.Sort
	if cur == "" {
		cur = desk.SortDue
	}
	var out []sortColumn
	for _, key := range desk.Sorts() {
		g := f
		g.Sort, g.Desc, g.Cursor = key, false, ""
		col := sortColumn{Label: labels[key]}
		if key == cur {
			col.AriaSort = "ascending"
			if f.Desc {
				col.AriaSort = "descending"
			}
			g.Desc = !f.Desc
		}
		col.URL = queueURL("/queue", queryOf(g))
		out = append(out, col)
	}
	return out
}
