-- The foundation: grids, households, shops, codes, staff, news, imports, audit.

CREATE TABLE grids (
    id          BIGSERIAL PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{0,31}$'),
    name        TEXT NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    level       SMALLINT NOT NULL CHECK (level BETWEEN 1 AND 3),
    parent_id   BIGINT REFERENCES grids(id),
    -- Materialised path of ids, '/1/5/23/': a grid's subtree is `path LIKE '/1/5/%'`.
    -- Set by the trigger below; never written by the application.
    path        TEXT NOT NULL DEFAULT '',
    -- GeoJSON geometry (Polygon or MultiPolygon), WGS-84, validated by the application.
    boundary    JSONB,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((level = 1) = (parent_id IS NULL))
);
CREATE INDEX grids_parent_idx ON grids (parent_id);
CREATE INDEX grids_path_idx ON grids (path text_pattern_ops);

-- The tree's shape is a database rule, so that no import or script can break it:
-- a level-n grid's parent is level n-1, and the path follows the parent.
CREATE FUNCTION grids_set_path() RETURNS trigger AS $$
DECLARE
    parent_level SMALLINT;
    parent_path  TEXT;
BEGIN
    IF TG_OP = 'UPDATE' AND (NEW.parent_id IS DISTINCT FROM OLD.parent_id OR NEW.level <> OLD.level) THEN
        RAISE EXCEPTION 'a grid cannot move or change level' USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.parent_id IS NULL THEN
        NEW.path := '/' || NEW.id || '/';
    ELSE
        SELECT level, path INTO parent_level, parent_path FROM grids WHERE id = NEW.parent_id;
        IF parent_level IS NULL OR parent_level <> NEW.level - 1 THEN
            RAISE EXCEPTION 'the parent of a level % grid must be level %', NEW.level, NEW.level - 1
                USING ERRCODE = 'check_violation';
        END IF;
        NEW.path := parent_path || NEW.id || '/';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER grids_set_path BEFORE INSERT OR UPDATE ON grids
    FOR EACH ROW EXECUTE FUNCTION grids_set_path();

-- Households and shops hang off level-3 grids only.
CREATE FUNCTION assert_level3_grid() RETURNS trigger AS $$
BEGIN
    IF (SELECT level FROM grids WHERE id = NEW.grid_id) IS DISTINCT FROM 3 THEN
        RAISE EXCEPTION 'households and shops belong to a level-3 grid' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TABLE households (
    id            BIGSERIAL PRIMARY KEY,
    grid_id       BIGINT NOT NULL REFERENCES grids(id),
    building      TEXT NOT NULL CHECK (char_length(building) BETWEEN 1 AND 32),
    unit          TEXT NOT NULL DEFAULT '' CHECK (char_length(unit) <= 16),
    room          TEXT NOT NULL CHECK (char_length(room) BETWEEN 1 AND 32),
    contact_name  TEXT CHECK (char_length(contact_name) <= 64),
    contact_phone TEXT CHECK (contact_phone ~ '^[0-9]{7,15}$'),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (grid_id, building, unit, room)
);
CREATE TRIGGER households_level3 BEFORE INSERT OR UPDATE OF grid_id ON households
    FOR EACH ROW EXECUTE FUNCTION assert_level3_grid();

CREATE TABLE shops (
    id             BIGSERIAL PRIMARY KEY,
    grid_id        BIGINT NOT NULL REFERENCES grids(id),
    name           TEXT NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    address        TEXT NOT NULL CHECK (char_length(address) BETWEEN 1 AND 200),
    accepts_points BOOLEAN NOT NULL DEFAULT false,
    contact_phone  TEXT CHECK (contact_phone ~ '^[0-9]{7,15}$'),
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (grid_id, name, address)
);
CREATE INDEX shops_grid_idx ON shops (grid_id);
CREATE TRIGGER shops_level3 BEFORE INSERT OR UPDATE OF grid_id ON shops
    FOR EACH ROW EXECUTE FUNCTION assert_level3_grid();

