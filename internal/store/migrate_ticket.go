package store

import "gorm.io/gorm"

// migrateTicketPage adds what the ticket page needs for agents working
// together: a version on every ticket (moved by bumpVersion with every
// change) and on every event (the ticket's version the event made, so
// "what changed since version N" is the events after N), the macro
// library, and who has a ticket open (presence, in the database so every
// instance behind a load balancer sees the same agents).
func migrateTicketPage(tx *gorm.DB, d dialect) error {
	return execAll(tx, d,
		`ALTER TABLE tickets ADD COLUMN version {BIGINT} NOT NULL DEFAULT 1`,
		`ALTER TABLE events ADD COLUMN version {BIGINT} NOT NULL DEFAULT 0`,
		`CREATE INDEX idx_events_ticket_version ON events (ticket_id, version)`,
		// The ticket page lists the requester's organisation's tickets by
		// mail domain (TicketsFrom, the same expression).
		`CREATE INDEX idx_tickets_requester_domain ON tickets ((`+d.emailDomain("requester_email")+`), received_at)`,
		`CREATE TABLE macros (
			id          {ID},
			name        {TEXT} NOT NULL,
			body        {TEXT} NOT NULL DEFAULT '',
			set_status  {TEXT} NOT NULL DEFAULT '',
			set_class   {TEXT} NOT NULL DEFAULT '',
			assign_to   {TEXT} NOT NULL DEFAULT '',
			created_at  {TIME} NOT NULL,
			updated_at  {TIME} NOT NULL
		)`,
		// Names are unique ignoring (ASCII) case: agents pick them by name.
		`CREATE UNIQUE INDEX idx_macros_name ON macros (LOWER(name))`,
		`CREATE TABLE presence (
			ticket_id {BIGINT} NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
			user_id   {BIGINT} NOT NULL REFERENCES users (id) ON DELETE CASCADE,
			typing    {BOOL} NOT NULL DEFAULT FALSE,
			seen_at   {TIME} NOT NULL,
			PRIMARY KEY (ticket_id, user_id)
		)`,
		`CREATE INDEX idx_presence_seen ON presence (seen_at)`,
	)
}
