-- Acknowledgements of receipt (issue 15, CRPA L112-3 and R112-5): the lead's templates,
-- the handling services' contact details, and each acknowledgement made.

-- A template for a kind ('receipt', 'forwarded'), a document type or every type (NULL),
-- a direction or every direction (NULL); the most precise one applies. A type needs an
-- acknowledgement of receipt when a receipt template applies to it.
CREATE TABLE ack_template (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('receipt', 'forwarded')),
    document_type_id INTEGER REFERENCES document_type(id),
    direction_id     INTEGER REFERENCES direction(id),
    body             TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE UNIQUE INDEX ack_template_unique ON ack_template(kind, coalesce(document_type_id, 0), coalesce(direction_id, 0));

-- The service handling a direction's courriers, as acknowledgements name it (R112-5 2°).
CREATE TABLE service_contact (
    direction_id INTEGER PRIMARY KEY REFERENCES direction(id),
    designation  TEXT NOT NULL,
    address      TEXT NOT NULL,  -- postal address, one line per line
    email        TEXT,
    phone        TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

-- One acknowledgement of a courrier per kind. Its PDF is written and synced before the
-- row; `sent_at` NULL: still to send (e-mail) or to print (post), `last_error` says why.
CREATE TABLE acknowledgement (
    id            INTEGER PRIMARY KEY,
    courrier_id   INTEGER NOT NULL REFERENCES courrier(id),
    kind          TEXT NOT NULL CHECK (kind IN ('receipt', 'forwarded')),
    channel       TEXT NOT NULL CHECK (channel IN ('post', 'email')),
    recipient     TEXT NOT NULL,  -- the e-mail address, or the postal address's lines
    forwarded_to  TEXT,
    body          TEXT NOT NULL,  -- the template rendered: the e-mail's text, the letter's body
    document_path TEXT NOT NULL,  -- relative to the data folder
    sha256        TEXT NOT NULL,
    produced_at   TEXT NOT NULL,
    sent_at       TEXT,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    UNIQUE (courrier_id, kind)
);
CREATE INDEX acknowledgement_unsent ON acknowledgement(channel, sent_at);
