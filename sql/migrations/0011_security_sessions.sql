-- Issue 16 (security, round two). Lead: renumber if another branch took 0011.
-- Login throttling: the addresses (or IPv6 /64s, hashed with the account) an account signed in from
-- lately keep working while strangers hammer the account; sessions: a refresh-token family carries
-- the moment its login happened, so refreshing cannot stretch it past the absolute lifetime.

CREATE TABLE IF NOT EXISTS login_known_addresses (
    user_id BIGINT UNSIGNED NOT NULL,
    address_hash BINARY(32) NOT NULL COMMENT 'SHA-256 of the client key (address or /64)',
    last_success_at DATETIME(6) NOT NULL,
    PRIMARY KEY (user_id, address_hash),
    CONSTRAINT login_known_addresses_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

ALTER TABLE refresh_tokens ADD COLUMN session_started_at DATETIME(6) NULL AFTER created_at;

UPDATE refresh_tokens SET session_started_at = created_at WHERE session_started_at IS NULL;
