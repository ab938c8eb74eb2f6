-- Residents: people who sign in with an email one-time code and act for their household.

CREATE TABLE residents (
    id              BIGSERIAL PRIMARY KEY,
    -- Stored lower-case; the sign-in identity.
    email           TEXT NOT NULL UNIQUE CHECK (email = lower(email) AND char_length(email) <= 254),
    display_name    TEXT CHECK (char_length(display_name) <= 64),
    locale          TEXT NOT NULL DEFAULT 'zh-CN' CHECK (locale IN ('zh-CN', 'en')),
    -- Whether they want mail about their reports and polls.
    notify_email    BOOLEAN NOT NULL DEFAULT true,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_sign_in_at TIMESTAMPTZ
);

-- The secret on the slip staff hand to a household (not on the door): binding with it makes
-- a resident a member of the household.
ALTER TABLE households ADD COLUMN binding_code TEXT UNIQUE CHECK (binding_code ~ '^[0-9A-HJKMNP-TV-Z]{10}$');

-- Who acts for which household. A household has several members.
CREATE TABLE household_members (
    household_id BIGINT NOT NULL REFERENCES households(id),
    resident_id  BIGINT NOT NULL REFERENCES residents(id),
    bound_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    bound_via    TEXT NOT NULL CHECK (bound_via IN ('binding_code', 'worker_approval')),
    approved_by  BIGINT REFERENCES staff(id),
    PRIMARY KEY (household_id, resident_id)
);
CREATE INDEX household_members_resident_idx ON household_members (resident_id);

-- "I live here" without the slip: a grid worker approves or rejects.
CREATE TABLE binding_requests (
    id           BIGSERIAL PRIMARY KEY,
    household_id BIGINT NOT NULL REFERENCES households(id),
    resident_id  BIGINT NOT NULL REFERENCES residents(id),
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    note         TEXT CHECK (char_length(note) <= 200),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    decided_at   TIMESTAMPTZ,
    decided_by   BIGINT REFERENCES staff(id)
);
CREATE UNIQUE INDEX binding_requests_one_pending ON binding_requests (household_id, resident_id) WHERE status = 'pending';

-- A signed-in resident's reports are linked to them.
ALTER TABLE reports ADD COLUMN resident_id BIGINT REFERENCES residents(id);
CREATE INDEX reports_resident_idx ON reports (resident_id) WHERE resident_id IS NOT NULL;
