-- Exposure by service across all accounts: the most exposed services first.
SELECT service, port, open_instances, targets, accounts
FROM report_exposure_by_service
ORDER BY open_instances DESC, port;

-- Risky services exposed anywhere (remote shells, databases, file sharing), with the spread.
SELECT service, port, open_instances, targets, accounts
FROM report_exposure_by_service
WHERE port IN (21, 23, 445, 1433, 1521, 2375, 3306, 3389, 5432, 5900, 6379, 9200, 11211, 27017)
ORDER BY open_instances DESC, port;
