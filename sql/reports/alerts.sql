-- Alert counts by ISO week, type and severity, newest week first.
SELECT iso_week, type, severity, alerts
FROM report_alerts_weekly
ORDER BY iso_week DESC, type, severity;

-- Alerts per ISO week across all types and severities (the trend line).
SELECT iso_week, SUM(alerts) AS alerts
FROM report_alerts_weekly
GROUP BY iso_week
ORDER BY iso_week DESC;

-- Mean and 90th-percentile time to acknowledge and to resolve, per severity and overall ('all').
SELECT severity, acknowledged, ROUND(mean_ack_seconds, 1) AS mean_ack_seconds, ROUND(p90_ack_seconds, 1) AS p90_ack_seconds,
       resolved, ROUND(mean_resolve_seconds, 1) AS mean_resolve_seconds, ROUND(p90_resolve_seconds, 1) AS p90_resolve_seconds
FROM report_alert_response_times
ORDER BY FIELD(severity, 'critical', 'high', 'medium', 'low', 'info', 'all');
