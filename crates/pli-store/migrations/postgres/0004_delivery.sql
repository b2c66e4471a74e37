-- Batches delivered by scanner workstations to this (shared) registry, by the id each
-- workstation fixed at capture: a batch sent again, however often, is recorded once.
CREATE TABLE delivery (
    capture_id TEXT PRIMARY KEY,      -- the SHA-256 of the batch's original, fixed at capture
    batch_id BIGINT NOT NULL UNIQUE REFERENCES batch(id),
    workstation TEXT NOT NULL,        -- the workstation that captured it
    delivered_by TEXT NOT NULL,       -- the account that delivered it
    received_at TEXT NOT NULL         -- RFC 3339, UTC
);
