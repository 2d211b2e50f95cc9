-- Issue 19 (automation): API keys. Lead: renumber after the other branches' migrations.
-- A key is `sk_live_` + 64 hex digits (256 random bits), shown once; only its HMAC-SHA256 under the
-- server's key-hash secret is stored (key_hash, unique: the lookup of every request that presents
-- one). Revocation deletes the row, so the next request with the key finds nothing (no cache).

CREATE TABLE IF NOT EXISTS api_keys (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id BIGINT UNSIGNED NOT NULL,
    name VARCHAR(100) NOT NULL,
    prefix CHAR(16) NOT NULL COMMENT 'first 16 characters of the key, to tell keys apart',
    key_hash BINARY(32) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    expires_at DATETIME(6) NULL,
    last_used_at DATETIME(6) NULL,
    UNIQUE KEY api_keys_hash (key_hash),
    KEY api_keys_user (user_id, id),
    CONSTRAINT api_keys_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Expected ports (PATCH /targets/:id expected_ports, canonical port list): a new_port on one is
-- info, a closed_port on one is high. Accepted risk (POST /alerts/:id/accept {note}): the alert is
-- `accepted`, and the same (host, port, type) raises nothing while it is the latest alert there.
ALTER TABLE targets ADD COLUMN expected_ports TEXT NULL COMMENT 'canonical port list' AFTER ports;

ALTER TABLE alerts MODIFY status ENUM('open', 'acknowledged', 'resolved', 'accepted') NOT NULL DEFAULT 'open';

ALTER TABLE alerts ADD COLUMN accepted_at DATETIME(6) NULL AFTER resolved_at, ADD COLUMN accept_note VARCHAR(1000) NULL AFTER accepted_at;
