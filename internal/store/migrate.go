package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/slatrack/slatrack/internal/desk"
)

// A migration changes the schema from version-1 to version. Its DDL is
// written out here, never derived from the desk structs, so a later change
// to a struct cannot change what an old migration creates. Once released, a
// migration is never edited: add a new one.
type migration struct {
	version int
	name    string
	up      func(tx *gorm.DB, d dialect) error
}

// migrations in order; versions are 1, 2, 3, …  Column types are written
// as {ID}, {BIGINT}, {TEXT}, {BOOL} and {TIME}, which dialect.SQL replaces.
var migrations = []migration{
	{1, "create_users", func(tx *gorm.DB, d dialect) error {
		return execAll(tx, d,
			`CREATE TABLE users (
				id            {ID},
				email         {TEXT} NOT NULL,
				name          {TEXT} NOT NULL DEFAULT '',
				role          {TEXT} NOT NULL DEFAULT '',
				password_hash {TEXT} NOT NULL DEFAULT '',
				active        {BOOL} NOT NULL DEFAULT TRUE,
				created_at    {TIME} NOT NULL,
				last_login_at {TIME}
			)`,
			// Emails are stored lower-cased, so this is case-insensitive.
			`CREATE UNIQUE INDEX idx_users_email ON users (email)`,
		)
	}},
	{2, "create_tickets", func(tx *gorm.DB, d dialect) error {
		return execAll(tx, d,
			`CREATE TABLE tickets (
				id                {ID},
				ref               {TEXT} NOT NULL,
				subject           {TEXT} NOT NULL DEFAULT '',
				body              {TEXT} NOT NULL DEFAULT '',
				requester_email   {TEXT} NOT NULL DEFAULT '',
				requester_name    {TEXT} NOT NULL DEFAULT '',
				channel           {TEXT} NOT NULL DEFAULT '',
				class             {TEXT} NOT NULL DEFAULT '',
				class_by          {TEXT} NOT NULL DEFAULT '',
				class_reason      {TEXT} NOT NULL DEFAULT '',
				status            {TEXT} NOT NULL DEFAULT '',
				open              {BOOL} NOT NULL DEFAULT FALSE,
				assignee_id       {BIGINT} REFERENCES users (id) ON DELETE SET NULL,
				received_at       {TIME} NOT NULL,
				response_due_at   {TIME} NOT NULL,
				first_response_at {TIME},
				answered          {BOOL} NOT NULL DEFAULT FALSE,
				created_at        {TIME} NOT NULL,
				updated_at        {TIME} NOT NULL
			)`,
			`CREATE UNIQUE INDEX idx_tickets_ref ON tickets (ref)`,
			// The queue: open tickets, unanswered first, by response due. With
			// open = TRUE it serves both the filter and the ORDER BY, so the
			// first page reads ~limit rows however many tickets there are.
			`CREATE INDEX idx_tickets_queue ON tickets (open, answered, response_due_at, id)`,
			`CREATE INDEX idx_tickets_requester_email ON tickets (requester_email)`,
			`CREATE INDEX idx_tickets_assignee ON tickets (assignee_id)`,
			`CREATE INDEX idx_tickets_received ON tickets (received_at)`,
		)
	}},
	{3, "create_events", func(tx *gorm.DB, d dialect) error {
		return execAll(tx, d,
			`CREATE TABLE events (
				id        {ID},
				ticket_id {BIGINT} NOT NULL REFERENCES tickets (id),
				at        {TIME} NOT NULL,
				actor_id  {BIGINT},
				actor     {TEXT} NOT NULL DEFAULT '',
				kind      {TEXT} NOT NULL DEFAULT '',
				internal  {BOOL} NOT NULL DEFAULT FALSE,
				body      {TEXT} NOT NULL DEFAULT '',
				old       {TEXT} NOT NULL DEFAULT '',
				new       {TEXT} NOT NULL DEFAULT '',
				reason    {TEXT} NOT NULL DEFAULT ''
			)`,
			`CREATE INDEX idx_events_ticket ON events (ticket_id, id)`,
		)
	}},
	{4, "create_sessions_and_tokens", func(tx *gorm.DB, d dialect) error {
		return execAll(tx, d,
			`CREATE TABLE sessions (
				id         {TEXT} NOT NULL PRIMARY KEY,
				user_id    {BIGINT} NOT NULL REFERENCES users (id) ON DELETE CASCADE,
				created_at {TIME} NOT NULL,
				expires_at {TIME} NOT NULL
			)`,
			`CREATE INDEX idx_sessions_expires ON sessions (expires_at)`,
			`CREATE INDEX idx_sessions_user ON sessions (user_id)`,
			`CREATE TABLE tokens (
				id           {ID},
				user_id      {BIGINT} NOT NULL REFERENCES users (id) ON DELETE CASCADE,
				name         {TEXT} NOT NULL DEFAULT '',
				hash         {TEXT} NOT NULL,
				created_at   {TIME} NOT NULL,
				last_used_at {TIME}
			)`,
			`CREATE UNIQUE INDEX idx_tokens_hash ON tokens (hash)`,
			`CREATE INDEX idx_tokens_user ON tokens (user_id)`,
		)
	}},
	{5, "create_settings", func(tx *gorm.DB, d dialect) error {
		return execAll(tx, d,
			`CREATE TABLE settings (
				"key"   {TEXT} NOT NULL PRIMARY KEY,
				"value" {TEXT} NOT NULL
			)`,
		)
	}},
	{6, "create_mail", func(tx *gorm.DB, d dialect) error {
		return execAll(tx, d,
			`ALTER TABLE tickets ADD COLUMN flag {TEXT} NOT NULL DEFAULT ''`,
			`ALTER TABLE tickets ADD COLUMN closed_at {TIME}`,
			`CREATE TABLE messages (
				id          {ID},
				ticket_id   {BIGINT} REFERENCES tickets (id),
				direction   {TEXT} NOT NULL,
				message_id  {TEXT} NOT NULL DEFAULT '',
				dedupe_key  {TEXT} NOT NULL,
				from_addr   {TEXT} NOT NULL DEFAULT '',
				to_addrs    {TEXT} NOT NULL DEFAULT '',
				subject     {TEXT} NOT NULL DEFAULT '',
				text        {TEXT} NOT NULL DEFAULT '',
				html        {TEXT} NOT NULL DEFAULT '',
				kind        {TEXT} NOT NULL DEFAULT '',
				source      {TEXT} NOT NULL DEFAULT '',
				raw         {BLOB},
				received_at {TIME} NOT NULL
			)`,
			// A second delivery of the same mail (same Message-ID, or same
			// bytes without one) hits this index and becomes a no-op, even
			// when two instances receive it at once.
			`CREATE UNIQUE INDEX idx_messages_dedupe ON messages (dedupe_key)`,
			`CREATE INDEX idx_messages_ticket ON messages (ticket_id, id)`,
			`CREATE TABLE attachments (
				id           {ID},
				message_id   {BIGINT} NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
				filename     {TEXT} NOT NULL DEFAULT '',
				content_type {TEXT} NOT NULL DEFAULT '',
				size         {BIGINT} NOT NULL DEFAULT 0,
				data         {BLOB}
			)`,
			`CREATE INDEX idx_attachments_message ON attachments (message_id)`,
			`ALTER TABLE events ADD COLUMN mail_id {BIGINT} REFERENCES messages (id)`,
			`CREATE TABLE participants (
				ticket_id {BIGINT} NOT NULL REFERENCES tickets (id),
				email     {TEXT} NOT NULL,
				PRIMARY KEY (ticket_id, email)
			)`,
			`CREATE TABLE outbox (
				id              {ID},
				ticket_id       {BIGINT} REFERENCES tickets (id),
				kind            {TEXT} NOT NULL DEFAULT '',
				message_id      {TEXT} NOT NULL DEFAULT '',
				from_addr       {TEXT} NOT NULL DEFAULT '',
				to_addrs        {TEXT} NOT NULL DEFAULT '',
				subject         {TEXT} NOT NULL DEFAULT '',
				raw             {BLOB},
				status          {TEXT} NOT NULL,
				attempts        {BIGINT} NOT NULL DEFAULT 0,
				next_attempt_at {TIME} NOT NULL,
				last_error      {TEXT} NOT NULL DEFAULT '',
				sent_at         {TIME},
				lease_until     {TIME},
				created_at      {TIME} NOT NULL
			)`,
			// Senders claim due mail in this order.
			`CREATE INDEX idx_outbox_due ON outbox (status, next_attempt_at)`,
			`CREATE INDEX idx_outbox_ticket ON outbox (ticket_id)`,
			// Acknowledgement rate limit per recipient.
			`CREATE INDEX idx_outbox_kind_to ON outbox (kind, to_addrs, created_at)`,
			`CREATE TABLE quarantine (
				id          {ID},
				reason      {TEXT} NOT NULL DEFAULT '',
				source      {TEXT} NOT NULL DEFAULT '',
				size        {BIGINT} NOT NULL DEFAULT 0,
				raw         {BLOB},
				status      {TEXT} NOT NULL,
				received_at {TIME} NOT NULL,
				resolved_at {TIME},
				resolved_by {TEXT} NOT NULL DEFAULT ''
			)`,
			`CREATE INDEX idx_quarantine_status ON quarantine (status, id)`,
		)
	}},
	{7, "create_notifications", func(tx *gorm.DB, d dialect) error {
		return execAll(tx, d,
			// One row per notification that went (or is going) out: its key
			// ("at_risk:42", "breached:42", "arrival:42", "digest:2026-07-06")
			// is inserted in the transaction that queues the mail, so across
			// instances whoever inserts it first sends, and nobody twice.
			`CREATE TABLE notifications (
				"key"      {TEXT} NOT NULL PRIMARY KEY,
				ticket_id  {BIGINT} REFERENCES tickets (id),
				kind       {TEXT} NOT NULL DEFAULT '',
				created_at {TIME} NOT NULL
			)`,
			`CREATE INDEX idx_notifications_ticket ON notifications (ticket_id, kind)`,
		)
	}},
	{8, "report_indexes", func(tx *gorm.DB, d dialect) error {
		return execAll(tx, d,
			// The compliance report reads these five columns of every ticket
			// received in a period: with all of them in the index, both
			// engines answer from the index alone, in receipt order, without
			// visiting the (wide) table rows.
			`CREATE INDEX idx_tickets_report ON tickets (received_at, class, response_due_at, first_response_at, open)`,
		)
	}},
	{9, "outbox_kind_created_index", func(tx *gorm.DB, d dialect) error {
		return execAll(tx, d,
			// The desk-wide cap on acknowledgements to new senders counts a
			// kind's recent rows, whoever they went to.
			`CREATE INDEX idx_outbox_kind_created ON outbox (kind, created_at)`,
		)
	}},
	{10, "outbox_claims", func(tx *gorm.DB, d dialect) error {
		return execAll(tx, d,
			// Which claim holds a row's lease: a sender renews or releases
			// only the leases it still holds.
			`ALTER TABLE outbox ADD COLUMN lease_token {BIGINT} NOT NULL DEFAULT 0`,
			// Senders claim queued mail in outboxClaimOrder (acknowledgements
			// last): this index has the same expression, so the claim reads
			// due rows in order and stops at its limit instead of sorting
			// the whole backlog. It covers idx_outbox_due's queries too.
			`CREATE INDEX idx_outbox_claim ON outbox (status, (CASE WHEN kind = 'ack' THEN 1 ELSE 0 END), next_attempt_at, id)`,
			`DROP INDEX idx_outbox_due`,
		)
	}},
	{11, "token_expiry", func(tx *gorm.DB, d dialect) error {
		return execAll(tx, d,
			// NULL: the token never expires. A revoked token is deleted, so
			// every instance refuses it from the next request on.
			`ALTER TABLE tokens ADD COLUMN expires_at {TIME}`,
		)
	}},
	{12, "count_inbound_mail", func(tx *gorm.DB, d dialect) error {
		// /metrics counts inbound mail by outcome and source from what is
		// stored, whichever process stored it (serve, mail-in, any
		// instance): a trigger adds each inbound message and each quarantined
		// mail to a counter row in the transaction that stores it, so a
		// scrape reads a few rows however large the desk. Rows are spread
		// over 16 shards by id, so concurrent ingestions on PostgreSQL do not
		// queue on one row lock.
		err := execAll(tx, d,
			`ALTER TABLE messages ADD COLUMN outcome {TEXT} NOT NULL DEFAULT ''`,
			`CREATE TABLE mail_counts (
				outcome {TEXT} NOT NULL,
				source  {TEXT} NOT NULL,
				shard   {BIGINT} NOT NULL,
				n       {BIGINT} NOT NULL DEFAULT 0,
				PRIMARY KEY (outcome, source, shard)
			)`,
			// What was stored before this migration, judged from the rows:
			// an inbound message without a ticket was ignored; the first
			// inbound message of an email ticket created it; any other was
			// appended.
			`INSERT INTO mail_counts (outcome, source, shard, n)
			SELECT CASE
					WHEN m.ticket_id IS NULL THEN 'ignored'
					WHEN t.channel = 'email' AND m.id = (SELECT MIN(f.id) FROM messages f WHERE f.ticket_id = m.ticket_id AND f.direction = 'in') THEN 'created'
					ELSE 'appended' END,
				m.source, 0, COUNT(*)
			FROM messages m LEFT JOIN tickets t ON t.id = m.ticket_id
			WHERE m.direction = 'in'
			GROUP BY 1, 2`,
			`INSERT INTO mail_counts (outcome, source, shard, n)
			SELECT 'quarantined', source, 0, COUNT(*) FROM quarantine GROUP BY source`,
		)
		if err != nil {
			return err
		}
		if d == postgresDialect {
			return execAll(tx, d,
				`CREATE FUNCTION count_inbound_message() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
					INSERT INTO mail_counts (outcome, source, shard, n) VALUES (NEW.outcome, NEW.source, NEW.id % 16, 1)
					ON CONFLICT (outcome, source, shard) DO UPDATE SET n = mail_counts.n + 1;
					RETURN NULL;
				END $$`,
				`CREATE TRIGGER count_inbound_message AFTER INSERT ON messages
				FOR EACH ROW WHEN (NEW.direction = 'in') EXECUTE FUNCTION count_inbound_message()`,
				`CREATE FUNCTION count_quarantined_mail() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
					INSERT INTO mail_counts (outcome, source, shard, n) VALUES ('quarantined', NEW.source, NEW.id % 16, 1)
					ON CONFLICT (outcome, source, shard) DO UPDATE SET n = mail_counts.n + 1;
					RETURN NULL;
				END $$`,
				`CREATE TRIGGER count_quarantined_mail AFTER INSERT ON quarantine
				FOR EACH ROW EXECUTE FUNCTION count_quarantined_mail()`,
			)
		}
		return execAll(tx, d,
			`CREATE TRIGGER count_inbound_message AFTER INSERT ON messages WHEN NEW.direction = 'in'
			BEGIN
				INSERT INTO mail_counts (outcome, source, shard, n) VALUES (NEW.outcome, NEW.source, NEW.id % 16, 1)
				ON CONFLICT (outcome, source, shard) DO UPDATE SET n = n + 1;
			END`,
			`CREATE TRIGGER count_quarantined_mail AFTER INSERT ON quarantine
			BEGIN
				INSERT INTO mail_counts (outcome, source, shard, n) VALUES ('quarantined', NEW.source, NEW.id % 16, 1)
				ON CONFLICT (outcome, source, shard) DO UPDATE SET n = n + 1;
			END`,
		)
	}},
	{13, "outbox_channels", func(tx *gorm.DB, d dialect) error {
		return execAll(tx, d,
			// Which sender delivers a row: a sender claims only the
			// channels it has (mail needs a relay, webhooks do not).
			`ALTER TABLE outbox ADD COLUMN channel {TEXT} NOT NULL DEFAULT 'mail'`,
			// Where a channel other than mail delivers: a webhook's URL,
			// a secret, kept out of to_addrs (which pages show).
			`ALTER TABLE outbox ADD COLUMN target {TEXT} NOT NULL DEFAULT ''`,
			// Webhook rows were kind 'webhook' with the URL in to_addrs.
			`UPDATE outbox SET channel = 'webhook', target = to_addrs, to_addrs = '' WHERE kind = 'webhook'`,
		)
	}},
	{14, "promises", func(tx *gorm.DB, d dialect) error {
		// The epoch, as each engine spells a stored time: the default of the
		// new NOT NULL time columns until the backfill below sets them.
		epoch := "'1970-01-01 00:00:00+00'"
		if d == sqliteDialect {
			epoch = "'1970-01-01 00:00:00+00:00'"
		}
		return execAll(tx, d,
			// Every promise a ticket carries (first response, next
			// responses, resolution), appended, never replaced. target and
			// paused are open time in nanoseconds (Go's time.Duration).
			`CREATE TABLE promises (
				id         {ID},
				ticket_id  {BIGINT} NOT NULL REFERENCES tickets (id),
				class      {TEXT} NOT NULL DEFAULT '',
				kind       {TEXT} NOT NULL,
				started_at {TIME} NOT NULL,
				target     {BIGINT} NOT NULL DEFAULT 0,
				due_at     {TIME} NOT NULL,
				paused     {BIGINT} NOT NULL DEFAULT 0,
				paused_at  {TIME},
				ended_at   {TIME},
				outcome    {TEXT} NOT NULL DEFAULT '',
				end_reason {TEXT} NOT NULL DEFAULT '',
				created_at {TIME} NOT NULL
			)`,
			`CREATE INDEX idx_promises_ticket ON promises (ticket_id, id)`,
			// Warnings look at the running promises by due instant.
			`CREATE INDEX idx_promises_running ON promises (due_at) WHERE ended_at IS NULL AND paused_at IS NULL`,
			// The compliance report reads the promises started in a period.
			`CREATE INDEX idx_promises_started ON promises (started_at, kind)`,
			// Each ticket's first-response promise, from its columns, as
			// desk.Settle derives one for a ticket that has none.
			`INSERT INTO promises (ticket_id, class, kind, started_at, target, due_at, paused, ended_at, outcome, end_reason, created_at)
			SELECT id, class, 'first_response', received_at, 0, response_due_at, 0,
				CASE WHEN first_response_at IS NOT NULL THEN first_response_at WHEN open THEN NULL ELSE COALESCE(closed_at, updated_at) END,
				CASE WHEN first_response_at IS NOT NULL THEN CASE WHEN first_response_at <= response_due_at THEN 'met' ELSE 'breached' END
					WHEN open THEN ''
					WHEN COALESCE(closed_at, updated_at) <= response_due_at THEN 'cancelled' ELSE 'breached' END,
				CASE WHEN first_response_at IS NOT NULL THEN 'public staff reply' WHEN open THEN '' ELSE 'ticket closed before a reply' END,
				received_at
			FROM tickets ORDER BY id`,
			// The ticket's mirrors of its promises, for the queue's index
			// (see desk.Settle): when the requester last wrote, what is
			// owed and when, and how the last response promise ended.
			`ALTER TABLE tickets ADD COLUMN customer_at {TIME} NOT NULL DEFAULT `+epoch,
			`ALTER TABLE tickets ADD COLUMN owed_kind {TEXT} NOT NULL DEFAULT ''`,
			`ALTER TABLE tickets ADD COLUMN idle {BOOL} NOT NULL DEFAULT FALSE`,
			`ALTER TABLE tickets ADD COLUMN queue_at {TIME} NOT NULL DEFAULT `+epoch,
			`ALTER TABLE tickets ADD COLUMN last_outcome {TEXT} NOT NULL DEFAULT ''`,
			`UPDATE tickets SET customer_at = COALESCE((SELECT MAX(e.at) FROM events e WHERE e.ticket_id = tickets.id AND e.kind = 'message_in'), received_at)`,
			`UPDATE tickets SET
				idle = NOT (open AND first_response_at IS NULL),
				owed_kind = CASE WHEN open AND first_response_at IS NULL THEN 'first_response' ELSE '' END,
				queue_at = CASE WHEN open AND first_response_at IS NULL THEN response_due_at ELSE customer_at END,
				last_outcome = CASE
					WHEN first_response_at IS NOT NULL THEN CASE WHEN first_response_at <= response_due_at THEN 'met' ELSE 'breached' END
					WHEN NOT open AND COALESCE(closed_at, updated_at) > response_due_at THEN 'breached'
					ELSE '' END`,
			// The queue: owing tickets first, by the owed promise's due
			// instant (ListTickets' order).
			`CREATE INDEX idx_tickets_owed ON tickets (open, idle, queue_at, id)`,
		)
	}},
	{15, "promise_warning_keys", func(tx *gorm.DB, d dialect) error {
		// Warnings are per promise now ("at_risk:p17"). A ticket's warnings
		// under the old per-ticket keys ("at_risk:42") were about its first
		// response's current deadline (a reclassification that moved it
		// deleted them): they move onto the ticket's open first-response
		// promise, so it is not warned about twice. Keys of tickets with no
		// open first response stay as they are: nothing warns under them.
		return execAll(tx, d,
			`UPDATE notifications SET "key" = kind || ':p' || CAST((SELECT MAX(p.id) FROM promises p
				WHERE p.ticket_id = notifications.ticket_id AND p.kind = 'first_response' AND p.ended_at IS NULL) AS TEXT)
			WHERE kind IN ('at_risk', 'breached') AND ticket_id IS NOT NULL
				AND "key" = kind || ':' || CAST(ticket_id AS TEXT)
				AND EXISTS (SELECT 1 FROM promises p
					WHERE p.ticket_id = notifications.ticket_id AND p.kind = 'first_response' AND p.ended_at IS NULL)`,
		)
	}},
	{16, "participants_and_merges", migratePeople},
	{17, "ticket_versions_macros_presence", migrateTicketPage},
	{18, "search_index", migrateSearch},
	{19, "queue_views", migrateQueue},
	{20, "search_documents", migrateSearchDocs},
}

