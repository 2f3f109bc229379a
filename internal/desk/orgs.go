package desk

import (
	"context"

	"github.com/slatrack/slatrack/internal/mail"
)

// OrgDomain is the organisation an address belongs to, by its mail domain
// (lower case), or "" when the domain is a public mail provider's (the one
// list is mail.PublicProvider's) or the address has none.
func OrgDomain(email string) string {
	d := mail.Domain(email)
	if d == "" || mail.PublicProvider(d) {
		return ""
	}
	return d
}

// RelatedLimit is how many of a requester's (and their organisation's)
// other tickets the ticket page lists before a link to the rest.
const RelatedLimit = 5

// RelatedCountCap is as far as the other tickets are counted: "more than
// 1,000" is as useful as the exact number, and a big organisation's count
// would read every one of its rows on each page view.
const RelatedCountCap = 1001

// RelatedStore finds the tickets around one: its requester's others, and
// its neighbours in the queue.
type RelatedStore interface {
	// QueueNeighbours are the references of the open tickets just before
	// and after t in the queue's order ("" at either end, or when t is not
	// open).
	QueueNeighbours(ctx context.Context, t *Ticket) (prev, next string, err error)
	// TicketsFrom lists up to limit tickets, newest first, but except,
	// whose requester is email, or with domain set, whose requester's
	// address is at domain (and is not email); and counts them, up to
	// RelatedCountCap.
	TicketsFrom(ctx context.Context, email, domain string, except uint64, limit int) ([]*Ticket, int64, error)
}

// Related is the rest of the requester's tickets and their organisation's
// (same mail domain, never a public provider's), newest first, up to
// RelatedLimit each, with how many there are in all.
type Related struct {
	Domain              string // "" when the requester's is a public provider's
	Mine, Org           []*Ticket
	MineTotal, OrgTotal int64
}

// Capped reports whether n is RelatedCountCap: the count stopped there.
func (r *Related) Capped(n int64) bool { return n >= RelatedCountCap }

// RelatedTickets finds the requester's other tickets and their
// organisation's.
func (s *Service) RelatedTickets(ctx context.Context, t *Ticket) (*Related, error) {
	r := &Related{Domain: OrgDomain(t.RequesterEmail)}
	var err error
	if r.Mine, r.MineTotal, err = s.related.TicketsFrom(ctx, t.RequesterEmail, "", t.ID, RelatedLimit); err != nil {
		return nil, err
	}
	if r.Domain != "" {
		if r.Org, r.OrgTotal, err = s.related.TicketsFrom(ctx, t.RequesterEmail, r.Domain, t.ID, RelatedLimit); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// QueueNeighbours are the open tickets just before and after t in the
// queue's order, for stepping through the queue (j and k on the page).
func (s *Service) QueueNeighbours(ctx context.Context, t *Ticket) (prev, next string, err error) {
	return s.related.QueueNeighbours(ctx, t)
}
