-- Sign-in throttling: failed attempts per login typed, known or not (so that a lockout
-- says nothing about which logins exist), kept across restarts.
CREATE TABLE sign_in_attempt (
    login TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_failure TEXT NOT NULL,   -- RFC 3339, UTC
    locked_until TEXT             -- RFC 3339, UTC; none while attempts are left
);

-- Accounts of the demo organisation: retired (deactivated, with an event) by the first
-- real organisation import.
ALTER TABLE app_user ADD COLUMN demo INTEGER NOT NULL DEFAULT 0;
