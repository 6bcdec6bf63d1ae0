-- V002: machines get an operating status.
--
-- An enum keeps the set of states small and self-documenting. Adding a value later is
-- "ALTER TYPE machine_status ADD VALUE ..." in a migration of its own: PostgreSQL does not let
-- a transaction use an enum value it added, so such a migration must not also use the new value.

CREATE TYPE machine_status AS ENUM (
    'commissioning',
    'running',
    'idle',
    'maintenance',
    'retired'
);

-- A constant default makes this a catalog-only change (no table rewrite, PostgreSQL 11 and later).
ALTER TABLE machines
    ADD COLUMN status machine_status NOT NULL DEFAULT 'commissioning',
    ADD COLUMN status_changed_at timestamptz NOT NULL DEFAULT now();

-- Machines that were already commissioned when this migration ran are in production.
UPDATE machines
   SET status = 'running'
 WHERE commissioned_on IS NOT NULL
   AND commissioned_on <= current_date;

CREATE INDEX machines_status_idx ON machines (status);

COMMENT ON COLUMN machines.status IS 'Operating status; see type machine_status.';
