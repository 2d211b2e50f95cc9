-- Scanner on real networks (issue 14): new alert types, what a scan cut or could not trust, and the
-- per-target baseline the alert diff compares against (what the monitoring believes after the last
-- completed scan: confirmed open ports, last known certificates, hosts down). The baseline is one
-- JSON document per target (SkannrCore.ScanSnapshot), read and replaced inside the write-back.
ALTER TABLE alerts MODIFY COLUMN type
    ENUM('new_port', 'closed_port', 'tls_change', 'tls_expiring', 'host_down', 'accepts_all') NOT NULL;
ALTER TABLE scan_hosts ADD COLUMN IF NOT EXISTS accepts_all BOOLEAN NOT NULL DEFAULT FALSE AFTER note;
ALTER TABLE scan_hosts ADD COLUMN IF NOT EXISTS notes JSON NULL COMMENT 'array of strings: what was cut or noticed' AFTER accepts_all;
ALTER TABLE scans ADD COLUMN IF NOT EXISTS limits_hit JSON NULL COMMENT 'array of strings: budgets this scan ran into' AFTER error;
CREATE TABLE IF NOT EXISTS target_baselines (
    target_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
    scan_id BIGINT UNSIGNED NOT NULL COMMENT 'the scan whose write-back produced it',
    baseline MEDIUMTEXT NOT NULL COMMENT 'JSON of SkannrCore.ScanSnapshot',
    updated_at DATETIME(6) NOT NULL,
    CONSTRAINT target_baselines_target FOREIGN KEY (target_id) REFERENCES targets (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
