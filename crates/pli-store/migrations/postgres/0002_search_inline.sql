-- Finding the most recent matches walks courrier_text newest first and tests each row's
-- tsvector: it must be in the row, not fetched from TOAST at every test (2.4–4 µs a row,
-- docs/benchmarks.md). The text, read only for the page of results' extracts, goes out
-- of the row instead; the tsvector stays in it, compressed with lz4 (fast to read).
-- Rows written before keep their layout until rewritten (VACUUM FULL courrier_text).
ALTER TABLE courrier_text ALTER COLUMN tsv SET STORAGE MAIN;
ALTER TABLE courrier_text ALTER COLUMN tsv SET COMPRESSION lz4;
ALTER TABLE courrier_text ALTER COLUMN text SET STORAGE EXTERNAL;
ALTER TABLE courrier_text SET (toast_tuple_target = 128);
