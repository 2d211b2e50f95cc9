-- When each account last had a scan claimed (issue 20): the fair claim order's round robin. Kept per
-- account, not read from its scans: single-unit scans never go back to pending, so the latest claim
-- among an account's PENDING scans said nothing, and MAX over all its scans grows with its history.
-- A table of its own (not a users column) so the scan-runner's user needs no write on users.
CREATE TABLE IF NOT EXISTS account_claims (
    user_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    last_claimed_at DATETIME(6) NOT NULL,
    CONSTRAINT account_claims_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
