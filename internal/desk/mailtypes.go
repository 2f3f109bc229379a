package desk

import "time"

// Message directions.
const (
	DirectionIn  = "in"
	DirectionOut = "out"
	// DirectionFiles holds files a person attached by hand (a note, the
	// web form, a reply that was not mailed): no mail, only attachments.
	DirectionFiles = "files"
)

// Message is one stored email, in or out, with its raw bytes kept. The
// timeline's message events point at it for the HTML view and attachments.
type Message struct {
	ID        uint64
	TicketID  *uint64
	Direction string
	// MessageID is the RFC 5322 Message-ID without angle brackets ("" when
	// the mail had none).
	MessageID string
	// DedupeKey makes a second delivery of the same mail a no-op: "id:" +
	// Message-ID, or "sha256:" + the raw bytes' hash when there is none.
	DedupeKey  string
	FromAddr   string
	ToAddrs    string
	Subject    string
	Text       string
	HTML       string // sanitised
	Kind       string // normal, auto_reply, bulk, bounce
	Source     string // smtp, pipe, http, imap, staff
	Raw        []byte
	ReceivedAt time.Time
	// Attachments are filled by the store when reading one ticket's messages.
	Attachments []*Attachment `gorm:"-"`

	// Outcome is what ingestion did with an inbound mail: ActionCreated,
	// ActionAppended or ActionIgnored ("" for outgoing mail). The database
	// counts inbound mail by outcome and source as it is stored, for
	// /metrics.
	Outcome string
}

// Attachment is a file that came with a message. It is only ever served as
// a download.
type Attachment struct {
	ID          uint64
	MessageID   uint64 // the Message row
	Filename    string
	ContentType string
	Size        int64
	Data        []byte `json:"-"`
}

// Outbox mail kinds.
const (
	OutboxAck    = "ack"
	OutboxReply  = "reply"
	OutboxNotify = "notify"
	OutboxDigest = "digest"
)

// OutboxWebhook is the kind of a notice POSTed to notify.webhook_url (on
// DeliveryWebhook).
const OutboxWebhook = "webhook"

// Delivery channels (OutboxMail.Channel; not to be confused with the
// channels a ticket arrives through): how a delivery goes out. The outbox
// package holds a sender per channel; a row is claimed only by a sender
// that has its channel registered, so mail waits while no relay is
// configured and every other channel still goes.
const (
	// DeliveryMail goes through the SMTP relay: From and To are the
	// envelope, Raw the message. A row with no Channel is mail.
	DeliveryMail = "mail"
	// DeliveryWebhook is POSTed: Target is the URL, Raw the JSON body.
	DeliveryWebhook = "webhook"
)

// Outbox statuses.
const (
	OutboxQueued = "queued"
	OutboxSent   = "sent"
	OutboxFailed = "failed"
)

// OutboxMail is a delivery waiting to go out on its Channel: mail through
// the relay (hence the name), a webhook POST, … It is written in the same
// transaction as the change that caused it, so an outage loses nothing;
// senders claim rows with a lease so several instances never send one
// twice.
type OutboxMail struct {
	ID            uint64
	TicketID      *uint64
	Kind          string
	MessageID     string
	From          string `gorm:"column:from_addr"` // envelope sender
	To            string `gorm:"column:to_addrs"`  // comma-separated envelope recipients
	Subject       string
	Raw           []byte
	Status        string
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	SentAt        *time.Time
	LeaseUntil    *time.Time
	LeaseToken    int64 `json:"-"` // the claim holding the lease (see the outbox's Queue)
	CreatedAt     time.Time

	// Channel says which sender delivers the row; the store writes
	// DeliveryMail for "".
	Channel string `gorm:"size:16"`
	// Target is where a channel other than mail delivers to (a webhook's
	// URL). It may be a secret: it is never shown on a page or logged.
	Target string `json:"-"`
}

// TableName keeps gorm's name for OutboxMail short.
func (OutboxMail) TableName() string { return "outbox" }

// Quarantine statuses.
const (
	QuarantineHeld        = "held"
	QuarantineReprocessed = "reprocessed"
	QuarantineDiscarded   = "discarded"
)

// Quarantined is inbound mail that could not become a ticket (unparseable,
// oversize, no usable sender). It is kept whole until an admin reprocesses
// or discards it.
type Quarantined struct {
	ID         uint64
	Reason     string
	Source     string
	Size       int64
	Raw        []byte
	Status     string
	ReceivedAt time.Time
	ResolvedAt *time.Time
	ResolvedBy string
}

// TableName keeps gorm's name for Quarantined plain.
func (Quarantined) TableName() string { return "quarantine" }

// Writes are rows a ticket change adds in the same transaction as the
// ticket itself.
type Writes struct {
	Events   []*Event
	Messages []*Message    // TicketID is set by the store
	Outbox   []*OutboxMail // TicketID is set by the store
	// Participants are addresses that may thread mail into this ticket by
	// its subject tag (besides the requester).
	Participants []string
	// People are participants added with a name and who added them
	// (an address already on the ticket keeps its row).
	People []*Participant
	// Unpeople are participant addresses to remove.
	Unpeople []string
}
