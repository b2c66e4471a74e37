-- The watcher's journal: one row per batch file (or page folder) taken from a scanner
-- folder, from the moment it is taken until its original is moved away. A row whose
-- original has not been moved yet (moved_to IS NULL) is work in progress, whatever
-- its state: the next start resumes it.

CREATE TABLE intake (
    id           INTEGER PRIMARY KEY,
    profile      TEXT NOT NULL,
    source_path  TEXT NOT NULL,             -- where the scanner wrote it
    content_hash TEXT NOT NULL,             -- SHA-256 of its bytes (as batch.content_hash)
    state        TEXT NOT NULL CHECK (state IN ('seen', 'ingesting', 'done', 'duplicate', 'failed')),
    interrupted  INTEGER NOT NULL DEFAULT 0, -- starts found unfinished after a crash
    batch_id     INTEGER REFERENCES batch(id), -- the batch made (done) or already there (duplicate)
    error        TEXT,                      -- why it failed, in plain words
    moved_to     TEXT,                      -- archive or quarantine path once moved; '' if it vanished
    seen_at      TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX intake_unsettled ON intake(source_path) WHERE moved_to IS NULL;
