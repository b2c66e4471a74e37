-- Qualification, registration and routing: the organisation, document types, the
-- contact directory, chrono numbers, baskets; courriers gain their record and their
-- place in the workflow; events are chained by hash.

CREATE TABLE direction (
    id        INTEGER PRIMARY KEY,
    code      TEXT NOT NULL UNIQUE,
    name      TEXT NOT NULL,
    parent_id INTEGER REFERENCES direction(id),
    active    INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE app_user (
    id            INTEGER PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT,                     -- argon2id (PHC string); NULL: cannot sign in
    active        INTEGER NOT NULL DEFAULT 1
);

-- A user's roles; referents and agents hold theirs for a direction.
CREATE TABLE user_role (
    user_id      INTEGER NOT NULL REFERENCES app_user(id),
    role         TEXT NOT NULL CHECK (role IN ('operator', 'referent', 'agent', 'lead')),
    direction_id INTEGER REFERENCES direction(id),
    CHECK ((role IN ('referent', 'agent')) = (direction_id IS NOT NULL))
);
CREATE UNIQUE INDEX user_role_unique ON user_role(user_id, role, ifnull(direction_id, 0));

CREATE TABLE document_type (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    deadline_days INTEGER NOT NULL CHECK (deadline_days >= 0),
    undelivered   INTEGER NOT NULL DEFAULT 0,  -- the body's own letters back by post (NPAI)
    active        INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE contact (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('person', 'organisation')),
    name         TEXT NOT NULL,
    organisation TEXT,
    address      TEXT,
    postcode     TEXT,
    city         TEXT,
    email        TEXT,
    match_key    TEXT NOT NULL UNIQUE,      -- folded name and postcode: one contact per sender
    created_at   TEXT NOT NULL
);

-- Last chrono number given each year; only ever incremented inside a registration.
CREATE TABLE chrono_counter (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);

-- Named, saved filters per role (JSON: see pli_core::basket::BasketFilter).
CREATE TABLE basket (
    id       INTEGER PRIMARY KEY,
    role     TEXT NOT NULL CHECK (role IN ('operator', 'referent', 'agent', 'lead')),
    name     TEXT NOT NULL,
    position INTEGER NOT NULL,
    filter   TEXT NOT NULL,
    UNIQUE (role, name)
);
INSERT INTO basket (role, name, position, filter) VALUES
    ('operator', 'À qualifier',        1, '{"states":["to_qualify"]}'),
    ('operator', 'Retournés',          2, '{"states":["to_qualify"],"returned":true}'),
    ('referent', 'À traiter',          1, '{"states":["to_process"],"scope":"main"}'),
    ('referent', 'En cours',           2, '{"states":["in_progress"],"scope":"main"}'),
    ('referent', 'En retard',          3, '{"states":["to_process","in_progress"],"scope":"main","late":true}'),
    ('referent', 'En copie',           4, '{"states":["to_process","in_progress"],"scope":"copy"}'),
    ('referent', 'Traités',            5, '{"states":["closed"],"scope":"main"}'),
    ('agent',    'Qui me sont attribués', 1, '{"states":["in_progress"],"assigned_to_me":true}'),
    ('agent',    'En copie',           2, '{"states":["to_process","in_progress"],"scope":"copy"}'),
    ('agent',    'Traités',            3, '{"states":["closed"],"assigned_to_me":true}'),
    ('lead',     'Ouverts',            1, '{"states":["to_process","in_progress"]}'),
    ('lead',     'En retard',          2, '{"states":["to_process","in_progress"],"late":true}');

-- Courriers: a paper-only one has no batch and no PDF; the record and the workflow.
CREATE TABLE courrier_new (
    id                INTEGER PRIMARY KEY,
    batch_id          INTEGER REFERENCES batch(id),   -- NULL: received on paper only
    seq_in_batch      INTEGER,
    state             TEXT NOT NULL DEFAULT 'to_qualify'
                      CHECK (state IN ('to_qualify', 'to_process', 'in_progress', 'closed')),
    separator         TEXT,
    direction_hint    TEXT,
    pdf_path          TEXT,
    created_at        TEXT NOT NULL,
    document_type_id  INTEGER REFERENCES document_type(id),
    sender_id         INTEGER REFERENCES contact(id),
    subject           TEXT,
    letter_date       TEXT,                 -- YYYY-MM-DD
    arrival_date      TEXT,
    reference         TEXT,
    priority          TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('normal', 'high', 'urgent')),
    confidential      INTEGER NOT NULL DEFAULT 0,
    main_direction_id INTEGER REFERENCES direction(id),
    comment           TEXT,
    chrono            TEXT UNIQUE,
    registered_at     TEXT,
    due_date          TEXT,
    taken_by          INTEGER REFERENCES app_user(id),
    assignee_id       INTEGER REFERENCES app_user(id),
    returned_reason   TEXT,                 -- set while back in the mail room after a return
    closed_at         TEXT,
    answer_note       TEXT,
    UNIQUE (batch_id, seq_in_batch)
);
INSERT INTO courrier_new (id, batch_id, seq_in_batch, state, separator, direction_hint, pdf_path, created_at)
    SELECT id, batch_id, seq_in_batch, state, separator, direction_hint, pdf_path, created_at FROM courrier;
DROP TABLE courrier;
ALTER TABLE courrier_new RENAME TO courrier;
CREATE INDEX courrier_state ON courrier(state, main_direction_id);
CREATE INDEX courrier_assignee ON courrier(assignee_id) WHERE assignee_id IS NOT NULL;

CREATE TABLE courrier_copy (
    courrier_id  INTEGER NOT NULL REFERENCES courrier(id),
    direction_id INTEGER NOT NULL REFERENCES direction(id),
    PRIMARY KEY (courrier_id, direction_id)
) WITHOUT ROWID;
CREATE INDEX courrier_copy_direction ON courrier_copy(direction_id);

-- The hash chain: each event seals the previous one's hash (see pli_core::event).
-- Existing events are chained by the migration's hook, between these two statements.
DROP TRIGGER event_no_update;
ALTER TABLE event ADD COLUMN prev_hash TEXT;
ALTER TABLE event ADD COLUMN hash TEXT;
