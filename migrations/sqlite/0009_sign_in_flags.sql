-- "Is this me?": what made a sign-in stand out from the person's own history, computed once
-- when it happens (src/track/flags.rs) and kept with the session and its sign-in record.

-- One bit per flag (1 new device, 2 new country, 4 new region, 8 impossible travel), and the
-- reasons in words for the tooltip.
ALTER TABLE sessions ADD COLUMN flags INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN flag_reasons TEXT NOT NULL DEFAULT '';
ALTER TABLE login_records ADD COLUMN flags INTEGER NOT NULL DEFAULT 0;
ALTER TABLE login_records ADD COLUMN flag_reasons TEXT NOT NULL DEFAULT '';

-- "Flagged only": flagged sessions are few, so their own index pages them without reading
-- the rest.
CREATE INDEX sessions_flagged ON sessions (created_at DESC, id DESC) WHERE flags <> 0;

-- What each person signed in with and from lately, so a sign-in is compared with a few rows of
-- theirs, not with all their sessions: devices (OS|browser|phone model), countries and
-- country/region keys, each with when it was last seen.
CREATE TABLE sign_in_memory (
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL CHECK (kind IN ('device', 'country', 'region')),
    key          TEXT    NOT NULL,
    last_seen_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, kind, key)
);

-- Where and when they last signed in, for "impossible travel". NULL until their first sign-in
-- after this version: that one is never flagged.
ALTER TABLE users ADD COLUMN last_sign_in_at INTEGER;
ALTER TABLE users ADD COLUMN last_latitude REAL;
ALTER TABLE users ADD COLUMN last_longitude REAL;
ALTER TABLE users ADD COLUMN last_accuracy_km INTEGER;
