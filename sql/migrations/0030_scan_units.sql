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
-- Down hosts of a CIDR scan are runs of the range, not a row each (issue 20): a /20 of dead hosts is
-- one short JSON text instead of 4,096 scan_hosts rows; the summary and the diff expand them.
ALTER TABLE scans ADD COLUMN IF NOT EXISTS down_hosts MEDIUMTEXT NULL
    COMMENT 'CIDR scans: JSON [[offset, count], ...] of the range''s down hosts (not in scan_hosts)' AFTER units_done;
