-- The daily digest of reminders (issue 15, item 5): a user's e-mail address (from the
-- users sheet's `courriel` column or the lead's screen), the user's own choice to receive
-- the digest (1, the default) or not, and each day's digest claimed per user.
ALTER TABLE app_user ADD COLUMN email TEXT;
ALTER TABLE app_user ADD COLUMN digest BIGINT NOT NULL DEFAULT 1;

-- One row per user and day, inserted in a write transaction before the e-mail leaves:
-- whichever process inserts it sends it, so two servers over one database, or a run
-- again, never send a user the same day's digest twice. `sent_at` NULL with a reason:
-- refused or unanswered (not tried again that day).
CREATE TABLE digest_sent (
    day        TEXT NOT NULL,     -- YYYY-MM-DD, in Paris
    user_id    BIGINT NOT NULL REFERENCES app_user(id),
    claimed_at TEXT NOT NULL,
    late       BIGINT NOT NULL,   -- courriers listed as late
    due        BIGINT NOT NULL,   -- courriers listed as due this week
    sent_at    TEXT,
    last_error TEXT,
    PRIMARY KEY (day, user_id)
);
