package store

import (
	"strings"

	"gorm.io/gorm"
)

// The full-text search index covers, per ticket, its subject, body and
// requester (name and address), and the text of every conversation event:
// messages in (EventMessageIn), public replies (EventReply) and internal
// notes (EventNote). Notes are in
// the index because only staff can search (the search runs behind the staff
// pages and the API's staff tokens; the public intake and status pages have
// no search). Mail rows (messages) are not indexed separately: every stored
// mail has its text in one of these events already.
//
// SQLite: three FTS4 tables with the porter tokenizer (English stemming:
// "invoices" finds "invoice"), external-content tables over tickets and
// events (subjects; bodies and requesters; conversation events), so no
// text is stored twice. FTS4 and not FTS5 because mattn/go-sqlite3
// compiles FTS3/FTS4 in by default but FTS5 only with the sqlite_fts5
// build tag, and a search that works only when whoever builds
// slatrack remembers a tag is a search that silently breaks. Triggers keep
// the tables in step with every insert, update and delete (the BEFORE
// triggers remove a row's old words while the content table still holds
// them, as FTS4 external content requires).
//
// PostgreSQL: tsvector documents in two tables with GIN indexes,
// ticket_search (a ticket's subject, and its body and requester) and
// event_search (one conversation event), written by triggers on every
// insert and update, removed by ON DELETE CASCADE. Stored vectors, not
// expression indexes: a phrase query (and any GIN match on a long
// document) rechecks each candidate row, and over an expression index that
// recomputes to_tsvector for every candidate. Separate tables, not columns
// on tickets and events: the queue reads whole ticket rows, and they stay
// narrow. The configuration is slatrack_english, a copy of the built-in
// 'english' one (the snowball English stemmer) whose stemmer keeps stop
// words: 'english' drops "the", "in", "we", so the phrase "sign in" would
// find every "sign" and "invoice we need" would find "invoice copy
// needed", while SQLite's porter tokenizer keeps every word; with the stop
// words kept, a phrase means the same on both engines.
//
// Both engines see the text split the same way: SQLite's tokenizer splits
// on every ASCII character that is not a letter, digit or "_", and
// PostgreSQL's documents are made from the text with those characters
// turned into spaces (else its parser would keep "ann@example.org" or
// "v2.3" as one token, and the same search would find different tickets on
// the two engines). One difference remains: SQLite's tokenizer folds only
// ASCII letters to lower case, so there "Ärger" is not found by "ärger".
const searchEventKinds = `('message_in', 'reply', 'note')`

// pgSeparators are the ASCII characters PostgreSQL's parser may keep
// inside a token (emails, hosts, URLs, paths, versions, hyphenated words)
// where SQLite's tokenizer splits: the index turns them into spaces. "?"
// is left out (gorm reads it as a placeholder; the parser splits there
// anyway), and "_" is last: SQLite keeps it inside a word, so it is
// deleted instead ("a_b" is one word on both engines).
const pgSeparators = "!\"#$%&'()*+,-./:;<=>@[\\]^`{|}~_"

// pgSearchDoc is the tsvector PostgreSQL stores for the text expression
// col (SQL).
func pgSearchDoc(col string) string {
	return "to_tsvector('" + pgSearchConfig + "', translate(" + col + ", '" + strings.ReplaceAll(pgSeparators, "'", "''") + "', '" +
		strings.Repeat(" ", len(pgSeparators)-1) + "'))"
}

// pgSearchConfig is the text search configuration of the index.
const pgSearchConfig = "slatrack_english"

// pgTicketText is the ticket text PostgreSQL indexes besides the subject
// (which has a vector of its own, as on SQLite a table, for ranking).
const pgTicketText = "body || ' ' || requester_name || ' ' || requester_email"

