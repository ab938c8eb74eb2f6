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
    -- Recorded when the codes are handed to the renderer (the console streams the PDF while
    -- it is made, so the batch must exist before its first byte): 'printing' until the whole
    -- PDF is out, then 'done' with its pages, or 'failed' with why (e.g. the browser left).
    status TEXT NOT NULL DEFAULT 'printing' CHECK (status IN ('printing', 'done', 'failed')),
    page_count INT NOT NULL DEFAULT 0 CHECK (page_count >= 0),
    failure TEXT,
    finished_at TIMESTAMPTZ,
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
