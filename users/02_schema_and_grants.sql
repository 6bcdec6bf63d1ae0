-- users/02_schema_and_grants.sql: schema "factory" and what each role may do in it.
--
-- Run by a database administrator, connected to the factory database (factory_dev, factory_prod...),
-- after users/01_roles.sql:
--     psql -v ON_ERROR_STOP=1 -d factory_dev -f users/02_schema_and_grants.sql
-- Safe to run again, and meant to be run again once after the first migrate (see the end).
--
-- The model:
--   factory_migration  owns schema factory, so it owns every table, view, type and function that the
--                      migrations create there (ownership is what DDL needs: no further grants).
--   factory_app        USAGE on the schema, SELECT/INSERT/UPDATE/DELETE on its tables, USAGE/SELECT
--                      on its sequences. No CREATE on the schema, so no DDL.
--   factory_analytics  USAGE on the schema and SELECT on its tables and views, nothing else.
-- Tables created later by migrations get the same grants through ALTER DEFAULT PRIVILEGES
-- FOR ROLE factory_migration: the defaults apply to objects that factory_migration creates.

\set ON_ERROR_STOP on

SELECT current_database() AS dbname \gset

BEGIN;

-- Only the factory roles (and superusers) may connect to this database.
REVOKE ALL ON DATABASE :"dbname" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"dbname" TO factory_migration, factory_app, factory_analytics;

-- Nobody creates objects in schema public (already the default since PostgreSQL 15; older versions
-- let every role create tables there).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

CREATE SCHEMA IF NOT EXISTS factory AUTHORIZATION factory_migration;
ALTER SCHEMA factory OWNER TO factory_migration;
REVOKE ALL ON SCHEMA factory FROM PUBLIC;
GRANT USAGE ON SCHEMA factory TO factory_app, factory_analytics;
COMMENT ON SCHEMA factory IS 'Factory application schema; changed only by migrations (sql/) run as factory_migration.';

-- Objects factory_migration will create.
ALTER DEFAULT PRIVILEGES FOR ROLE factory_migration IN SCHEMA factory
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO factory_app;
ALTER DEFAULT PRIVILEGES FOR ROLE factory_migration IN SCHEMA factory
    GRANT USAGE, SELECT ON SEQUENCES TO factory_app;
ALTER DEFAULT PRIVILEGES FOR ROLE factory_migration IN SCHEMA factory
    GRANT SELECT ON TABLES TO factory_analytics;

-- Objects that already exist (when this runs again after migrations).
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA factory TO factory_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA factory TO factory_app;
GRANT SELECT ON ALL TABLES IN SCHEMA factory TO factory_analytics;

-- Unqualified names resolve in schema factory for every factory role in this database.
ALTER ROLE factory_migration IN DATABASE :"dbname" SET search_path = factory;
ALTER ROLE factory_app IN DATABASE :"dbname" SET search_path = factory;
ALTER ROLE factory_analytics IN DATABASE :"dbname" SET search_path = factory;

-- Two tables the application must not rewrite. The default privileges above give factory_app
-- UPDATE/DELETE on every new table, and PostgreSQL has no per-table exception for defaults, so these
-- are taken back here once the tables exist: run this file again after the first migrate.
--   flyway_schema_history  written only by migrate (as factory_migration); the application may read
--                          it, e.g. to report the schema version.
--   audit_log              append-only for the application: the audit trigger inserts as the user
--                          who made the change, so INSERT stays.
SELECT to_regclass('factory.flyway_schema_history') IS NOT NULL AS has_history,
       to_regclass('factory.audit_log') IS NOT NULL AS has_audit_log \gset
\if :has_history
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON factory.flyway_schema_history FROM factory_app;
\else
\echo 'users/02_schema_and_grants.sql: factory.flyway_schema_history does not exist yet: run this file again after the first migrate.'
\endif
\if :has_audit_log
REVOKE UPDATE, DELETE, TRUNCATE ON factory.audit_log FROM factory_app;
\endif

COMMIT;

\echo 'users/02_schema_and_grants.sql: schema factory and grants are in place in database' :dbname
