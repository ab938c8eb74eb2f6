-- Every printed batch of code sheets: who, when, which template and grids, and which codes
-- (in print order), so a lost or misprinted sheet can be traced and reprinted.
CREATE TABLE print_batches (
    id BIGSERIAL PRIMARY KEY,
    template TEXT NOT NULL,
    -- The grids chosen (any level; their subtrees were printed).
    grid_ids BIGINT[] NOT NULL,
    -- The staff member (console), or NULL for `mashang print`.
    staff_id BIGINT REFERENCES staff (id),
    -- Staff user name, or the operating-system user who ran the command.
    printed_by TEXT NOT NULL,
    via TEXT NOT NULL CHECK (via IN ('console', 'cli')),
    code_count INT NOT NULL CHECK (code_count >= 0),
    page_count INT NOT NULL CHECK (page_count >= 0),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX print_batches_recent ON print_batches (created_at DESC);

CREATE TABLE print_batch_codes (
    batch_id BIGINT NOT NULL REFERENCES print_batches (id) ON DELETE CASCADE,
    position INT NOT NULL,
    code_id BIGINT NOT NULL REFERENCES codes (id),
    PRIMARY KEY (batch_id, position),
    UNIQUE (batch_id, code_id)
);
-- "Which batches printed this code?"
CREATE INDEX print_batch_codes_code ON print_batch_codes (code_id);
