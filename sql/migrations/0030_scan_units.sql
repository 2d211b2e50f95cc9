-- Scan work in units (issue 20): a scan's hosts × ports split into units (SkannrCore.ScanWork),
-- created at the first claim; each unit's outcome is stored when it completes, so a runner that dies
-- loses at most the unit it was on. The rows live until the scan's write-back (which stores the merged
-- results in scan_hosts/port_results and deletes them) or until the scan is deleted (cascade).
CREATE TABLE IF NOT EXISTS scan_units (
    scan_id BIGINT UNSIGNED NOT NULL,
    seq INT UNSIGNED NOT NULL,
    host_offset INT UNSIGNED NOT NULL,
    host_count INT UNSIGNED NOT NULL COMMENT '0: every address (a domain)',
    port_offset INT UNSIGNED NOT NULL,
    port_count INT UNSIGNED NOT NULL,
    done_at DATETIME(6) NULL,
    outcome MEDIUMTEXT NULL COMMENT 'JSON of SkannrStore.UnitOutcome once done',
    PRIMARY KEY (scan_id, seq),
    CONSTRAINT scan_units_scan FOREIGN KEY (scan_id) REFERENCES scans (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
ALTER TABLE scans ADD COLUMN IF NOT EXISTS units_total INT UNSIGNED NULL COMMENT 'NULL until the first claim splits the scan' AFTER hosts_done;
ALTER TABLE scans ADD COLUMN IF NOT EXISTS units_done INT UNSIGNED NOT NULL DEFAULT 0 AFTER units_total;
-- Down hosts of a CIDR scan are a count, not a row each (issue 20); the summary lists them from the range.
ALTER TABLE scans ADD COLUMN IF NOT EXISTS hosts_down INT UNSIGNED NULL COMMENT 'CIDR scans: down hosts not stored in scan_hosts' AFTER units_done;
