-- users/01_roles.sql: the three login roles of the factory database.
--
-- Run by a database administrator (a superuser or a role with CREATEROLE), not by migrate:
-- roles belong to the whole cluster, and the migration role must not be able to create roles.
-- Safe to run again: existing roles are kept and get the attributes and passwords given now.
--
-- Passwords are never written in this file. Give them as psql variables
--     psql -v migration_password=... -v app_password=... -v analytics_password=... -f users/01_roles.sql
-- or, with psql 15 or later, in the environment:
--     FACTORY_MIGRATION_PASSWORD, FACTORY_APP_PASSWORD, FACTORY_ANALYTICS_PASSWORD
-- (a variable given with -v wins). See users/README.md.

\set ON_ERROR_STOP on

\if :{?migration_password}
\else
\getenv migration_password FACTORY_MIGRATION_PASSWORD
\endif
\if :{?app_password}
\else
\getenv app_password FACTORY_APP_PASSWORD
\endif
\if :{?analytics_password}
\else
\getenv analytics_password FACTORY_ANALYTICS_PASSWORD
\endif

-- The statements below carry the passwords; keep them out of the server log even when
-- log_statement is 'ddl' or 'all' (only a superuser may change these settings; others skip it).
SELECT rolsuper AS is_superuser FROM pg_roles WHERE rolname = current_user \gset
\if :is_superuser
SET log_statement = 'none';
SET log_min_duration_statement = -1;
\endif

-- Stop before changing anything if a password is missing or empty.
\if :{?migration_password}
\else
\echo 'users/01_roles.sql: no password for factory_migration: set FACTORY_MIGRATION_PASSWORD or pass -v migration_password=...'
\set migration_password ''
\endif
\if :{?app_password}
\else
\echo 'users/01_roles.sql: no password for factory_app: set FACTORY_APP_PASSWORD or pass -v app_password=...'
\set app_password ''
\endif
\if :{?analytics_password}
\else
\echo 'users/01_roles.sql: no password for factory_analytics: set FACTORY_ANALYTICS_PASSWORD or pass -v analytics_password=...'
\set analytics_password ''
\endif
SELECT :'migration_password' = '' OR :'app_password' = '' OR :'analytics_password' = '' AS password_missing \gset
\if :password_missing
DO $$ BEGIN RAISE EXCEPTION 'users/01_roles.sql: every role needs a non-empty password; nothing was changed'; END $$;
\endif

BEGIN;

-- Create the roles that do not exist yet (CREATE ROLE has no IF NOT EXISTS).
SELECT format('CREATE ROLE %I', role_name)
  FROM unnest(ARRAY['factory_migration', 'factory_app', 'factory_analytics']) AS role_name
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name)
\gexec

-- factory_migration: owns schema "factory" and everything in it; runs migrate. No superuser, no
-- role or database creation: a migration that needs more than ownership fails in dev first.
ALTER ROLE factory_migration WITH LOGIN NOCREATEDB NOCREATEROLE
    PASSWORD :'migration_password';

-- factory_app: the application. Reads and writes rows (DML) but cannot create, alter or drop anything.
ALTER ROLE factory_app WITH LOGIN NOCREATEDB NOCREATEROLE
    PASSWORD :'app_password';

-- factory_analytics: reports and dashboards. SELECT only; its sessions are read-only by default and
-- a runaway query is stopped after 5 minutes.
ALTER ROLE factory_analytics WITH LOGIN NOCREATEDB NOCREATEROLE
    PASSWORD :'analytics_password';
ALTER ROLE factory_analytics SET default_transaction_read_only = on;
ALTER ROLE factory_analytics SET statement_timeout = '5min';

COMMIT;

\echo 'users/01_roles.sql: roles factory_migration, factory_app, factory_analytics are ready.'
\echo 'Next, in each factory database: psql -d <database> -f users/02_schema_and_grants.sql'
