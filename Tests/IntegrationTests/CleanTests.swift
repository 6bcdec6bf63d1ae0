import Foundation
import XCTest

/// `clean` empties a schema of every kind of object pg_dump can create in it, so `clean` then `migrate` works.
final class CleanTests: XCTestCase {
    /// One migration creating one object of each kind (two operators: one over a function of pg_catalog,
    /// which dropping the schema's functions never reaches). The publication is the DBA's; the migration
    /// adds its table to it.
    static let everyKind = """
        CREATE EXTENSION file_fdw SCHEMA public;
        CREATE SERVER files FOREIGN DATA WRAPPER file_fdw;
        CREATE FOREIGN TABLE readings (line text) SERVER files OPTIONS (filename '/dev/null');
        CREATE TABLE orders (id int PRIMARY KEY, status text, amount int);
        CREATE TABLE events (id int, at date) PARTITION BY RANGE (at);
        CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        CREATE SEQUENCE ticket_seq;
        CREATE VIEW open_orders AS SELECT * FROM orders WHERE status = 'open';
        CREATE MATERIALIZED VIEW order_totals AS SELECT status, sum(amount) FROM orders GROUP BY status;
        CREATE INDEX orders_status ON orders (status);
        CREATE RULE orders_keep AS ON DELETE TO orders WHERE false DO INSTEAD NOTHING;
        ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
        CREATE POLICY positive_orders ON orders USING (amount > 0);
        CREATE STATISTICS orders_stats (dependencies) ON status, amount FROM orders;
        ALTER PUBLICATION audit ADD TABLE orders;
        CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
        CREATE TYPE pair AS (a int, b int);
        CREATE TYPE floatrange AS RANGE (subtype = float8);
        CREATE TYPE shell;
        CREATE DOMAIN positive AS int CHECK (VALUE > 0);
        CREATE FUNCTION mood_rank(mood) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT array_position(enum_range(NULL::mood), $1) $$;
        CREATE CAST (mood AS int) WITH FUNCTION mood_rank(mood);
        CREATE CAST (mood AS text) WITH INOUT;
        CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
        CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch();
        CREATE FUNCTION on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
        CREATE EVENT TRIGGER app_ddl ON ddl_command_end EXECUTE FUNCTION on_ddl();
        CREATE PROCEDURE noop() LANGUAGE sql AS $$ SELECT 1 $$;
        CREATE AGGREGATE total(int) (SFUNC = int4pl, STYPE = int);
        CREATE OPERATOR === (LEFTARG = text, RIGHTARG = text, FUNCTION = texteq);
        CREATE OPERATOR !!! (RIGHTARG = int, FUNCTION = int4abs);
        CREATE OPERATOR FAMILY text_family USING hash;
        CREATE OPERATOR CLASS text_order FOR TYPE text USING btree AS
            OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >, FUNCTION 1 bttextcmp(text, text);
        CREATE COLLATION plain (provider = libc, locale = 'C');
        CREATE TEXT SEARCH PARSER words (START = prsd_start, GETTOKEN = prsd_nexttoken, END = prsd_end, LEXTYPES = prsd_lextype);
        CREATE TEXT SEARCH TEMPLATE simple_template (INIT = dsimple_init, LEXIZE = dsimple_lexize);
        CREATE TEXT SEARCH DICTIONARY simple_dict (TEMPLATE = simple_template);
        CREATE TEXT SEARCH CONFIGURATION plain_search (PARSER = words);
        ALTER TEXT SEARCH CONFIGURATION plain_search ADD MAPPING FOR word WITH simple_dict;
        CREATE CONVERSION latin_to_utf8 FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8;

        """

