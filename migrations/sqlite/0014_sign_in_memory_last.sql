-- A sign-in remembers where and when it happened in sign_in_memory too (kind 'last', one row
-- per person), so that remembering it is the one upsert that remembers the device and place,
-- and recalling it the one read: a sign-in with flags costs two statements, not four
-- (measured in `make bench`: sign-ins without the hash fell 23 % on PostgreSQL with four).
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt (it holds a few rows
-- per person).
CREATE TABLE sign_in_memory_new (
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL CHECK (kind IN ('device', 'country', 'region', 'last')),
    key          TEXT    NOT NULL,
    last_seen_at INTEGER NOT NULL,
    -- Only for 'last': the position of the latest sign-in that had one.
    latitude     REAL,
    longitude    REAL,
    accuracy_km  INTEGER,
    PRIMARY KEY (user_id, kind, key)
);
INSERT INTO sign_in_memory_new (user_id, kind, key, last_seen_at)
    SELECT user_id, kind, key, last_seen_at FROM sign_in_memory;
INSERT INTO sign_in_memory_new (user_id, kind, key, last_seen_at, latitude, longitude, accuracy_km)
    SELECT id, 'last', '', last_sign_in_at, last_latitude, last_longitude, last_accuracy_km
    FROM users WHERE last_sign_in_at IS NOT NULL;
DROP TABLE sign_in_memory;
ALTER TABLE sign_in_memory_new RENAME TO sign_in_memory;

ALTER TABLE users DROP COLUMN last_sign_in_at;
ALTER TABLE users DROP COLUMN last_latitude;
ALTER TABLE users DROP COLUMN last_longitude;
ALTER TABLE users DROP COLUMN last_accuracy_km;