// migrateSearch creates the full-text search index and fills it from the
// rows already stored.
func migrateSearch(tx *gorm.DB, d dialect) error {
	if d == postgresDialect {
		ticketDocs := "NEW.id, " + pgSearchDoc("NEW.subject") + ", " + pgSearchDoc("NEW.body || ' ' || NEW.requester_name || ' ' || NEW.requester_email")
		return execAll(tx, d,
			`CREATE TEXT SEARCH DICTIONARY slatrack_english_stem (TEMPLATE = snowball, Language = english)`,
			`CREATE TEXT SEARCH CONFIGURATION `+pgSearchConfig+` (COPY = english)`,
			`ALTER TEXT SEARCH CONFIGURATION `+pgSearchConfig+`
				ALTER MAPPING FOR asciiword, word, hword_part, hword_asciipart, asciihword, hword WITH slatrack_english_stem`,
			// The documents, one row per ticket (its subject apart, for
			// ranking) and per conversation event.
			`CREATE TABLE ticket_search (
				ticket_id {BIGINT} NOT NULL PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
				subject   tsvector NOT NULL,
				doc       tsvector NOT NULL
			)`,
			`CREATE TABLE event_search (
				event_id  {BIGINT} NOT NULL PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
				ticket_id {BIGINT} NOT NULL,
				doc       tsvector NOT NULL
			)`,
			// Backfill: the rows stored before this migration.
			`INSERT INTO ticket_search (ticket_id, subject, doc)
			SELECT id, `+pgSearchDoc("subject")+`, `+pgSearchDoc(pgTicketText)+` FROM tickets`,
			`INSERT INTO event_search (event_id, ticket_id, doc)
			SELECT id, ticket_id, `+pgSearchDoc("body")+` FROM events WHERE kind IN `+searchEventKinds,
			`CREATE INDEX idx_ticket_search_subject ON ticket_search USING gin (subject)`,
			`CREATE INDEX idx_ticket_search_doc ON ticket_search USING gin (doc)`,
			`CREATE INDEX idx_event_search_doc ON event_search USING gin (doc)`,
			`CREATE INDEX idx_event_search_ticket ON event_search (ticket_id)`,

			`CREATE FUNCTION ticket_search_write() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN
				INSERT INTO ticket_search (ticket_id, subject, doc) VALUES (`+ticketDocs+`)
				ON CONFLICT (ticket_id) DO UPDATE SET subject = EXCLUDED.subject, doc = EXCLUDED.doc;
				RETURN NULL;
			END $$`,
			`CREATE TRIGGER ticket_search_insert AFTER INSERT ON tickets
			FOR EACH ROW EXECUTE FUNCTION ticket_search_write()`,
			// Every ticket update names these columns; only a real change
			// re-indexes the ticket.
			`CREATE TRIGGER ticket_search_update AFTER UPDATE OF subject, body, requester_name, requester_email ON tickets
			FOR EACH ROW WHEN (OLD.subject IS DISTINCT FROM NEW.subject OR OLD.body IS DISTINCT FROM NEW.body
				OR OLD.requester_name IS DISTINCT FROM NEW.requester_name OR OLD.requester_email IS DISTINCT FROM NEW.requester_email)
			EXECUTE FUNCTION ticket_search_write()`,
			`CREATE FUNCTION event_search_write() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN
				DELETE FROM event_search WHERE event_id = NEW.id;
				IF NEW.kind IN `+searchEventKinds+` THEN
					INSERT INTO event_search (event_id, ticket_id, doc) VALUES (NEW.id, NEW.ticket_id, `+pgSearchDoc("NEW.body")+`);
				END IF;
				RETURN NULL;
			END $$`,
			`CREATE TRIGGER event_search_insert AFTER INSERT ON events
			FOR EACH ROW WHEN (NEW.kind IN `+searchEventKinds+`) EXECUTE FUNCTION event_search_write()`,
			`CREATE TRIGGER event_search_update AFTER UPDATE OF body, kind, ticket_id ON events
			FOR EACH ROW EXECUTE FUNCTION event_search_write()`,
			// Deletes cascade from tickets and events.

			// from:ann@example.org in a search.
			`CREATE INDEX idx_tickets_requester_lower ON tickets (lower(requester_email))`,
		)
	}
	// ticketText is ticket_fts's values from a row ("" for the table's
	// columns, "NEW." in a trigger).
	ticketText := func(row string) string {
		return row + "id, " + row + "body, " + row + "requester_name, " + row + "requester_email"
	}
	return execAll(tx, d,
		// The subject has a table of its own: a match there ranks a ticket
		// higher (FTS4 cannot restrict a phrase to one column).
		`CREATE VIRTUAL TABLE subject_fts USING fts4(content="tickets", subject, tokenize=porter)`,
		`CREATE VIRTUAL TABLE ticket_fts USING fts4(content="tickets", body, requester_name, requester_email, tokenize=porter)`,
		`CREATE VIRTUAL TABLE event_fts USING fts4(content="events", body, tokenize=porter)`,
		// Backfill: the rows stored before this migration.
		`INSERT INTO subject_fts (docid, subject) SELECT id, subject FROM tickets`,
		`INSERT INTO ticket_fts (docid, body, requester_name, requester_email) SELECT `+ticketText("")+` FROM tickets`,
		`INSERT INTO event_fts (docid, body) SELECT id, body FROM events WHERE kind IN `+searchEventKinds,

		`CREATE TRIGGER ticket_fts_insert AFTER INSERT ON tickets BEGIN
			INSERT INTO subject_fts (docid, subject) VALUES (NEW.id, NEW.subject);
			INSERT INTO ticket_fts (docid, body, requester_name, requester_email) VALUES (`+ticketText("NEW.")+`);
		END`,
		// Every ticket update names these columns; only a real change
		// re-indexes the ticket.
		`CREATE TRIGGER subject_fts_before_update BEFORE UPDATE OF subject ON tickets
		WHEN OLD.subject IS NOT NEW.subject BEGIN
			DELETE FROM subject_fts WHERE docid = OLD.id;
		END`,
		`CREATE TRIGGER subject_fts_after_update AFTER UPDATE OF subject ON tickets
		WHEN OLD.subject IS NOT NEW.subject BEGIN
			INSERT INTO subject_fts (docid, subject) VALUES (NEW.id, NEW.subject);
		END`,
		`CREATE TRIGGER ticket_fts_before_update BEFORE UPDATE OF body, requester_name, requester_email ON tickets
		WHEN OLD.body IS NOT NEW.body OR OLD.requester_name IS NOT NEW.requester_name OR OLD.requester_email IS NOT NEW.requester_email BEGIN
			DELETE FROM ticket_fts WHERE docid = OLD.id;
		END`,
		`CREATE TRIGGER ticket_fts_after_update AFTER UPDATE OF body, requester_name, requester_email ON tickets
		WHEN OLD.body IS NOT NEW.body OR OLD.requester_name IS NOT NEW.requester_name OR OLD.requester_email IS NOT NEW.requester_email BEGIN
			INSERT INTO ticket_fts (docid, body, requester_name, requester_email) VALUES (`+ticketText("NEW.")+`);
		END`,
		`CREATE TRIGGER ticket_fts_delete BEFORE DELETE ON tickets BEGIN
			DELETE FROM subject_fts WHERE docid = OLD.id;
			DELETE FROM ticket_fts WHERE docid = OLD.id;
		END`,

		`CREATE TRIGGER event_fts_insert AFTER INSERT ON events WHEN NEW.kind IN `+searchEventKinds+` BEGIN
			INSERT INTO event_fts (docid, body) VALUES (NEW.id, NEW.body);
		END`,
		`CREATE TRIGGER event_fts_before_update BEFORE UPDATE OF body, kind ON events
		WHEN OLD.kind IN `+searchEventKinds+` AND (OLD.body IS NOT NEW.body OR OLD.kind IS NOT NEW.kind) BEGIN
			DELETE FROM event_fts WHERE docid = OLD.id;
		END`,
		`CREATE TRIGGER event_fts_after_update AFTER UPDATE OF body, kind ON events
		WHEN NEW.kind IN `+searchEventKinds+` AND (OLD.body IS NOT NEW.body OR OLD.kind IS NOT NEW.kind) BEGIN
			INSERT INTO event_fts (docid, body) VALUES (NEW.id, NEW.body);
		END`,
		`CREATE TRIGGER event_fts_delete BEFORE DELETE ON events WHEN OLD.kind IN `+searchEventKinds+` BEGIN
			DELETE FROM event_fts WHERE docid = OLD.id;
		END`,

		// A matching event's ticket, read from this narrow index instead
		// of the event's wide row (a common word matches many events).
		`CREATE INDEX idx_events_search_ticket ON events (id, ticket_id)`,

		`CREATE INDEX idx_tickets_requester_lower ON tickets (lower(requester_email))`,
	)
}
