-- Absences (issue 15): while a user is away, from `starts_on` to `ends_on` (inclusive,
-- `YYYY-MM-DD`, Paris dates), their delegate sees and works their courriers. Recorded
-- by the absent user or the lead; cancelled, never deleted (`cancelled_at`).
CREATE TABLE absence (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES app_user(id),
    starts_on    TEXT NOT NULL,
    ends_on      TEXT NOT NULL,
    delegate_id  INTEGER NOT NULL REFERENCES app_user(id),
    created_by   INTEGER NOT NULL REFERENCES app_user(id),
    created_at   TEXT NOT NULL,
    cancelled_at TEXT,
    CHECK (ends_on >= starts_on),
    CHECK (delegate_id != user_id)
);
-- Read at every call of a session: whom its user stands in for today.
CREATE INDEX absence_delegate ON absence(delegate_id, ends_on);
