-- Billing as Stripe behaves (issue 17): a cancellation scheduled by date (`cancel_at`, which the
-- Customer Portal sets on newer API versions while cancel_at_period_end stays false), and the
-- account's last Checkout Session, so a second checkout reuses an open one instead of letting the
-- user pay for two subscriptions.
ALTER TABLE subscriptions
    ADD COLUMN IF NOT EXISTS cancel_at DATETIME(6) NULL AFTER cancel_at_period_end,
    ADD COLUMN IF NOT EXISTS checkout_session_id VARCHAR(255) NULL,
    ADD COLUMN IF NOT EXISTS checkout_plan VARCHAR(20) NULL,
    ADD COLUMN IF NOT EXISTS checkout_expires_at DATETIME(6) NULL;
