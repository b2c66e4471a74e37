-- On a scanner workstation connected to a server: the batches the server acknowledged.
-- A batch captured here and not listed is in the outbox, and is sent until it is.
CREATE TABLE sent_batch (
    batch_id INTEGER PRIMARY KEY REFERENCES batch(id),
    server_batch_id INTEGER NOT NULL,  -- its id in the server's registry
    sent_at TEXT NOT NULL              -- RFC 3339, UTC: when the server acknowledged it
);
