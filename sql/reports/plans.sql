-- Plan distribution now: accounts per plan, share of all accounts, paying/cancelling/past-due.
SELECT plan, accounts, ROUND(accounts / SUM(accounts) OVER (), 4) AS share, subscribed, cancelling, past_due
FROM report_plan_distribution
ORDER BY FIELD(plan, 'free', 'pro', 'business');

-- Churn per month (subscriptions that ended, against those still paying), newest first.
SELECT month, churned, active_now, ROUND(churn_rate, 4) AS churn_rate
FROM report_churn_monthly
ORDER BY month DESC;

-- Sign-ups per month by the plan those accounts are on now.
SELECT month, plan, accounts
FROM report_signups_monthly
ORDER BY month DESC, FIELD(plan, 'free', 'pro', 'business');
