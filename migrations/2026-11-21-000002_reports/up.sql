-- Snap-reports (随手拍) and the case ledger, their photos, the append-only event log,
-- followers of a case, and the mail outbox.

CREATE TABLE reports (
    id               BIGSERIAL PRIMARY KEY,
    -- The tracking page's capability: 128 random bits, Crockford base32 (like codes).
    public_id        TEXT NOT NULL UNIQUE CHECK (public_id ~ '^[0-9A-HJKMNP-TV-Z]{26}$'),
    -- A client's retry of the same submission carries the same key and gets the same report.
    idempotency_key  TEXT UNIQUE CHECK (char_length(idempotency_key) BETWEEN 8 AND 100),
    request_hash     TEXT NOT NULL,
    code_id          BIGINT REFERENCES codes(id),
    -- The responsible grid: a compound (level 3), or a community's queue (level 2).
    grid_id          BIGINT NOT NULL REFERENCES grids(id),
    category         TEXT NOT NULL,
    department       TEXT NOT NULL,
    ledger_kind      TEXT NOT NULL CHECK (ledger_kind IN ('immediate', 'time_limited', 'special', 'promised', 'on_behalf')),
    description      TEXT NOT NULL CHECK (char_length(description) BETWEEN 1 AND 1000),
    location_source  TEXT NOT NULL CHECK (location_source IN ('code', 'gps', 'typed', 'none')),
    -- WGS-84 (phones' GPS); boundaries are stored in the same datum.
    lon              DOUBLE PRECISION CHECK (lon BETWEEN -180 AND 180),
    lat              DOUBLE PRECISION CHECK (lat BETWEEN -90 AND 90),
    address_text     TEXT CHECK (char_length(address_text) <= 200),
    -- Seen only by the staff who handle the case.
    reporter_email   TEXT CHECK (char_length(reporter_email) <= 254),
    reporter_locale  TEXT NOT NULL DEFAULT 'zh-CN',
    state            TEXT NOT NULL DEFAULT 'submitted'
                     CHECK (state IN ('submitted', 'accepted', 'dispatched', 'in_progress', 'resolved', 'closed', 'rejected', 'duplicate', 'not_ours')),
    -- 3 = still with its compound's worker; 2 = escalated to the community head; 1 = to the street.
    escalation_level SMALLINT NOT NULL DEFAULT 3 CHECK (escalation_level BETWEEN 1 AND 3),
    dispatched_to    TEXT,
    rating           TEXT CHECK (rating IN ('satisfied', 'basically_satisfied', 'dissatisfied')),
    duplicate_of     BIGINT REFERENCES reports(id),
    reopen_count     INTEGER NOT NULL DEFAULT 0,
    accept_by        TIMESTAMPTZ NOT NULL,
    finish_by        TIMESTAMPTZ NOT NULL,
    submitted_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    accepted_at      TIMESTAMPTZ,
    resolved_at      TIMESTAMPTZ,
    closed_at        TIMESTAMPTZ,
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((lon IS NULL) = (lat IS NULL))
);
CREATE INDEX reports_grid_state_idx ON reports (grid_id, state);
CREATE INDEX reports_open_deadline_idx ON reports (finish_by) WHERE state IN ('submitted', 'accepted', 'dispatched', 'in_progress');
CREATE INDEX reports_code_idx ON reports (code_id) WHERE code_id IS NOT NULL;
CREATE INDEX reports_resolved_idx ON reports (resolved_at) WHERE state = 'resolved';

-- Every step of every case: who, when, what. Never updated, never deleted.
CREATE TABLE case_events (
    id          BIGSERIAL PRIMARY KEY,
    report_id   BIGINT NOT NULL REFERENCES reports(id),
    at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor       TEXT NOT NULL CHECK (actor IN ('reporter', 'responsible', 'department', 'admin', 'system')),
    staff_id    BIGINT REFERENCES staff(id),
    action      TEXT NOT NULL,
    from_state  TEXT,
    to_state    TEXT,
    note        TEXT CHECK (char_length(note) <= 2000),
    data        JSONB NOT NULL DEFAULT '{}',
    -- Shown on the reporter's public tracking page.
    public      BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX case_events_report_idx ON case_events (report_id, id);

CREATE FUNCTION case_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'case events are append-only' USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER case_events_no_update BEFORE UPDATE OR DELETE ON case_events
    FOR EACH ROW EXECUTE FUNCTION case_events_append_only();

CREATE TABLE report_photos (
    id          BIGSERIAL PRIMARY KEY,
    report_id   BIGINT NOT NULL REFERENCES reports(id),
    -- NULL: the reporter's photo; else the event (e.g. the resolution) it belongs to.
    event_id    BIGINT REFERENCES case_events(id),
    position    SMALLINT NOT NULL,
    storage_key TEXT NOT NULL UNIQUE,
    thumb_key   TEXT NOT NULL UNIQUE,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    bytes       INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX report_photos_report_idx ON report_photos (report_id);

-- "The same problem? Follow it": residents who chose to follow an open case.
CREATE TABLE report_followers (
    report_id  BIGINT NOT NULL REFERENCES reports(id),
    email      TEXT NOT NULL CHECK (char_length(email) <= 254),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (report_id, email)
);
ALTER TABLE reports ADD COLUMN followers INTEGER NOT NULL DEFAULT 0;

-- Mail to send: written in the same transaction as what caused it, sent by a background job
-- with retries, so a mail server that is down delays mail and loses none.
CREATE TABLE mail_outbox (
    id              BIGSERIAL PRIMARY KEY,
    -- Makes enqueueing idempotent (e.g. 'escalate:42:2:staff:7').
    dedupe_key      TEXT NOT NULL UNIQUE,
    to_address      TEXT NOT NULL,
    template        TEXT NOT NULL,
    locale          TEXT NOT NULL,
    params          JSONB NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at         TIMESTAMPTZ,
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL;
