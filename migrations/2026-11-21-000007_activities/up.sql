-- Volunteer activities with on-site check-in, and the queue of points residents earn by
-- taking part (activities, accepted reports, ratings, polls).

-- A volunteer activity (志愿活动), organised by a community's staff. Its check-in code is a
-- poster on site: the URL carries `checkin_token` (the same 128-bit Crockford form as door
-- codes), and the short `check_code` under the symbol lets a volunteer spot a pasted-over fake.
CREATE TABLE activities (
    id              BIGSERIAL PRIMARY KEY,
    -- The grid the activity belongs to (a community or a compound); its community's issuer pays.
    grid_id         BIGINT NOT NULL REFERENCES grids(id),
    community_id    BIGINT NOT NULL REFERENCES grids(id),
    title           TEXT NOT NULL CHECK (char_length(title) BETWEEN 1 AND 80),
    place           TEXT NOT NULL CHECK (char_length(place) BETWEEN 1 AND 120),
    description     TEXT NOT NULL DEFAULT '' CHECK (char_length(description) <= 2000),
    starts_at       TIMESTAMPTZ NOT NULL,
    ends_at         TIMESTAMPTZ NOT NULL,
    -- Points per confirmed volunteer, and the most volunteers who may be confirmed (the
    -- per-activity cap).
    points          BIGINT NOT NULL CHECK (points > 0),
    max_volunteers  INT NOT NULL CHECK (max_volunteers BETWEEN 1 AND 10000),
    checkin_token   TEXT NOT NULL UNIQUE CHECK (checkin_token ~ '^[0-9A-HJKMNP-TV-Z]{26}$'),
    check_code      TEXT NOT NULL CHECK (check_code ~ '^[0-9A-HJKMNP-TV-Z]{4}$'),
    status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'cancelled')),
    created_by      BIGINT NOT NULL REFERENCES staff(id),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at)
);
CREATE INDEX activities_grid_idx ON activities (grid_id, starts_at DESC);
CREATE INDEX activities_community_idx ON activities (community_id, starts_at DESC);

-- A volunteer's check-in: scanned on site ('pending'), then the organiser confirms attendance
-- ('confirmed': points are earned) or refuses it ('rejected'). One row per volunteer.
CREATE TABLE activity_checkins (
    activity_id   BIGINT NOT NULL REFERENCES activities(id),
    resident_id   BIGINT NOT NULL REFERENCES residents(id),
    checked_in_at TIMESTAMPTZ NOT NULL,
    status        TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'rejected')),
    decided_at    TIMESTAMPTZ,
    decided_by    BIGINT REFERENCES staff(id),
    PRIMARY KEY (activity_id, resident_id),
    CHECK ((status = 'pending') = (decided_at IS NULL))
);
CREATE INDEX activity_checkins_resident_idx ON activity_checkins (resident_id, checked_in_at DESC);

-- Points a resident has earned and that are to be (or were) paid by the community's issuer.
-- A row is written in the same transaction as what earned it (the accepted case, the rating,
-- the ballot, the confirmed attendance), so nothing earned is lost if the award itself fails
-- or the process stops; a job pays what is pending. `source` names the earning once
-- ('report:17', 'rating:17', 'poll:3:resident:9', 'activity:4:resident:9'), and the award's
-- transfer id is 'earn:' || source, so paying twice is impossible.
CREATE TABLE points_earnings (
    source       TEXT PRIMARY KEY CHECK (char_length(source) BETWEEN 3 AND 110),
    rule         TEXT NOT NULL CHECK (rule IN ('activity', 'report_accepted', 'case_rated', 'poll_participation')),
    resident_id  BIGINT NOT NULL REFERENCES residents(id),
    community_id BIGINT NOT NULL REFERENCES grids(id),
    -- Fixed by the source (an activity's points); NULL: the rule's configured amount when paid.
    amount       BIGINT CHECK (amount > 0),
    -- What the resident sees in their history, e.g. the activity's title.
    label        TEXT NOT NULL CHECK (char_length(label) BETWEEN 1 AND 200),
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paid', 'refused')),
    -- For 'refused': the stable reason (daily_cap, not_bound_to_household, rule_disabled, ...).
    outcome      TEXT,
    created_at   TIMESTAMPTZ NOT NULL,
    decided_at   TIMESTAMPTZ,
    CHECK ((status = 'pending') = (decided_at IS NULL))
);
CREATE INDEX points_earnings_pending_idx ON points_earnings (created_at) WHERE status = 'pending';
CREATE INDEX points_earnings_resident_idx ON points_earnings (resident_id, created_at DESC);
