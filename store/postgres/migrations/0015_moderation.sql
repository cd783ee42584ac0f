-- Moderation reports: the same table as SQLite's 0019_moderation.sql.
CREATE TABLE moderation_reports (
	id            text COLLATE "C" PRIMARY KEY,
	kind          text NOT NULL,
	ts            bigint NOT NULL,
	seq           bigserial, -- insertion order, for reports of the same millisecond
	msg_id        text COLLATE "C" NOT NULL DEFAULT '',
	msg_author    text COLLATE "C" NOT NULL DEFAULT '',
	reported_user text COLLATE "C" NOT NULL DEFAULT '',
	hidden        boolean NOT NULL DEFAULT false,
	mod_by        text NOT NULL DEFAULT '',
	mod_at        bigint NOT NULL DEFAULT 0,
	mod_reason    text NOT NULL DEFAULT '',
	mod_action    text NOT NULL DEFAULT '',
	data          text NOT NULL
);
CREATE INDEX moderation_reports_visible ON moderation_reports (hidden, kind, ts);
CREATE INDEX moderation_reports_msg ON moderation_reports (msg_id, hidden);
CREATE INDEX moderation_reports_author ON moderation_reports (msg_author, hidden);
CREATE INDEX moderation_reports_user ON moderation_reports (reported_user, hidden);
