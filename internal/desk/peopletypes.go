package desk

import "time"

// Participant is someone besides the requester on a ticket: copied on
// every staff reply, and allowed to thread mail into it by its subject
// tag. Staff add them by hand; people copied on the requester's mail join
// by themselves.
type Participant struct {
	TicketID uint64
	Email    string
	Name     string
	// AddedAt is when they joined (zero for rows older than the column).
	AddedAt time.Time
	// AddedBy is who added them ("" when they came in on a mail).
	AddedBy string
}

// Display is "Name <email>", or the address alone.
func (p *Participant) Display() string {
	if p.Name == "" {
		return p.Email
	}
	return p.Name + " <" + p.Email + ">"
}

// Timeline kinds for people and merges.
const (
	EventParticipantAdded   = "participant_added"   // New = the address, Body: who
	EventParticipantRemoved = "participant_removed" // Old = the address
	EventMerged             = "merged"              // Old = the duplicate's ref, New = the survivor's
)

// MergeWrites is what a merge writes besides moving the duplicate's
// messages, conversation and participants onto the survivor: each
// ticket's own rows.
type MergeWrites struct {
	Duplicate, Survivor Writes
}
