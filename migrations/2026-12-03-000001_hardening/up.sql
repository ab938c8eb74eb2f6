-- "Sign out everywhere": every session started at or before this instant is dead, whatever
-- Redis still holds for it (a session in use keeps sliding, so deleting the ones listed in a
-- per-person set could miss some). Checked on every request with the account row it loads.
ALTER TABLE staff ADD COLUMN sessions_valid_after timestamptz NOT NULL DEFAULT '1970-01-01T00:00:00Z';
ALTER TABLE residents ADD COLUMN sessions_valid_after timestamptz NOT NULL DEFAULT '1970-01-01T00:00:00Z';

-- A follower by email gets a case's mail only once the address confirmed it (one mail with a
-- signed link); followers already there keep getting it.
ALTER TABLE report_followers ADD COLUMN confirmed_at timestamptz;
UPDATE report_followers SET confirmed_at = created_at;
