-- Capture: batches, the fate of every source page, courriers, their pages, the
-- full-text index and the append-only event history.

CREATE TABLE batch (
    id           INTEGER PRIMARY KEY,
    source_path  TEXT NOT NULL,             -- the path as given or watched
    content_hash TEXT NOT NULL,             -- SHA-256 of the batch's bytes
    profile      TEXT NOT NULL,
    page_count   INTEGER NOT NULL,
    folder       TEXT NOT NULL UNIQUE,      -- documents folder, relative to the data folder
    ingested_at  TEXT NOT NULL
);
CREATE INDEX batch_content_hash ON batch(content_hash);

-- Every page of a batch, with what capture made of it: nothing is silently dropped.
CREATE TABLE batch_page (
    batch_id     INTEGER NOT NULL REFERENCES batch(id),
    source_index INTEGER NOT NULL,          -- 0-based, in scan order
    role         TEXT NOT NULL CHECK (role IN ('separator', 'blank', 'content')),
    detail       TEXT,                      -- separator payload, or blank ink ratio
    PRIMARY KEY (batch_id, source_index)
) WITHOUT ROWID;

CREATE TABLE courrier (
    id             INTEGER PRIMARY KEY,
    batch_id       INTEGER NOT NULL REFERENCES batch(id),
    seq_in_batch   INTEGER NOT NULL,        -- 0-based order of the courrier in its batch
    state          TEXT NOT NULL DEFAULT 'to_qualify',
    separator      TEXT,                    -- payload of the separator sheet before it
    direction_hint TEXT,                    -- direction code read from that payload
    pdf_path       TEXT NOT NULL,           -- relative to the data folder
    created_at     TEXT NOT NULL,
    UNIQUE (batch_id, seq_in_batch)
);

CREATE TABLE courrier_page (
    courrier_id    INTEGER NOT NULL REFERENCES courrier(id),
    position       INTEGER NOT NULL,        -- 0-based within the courrier
    source_index   INTEGER NOT NULL,        -- 0-based within the batch
    rotation       INTEGER NOT NULL CHECK (rotation IN (0, 90, 180, 270)),
    ocr_confidence REAL NOT NULL,
    thumbnail_path TEXT NOT NULL,
    PRIMARY KEY (courrier_id, position)
) WITHOUT ROWID;

-- OCR text, accent- and case-insensitive; rowid = courrier.id.
CREATE VIRTUAL TABLE courrier_text USING fts5(
    text,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Append-only: Pli never updates or deletes an event.
CREATE TABLE event (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,              -- RFC 3339, UTC
    actor       TEXT NOT NULL,
    workstation TEXT NOT NULL,
    kind        TEXT NOT NULL,
    courrier_id INTEGER REFERENCES courrier(id),
    data        TEXT NOT NULL               -- JSON
);
CREATE INDEX event_at ON event(at);
CREATE INDEX event_courrier ON event(courrier_id);

CREATE TRIGGER event_no_update BEFORE UPDATE ON event
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER event_no_delete BEFORE DELETE ON event
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
