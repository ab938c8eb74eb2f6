-- Open311 GeoReport v2 (issue 13): integrators' API keys, answers to a category's questions,
-- and where an Open311 request came from.

-- Keys are issued by an admin and shown once; only their SHA-256 is kept. A revoked key keeps
-- its row (the cases it posted still point at it) and frees its name for a new key.
CREATE TABLE open311_keys (
    id            BIGSERIAL PRIMARY KEY,
    name          TEXT NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    key_sha256    TEXT NOT NULL UNIQUE CHECK (char_length(key_sha256) = 64),
    created_by    BIGINT REFERENCES staff (id),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at    TIMESTAMPTZ,
    last_used_at  TIMESTAMPTZ
);
CREATE UNIQUE INDEX open311_keys_live_name ON open311_keys (name) WHERE revoked_at IS NULL;

-- The answers to a category's questions (config/open311.toml), as asked: the question's
-- wording is kept so a later change of the file does not rewrite what was answered.
CREATE TABLE report_answers (
    report_id  BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    position   SMALLINT NOT NULL CHECK (position >= 0),
    code       TEXT NOT NULL CHECK (char_length(code) BETWEEN 1 AND 64),
    question   TEXT NOT NULL CHECK (char_length(question) <= 200),
    answer     TEXT NOT NULL CHECK (char_length(answer) <= 1000),
    PRIMARY KEY (report_id, position)
);

-- A case that came in through Open311: which key posted it and the media_url it gave.
CREATE TABLE open311_requests (
    report_id   BIGINT PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,
    key_id      BIGINT NOT NULL REFERENCES open311_keys (id),
    media_url   TEXT CHECK (char_length(media_url) <= 2000),
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX open311_requests_key ON open311_requests (key_id);

-- GeoReport v2 allows descriptions of up to 4,000 characters; the resident's own form keeps
-- its 1,000 (reports::intake).
ALTER TABLE reports DROP CONSTRAINT reports_description_check;
ALTER TABLE reports ADD CONSTRAINT reports_description_check
    CHECK (char_length(description) BETWEEN 1 AND 4000);
