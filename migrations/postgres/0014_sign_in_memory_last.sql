-- The latest sign-in's time and place move into sign_in_memory (kind 'last'); see
-- migrations/sqlite/0014_sign_in_memory_last.sql for why.
ALTER TABLE sign_in_memory DROP CONSTRAINT sign_in_memory_kind_check;
ALTER TABLE sign_in_memory ADD CONSTRAINT sign_in_memory_kind_check
    CHECK (kind IN ('device', 'country', 'region', 'last'));
ALTER TABLE sign_in_memory ADD COLUMN latitude DOUBLE PRECISION;
ALTER TABLE sign_in_memory ADD COLUMN longitude DOUBLE PRECISION;
ALTER TABLE sign_in_memory ADD COLUMN accuracy_km BIGINT;
INSERT INTO sign_in_memory (user_id, kind, key, last_seen_at, latitude, longitude, accuracy_km)
    SELECT id, 'last', '', last_sign_in_at, last_latitude, last_longitude, last_accuracy_km
    FROM users WHERE last_sign_in_at IS NOT NULL;
ALTER TABLE users DROP COLUMN last_sign_in_at;
ALTER TABLE users DROP COLUMN last_latitude;
ALTER TABLE users DROP COLUMN last_longitude;
ALTER TABLE users DROP COLUMN last_accuracy_km;
