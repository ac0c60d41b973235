-- One sign_in_memory row per person instead of one per device, country, region and 'last':
-- a sign-in remembers itself by upserting one row (one key to find, one foreign key to check)
-- and is compared with what it read in the same one-row lookup that finds the person's name.
-- With four rows a first sign-in cost four inserts, four primary-key entries and four
-- foreign-key checks: `make bench` had sign-ins without the hash 22 % slower on PostgreSQL
-- than before the flags, against a budget of 10 %.
CREATE TABLE sign_in_memory_new (
    user_id     INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    -- The latest sign-in, and the position of the latest one that had one.
    last_at     INTEGER NOT NULL,
    latitude    REAL,
    longitude   REAL,
    accuracy_km INTEGER,
    -- {"device:<os|browser|model>": <last seen, ms>, "country:<code>": …, "region:<code/region>": …},
    -- merged by each sign-in (src/track/flags.rs forgets keys older than 90 days).
    seen        TEXT    NOT NULL
);
INSERT INTO sign_in_memory_new (user_id, last_at, latitude, longitude, accuracy_km, seen)
    SELECT user_id, MAX(last_seen_at), MAX(latitude), MAX(longitude), MAX(accuracy_km),
           json_group_object(kind || ':' || key, last_seen_at) FILTER (WHERE kind <> 'last')
    FROM sign_in_memory GROUP BY user_id;
DROP TABLE sign_in_memory;
ALTER TABLE sign_in_memory_new RENAME TO sign_in_memory;
