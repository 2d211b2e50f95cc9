-- Retention (issue 20): a scan past its target's kept window keeps its summary row in `scans` while
-- its per-host and per-port rows (scan_hosts, port_results and, by cascade, tls_certificates) are
-- deleted by the bounded job of SkannrStore/RetentionStore.swift; results_pruned_at says when, so
-- the API can answer "pruned" instead of an empty result list.
ALTER TABLE scans ADD COLUMN IF NOT EXISTS results_pruned_at DATETIME(6) NULL AFTER finished_at;

-- How far the job has gone through the targets: each bounded run continues after the last target it
-- finished and wraps around, so no run re-reads every target.
CREATE TABLE IF NOT EXISTS retention_progress (
    job VARCHAR(32) NOT NULL PRIMARY KEY,
    next_target_id BIGINT UNSIGNED NOT NULL DEFAULT 0,
    passes BIGINT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'completed passes over every target',
    updated_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

-- No new index: scans_target_status (target_id, status, id) finds one target's finished scans
-- newest first, and the foreign key's index alerts_scan (scan_id) answers "did this scan raise an
-- alert" (EXPLAINs at 10 M rows in docs/scale.md).
