-- Volunteer points: a double-entry journal of record. Redis keeps the live projection
-- (balances, pending holds, daily counters, leaderboards) and is rebuilt from these tables.

-- One row per account: 'issuer:<community grid id>', 'resident:<id>', 'hold:<resident id>',
-- 'merchant:<shop id>', 'settled'. The balance is kept in the same transaction as the journal
-- row that moves it; `version` counts the transfers that touched the account, so the Redis
-- projection can tell an entry it already applied from one it missed.
CREATE TABLE points_accounts (
    id         TEXT PRIMARY KEY CHECK (id ~ '^(issuer|resident|hold|merchant):[0-9]+$' OR id = 'settled'),
    kind       TEXT NOT NULL CHECK (kind IN ('issuer', 'resident', 'hold', 'merchant', 'settled')),
    balance    BIGINT NOT NULL DEFAULT 0,
    version    BIGINT NOT NULL DEFAULT 0 CHECK (version >= 0),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (split_part(id, ':', 1) = kind),
    -- Only the issuers (who create points) may go below zero: a resident, a hold or a
    -- merchant never can, whatever runs concurrently.
    CHECK (kind IN ('issuer', 'settled') OR balance >= 0)
);

-- The journal: every movement of points, once. The id is the client's idempotency key.
CREATE TABLE points_transfers (
    id           TEXT PRIMARY KEY CHECK (char_length(id) BETWEEN 8 AND 120),
    -- Journal order (for the relay); within one account, seq order is commit order because
    -- the row is inserted while the accounts are locked.
    seq          BIGSERIAL NOT NULL UNIQUE,
    kind         TEXT NOT NULL CHECK (kind IN ('award', 'correction', 'reversal', 'hold', 'capture', 'void', 'settle')),
    from_account TEXT NOT NULL REFERENCES points_accounts(id),
    to_account   TEXT NOT NULL REFERENCES points_accounts(id),
    amount       BIGINT NOT NULL CHECK (amount > 0),
    -- The accounts' versions after this transfer.
    from_version BIGINT NOT NULL,
    to_version   BIGINT NOT NULL,
    reason       TEXT NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 200),
    -- 'staff:<id>', 'resident:<id>' or 'system'.
    actor        TEXT NOT NULL,
    -- The community whose issuer and leaderboard the transfer counts for.
    community_id BIGINT REFERENCES grids(id),
    -- For a reversal: the award it takes back (a correction never edits a row).
    reverses     TEXT REFERENCES points_transfers(id),
    -- SHA-256 of what was asked: the same id with other content is refused.
    request_hash TEXT NOT NULL,
    -- Journal entries are immutable once written; holds keep their state in points_holds.
    status       TEXT NOT NULL DEFAULT 'posted' CHECK (status = 'posted'),
    created_at   TIMESTAMPTZ NOT NULL,
    CHECK (from_account <> to_account)
);
CREATE INDEX points_transfers_from_idx ON points_transfers (from_account, created_at);
CREATE INDEX points_transfers_to_idx ON points_transfers (to_account, created_at);
CREATE INDEX points_transfers_reverses_idx ON points_transfers (reverses) WHERE reverses IS NOT NULL;

-- A redemption: the 'hold' transfer (resident → hold:<resident>) and its fate. Capture moves
-- the points hold → merchant, void (rejected or expired) hold → resident; their transfer ids
-- are '<hold id>:capture' and '<hold id>:void', so each can happen once.
CREATE TABLE points_holds (
    id            TEXT PRIMARY KEY REFERENCES points_transfers(id),
    resident_id   BIGINT NOT NULL REFERENCES residents(id),
    shop_id       BIGINT NOT NULL REFERENCES shops(id),
    amount        BIGINT NOT NULL CHECK (amount > 0),
    -- The short number the resident shows the cashier.
    confirmation  TEXT NOT NULL CHECK (confirmation ~ '^[0-9]{6}$'),
    status        TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'captured', 'rejected', 'expired')),
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    decided_at    TIMESTAMPTZ,
    decided_by    BIGINT REFERENCES staff(id),
    -- The capture or void transfer.
    outcome_transfer TEXT REFERENCES points_transfers(id),
    CHECK ((status = 'pending') = (outcome_transfer IS NULL))
);
CREATE UNIQUE INDEX points_holds_pending_confirmation ON points_holds (shop_id, confirmation) WHERE status = 'pending';
CREATE INDEX points_holds_pending_expiry ON points_holds (expires_at) WHERE status = 'pending';
CREATE INDEX points_holds_shop_idx ON points_holds (shop_id, created_at);
CREATE INDEX points_holds_resident_idx ON points_holds (resident_id, created_at);
