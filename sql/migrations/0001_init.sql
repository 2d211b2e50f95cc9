-- Skannr schema, version 1: accounts and tokens, targets and scans with their results, alerts,
-- XP and achievements, billing, rate-limit counters. InnoDB, utf8mb4, UTC DATETIME(6) everywhere.
-- Every table that holds an account's data carries user_id so queries are scoped without joins;
-- targets cascade to their scans, results and alerts.

CREATE TABLE IF NOT EXISTS users (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(100) NOT NULL,
    email VARCHAR(254) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    plan ENUM('free', 'pro', 'business') NOT NULL DEFAULT 'free',
    mfa_enabled BOOLEAN NOT NULL DEFAULT FALSE,
    mfa_secret VARBINARY(255) NULL COMMENT 'AES-256-GCM sealed TOTP secret',
    mfa_pending_secret VARBINARY(255) NULL COMMENT 'sealed secret of a setup not yet enabled',
    mfa_last_step BIGINT NULL COMMENT 'last accepted TOTP time step (replay guard)',
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    UNIQUE KEY users_email (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS mfa_recovery_codes (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id BIGINT UNSIGNED NOT NULL,
    code_hash BINARY(32) NOT NULL,
    used_at DATETIME(6) NULL,
    UNIQUE KEY mfa_recovery_codes_user_code (user_id, code_hash),
    CONSTRAINT mfa_recovery_codes_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per issued refresh token. A login starts a family; each refresh marks its token used
-- and issues a child in the same family. A used token presented again revokes the family.
CREATE TABLE IF NOT EXISTS refresh_tokens (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id BIGINT UNSIGNED NOT NULL,
    family_id BINARY(16) NOT NULL,
    token_hash BINARY(32) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    expires_at DATETIME(6) NOT NULL,
    used_at DATETIME(6) NULL,
    revoked_at DATETIME(6) NULL,
    UNIQUE KEY refresh_tokens_hash (token_hash),
    KEY refresh_tokens_family (family_id),
    KEY refresh_tokens_user (user_id),
    CONSTRAINT refresh_tokens_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Failed-login throttling per account and per client address (scope 'account' | 'ip').
CREATE TABLE IF NOT EXISTS login_throttle (
    scope ENUM('account', 'ip') NOT NULL,
    subject VARCHAR(255) NOT NULL,
    failures INT UNSIGNED NOT NULL DEFAULT 0,
    window_started_at DATETIME(6) NOT NULL,
    locked_until DATETIME(6) NULL,
    PRIMARY KEY (scope, subject)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Fixed-window request counters shared by every responder: one row per (bucket, window).
CREATE TABLE IF NOT EXISTS rate_limit_counters (
    bucket VARCHAR(100) NOT NULL,
    window_start BIGINT NOT NULL COMMENT 'Unix seconds at the start of the window',
    hits INT UNSIGNED NOT NULL,
    PRIMARY KEY (bucket, window_start),
    KEY rate_limit_counters_window (window_start)
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

CREATE TABLE IF NOT EXISTS targets (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id BIGINT UNSIGNED NOT NULL,
    address VARCHAR(253) NOT NULL COMMENT 'normalised form',
    address_type ENUM('ip', 'domain', 'cidr') NOT NULL,
    address_count BIGINT UNSIGNED NOT NULL DEFAULT 1,
    label VARCHAR(200) NULL,
    scan_profile ENUM('quick', 'standard', 'full', 'custom') NOT NULL DEFAULT 'standard',
    ports TEXT NULL COMMENT 'canonical custom port list',
    interval_minutes INT UNSIGNED NULL,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6) NOT NULL,
    last_scan_id BIGINT UNSIGNED NULL,
    last_scan_at DATETIME(6) NULL,
    next_scan_at DATETIME(6) NULL,
    UNIQUE KEY targets_user_address (user_id, address),
    KEY targets_user_id (user_id, id),
    KEY targets_due (enabled, next_scan_at),
    CONSTRAINT targets_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A scan snapshots the address, profile and port list it runs with. active_target_id is set
-- only while the scan is pending or running; its unique key allows one active scan per target.
CREATE TABLE IF NOT EXISTS scans (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id BIGINT UNSIGNED NOT NULL,
    target_id BIGINT UNSIGNED NOT NULL,
    status ENUM('pending', 'running', 'completed', 'failed', 'cancelled') NOT NULL DEFAULT 'pending',
    trigger_kind ENUM('manual', 'scheduled', 'bulk') NOT NULL,
    address VARCHAR(253) NOT NULL,
    address_type ENUM('ip', 'domain', 'cidr') NOT NULL,
    scan_profile ENUM('quick', 'standard', 'full', 'custom') NOT NULL,
    ports TEXT NOT NULL COMMENT 'canonical port list the scan runs with',
    ports_per_host INT UNSIGNED NOT NULL,
    hosts_total INT UNSIGNED NOT NULL DEFAULT 0,
    hosts_done INT UNSIGNED NOT NULL DEFAULT 0,
    progress DECIMAL(5, 2) NOT NULL DEFAULT 0,
    open_ports INT UNSIGNED NOT NULL DEFAULT 0,
    created_at DATETIME(6) NOT NULL,
    started_at DATETIME(6) NULL,
    finished_at DATETIME(6) NULL,
    error VARCHAR(1000) NULL,
    attempts INT UNSIGNED NOT NULL DEFAULT 0,
    lease_owner VARCHAR(100) NULL,
    lease_expires_at DATETIME(6) NULL,
    cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
    active_target_id BIGINT UNSIGNED AS (IF(status IN ('pending', 'running'), target_id, NULL)) STORED,
    UNIQUE KEY scans_one_active_per_target (active_target_id),
    KEY scans_user_id (user_id, id),
    KEY scans_user_target (user_id, target_id, id),
    KEY scans_user_status (user_id, status, id),
    KEY scans_target_status (target_id, status, id),
    KEY scans_claim (status, id),
    KEY scans_lease (status, lease_expires_at),
    KEY scans_user_finished (user_id, status, finished_at),
    CONSTRAINT scans_target FOREIGN KEY (target_id) REFERENCES targets (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Per-host counts of a scan; closed and filtered ports are counted here, not stored one by one.
CREATE TABLE IF NOT EXISTS scan_hosts (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    scan_id BIGINT UNSIGNED NOT NULL,
    host VARCHAR(45) NOT NULL COMMENT 'numeric address',
    host_key VARBINARY(16) NOT NULL COMMENT '16-byte address for ordering (IPv4 mapped)',
    hostname VARCHAR(253) NULL,
    state ENUM('up', 'down') NOT NULL,
    open_count INT UNSIGNED NOT NULL DEFAULT 0,
    closed_count INT UNSIGNED NOT NULL DEFAULT 0,
    filtered_count INT UNSIGNED NOT NULL DEFAULT 0,
    UNIQUE KEY scan_hosts_scan_host (scan_id, host_key),
    CONSTRAINT scan_hosts_scan FOREIGN KEY (scan_id) REFERENCES scans (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per open port.
CREATE TABLE IF NOT EXISTS port_results (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    scan_id BIGINT UNSIGNED NOT NULL,
    host VARCHAR(45) NOT NULL,
    host_key VARBINARY(16) NOT NULL,
    port SMALLINT UNSIGNED NOT NULL,
    state ENUM('open', 'closed', 'filtered') NOT NULL DEFAULT 'open',
    service VARCHAR(64) NULL,
    UNIQUE KEY port_results_scan_host_port (scan_id, host_key, port),
    KEY port_results_scan_state (scan_id, state, host_key, port),
    CONSTRAINT port_results_scan FOREIGN KEY (scan_id) REFERENCES scans (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- TLS facts of an open port's leaf certificate.
CREATE TABLE IF NOT EXISTS tls_certificates (
    port_result_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    scan_id BIGINT UNSIGNED NOT NULL,
    version VARCHAR(32) NOT NULL,
    cipher VARCHAR(128) NOT NULL,
    subject VARCHAR(1024) NOT NULL,
    issuer VARCHAR(1024) NOT NULL,
    san JSON NOT NULL,
    not_before DATETIME(6) NOT NULL,
    not_after DATETIME(6) NOT NULL,
    fingerprint_sha256 CHAR(64) NOT NULL,
    self_signed BOOLEAN NOT NULL,
    expired BOOLEAN NOT NULL,
    KEY tls_certificates_scan (scan_id),
    KEY tls_certificates_fingerprint (fingerprint_sha256),
    CONSTRAINT tls_certificates_port FOREIGN KEY (port_result_id) REFERENCES port_results (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- dedupe_key makes alert writes idempotent (a retried scan write adds nothing) and makes
-- tls_expiring once per certificate per target.
CREATE TABLE IF NOT EXISTS alerts (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id BIGINT UNSIGNED NOT NULL,
    target_id BIGINT UNSIGNED NOT NULL,
    scan_id BIGINT UNSIGNED NOT NULL,
    type ENUM('new_port', 'closed_port', 'tls_change', 'tls_expiring') NOT NULL,
    severity ENUM('info', 'low', 'medium', 'high', 'critical') NOT NULL,
    host VARCHAR(45) NOT NULL,
    port SMALLINT UNSIGNED NULL,
    title VARCHAR(255) NOT NULL,
    details JSON NOT NULL,
    status ENUM('open', 'acknowledged', 'resolved') NOT NULL DEFAULT 'open',
    dedupe_key VARCHAR(255) NOT NULL,
    created_at DATETIME(6) NOT NULL,
    acknowledged_at DATETIME(6) NULL,
    resolved_at DATETIME(6) NULL,
    UNIQUE KEY alerts_target_dedupe (target_id, dedupe_key),
    KEY alerts_user_id (user_id, id),
    KEY alerts_user_status (user_id, status, id),
    KEY alerts_user_type (user_id, type, id),
    KEY alerts_user_severity (user_id, severity, id),
    KEY alerts_user_target (user_id, target_id, id),
    CONSTRAINT alerts_target FOREIGN KEY (target_id) REFERENCES targets (id) ON DELETE CASCADE,
    CONSTRAINT alerts_scan FOREIGN KEY (scan_id) REFERENCES scans (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- XP is a ledger: the total is auditable, and the unique event key stops double awards.
CREATE TABLE IF NOT EXISTS xp_events (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id BIGINT UNSIGNED NOT NULL,
    kind VARCHAR(64) NOT NULL,
    event_key VARCHAR(191) NOT NULL,
    xp INT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    UNIQUE KEY xp_events_user_key (user_id, event_key),
    CONSTRAINT xp_events_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS achievements (
    user_id BIGINT UNSIGNED NOT NULL,
    achievement_key VARCHAR(64) NOT NULL,
    earned_at DATETIME(6) NOT NULL,
    PRIMARY KEY (user_id, achievement_key),
    CONSTRAINT achievements_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The account's Stripe side. The plan on users changes only from verified webhooks or Stripe's
-- confirmed answer; last_event_at orders out-of-order deliveries.
CREATE TABLE IF NOT EXISTS subscriptions (
    user_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    stripe_customer_id VARCHAR(255) NOT NULL,
    stripe_subscription_id VARCHAR(255) NULL,
    stripe_item_id VARCHAR(255) NULL,
    status VARCHAR(32) NOT NULL DEFAULT 'none',
    plan ENUM('free', 'pro', 'business') NOT NULL DEFAULT 'free',
    current_period_end DATETIME(6) NULL,
    cancel_at_period_end BOOLEAN NOT NULL DEFAULT FALSE,
    past_due_since DATETIME(6) NULL,
    last_event_at DATETIME(6) NULL,
    updated_at DATETIME(6) NOT NULL,
    UNIQUE KEY subscriptions_customer (stripe_customer_id),
    UNIQUE KEY subscriptions_subscription (stripe_subscription_id),
    CONSTRAINT subscriptions_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS stripe_events (
    id VARCHAR(255) NOT NULL PRIMARY KEY,
    type VARCHAR(100) NOT NULL,
    received_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
