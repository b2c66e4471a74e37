-- A cache for the weekly figures: the courriers open (with their main direction) at the
-- start of a local day, folded from the events. Derived data only: it may be deleted at
-- any time and is rebuilt from the events. Only instants at least two days old are kept,
-- so that an event arriving late (a workstation's clock, a sync) is always counted.
CREATE TABLE stats_checkpoint (
    at   TEXT PRIMARY KEY,      -- RFC 3339 UTC: the state just before this instant
    open TEXT NOT NULL          -- JSON object: courrier id → main direction code
);
