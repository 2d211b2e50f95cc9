-- Reporting views: the only objects the read-only reporting user may read (scripts/create-reporting-user
-- grants SELECT on every `report_%` view and nothing else). Views run with their definer's rights, so
-- they can read the tables while the reporting user cannot; no view exposes a password hash, token,
-- MFA secret, recovery code, Stripe id or e-mail address. Queries over them: sql/reports/*.sql.
-- Times are UTC (every DATETIME is stored UTC); durations are in seconds.

-- Lets "latest completed scan per target" and time-window reports find finished scans by time.
CREATE INDEX IF NOT EXISTS scans_finished ON scans (status, finished_at);

-- Open ports per account and target, from each target's latest completed scan (one row per open port).
CREATE OR REPLACE VIEW report_open_ports AS
SELECT t.user_id AS account_id, t.id AS target_id, t.address AS target_address, t.label AS target_label,
       s.id AS scan_id, s.finished_at AS scanned_at, p.host, p.port, p.service
FROM targets t
JOIN scans s ON s.id = (
    SELECT latest.id FROM scans latest
    WHERE latest.target_id = t.id AND latest.status = 'completed'
    ORDER BY latest.id DESC LIMIT 1)
JOIN port_results p ON p.scan_id = s.id AND p.state = 'open';

-- Exposure by service across all accounts (latest completed scans): how many open instances of each
-- service/port, on how many targets and accounts.
CREATE OR REPLACE VIEW report_exposure_by_service AS
SELECT COALESCE(service, 'unknown') AS service, port,
       COUNT(*) AS open_instances, COUNT(DISTINCT target_id) AS targets, COUNT(DISTINCT account_id) AS accounts
FROM report_open_ports
GROUP BY COALESCE(service, 'unknown'), port;

-- Alert counts by ISO week (Monday-based, "2025-W01"), type and severity.
CREATE OR REPLACE VIEW report_alerts_weekly AS
SELECT iso_week, type, severity, COUNT(*) AS alerts
FROM (
    SELECT CONCAT(LEFT(YEARWEEK(created_at, 3), 4), '-W', RIGHT(YEARWEEK(created_at, 3), 2)) AS iso_week, type, severity
    FROM alerts
) weekly
GROUP BY iso_week, type, severity;

-- Mean and 90th-percentile time to acknowledge and to resolve alerts, per severity and overall ('all').
-- Only alerts that were acknowledged (resp. resolved) count towards each figure.
CREATE OR REPLACE VIEW report_alert_response_times AS
SELECT DISTINCT severity,
       COUNT(ack_seconds) OVER (PARTITION BY severity) AS acknowledged,
       AVG(ack_seconds) OVER (PARTITION BY severity) AS mean_ack_seconds,
       PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY ack_seconds) OVER (PARTITION BY severity) AS p90_ack_seconds,
       COUNT(resolve_seconds) OVER (PARTITION BY severity) AS resolved,
       AVG(resolve_seconds) OVER (PARTITION BY severity) AS mean_resolve_seconds,
       PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY resolve_seconds) OVER (PARTITION BY severity) AS p90_resolve_seconds
FROM (
    SELECT CAST(severity AS CHAR(16)) AS severity,
           TIMESTAMPDIFF(MICROSECOND, created_at, acknowledged_at) / 1000000 AS ack_seconds,
           TIMESTAMPDIFF(MICROSECOND, created_at, resolved_at) / 1000000 AS resolve_seconds
    FROM alerts
    UNION ALL
    SELECT 'all',
           TIMESTAMPDIFF(MICROSECOND, created_at, acknowledged_at) / 1000000,
           TIMESTAMPDIFF(MICROSECOND, created_at, resolved_at) / 1000000
    FROM alerts
) response;

-- Scans per UTC day and trigger (manual, scheduled, bulk): outcomes, failure rate among finished
-- scans (failed / (completed + failed)) and the duration of completed scans.
CREATE OR REPLACE VIEW report_scans_daily AS
SELECT DATE(created_at) AS day, trigger_kind,
       COUNT(*) AS scans,
       SUM(status = 'completed') AS completed,
       SUM(status = 'failed') AS failed,
       SUM(status = 'cancelled') AS cancelled,
       SUM(status IN ('pending', 'running')) AS unfinished,
       SUM(status = 'failed') / NULLIF(SUM(status IN ('completed', 'failed')), 0) AS failure_rate,
       AVG(IF(status = 'completed', TIMESTAMPDIFF(MICROSECOND, started_at, finished_at) / 1000000, NULL)) AS mean_duration_seconds,
       MAX(IF(status = 'completed', TIMESTAMPDIFF(MICROSECOND, started_at, finished_at) / 1000000, NULL)) AS max_duration_seconds
FROM scans
GROUP BY DATE(created_at), trigger_kind;

-- Duration of completed scans per scan profile: count, mean, median and 90th percentile.
CREATE OR REPLACE VIEW report_scan_durations AS
SELECT DISTINCT scan_profile,
       COUNT(*) OVER (PARTITION BY scan_profile) AS completed,
       AVG(seconds) OVER (PARTITION BY scan_profile) AS mean_seconds,
       PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY seconds) OVER (PARTITION BY scan_profile) AS median_seconds,
       PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY seconds) OVER (PARTITION BY scan_profile) AS p90_seconds
FROM (
    SELECT scan_profile, TIMESTAMPDIFF(MICROSECOND, started_at, finished_at) / 1000000 AS seconds
    FROM scans WHERE status = 'completed' AND started_at IS NOT NULL AND finished_at IS NOT NULL
) durations;

-- Accounts per plan now, with how many pay through an active Stripe subscription, are set to cancel
-- at the period end, or are past due.
CREATE OR REPLACE VIEW report_plan_distribution AS
SELECT u.plan, COUNT(*) AS accounts,
       SUM(sub.status IN ('active', 'trialing')) AS subscribed,
       SUM(sub.cancel_at_period_end = 1) AS cancelling,
       SUM(sub.status = 'past_due') AS past_due
FROM users u
LEFT JOIN subscriptions sub ON sub.user_id = u.id
GROUP BY u.plan;

-- Churn per UTC month: subscriptions that ended (status canceled) by the month of their last change,
-- against the paid subscriptions active now plus those that ended that month. An approximation:
-- the schema keeps each subscription's current state, not its history.
CREATE OR REPLACE VIEW report_churn_monthly AS
SELECT DATE_FORMAT(ended.updated_at, '%Y-%m') AS month,
       COUNT(*) AS churned,
       (SELECT COUNT(*) FROM subscriptions live WHERE live.status IN ('active', 'trialing', 'past_due')) AS active_now,
       COUNT(*) / (COUNT(*) + (SELECT COUNT(*) FROM subscriptions live WHERE live.status IN ('active', 'trialing', 'past_due'))) AS churn_rate
FROM subscriptions ended
WHERE ended.status = 'canceled'
GROUP BY DATE_FORMAT(ended.updated_at, '%Y-%m');

-- New accounts per UTC month and their current plan (conversion at a glance).
CREATE OR REPLACE VIEW report_signups_monthly AS
SELECT DATE_FORMAT(created_at, '%Y-%m') AS month, plan, COUNT(*) AS accounts
FROM users
GROUP BY DATE_FORMAT(created_at, '%Y-%m'), plan;
