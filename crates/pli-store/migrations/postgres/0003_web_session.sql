-- Sessions of browsers signed in to `pli serve`, in the database rather than in one
-- server's memory, so that any of several servers behind one load balancer answers any
-- request, and a lead ends a user's sessions on every one of them.
CREATE TABLE web_session (
    token_hash TEXT PRIMARY KEY,  -- SHA-256 of the cookie's token: the token is never stored
    user_id BIGINT NOT NULL REFERENCES app_user(id),
    csrf TEXT NOT NULL,           -- what state-changing requests must echo in a header
    address TEXT NOT NULL,        -- where it signed in from (for the lead)
    created_at BIGINT NOT NULL,  -- Unix seconds: the absolute lifetime counts from here
    last_seen BIGINT NOT NULL    -- Unix seconds: the idle timeout counts from here
);
CREATE INDEX web_session_user ON web_session (user_id);

-- Sign-in throttling per address too (a guesser trying many logins from one place).
CREATE TABLE sign_in_address (
    address TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_failure TEXT NOT NULL,
    locked_until TEXT
);
