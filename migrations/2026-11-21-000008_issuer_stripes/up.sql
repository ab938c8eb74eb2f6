-- A community's issuer is spread over stripes, 'issuer:<community>:<stripe>', so concurrent
-- awards in one community lock different rows (src/points/account.rs, ISSUER_STRIPES).
-- An issuer written before this becomes its community's stripe 0: the journal's amounts
-- and order are untouched, only the account's name changes. (An existing deployment then
-- runs `mashang points rebuild` so Redis holds the issuers under their new names.)
ALTER TABLE points_accounts DROP CONSTRAINT points_accounts_id_check;

INSERT INTO points_accounts (id, kind, balance, version, updated_at)
SELECT id || ':0', kind, balance, version, updated_at
FROM points_accounts WHERE id ~ '^issuer:[0-9]+$';

UPDATE points_transfers SET from_account = from_account || ':0'
WHERE from_account ~ '^issuer:[0-9]+$';
UPDATE points_transfers SET to_account = to_account || ':0'
WHERE to_account ~ '^issuer:[0-9]+$';

DELETE FROM points_accounts WHERE id ~ '^issuer:[0-9]+$';

ALTER TABLE points_accounts ADD CONSTRAINT points_accounts_id_check CHECK (
    id ~ '^issuer:[0-9]+:[0-9]+$'
    OR id ~ '^(resident|hold|merchant):[0-9]+$'
    OR id = 'settled'
);
