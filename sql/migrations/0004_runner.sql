-- Scan-runner additions: a note on a per-host row, for addresses of a target that were NOT scanned
-- (a domain resolving to a private address while private targets are not allowed).
ALTER TABLE scan_hosts ADD COLUMN IF NOT EXISTS note VARCHAR(255) NULL AFTER filtered_count;
