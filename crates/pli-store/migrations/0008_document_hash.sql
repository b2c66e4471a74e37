-- Each document file's SHA-256, recorded when capture commits it (or, for files written
-- by a correction or before this migration, by the first integrity check that meets
-- it). A document's bytes never change once written: corrections write new files.
CREATE TABLE document_hash (
    path        TEXT PRIMARY KEY,   -- relative to the data folder
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    recorded_at TEXT NOT NULL
) WITHOUT ROWID;
