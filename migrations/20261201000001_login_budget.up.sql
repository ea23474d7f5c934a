-- Secret checks in flight per account, reserved before a password, OTP or
-- recovery code is compared, so that failed_logins + in-flight checks never
-- pass AUTH_LOGIN_ATTEMPTS. A reservation a crashed process never released
-- stops counting at login_pending_until.
ALTER TABLE gh_users ADD COLUMN login_pending INTEGER NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE gh_users ADD COLUMN login_pending_until TIMESTAMPTZ;
