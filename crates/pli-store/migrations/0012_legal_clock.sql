-- The legal clock (issue 15): each document type's rule, each site's calendar, and what
-- the clock says of each registered courrier.

-- Processing delay: `delay_count` NULL means `deadline_days` (the old sheets' column),
-- so a type written by an old sheet or tool keeps its delay in calendar days.
ALTER TABLE document_type ADD COLUMN delay_unit TEXT NOT NULL DEFAULT 'calendar_days'
    CHECK (delay_unit IN ('calendar_days', 'working_days', 'months'));
ALTER TABLE document_type ADD COLUMN delay_count INTEGER CHECK (delay_count >= 0);
-- Reminder and alert points, in calendar days before the due date (NULL: none).
ALTER TABLE document_type ADD COLUMN reminder_days INTEGER CHECK (reminder_days >= 0);
ALTER TABLE document_type ADD COLUMN alert_days INTEGER CHECK (alert_days >= 0);
-- A shorter delay for an urgent courrier (NULL: the same).
ALTER TABLE document_type ADD COLUMN urgent_delay_unit TEXT
    CHECK (urgent_delay_unit IN ('calendar_days', 'working_days', 'months'));
ALTER TABLE document_type ADD COLUMN urgent_delay_count INTEGER CHECK (urgent_delay_count >= 0);
-- Silence vaut acceptation / rejet (NULL: neither), and after how many months.
ALTER TABLE document_type ADD COLUMN implicit_decision TEXT CHECK (implicit_decision IN ('acceptance', 'rejection'));
ALTER TABLE document_type ADD COLUMN implicit_decision_months INTEGER NOT NULL DEFAULT 2
    CHECK (implicit_decision_months >= 0);
ALTER TABLE document_type ADD COLUMN recompute_on_redirect INTEGER NOT NULL DEFAULT 0;

-- Which public holidays a direction's site keeps.
ALTER TABLE direction ADD COLUMN region TEXT NOT NULL DEFAULT 'national'
    CHECK (region IN ('national', 'alsace_moselle'));

-- Days a site is closed (set by the lead): for one direction, or every site (NULL).
CREATE TABLE closure_day (
    id           INTEGER PRIMARY KEY,
    day          TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    direction_id INTEGER REFERENCES direction(id),
    label        TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX closure_day_unique ON closure_day(day, ifnull(direction_id, 0));

-- YYYY-MM-DD; `due_date` stays the due date.
ALTER TABLE courrier ADD COLUMN remind_on TEXT;
ALTER TABLE courrier ADD COLUMN alert_on TEXT;
ALTER TABLE courrier ADD COLUMN implicit_decision TEXT CHECK (implicit_decision IN ('acceptance', 'rejection'));
ALTER TABLE courrier ADD COLUMN implicit_decision_on TEXT;
