-- Notifications (issue 18): an account's channels (webhook, Slack, email) and the transactional
-- outbox of deliveries. A delivery row is written in the same transaction as the alert it reports;
-- skannr-notifier claims due rows (FOR UPDATE SKIP LOCKED + lease), sends, and records the outcome.
-- Per channel only the oldest pending delivery is ever attempted (deliveries_pending serves that
-- "head" lookup), so events reach a channel in order of creation.

CREATE TABLE IF NOT EXISTS notification_channels (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id BIGINT UNSIGNED NOT NULL,
    type ENUM('webhook', 'slack', 'email') NOT NULL,
    url VARCHAR(2048) NULL,
    email VARCHAR(254) NULL,
    secret VARCHAR(128) NULL COMMENT 'webhook signing secret (whsec_...); needed in clear to sign',
    min_severity ENUM('info', 'low', 'medium', 'high', 'critical') NOT NULL DEFAULT 'low',
    events VARCHAR(255) NOT NULL COMMENT 'comma-separated event names',
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    created_at DATETIME(6) NOT NULL,
    last_delivery_at DATETIME(6) NULL,
    last_status ENUM('delivered', 'failing') NULL,
    failing_since DATETIME(6) NULL COMMENT 'first failure since the last success; 3 days of it disables the channel',
    KEY notification_channels_user (user_id, id),
    CONSTRAINT notification_channels_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS notification_deliveries (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id BIGINT UNSIGNED NOT NULL,
    channel_id BIGINT UNSIGNED NOT NULL,
    event_id VARCHAR(40) NOT NULL COMMENT 'evt_...: the same on every attempt and every channel of one event',
    event VARCHAR(32) NOT NULL,
    payload MEDIUMTEXT NOT NULL COMMENT 'the webhook body, fixed when the event was written',
    status ENUM('pending', 'delivered', 'failed') NOT NULL DEFAULT 'pending',
    attempts INT UNSIGNED NOT NULL DEFAULT 0,
    last_status_code SMALLINT UNSIGNED NULL,
    last_error VARCHAR(500) NULL,
    next_attempt_at DATETIME(6) NULL,
    lease_owner VARCHAR(100) NULL,
    lease_expires_at DATETIME(6) NULL,
    created_at DATETIME(6) NOT NULL,
    delivered_at DATETIME(6) NULL,
    KEY notification_deliveries_pending (status, channel_id, id),
    KEY notification_deliveries_user (user_id, id),
    KEY notification_deliveries_channel (channel_id, id),
    CONSTRAINT notification_deliveries_channel FOREIGN KEY (channel_id) REFERENCES notification_channels (id) ON DELETE CASCADE,
    CONSTRAINT notification_deliveries_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
