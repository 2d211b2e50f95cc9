-- Auth, version 2: login throttling gets a third scope, 'account_ip' (one email from one client
-- address), so a stranger's failures lock only that pair and not the real user's other addresses.
-- Account and IP scopes stay as caps. The window index lets old rows be purged without a scan.

ALTER TABLE login_throttle MODIFY scope ENUM('account', 'ip', 'account_ip') NOT NULL;

ALTER TABLE login_throttle ADD KEY login_throttle_window (window_started_at);

ALTER TABLE refresh_tokens ADD KEY refresh_tokens_expires (expires_at);
