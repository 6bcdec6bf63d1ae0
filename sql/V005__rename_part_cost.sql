-- V005: parts.unit_cost becomes parts.standard_cost, and costs get an explicit currency.
--
-- "unit cost" was read by some as the purchase price; finance's term is standard cost. A rename keeps
-- the data, constraints and indexes (PostgreSQL tracks columns by number), and views that used the old
-- name follow it automatically; application code must switch to the new name in the same release.

ALTER TABLE parts RENAME COLUMN unit_cost TO standard_cost;
ALTER TABLE parts RENAME CONSTRAINT parts_unit_cost_non_negative TO parts_standard_cost_non_negative;

-- New NOT NULL column with a backfill, in three steps so that the rule for existing rows is explicit:
-- 1. add it nullable, 2. backfill, 3. make it required and give new rows a default.
ALTER TABLE parts ADD COLUMN currency char(3);

-- Until now every cost was kept in the currency of the company's books: euros.
UPDATE parts SET currency = 'EUR' WHERE currency IS NULL;

ALTER TABLE parts
    ALTER COLUMN currency SET NOT NULL,
    ALTER COLUMN currency SET DEFAULT 'EUR',
    ADD CONSTRAINT parts_currency_format CHECK (currency ~ '^[A-Z]{3}$');

COMMENT ON COLUMN parts.standard_cost IS 'Standard (planned) cost of one unit, in parts.currency.';
COMMENT ON COLUMN parts.currency IS 'ISO 4217 code of standard_cost.';
