-- Pages dropped as blank are kept with their batch (a one-page PDF of the original
-- image and a thumbnail), so the operator can see them and put one back. NULL for
-- other pages and for pages dropped before this migration (their image was not kept).
ALTER TABLE batch_page ADD COLUMN kept_pdf TEXT;
ALTER TABLE batch_page ADD COLUMN kept_thumbnail TEXT;
