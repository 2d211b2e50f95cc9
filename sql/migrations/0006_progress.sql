-- Alerts/score/progress additions. alerts_user_resolved serves "resolved within the last 24 hours"
-- (ten_resolved_in_a_day, quick_responder) and alerts_user_overdue the score's response category
-- (unresolved alerts of a severity older than a cut-off), so neither walks 1,000,000 alerts.
ALTER TABLE alerts ADD INDEX IF NOT EXISTS alerts_user_resolved (user_id, resolved_at);
ALTER TABLE alerts ADD INDEX IF NOT EXISTS alerts_user_overdue (user_id, status, severity, created_at);
