-- Moderation reports (Rocket.Chat's moderation_reports, package
-- moderation). kind is 'message' or 'user'; the columns the lists filter on
-- are kept apart, data holds the report as reported (with the message and
-- room copies); a dismissed report is hidden with its moderation columns.
CREATE TABLE moderation_reports (
	id            TEXT PRIMARY KEY,
	kind          TEXT NOT NULL,
	ts            INTEGER NOT NULL,
	msg_id        TEXT NOT NULL DEFAULT '',
	msg_author    TEXT NOT NULL DEFAULT '',
	reported_user TEXT NOT NULL DEFAULT '',
	hidden        INTEGER NOT NULL DEFAULT 0,
	mod_by        TEXT NOT NULL DEFAULT '',
	mod_at        INTEGER NOT NULL DEFAULT 0,
	mod_reason    TEXT NOT NULL DEFAULT '',
	mod_action    TEXT NOT NULL DEFAULT '',
	data          TEXT NOT NULL
);
CREATE INDEX moderation_reports_visible ON moderation_reports (hidden, kind, ts);
CREATE INDEX moderation_reports_msg ON moderation_reports (msg_id, hidden);
CREATE INDEX moderation_reports_author ON moderation_reports (msg_author, hidden);
CREATE INDEX moderation_reports_user ON moderation_reports (reported_user, hidden);
