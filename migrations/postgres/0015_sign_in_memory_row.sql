-- One sign_in_memory row per person; see migrations/sqlite/0015_sign_in_memory_row.sql for why.
CREATE TABLE sign_in_memory_new (
    user_id     BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    last_at     BIGINT NOT NULL,
    latitude    DOUBLE PRECISION,
    longitude   DOUBLE PRECISION,
    accuracy_km BIGINT,
    seen        TEXT   NOT NULL
);
INSERT INTO sign_in_memory_new (user_id, last_at, latitude, longitude, accuracy_km, seen)
    SELECT user_id, MAX(last_seen_at), MAX(latitude), MAX(longitude), MAX(accuracy_km),
           COALESCE(jsonb_object_agg(kind || ':' || key, last_seen_at)
                        FILTER (WHERE kind <> 'last'), '{}')::text
    FROM sign_in_memory GROUP BY user_id;
DROP TABLE sign_in_memory;
ALTER TABLE sign_in_memory_new RENAME TO sign_in_memory;
ALTER INDEX sign_in_memory_new_pkey RENAME TO sign_in_memory_pkey;
ALTER TABLE sign_in_memory RENAME CONSTRAINT sign_in_memory_new_user_id_fkey
    TO sign_in_memory_user_id_fkey;
