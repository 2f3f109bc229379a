package store

import "gorm.io/gorm"

// migrateQueue adds the queue's saved views and the indexes its views and
// orders read: each order's columns after (open, idle), so every order's
// page is an index range read in order, and the assignee's queue ("Mine",
// "Unassigned") the same way.
func migrateQueue(tx *gorm.DB, d dialect) error {
	return execAll(tx, d,
		`CREATE TABLE saved_views (
			id         {ID},
			owner_id   {BIGINT} NOT NULL REFERENCES users (id) ON DELETE CASCADE,
			name       {TEXT} NOT NULL,
			query      {TEXT} NOT NULL DEFAULT '',
			shared     {BOOL} NOT NULL DEFAULT FALSE,
			created_at {TIME} NOT NULL
		)`,
		`CREATE UNIQUE INDEX idx_saved_views_owner_name ON saved_views (owner_id, name)`,
		`CREATE INDEX idx_saved_views_shared ON saved_views (shared)`,
		`CREATE INDEX idx_tickets_assignee_queue ON tickets (assignee_id, open, idle, queue_at, id)`,
		`CREATE INDEX idx_tickets_open_received ON tickets (open, idle, received_at, id)`,
		`CREATE INDEX idx_tickets_open_updated ON tickets (open, idle, updated_at, id)`,
		`CREATE INDEX idx_tickets_open_class ON tickets (open, idle, class, queue_at, id)`,
		`CREATE INDEX idx_tickets_open_status ON tickets (open, idle, status, queue_at, id)`,
	)
}