CREATE TABLE staff (
    id            BIGSERIAL PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,63}$'),
    display_name  TEXT NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 64),
    email         TEXT CHECK (char_length(email) <= 254),
    role          TEXT NOT NULL CHECK (role IN ('admin', 'grid_head', 'grid_worker', 'department_liaison', 'merchant_cashier')),
    department    TEXT CHECK (char_length(department) <= 64),
    shop_id       BIGINT REFERENCES shops(id),
    password_hash TEXT NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT true,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((role = 'merchant_cashier') = (shop_id IS NOT NULL))
);

-- The grids a staff member is responsible for; the scope covers their whole subtree.
CREATE TABLE staff_grids (
    staff_id BIGINT NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
    grid_id  BIGINT NOT NULL REFERENCES grids(id),
    PRIMARY KEY (staff_id, grid_id)
);
CREATE INDEX staff_grids_grid_idx ON staff_grids (grid_id);

CREATE TABLE codes (
    id            BIGSERIAL PRIMARY KEY,
    -- 26 Crockford base32 characters (130 bits, 128 of them random), upper case.
    token         TEXT NOT NULL UNIQUE CHECK (token ~ '^[0-9A-HJKMNP-TV-Z]{26}$'),
    -- Printed under the symbol and shown on the page the scan opens: a pasted-over fake shows another.
    check_code    TEXT NOT NULL CHECK (check_code ~ '^[0-9A-HJKMNP-TV-Z]{4}$'),
    household_id  BIGINT REFERENCES households(id),
    shop_id       BIGINT REFERENCES shops(id),
    kind          TEXT GENERATED ALWAYS AS (CASE WHEN household_id IS NOT NULL THEN 'household' ELSE 'shop' END) STORED,
    status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
    issued_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    issued_by     BIGINT REFERENCES staff(id),
    revoked_at    TIMESTAMPTZ,
    revoked_by    BIGINT REFERENCES staff(id),
    revoke_reason TEXT CHECK (char_length(revoke_reason) <= 200),
    CHECK ((household_id IS NULL) <> (shop_id IS NULL)),
    CHECK ((status = 'revoked') = (revoked_at IS NOT NULL))
);
-- One active code per household and per shop, enforced here rather than by check-then-insert.
CREATE UNIQUE INDEX codes_one_active_household ON codes (household_id) WHERE status = 'active' AND household_id IS NOT NULL;
CREATE UNIQUE INDEX codes_one_active_shop ON codes (shop_id) WHERE status = 'active' AND shop_id IS NOT NULL;
CREATE INDEX codes_household_idx ON codes (household_id);
CREATE INDEX codes_shop_idx ON codes (shop_id);

CREATE TABLE news (
    id           BIGSERIAL PRIMARY KEY,
    title        TEXT NOT NULL CHECK (char_length(title) BETWEEN 1 AND 120),
    body         TEXT NOT NULL CHECK (char_length(body) BETWEEN 1 AND 10000),
    published_by BIGINT REFERENCES staff(id),
    published_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    withdrawn_at TIMESTAMPTZ
);
CREATE INDEX news_published_idx ON news (published_at DESC);

-- Where a news item is published; it reaches every grid below these.
CREATE TABLE news_grids (
    news_id BIGINT NOT NULL REFERENCES news(id) ON DELETE CASCADE,
    grid_id BIGINT NOT NULL REFERENCES grids(id),
    PRIMARY KEY (news_id, grid_id)
);
CREATE INDEX news_grids_grid_idx ON news_grids (grid_id);

CREATE TABLE import_batches (
    id          BIGSERIAL PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('household', 'shop')),
    file_name   TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('cli', 'console')),
    staff_id    BIGINT REFERENCES staff(id),
    rows_total  INTEGER NOT NULL,
    inserted    INTEGER NOT NULL,
    updated     INTEGER NOT NULL,
    unchanged   INTEGER NOT NULL,
    skipped     INTEGER NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Append-only record of what staff did (revoke, reissue, grid and boundary edits, news, imports).
CREATE TABLE audit_events (
    id           BIGSERIAL PRIMARY KEY,
    at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    staff_id     BIGINT REFERENCES staff(id),
    action       TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id   BIGINT NOT NULL,
    detail       JSONB NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_subject_idx ON audit_events (subject_type, subject_id);
