-- The accounts each sales representative serves: a representative may act only as the users of
-- these. One row per representative and account.
CREATE TABLE rep_assignments (
    rep_user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id  BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (rep_user_id, account_id)
);
CREATE INDEX rep_assignments_by_account ON rep_assignments (account_id, rep_user_id);

-- Representatives of an existing installation could act as anyone until now: they keep every
-- account they could reach, and a platform admin narrows that down.
INSERT INTO rep_assignments (rep_user_id, account_id)
    SELECT u.id, a.id FROM users u CROSS JOIN accounts a WHERE u.is_sales_rep;
