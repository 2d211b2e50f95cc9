-- Scans per day and trigger over the last 30 days: outcomes, failure rate, duration of completed scans.
SELECT day, trigger_kind, scans, completed, failed, cancelled, unfinished,
       ROUND(failure_rate, 4) AS failure_rate, ROUND(mean_duration_seconds, 1) AS mean_duration_seconds,
       ROUND(max_duration_seconds, 1) AS max_duration_seconds
FROM report_scans_daily
WHERE day >= UTC_DATE() - INTERVAL 30 DAY
ORDER BY day DESC, trigger_kind;

-- Failure rate per trigger over all time (failed / finished-and-not-cancelled).
SELECT trigger_kind, SUM(completed) AS completed, SUM(failed) AS failed,
       ROUND(SUM(failed) / NULLIF(SUM(completed) + SUM(failed), 0), 4) AS failure_rate
FROM report_scans_daily
GROUP BY trigger_kind
ORDER BY trigger_kind;

-- Duration of completed scans per profile: mean, median, 90th percentile.
SELECT scan_profile, completed, ROUND(mean_seconds, 1) AS mean_seconds, ROUND(median_seconds, 1) AS median_seconds,
       ROUND(p90_seconds, 1) AS p90_seconds
FROM report_scan_durations
ORDER BY FIELD(scan_profile, 'quick', 'standard', 'full', 'custom');
