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

// migrateSearchDocs gives each ticket one search document holding all of
// its text, subject, body, requester and every conversation event in the
// order they happened, in place of a document per event: a search with
// several words is then one lookup of one index (every word somewhere in
// the ticket) instead of a grouping of every match of every word, and a
// page in search order can be read newest first and stop when it is full
// (see searchTickets). The subject keeps its own index, for ranking.
//
// SQLite: doc_fts, an FTS4 table whose external content is the view
// ticket_docs (the document is not stored twice). FTS4 removes a
// document's words by reading it again from its content, so the triggers
// remove a ticket's document before any change to its text (its row or an
// event's) and add it again after; a removal first checks doc_fts_docsize,
// so a ticket that is not indexed (being deleted) is left alone.
//
// PostgreSQL: subject_search holds the subjects' vectors, ticket_search
// the documents, both rebuilt (ticket_search_doc) when the transaction
// that changed the ticket's text commits. A document past tsvector's 1 MB holds the first 200,000
// characters of the ticket's text: the mail is stored and found by its
// first words, never refused.
func migrateSearchDocs(tx *gorm.DB, d dialect) error {
	if d == postgresDialect {
		vec := pgSearchDoc
		convText := `(SELECT string_agg(e.body, ' ' ORDER BY e.id) FROM events e WHERE e.ticket_id = t.id AND e.kind IN ` + searchEventKinds + `)`
		docText := `t.subject || ' ' || ` + ticketDocText("t.") + ` || COALESCE(' ' || ` + convText + `, '')`
		return execAll(tx, d,
			`DROP TRIGGER event_search_insert ON events`,
			`DROP TRIGGER event_search_update ON events`,
			`DROP FUNCTION event_search_write()`,
			`DROP TABLE event_search`,
			`DROP TABLE ticket_search`,
			// Two tables: the subjects' vectors are small and read often
			// (the first rank, and to leave those tickets out of the
			// second), so they stay in a narrow table whose pages stay in
			// memory; the documents are wide.
			`CREATE TABLE subject_search (
				ticket_id {BIGINT} NOT NULL PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
				subject   tsvector NOT NULL
			)`,
			`CREATE TABLE ticket_search (
				ticket_id {BIGINT} NOT NULL PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
				doc       tsvector NOT NULL
			)`,
			`CREATE FUNCTION ticket_search_doc(tid {BIGINT}) RETURNS tsvector LANGUAGE plpgsql STABLE AS $$
			DECLARE txt text;
			BEGIN
				SELECT `+docText+` INTO txt FROM tickets t WHERE t.id = tid;
				IF txt IS NULL THEN RETURN ''::tsvector; END IF;
				BEGIN
					RETURN `+vec("txt")+`;
				EXCEPTION WHEN program_limit_exceeded THEN
					RETURN `+vec("left(txt, 200000)")+`;
				END;
			END $$`,
			// Backfill: every ticket's document at once, but those whose
			// text is long enough that its vector might not fit, which go
			// through ticket_search_doc; the indexes are built after.
			`INSERT INTO subject_search (ticket_id, subject) SELECT id, `+vec("subject")+` FROM tickets`,
			`INSERT INTO ticket_search (ticket_id, doc)
			SELECT id, `+vec("txt")+` FROM (SELECT t.id, `+docText+` AS txt FROM tickets t) docs WHERE length(txt) <= 200000`,
			`INSERT INTO ticket_search (ticket_id, doc)
			SELECT t.id, ticket_search_doc(t.id) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM ticket_search s WHERE s.ticket_id = t.id)`,
			`CREATE INDEX idx_subject_search ON subject_search USING gin (subject)`,
			`CREATE INDEX idx_ticket_search_doc ON ticket_search USING gin (doc)`,

			// Every change to a ticket's text marks it in search_pending
			// (once per transaction); at commit a deferred trigger rebuilds
			// the marked tickets' vectors, one new row version each, so a
			// ticket stored with its messages, or a reply with its note, is
			// indexed once and not once per event.
			`CREATE TABLE search_pending (ticket_id {BIGINT} NOT NULL PRIMARY KEY)`,
			`CREATE OR REPLACE FUNCTION ticket_search_write() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN
				INSERT INTO search_pending (ticket_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
				RETURN NULL;
			END $$`,
			`CREATE FUNCTION ticket_search_event() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN
				IF TG_OP <> 'INSERT' THEN
					INSERT INTO search_pending (ticket_id) VALUES (OLD.ticket_id) ON CONFLICT DO NOTHING;
				END IF;
				IF TG_OP <> 'DELETE' THEN
					INSERT INTO search_pending (ticket_id) VALUES (NEW.ticket_id) ON CONFLICT DO NOTHING;
				END IF;
				RETURN NULL;
			END $$`,
			// The row lock first, then the document read in a statement of
			// its own: a concurrent writer's committed events are in it.
			`CREATE FUNCTION ticket_search_flush() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN
				DELETE FROM search_pending WHERE ticket_id = NEW.ticket_id;
				PERFORM 1 FROM tickets WHERE id = NEW.ticket_id FOR UPDATE;
				IF NOT FOUND THEN RETURN NULL; END IF;
				INSERT INTO subject_search (ticket_id, subject) SELECT t.id, `+vec("t.subject")+` FROM tickets t WHERE t.id = NEW.ticket_id
				ON CONFLICT (ticket_id) DO UPDATE SET subject = EXCLUDED.subject
				WHERE subject_search.subject IS DISTINCT FROM EXCLUDED.subject;
				INSERT INTO ticket_search (ticket_id, doc) VALUES (NEW.ticket_id, ticket_search_doc(NEW.ticket_id))
				ON CONFLICT (ticket_id) DO UPDATE SET doc = EXCLUDED.doc;
				RETURN NULL;
			END $$`,
			`CREATE CONSTRAINT TRIGGER search_pending_flush AFTER INSERT ON search_pending
			DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ticket_search_flush()`,
			`CREATE TRIGGER ticket_search_event_insert AFTER INSERT ON events
			FOR EACH ROW WHEN (NEW.kind IN `+searchEventKinds+`) EXECUTE FUNCTION ticket_search_event()`,
			`CREATE TRIGGER ticket_search_event_update AFTER UPDATE OF body, kind, ticket_id ON events
			FOR EACH ROW WHEN ((OLD.kind IN `+searchEventKinds+` OR NEW.kind IN `+searchEventKinds+`)
				AND (OLD.body IS DISTINCT FROM NEW.body OR OLD.kind IS DISTINCT FROM NEW.kind OR OLD.ticket_id IS DISTINCT FROM NEW.ticket_id))
			EXECUTE FUNCTION ticket_search_event()`,
			`CREATE TRIGGER ticket_search_event_delete AFTER DELETE ON events
			FOR EACH ROW WHEN (OLD.kind IN `+searchEventKinds+`) EXECUTE FUNCTION ticket_search_event()`,
		)
	}
	// Removing and adding a ticket's document (SQL of the ticket's id).
	unindex := func(id string) string {
		return `DELETE FROM doc_fts WHERE docid = ` + id + ` AND EXISTS (SELECT 1 FROM doc_fts_docsize WHERE docid = ` + id + `);`
	}
	index := func(id string) string {
		return `INSERT INTO doc_fts (docid, doc) SELECT rowid, doc FROM ticket_docs WHERE rowid = ` + id + `;`
	}
	conv := `kind IN ` + searchEventKinds
	eventChanged := `(OLD.` + conv + ` OR NEW.` + conv + `) AND (OLD.body IS NOT NEW.body OR OLD.kind IS NOT NEW.kind OR OLD.ticket_id IS NOT NEW.ticket_id)`
	ticketChanged := `OLD.subject IS NOT NEW.subject OR OLD.body IS NOT NEW.body OR OLD.requester_name IS NOT NEW.requester_name OR OLD.requester_email IS NOT NEW.requester_email`
	return execAll(tx, d,
		`DROP TRIGGER ticket_fts_insert`,
		`DROP TRIGGER ticket_fts_before_update`,
		`DROP TRIGGER ticket_fts_after_update`,
		`DROP TRIGGER ticket_fts_delete`,
		`DROP TRIGGER event_fts_insert`,
		`DROP TRIGGER event_fts_before_update`,
		`DROP TRIGGER event_fts_after_update`,
		`DROP TRIGGER event_fts_delete`,
		`DROP TABLE ticket_fts`,
		`DROP TABLE event_fts`,
		`DROP INDEX idx_events_search_ticket`,

		// Both full-text tables keep their lists newest first (order=DESC):
		// FTS4 then reads a word's or phrase's matches incrementally in
		// that order and a page stops when it is full; in id order it
		// loads every match first (the phrase "service instance" at a
		// million tickets: 67 ms against 2 ms). The subject index is made
		// again for it.
		`DROP TABLE subject_fts`,
		`CREATE VIRTUAL TABLE subject_fts USING fts4(content="tickets", subject, tokenize=porter, order=DESC)`,
		`INSERT INTO subject_fts (docid, subject) SELECT id, subject FROM tickets`,
		`CREATE VIEW ticket_docs AS SELECT t.id AS rowid, t.subject || ' ' || `+ticketDocText("t.")+` || COALESCE((SELECT ' ' || group_concat(body, ' ')
			FROM (SELECT e.body FROM events e WHERE e.ticket_id = t.id AND e.`+conv+` ORDER BY e.id)), '') AS doc FROM tickets t`,
		`CREATE VIRTUAL TABLE doc_fts USING fts4(content="ticket_docs", doc, tokenize=porter, order=DESC)`,
		`INSERT INTO doc_fts (docid, doc) SELECT rowid, doc FROM ticket_docs`,

		`CREATE TRIGGER search_ticket_insert AFTER INSERT ON tickets BEGIN
			INSERT INTO subject_fts (docid, subject) VALUES (NEW.id, NEW.subject);
			`+index("NEW.id")+`
		END`,
		`CREATE TRIGGER search_ticket_before_update BEFORE UPDATE OF subject, body, requester_name, requester_email ON tickets
		WHEN `+ticketChanged+` BEGIN
			`+unindex("OLD.id")+`
		END`,
		`CREATE TRIGGER search_ticket_after_update AFTER UPDATE OF subject, body, requester_name, requester_email ON tickets
		WHEN `+ticketChanged+` BEGIN
			`+index("NEW.id")+`
		END`,
		`CREATE TRIGGER search_ticket_delete BEFORE DELETE ON tickets BEGIN
			DELETE FROM subject_fts WHERE docid = OLD.id;
			`+unindex("OLD.id")+`
		END`,
		`CREATE TRIGGER search_event_before_insert BEFORE INSERT ON events WHEN NEW.`+conv+` BEGIN
			`+unindex("NEW.ticket_id")+`
		END`,
		`CREATE TRIGGER search_event_after_insert AFTER INSERT ON events WHEN NEW.`+conv+` BEGIN
			`+index("NEW.ticket_id")+`
		END`,
		`CREATE TRIGGER search_event_before_update BEFORE UPDATE OF body, kind, ticket_id ON events WHEN `+eventChanged+` BEGIN
			`+unindex("OLD.ticket_id")+`
			`+unindex("NEW.ticket_id")+`
		END`,
		`CREATE TRIGGER search_event_after_update AFTER UPDATE OF body, kind, ticket_id ON events WHEN `+eventChanged+` BEGIN
			`+index("OLD.ticket_id")+`
			INSERT INTO doc_fts (docid, doc) SELECT rowid, doc FROM ticket_docs WHERE rowid = NEW.ticket_id AND NEW.ticket_id IS NOT OLD.ticket_id;
		END`,
		`CREATE TRIGGER search_event_before_delete BEFORE DELETE ON events WHEN OLD.`+conv+` BEGIN
			`+unindex("OLD.ticket_id")+`
		END`,
		`CREATE TRIGGER search_event_after_delete AFTER DELETE ON events WHEN OLD.`+conv+` BEGIN
			`+index("OLD.ticket_id")+`
		END`,
	)
}

// ticketDocText is a ticket's text besides its subject in its search
// document, from the row named by prefix ("t.").
func ticketDocText(prefix string) string {
	return prefix + "body || ' ' || " + prefix + "requester_name || ' ' || " + prefix + "requester_email"
}
