-- Searching within what the reader may see (issue 12). A referent or an agent may see
-- a few hundredths of the registry: for common words, the newest matches he may see lie
-- far back, and walking every match newest first read most of the table (2.4 s a search
-- under load over a million courriers, docs/benchmarks.md). Each text now carries the
-- courrier's readers: its main direction and its copies' (ids), its assignee (negated
-- user id), and one GIN index holds the words and the readers, so that PostgreSQL
-- intersects "these words" with "these directions or me" inside the index.
--
-- The readers are a necessary condition, not the policy: every search still applies the
-- access rule (`visible_sql`, from pli-core) on top, so a confidential courrier in copy
-- to a direction is among its readers here and still filtered out there. They are kept
-- by triggers, whichever code changes a main direction, a copy or an assignee.

ALTER TABLE courrier_text ADD COLUMN readers BIGINT[] NOT NULL DEFAULT '{}';

CREATE FUNCTION pli_readers(courrier BIGINT) RETURNS BIGINT[] LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(r.k ORDER BY r.k), '{}') FROM (
        SELECT main_direction_id AS k FROM courrier WHERE id = $1 AND main_direction_id IS NOT NULL
        UNION SELECT -assignee_id FROM courrier WHERE id = $1 AND assignee_id IS NOT NULL
        UNION SELECT direction_id FROM courrier_copy WHERE courrier_id = $1) r
$$;

CREATE FUNCTION pli_readers_of_new_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.readers := pli_readers(NEW.rowid);
    RETURN NEW;
END $$;

CREATE FUNCTION pli_readers_refresh(c BIGINT) RETURNS void LANGUAGE sql AS $$
    UPDATE courrier_text SET readers = pli_readers(c) WHERE rowid = c AND readers IS DISTINCT FROM pli_readers(c)
$$;

CREATE FUNCTION pli_readers_of_courrier() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pli_readers_refresh(NEW.id);
    RETURN NULL;
END $$;

CREATE FUNCTION pli_readers_of_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM pli_readers_refresh(OLD.courrier_id);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM pli_readers_refresh(NEW.courrier_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER courrier_text_readers BEFORE INSERT OR UPDATE OF rowid ON courrier_text
    FOR EACH ROW EXECUTE FUNCTION pli_readers_of_new_text();
CREATE TRIGGER courrier_readers AFTER UPDATE OF main_direction_id, assignee_id ON courrier
    FOR EACH ROW WHEN (OLD.main_direction_id IS DISTINCT FROM NEW.main_direction_id
                       OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id)
    EXECUTE FUNCTION pli_readers_of_courrier();
CREATE TRIGGER courrier_copy_readers AFTER INSERT OR UPDATE OR DELETE ON courrier_copy
    FOR EACH ROW EXECUTE FUNCTION pli_readers_of_copy();

UPDATE courrier_text SET readers = pli_readers(rowid);

-- One index for the words and the readers (a GIN index searches any of its columns).
DROP INDEX courrier_text_tsv;
CREATE INDEX courrier_text_tsv_readers ON courrier_text USING gin (tsv, readers);