// execAll runs statements in order, column types replaced for d.
func execAll(tx *gorm.DB, d dialect, stmts ...string) error {
	for _, q := range stmts {
		if err := tx.Exec(d.SQL(q)).Error; err != nil {
			return err
		}
	}
	return nil
}

// migrationLockKey is the PostgreSQL advisory lock that serialises
// migrations across processes ("slatrack" in ASCII).
const migrationLockKey int64 = 0x736c61747261636b

// Migrate applies the migrations the database does not have yet, each in
// its own transaction together with its row in schema_migrations, and
// returns the ones it applied ("0002_create_tickets"). Several processes
// may migrate at once: on PostgreSQL each transaction first takes an
// advisory lock, on SQLite BEGIN IMMEDIATE takes the write lock, and each
// re-checks under the lock whether its migration is still to do.
func (s *Store) Migrate(ctx context.Context) (applied []string, err error) {
	return s.migrateTo(ctx, len(migrations))
}

// migrateTo is Migrate up to version (tests of a migration start before it).
func (s *Store) migrateTo(ctx context.Context, version int) (applied []string, err error) {
	for i, m := range migrations {
		if m.version != i+1 {
			panic(fmt.Sprintf("store: migration %q has version %d, want %d", m.name, m.version, i+1))
		}
	}
	fail := func(what string, err error) error {
		if de := dbErr(err, ""); desk.ErrorCode(de) != desk.Internal {
			return de
		}
		return &desk.Error{Code: desk.Internal, Message: "the database migration failed", Err: fmt.Errorf("%s: %w", what, err)}
	}
	err = s.migrationTx(ctx, func(tx *gorm.DB) error {
		return execAll(tx, s.d, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    {BIGINT} NOT NULL PRIMARY KEY,
			name       {TEXT} NOT NULL,
			applied_at {TIME} NOT NULL
		)`)
	})
	if err != nil {
		return nil, fail("create schema_migrations", err)
	}
	done, err := s.appliedVersions(ctx)
	if err != nil {
		return nil, fail("read schema_migrations", err)
	}
	for _, m := range migrations[:version] {
		if done[m.version] {
			continue
		}
		name := fmt.Sprintf("%04d_%s", m.version, m.name)
		if s.migrating != nil {
			s.migrating(name)
		}
		did := false
		err := s.migrationTx(ctx, func(tx *gorm.DB) error {
			var n int64
			if err := tx.Raw(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return nil // another process got there first
			}
			if err := m.up(tx, s.d); err != nil {
				return err
			}
			did = true
			return tx.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, utc(time.Now())).Error
		})
		if err != nil {
			return applied, fail("migration "+name, err)
		}
		if did {
			applied = append(applied, name)
		}
	}
	return applied, nil
}

// AppliedMigration is a row of schema_migrations.
type AppliedMigration struct {
	Version   int
	Name      string
	AppliedAt time.Time
}

// Migrations lists the migrations recorded in the database, in order.
func (s *Store) Migrations(ctx context.Context) ([]AppliedMigration, error) {
	var rows []AppliedMigration
	err := s.db.WithContext(ctx).Raw(`SELECT version, name, applied_at FROM schema_migrations ORDER BY version`).Scan(&rows).Error
	if err != nil {
		return nil, dbErr(err, "")
	}
	for i := range rows {
		rows[i].AppliedAt = asUTC(rows[i].AppliedAt)
	}
	return rows, nil
}

func (s *Store) appliedVersions(ctx context.Context) (map[int]bool, error) {
	var vs []int
	if err := s.db.WithContext(ctx).Raw(`SELECT version FROM schema_migrations`).Scan(&vs).Error; err != nil {
		return nil, err
	}
	done := make(map[int]bool, len(vs))
	for _, v := range vs {
		done[v] = true
	}
	return done, nil
}

// migrationTx runs fn in a write transaction that holds the migration lock.
func (s *Store) migrationTx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.write(ctx, func(tx *gorm.DB) error {
		if s.d == postgresDialect {
			// Held until the transaction ends. It also covers CREATE TABLE IF
			// NOT EXISTS, which on PostgreSQL can fail with a unique violation
			// when two sessions run it at once.
			if err := tx.Exec(`SELECT pg_advisory_xact_lock(?)`, migrationLockKey).Error; err != nil {
				return err
			}
		}
		return fn(tx)
	})
}

// KnownMigrations names every migration this build has, in order, as
// Migrate reports them.
func KnownMigrations() []string {
	var out []string
	for _, m := range migrations {
		out = append(out, fmt.Sprintf("%04d_%s", m.version, m.name))
	}
	return out
}
