-- Community polls (投票): scoped to grids, with a window, one ballot per household (or per
-- bound resident), results shown live or after closing, open or secret.

CREATE TABLE polls (
    id           BIGSERIAL PRIMARY KEY,
    title        TEXT NOT NULL CHECK (char_length(title) BETWEEN 1 AND 120),
    description  TEXT NOT NULL DEFAULT '' CHECK (char_length(description) <= 4000),
    ballot_unit  TEXT NOT NULL CHECK (ballot_unit IN ('household', 'resident')),
    results      TEXT NOT NULL CHECK (results IN ('live', 'after_close')),
    secrecy      TEXT NOT NULL CHECK (secrecy IN ('open', 'secret')),
    opens_at     TIMESTAMPTZ NOT NULL,
    closes_at    TIMESTAMPTZ NOT NULL,
    created_by   BIGINT REFERENCES staff(id),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (closes_at > opens_at)
);

CREATE TABLE poll_grids (
    poll_id BIGINT NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    grid_id BIGINT NOT NULL REFERENCES grids(id),
    PRIMARY KEY (poll_id, grid_id)
);

CREATE TABLE poll_questions (
    id          BIGSERIAL PRIMARY KEY,
    poll_id     BIGINT NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    position    SMALLINT NOT NULL,
    text        TEXT NOT NULL CHECK (char_length(text) BETWEEN 1 AND 300),
    -- 1 = single choice; more = up to that many options.
    max_choices SMALLINT NOT NULL CHECK (max_choices >= 1),
    UNIQUE (poll_id, position)
);

CREATE TABLE poll_options (
    id          BIGSERIAL PRIMARY KEY,
    question_id BIGINT NOT NULL REFERENCES poll_questions(id) ON DELETE CASCADE,
    position    SMALLINT NOT NULL,
    text        TEXT NOT NULL CHECK (char_length(text) BETWEEN 1 AND 200),
    UNIQUE (question_id, position)
);

-- Who has voted. The unique key is what makes it one ballot per household (or resident):
-- two members voting at once both try to insert and one fails; no check-then-insert.
CREATE TABLE poll_participation (
    poll_id      BIGINT NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    -- 'household:<id>' or 'resident:<id>' by the poll's ballot unit.
    voter_key    TEXT NOT NULL,
    household_id BIGINT NOT NULL REFERENCES households(id),
    resident_id  BIGINT NOT NULL REFERENCES residents(id),
    grid_id      BIGINT NOT NULL REFERENCES grids(id),
    cast_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (poll_id, voter_key)
);

-- What was chosen. In a secret poll the ballot row carries no voter, no time and a random
-- id, so nothing links it to the participation row.
CREATE TABLE poll_ballots (
    id        UUID PRIMARY KEY,
    poll_id   BIGINT NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    -- Open polls only.
    voter_key TEXT,
    grid_id   BIGINT REFERENCES grids(id)
);
CREATE INDEX poll_ballots_poll_idx ON poll_ballots (poll_id);

CREATE TABLE poll_ballot_choices (
    ballot_id UUID NOT NULL REFERENCES poll_ballots(id) ON DELETE CASCADE,
    option_id BIGINT NOT NULL REFERENCES poll_options(id),
    PRIMARY KEY (ballot_id, option_id)
);
CREATE INDEX poll_ballot_choices_option_idx ON poll_ballot_choices (option_id);