    /// (kind, name) of everything in schema public, and of the database-wide objects that hang on it.
    static let contents = """
        WITH s AS (SELECT oid FROM pg_namespace WHERE nspname = 'public')
        SELECT kind, name FROM (
                    SELECT 'relation' AS kind, relname::text AS name FROM pg_class WHERE relnamespace = (SELECT oid FROM s)
          UNION ALL SELECT 'routine', proname::text FROM pg_proc WHERE pronamespace = (SELECT oid FROM s)
          UNION ALL SELECT 'type', typname::text FROM pg_type WHERE typnamespace = (SELECT oid FROM s)
          UNION ALL SELECT 'operator', oprname::text FROM pg_operator WHERE oprnamespace = (SELECT oid FROM s)
          UNION ALL SELECT 'operator class', opcname::text FROM pg_opclass WHERE opcnamespace = (SELECT oid FROM s)
          UNION ALL SELECT 'operator family', opfname::text FROM pg_opfamily WHERE opfnamespace = (SELECT oid FROM s)
          UNION ALL SELECT 'collation', collname::text FROM pg_collation WHERE collnamespace = (SELECT oid FROM s)
          UNION ALL SELECT 'conversion', conname::text FROM pg_conversion WHERE connamespace = (SELECT oid FROM s)
          UNION ALL SELECT 'text search configuration', cfgname::text FROM pg_ts_config WHERE cfgnamespace = (SELECT oid FROM s)
          UNION ALL SELECT 'text search dictionary', dictname::text FROM pg_ts_dict WHERE dictnamespace = (SELECT oid FROM s)
          UNION ALL SELECT 'text search parser', prsname::text FROM pg_ts_parser WHERE prsnamespace = (SELECT oid FROM s)
          UNION ALL SELECT 'text search template', tmplname::text FROM pg_ts_template WHERE tmplnamespace = (SELECT oid FROM s)
          UNION ALL SELECT 'statistics', stxname::text FROM pg_statistic_ext WHERE stxnamespace = (SELECT oid FROM s)
          UNION ALL SELECT 'policy', polname::text FROM pg_policy
          UNION ALL SELECT 'extension', extname::text FROM pg_extension WHERE extnamespace = (SELECT oid FROM s)
          UNION ALL SELECT 'event trigger', evtname::text FROM pg_event_trigger
          UNION ALL SELECT 'publication table', prrelid::regclass::text FROM pg_publication_rel
          UNION ALL SELECT 'cast', castsource::regtype || ' AS ' || casttarget::regtype FROM pg_cast WHERE oid >= 16384
          UNION ALL SELECT 'foreign server', srvname::text FROM pg_foreign_server
          UNION ALL SELECT 'foreign-data wrapper', fdwname::text FROM pg_foreign_data_wrapper
        ) everything ORDER BY 1
        """

    func testCleanEmptiesTheSchemaOfEveryKindOfObjectSoMigrateRunsAgain() throws {
        let project = try MigrateProject()
        try project.db().execute("SET client_min_messages = error; CREATE PUBLICATION audit")
        try project.write("sql/V1__every_kind.sql", Self.everyKind)
        XCTAssertEqual(try project.json(["migrate"])["migrationsExecuted"] as? Int, 1)
        let created = Set(try project.db().query(Self.contents).rows.compactMap { $0[0] })
        XCTAssertEqual(created, ["relation", "routine", "type", "operator", "operator class", "operator family", "collation",
                                 "conversion", "text search configuration", "text search dictionary", "text search parser",
                                 "text search template", "statistics", "policy", "extension", "event trigger", "publication table",
                                 "cast", "foreign server", "foreign-data wrapper"], "the migration makes one of each")

        let clean = try project.json(["-cleanDisabled=false", "clean"])
        XCTAssertEqual(clean["schemasCleaned"] as? [String], ["public"])
        XCTAssertEqual(try project.db().query(Self.contents).rows, [], "clean leaves nothing in the schema")
        XCTAssertEqual(try project.scalar("SELECT count(*)::text FROM pg_publication WHERE pubname = 'audit'"), "1",
                       "the publication is the database's, not the schema's: only its table goes")

        let again = try project.json(["migrate"])
        XCTAssertEqual(again["migrationsExecuted"] as? Int, 1, "\(again)")
        XCTAssertEqual(try project.history().map { $0[5] }, ["true"])
        XCTAssertEqual(try project.scalar("SELECT 'a' === 'a'"), "t")
        XCTAssertEqual(try project.json(["-cleanDisabled=false", "clean"])["schemasCleaned"] as? [String], ["public"])
        XCTAssertEqual(try project.db().query(Self.contents).rows, [])
    }

    /// Flyway's table setting is a bare name: a dot is refused (it would make a table named "app.history"),
    /// pointing at schemas/defaultSchema, before anything is written.
    func testTableWithADotIsRefusedBeforeAnythingIsWritten() throws {
        let project = try MigrateProject()
        try project.write("sql/V1__t.sql", "CREATE TABLE t (id int);\n")
        let (_, error) = try project.jsonFailure(["migrate", "-table=app.history"])
        XCTAssertEqual(error["errorCode"] as? String, "CONFIGURATION")
        XCTAssertEqual(error["message"] as? String, "command line -table: 'app.history' contains a dot, but table is the history "
            + "table's name without a schema; set the schema with schemas or defaultSchema (e.g. -defaultSchema=app -table=history)")
        XCTAssertEqual(try project.column("SELECT relname::text FROM pg_class WHERE relnamespace = 'public'::regnamespace"), [])
    }
}
