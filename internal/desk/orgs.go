package desk

import (
	"context"
	"strings"
)

// publicMailDomains are mail providers anyone can sign up with: an address
// there says nothing about which organisation its owner belongs to, so
// slatrack never groups people by them.
var publicMailDomains = map[string]bool{
	"gmail.com": true, "googlemail.com": true, "outlook.com": true, "hotmail.com": true, "hotmail.co.uk": true,
	"live.com": true, "msn.com": true, "yahoo.com": true, "yahoo.co.uk": true, "ymail.com": true, "rocketmail.com": true,
	"aol.com": true, "icloud.com": true, "me.com": true, "mac.com": true, "proton.me": true, "protonmail.com": true,
	"pm.me": true, "gmx.com": true, "gmx.net": true, "gmx.de": true, "web.de": true, "mail.com": true, "zoho.com": true,
	"yandex.com": true, "yandex.ru": true, "mail.ru": true, "fastmail.com": true, "tutanota.com": true, "hey.com": true,
	"comcast.net": true, "verizon.net": true, "att.net": true, "qq.com": true, "163.com": true, "126.com": true,
}

// IsPublicMailDomain reports whether domain is a public mail provider's.
func IsPublicMailDomain(domain string) bool {
	return publicMailDomains[strings.ToLower(strings.TrimSpace(domain))]
}

// OrgDomain is the organisation an address belongs to, by its mail domain
// (lower case), or "" when the domain is a public mail provider's (or the
// address has none).
func OrgDomain(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 || at == len(email)-1 {
		return ""
	}
	d := strings.ToLower(email[at+1:])
	if IsPublicMailDomain(d) {
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
