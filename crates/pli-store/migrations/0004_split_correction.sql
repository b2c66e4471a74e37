-- Split correction: each page keeps its own OCR text (so that the index follows pages
-- moved between courriers), and a courrier emptied by a correction is withdrawn rather
-- than deleted (its events still point to it).
ALTER TABLE courrier_page ADD COLUMN text TEXT;        -- NULL for pages captured before
ALTER TABLE courrier ADD COLUMN withdrawn TEXT;        -- why it no longer counts, or NULL
