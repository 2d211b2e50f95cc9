-- Open ports per account and target, from each target's latest completed scan.
SELECT account_id, target_id, target_address, scan_id, scanned_at,
       COUNT(*) AS open_ports, COUNT(DISTINCT host) AS hosts_with_open_ports,
       GROUP_CONCAT(DISTINCT port ORDER BY port) AS ports
FROM report_open_ports
GROUP BY account_id, target_id, target_address, scan_id, scanned_at
ORDER BY account_id, target_id;

-- Accounts with the most open ports in total (latest completed scan of each of their targets).
SELECT account_id, COUNT(DISTINCT target_id) AS targets_with_open_ports, COUNT(*) AS open_ports
FROM report_open_ports
GROUP BY account_id
ORDER BY open_ports DESC, account_id
LIMIT 50;
