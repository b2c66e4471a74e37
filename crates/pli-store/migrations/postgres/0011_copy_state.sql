-- A direction's « En copie » basket lists the open courriers copied to it: finding them
-- read every copy the direction ever had, then each courrier, to keep the few still open
-- (2 500 lookups for some 40 lines over a million courriers, most of a loaded server's
-- database time, docs/benchmarks.md). Each copy now carries its courrier's state, kept by
-- triggers whichever code changes it, and is indexed with its direction.
ALTER TABLE courrier_copy ADD COLUMN courrier_state TEXT;
UPDATE courrier_copy cc SET courrier_state = c.state FROM courrier c WHERE c.id = cc.courrier_id;
CREATE INDEX courrier_copy_direction_state ON courrier_copy(direction_id, courrier_state);

CREATE FUNCTION pli_copy_state_of_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.courrier_state := (SELECT state FROM courrier WHERE id = NEW.courrier_id);
    RETURN NEW;
END $$;
CREATE TRIGGER courrier_copy_state BEFORE INSERT OR UPDATE OF courrier_id ON courrier_copy
    FOR EACH ROW EXECUTE FUNCTION pli_copy_state_of_new();

CREATE FUNCTION pli_state_to_copies() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE courrier_copy SET courrier_state = NEW.state WHERE courrier_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER courrier_state_to_copies AFTER UPDATE OF state ON courrier
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION pli_state_to_copies();

-- The readers (migration 0010) change with a copy's courrier or direction, not its state.
DROP TRIGGER courrier_copy_readers ON courrier_copy;
CREATE TRIGGER courrier_copy_readers AFTER INSERT OR DELETE OR UPDATE OF courrier_id, direction_id ON courrier_copy
    FOR EACH ROW EXECUTE FUNCTION pli_readers_of_copy();
