-- A direction's « En copie » basket lists the open courriers copied to it: finding them
-- read every copy the direction ever had, then each courrier, to keep the few still open
-- (2 500 lookups for some 40 lines over a million courriers, most of a loaded server's
-- database time, docs/benchmarks.md). Each copy now carries its courrier's state, kept by
-- triggers whichever code changes it, and is indexed with its direction.
ALTER TABLE courrier_copy ADD COLUMN courrier_state TEXT;
UPDATE courrier_copy SET courrier_state = (SELECT state FROM courrier WHERE id = courrier_copy.courrier_id);
CREATE INDEX courrier_copy_direction_state ON courrier_copy(direction_id, courrier_state);

CREATE TRIGGER courrier_copy_state AFTER INSERT ON courrier_copy BEGIN
    UPDATE courrier_copy SET courrier_state = (SELECT state FROM courrier WHERE id = NEW.courrier_id)
     WHERE courrier_id = NEW.courrier_id AND direction_id = NEW.direction_id;
END;
CREATE TRIGGER courrier_state_to_copies AFTER UPDATE OF state ON courrier BEGIN
    UPDATE courrier_copy SET courrier_state = NEW.state WHERE courrier_id = NEW.id;
END;
