-- Rate-limit counters are ephemeral: a commit per request on InnoDB (with
-- innodb_flush_log_at_trx_commit=1) cost a log flush per API call. In a MEMORY table the
-- counters are still shared by every responder and atomic per statement, and a MariaDB restart
-- merely starts the current windows afresh.
ALTER TABLE rate_limit_counters ENGINE=MEMORY;
