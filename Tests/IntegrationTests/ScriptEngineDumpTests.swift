import XCTest

/// Real pg_dump output, produced by the cluster's own pg_dump, must run through migrate exactly as it runs
/// through `psql -v ON_ERROR_STOP=1 -f`: same objects, same data, same sequence values.
final class ScriptEngineDumpTests: XCTestCase {
    /// Objects and data of the kinds pg_dump writes in interesting ways: plpgsql with `;`, quotes and a nested
    /// dollar quote in the body (pg_dump then picks `$_$`), a BEGIN ATOMIC body, serial and identity sequences (OWNED BY, setval), a trigger, constraints
    /// and indexes added after the data, a materialized view (REFRESH at the end), comments, and COPY data
    /// with tabs, newlines, backslashes, `\N`, a value that is `\.`, and non-ASCII text.
    static let source = #"""
        CREATE SCHEMA app;
        COMMENT ON SCHEMA app IS 'application objects; made by the "dump" test';
        CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
        CREATE DOMAIN app.positive AS integer CHECK (VALUE > 0);
        CREATE SEQUENCE public.ticket_seq START 100 INCREMENT 5;
        CREATE TABLE public.customer (
            id serial PRIMARY KEY,
            name text NOT NULL,
            note text,
            mood app.mood,
            score app.positive,
            tags text[],
            doc jsonb,
            created_at timestamptz NOT NULL DEFAULT '2024-01-01 00:00:00+00',
            updated_at timestamptz
        );
        CREATE TABLE public.orders (
            id bigint GENERATED ALWAYS AS IDENTITY,
            customer_id integer NOT NULL,
            ticket integer DEFAULT nextval('public.ticket_seq'),
            amount numeric(12,2) NOT NULL,
            "Quoted; Column" text
        );
        CREATE TABLE public.bulk (id integer, payload text);

        CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            marker text := 'it''s; a "marker"';  -- a comment; with a semicolon
        BEGIN
            /* block comment; with ' quote */
            NEW.updated_at := '2024-02-02 00:00:00+00';
            IF NEW.note = marker THEN
                RAISE NOTICE 'matched %; %', NEW.id, $q$ dollar; 'quoted' $q$;
            END IF;
            RETURN NEW;
        END;
        $$;
        CREATE FUNCTION public.greet(who text) RETURNS text LANGUAGE sql AS $$ SELECT 'hi; ' || who || '!' $$;
        CREATE FUNCTION public.add_tax(amount numeric) RETURNS numeric LANGUAGE sql IMMUTABLE
        BEGIN ATOMIC
            SELECT CASE WHEN amount > 100 THEN amount * 1.2 ELSE amount * 1.1 END;
        END;
        CREATE TRIGGER customer_touch BEFORE INSERT OR UPDATE ON public.customer
            FOR EACH ROW EXECUTE FUNCTION public.touch();
        CREATE VIEW public.order_totals AS
            SELECT customer_id, sum(amount) AS total FROM public.orders GROUP BY customer_id;
        CREATE MATERIALIZED VIEW public.customer_names AS SELECT id, upper(name) AS name FROM public.customer;
        ALTER TABLE public.orders ADD CONSTRAINT orders_pkey PRIMARY KEY (id);
        ALTER TABLE public.orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES public.customer(id);
        ALTER TABLE public.orders ADD CONSTRAINT orders_amount_check CHECK (amount >= 0);
        CREATE INDEX orders_customer_idx ON public.orders (customer_id) WHERE amount > 0;
        CREATE UNIQUE INDEX customer_lower_name_idx ON public.customer (lower(name));
        COMMENT ON TABLE public.customer IS 'Customers; it''s a "table"';
        COMMENT ON COLUMN public.customer.note IS 'é ü ✓ 😀';
        COMMENT ON FUNCTION public.touch() IS $c$sets updated_at; 'always'$c$;

        INSERT INTO public.customer (name, note, mood, score, tags, doc) VALUES
            ('plain', 'simple', 'ok', 1, '{a,b}', '{"k": 1}'),
            ('tab', E'a\tb', 'happy', 2, '{"x y",z}', '{"t": "a\tb"}'),
            ('newline', E'line1\nline2\r\nline3', 'sad', 3, NULL, NULL),
            ('backslash', E'C:\\path\\to and \\. and \\N', NULL, NULL, '{}', '[]'),
            ('nulls', NULL, NULL, NULL, NULL, NULL),
            ('unicode', 'é ü ✓ 😀 日本', 'ok', 4, '{😀}', '{"emoji": "😀"}'),
            ('dot', E'\\.', NULL, NULL, NULL, NULL),
            ('marker', 'it''s; a "marker"', NULL, NULL, NULL, NULL),
            ('quotes', $$'single' "double" ;semicolon; --dash /*c*/ $$, NULL, NULL, NULL, NULL);
        INSERT INTO public.orders (customer_id, amount, "Quoted; Column")
            SELECT 1 + (g % 9), g * 1.5, CASE WHEN g % 3 = 0 THEN NULL ELSE 'r' || g END FROM generate_series(1, 300) g;
        -- Enough COPY data (~2.6 MB) for several COPY buffers and for the runner's streaming (uncached) path.
        INSERT INTO public.bulk SELECT g, repeat(md5(g::text), 3) || E'\t' || g FROM generate_series(1, 25000) g;
        SELECT setval('public.ticket_seq', 4242);
        REFRESH MATERIALIZED VIEW public.customer_names;
        """#

    /// A checksum over every row of the interesting tables, to compare databases.
    static let dataChecksum = """
        SELECT md5((SELECT string_agg(c::text, '|' ORDER BY id) FROM public.customer c)
                || (SELECT string_agg(o::text, '|' ORDER BY id) FROM public.orders o)
                || (SELECT string_agg(b::text, '|' ORDER BY id) FROM public.bulk b)
                || (SELECT string_agg(n::text, '|' ORDER BY id) FROM public.customer_names n))
        """

    private func makeSource(_ project: MigrateProject) throws -> String {
        let database = try project.cluster.createDatabase(prefix: "dumpsrc")
        _ = try project.psql(Self.source, database: database)
        return database
    }

    func testWholePgDumpFileRunsLikePsql() throws {
        let project = try MigrateProject()
        let source = try makeSource(project)
        let dump = try project.rawDump(database: source, [])
        // The file really has the shape the engine must cope with.
        for expected in ["SET statement_timeout = 0;", "SELECT pg_catalog.set_config('search_path', '', false);",
                         "AS $$", "AS $_$", "BEGIN ATOMIC", "ALTER SEQUENCE public.customer_id_seq OWNED BY public.customer.id;",
                         "COPY public.customer (id, name, note, mood, score, tags, doc, created_at, updated_at) FROM stdin;",
                         "\\N", "a\\tb", "\\\\.", "😀", "\n\\.\n", "SELECT pg_catalog.setval('public.ticket_seq', 4242, true);",
                         "ADD CONSTRAINT orders_customer_fk", "CREATE TRIGGER customer_touch", "REFRESH MATERIALIZED VIEW",
                         "COMMENT ON COLUMN public.customer.note"] {
            XCTAssertTrue(dump.contains(expected), "pg_dump output lacks \(expected)")
        }
        try project.write("sql/V1__dump.sql", dump)

        let run = try project.migrateOK(["migrate"])
        XCTAssertTrue(run.stdout.contains("Successfully applied 1 migration"), run.output)
        XCTAssertEqual(try project.history().map { [$0[0], $0[3], $0[5]] }, [["1", "V1__dump.sql", "true"]])

        let reference = try project.assertSameAsPsql(["sql/V1__dump.sql"])
        assertSameText(try project.dump(database: project.database), try project.dump(database: source),
                       "the migrated database differs from the one that was dumped")
        let checksum = try project.scalar(Self.dataChecksum)
        XCTAssertNotNil(checksum)
        XCTAssertEqual(try project.psql(Self.dataChecksum, database: reference).trimmingCharacters(in: .newlines), checksum)
        XCTAssertEqual(try project.psql(Self.dataChecksum, database: source).trimmingCharacters(in: .newlines), checksum)

        try assertObjectsWork(project)
    }

    /// pg_dump's three sections as three migrations: schema, then data, then constraints/indexes/triggers.
    func testPgDumpSectionsAsThreeMigrations() throws {
        let project = try MigrateProject()
        let source = try makeSource(project)
        try project.write("sql/V1__schema.sql", try project.rawDump(database: source, ["--section=pre-data"]))
        try project.write("sql/V2__data.sql", try project.rawDump(database: source, ["--section=data"]))
        try project.write("sql/V3__constraints.sql", try project.rawDump(database: source, ["--section=post-data"]))

        try project.migrateOK(["migrate"])
        XCTAssertEqual(try project.history().map { [$0[0], $0[5]] }, [["1", "true"], ["2", "true"], ["3", "true"]])
        try project.assertSameAsPsql(["sql/V1__schema.sql", "sql/V2__data.sql", "sql/V3__constraints.sql"])
        assertSameText(try project.dump(database: project.database), try project.dump(database: source),
                       "the migrated database differs from the one that was dumped")
        XCTAssertEqual(try project.scalar(Self.dataChecksum),
                       try project.psql(Self.dataChecksum, database: source).trimmingCharacters(in: .newlines))
        try assertObjectsWork(project)
    }

    /// The same dump saved with Windows line endings (CRLF everywhere, COPY data and function bodies too).
    func testPgDumpWithWindowsLineEndingsRunsLikePsql() throws {
        let project = try MigrateProject()
        let source = try makeSource(project)
        let dump = try project.rawDump(database: source, [])
        try project.write("sql/V1__crlf.sql", dump.replacingOccurrences(of: "\n", with: "\r\n"))
        try project.migrateOK(["migrate"])
        try project.assertSameAsPsql(["sql/V1__crlf.sql"])
        XCTAssertEqual(try project.scalar(Self.dataChecksum),
                       try project.psql(Self.dataChecksum, database: source).trimmingCharacters(in: .newlines),
                       "COPY data lines end in CRLF; the data is the same")
    }

    /// `pg_dump --use-set-session-authorization` switches the session user to each object's owner (here a
    /// superuser, so the restore may create what it owns). The next migration must run as the user migrate
    /// connected as again, as it would in a new psql session.
    func testPgDumpWithSetSessionAuthorizationRunsLikePsql() throws {
        let project = try MigrateProject()
        let owner = "dump_owner_" + UUID().uuidString.prefix(8).lowercased()
        let source = try project.cluster.createDatabase(prefix: "authsrc")
        _ = try project.psql("""
            CREATE ROLE \(owner) NOLOGIN SUPERUSER;
            CREATE SCHEMA app AUTHORIZATION \(owner);
            SET ROLE \(owner);
            CREATE TABLE app.items (id int PRIMARY KEY, name text);
            INSERT INTO app.items VALUES (1, 'one'), (2, 'two');
            """, database: source)
        let dump = try project.rawDump(database: source, ["--use-set-session-authorization"])
        XCTAssertTrue(dump.contains("SET SESSION AUTHORIZATION '\(owner)';"), dump)
        try project.write("sql/V1__owned.sql", dump)
        try project.write("sql/V2__next.sql", "CREATE TABLE public.next (who text DEFAULT session_user);\nINSERT INTO public.next DEFAULT VALUES;\n")
        try project.migrateOK(["migrate"])
        XCTAssertEqual(try project.db().query("SELECT version, installed_by, success::text FROM flyway_schema_history ORDER BY installed_rank").rows,
                       [["1", "postgres", "true"], ["2", "postgres", "true"]])
        XCTAssertEqual(try project.scalar("SELECT tableowner FROM pg_tables WHERE tablename = 'items'"), owner)
        XCTAssertEqual(try project.column("SELECT who FROM public.next"), ["postgres"], "the next file runs as migrate's user again")
        XCTAssertEqual(try project.column("SELECT name FROM app.items ORDER BY id"), ["one", "two"])
        try project.assertSameAsPsql(["sql/V1__owned.sql", "sql/V2__next.sql"])
    }

    /// pg_dump writes a subscription as `CREATE SUBSCRIPTION … WITH (connect = false, slot_name = '…')`, which
    /// PostgreSQL accepts inside a transaction (no replication slot is created), so such a dump is not a
    /// "mixed" file: it applies in one transaction, like psql applies it.
    func testPgDumpWithPublicationAndSubscriptionRunsInOneTransaction() throws {
        let project = try MigrateProject()
        let source = try project.cluster.createDatabase(prefix: "subsrc")
        _ = try project.psql("""
            SET client_min_messages = error;
            CREATE TABLE t (id int PRIMARY KEY);
            CREATE PUBLICATION pub FOR TABLE t;
            CREATE SUBSCRIPTION sub_\(source.suffix(8)) CONNECTION 'dbname=nowhere host=/nonexistent' PUBLICATION pub WITH (connect = false);
            """, database: source)
        let dump = try project.rawDump(database: source, [])
        XCTAssertTrue(dump.contains("WITH (connect = false, slot_name = "), dump)
        try project.write("sql/V1__replication.sql", dump)
        try project.migrateOK(["migrate"])
        XCTAssertEqual(try project.scalar("SELECT subenabled::text FROM pg_subscription WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())"), "false")
        XCTAssertEqual(try project.column("SELECT DISTINCT xmin::text FROM pg_publication_rel"),
                       try project.column("SELECT xmin::text FROM flyway_schema_history WHERE version = '1'"),
                       "ran in the migration's transaction")
        try project.assertSameAsPsql(["sql/V1__replication.sql"])
    }

    /// `pg_dump -E LATIN1` writes the file in LATIN1 and starts it with `SET client_encoding = 'LATIN1'`.
    /// psql sends the bytes as they are; migrate decodes the file (encoding setting) and sends UTF-8, so
    /// that SET must not reach the server, or it would store "Ã©" for "é". A SET that contradicts the
    /// encoding migrate reads the file with is refused before anything runs.
    func testDumpInAnotherClientEncodingRunsWithMatchingEncodingSetting() throws {
        for (pgEncoding, setting, text) in [("LATIN1", "ISO-8859-1", "é ü ß ÿ £"), ("WIN1252", "windows-1252", "€ – é “quoted”")] {
            let project = try MigrateProject()
            let source = try project.cluster.createDatabase(prefix: "encsrc")
            _ = try project.psql("""
                CREATE TABLE t (id int, s text);
                INSERT INTO t VALUES (1, '\(text)'), (2, 'plain');
                CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$ SELECT '\(text)'::text $$;
                """, database: source)
            let path = project.directory.appendingPathComponent("sql/V1__dump.sql").path
            _ = try project.rawDump(database: source, ["-E", pgEncoding, "-f", path])
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            XCTAssertNil(String(data: bytes, encoding: .utf8), "\(pgEncoding): the dump is not UTF-8")
            XCTAssertNotNil(bytes.range(of: Data("SET client_encoding = '\(pgEncoding)';".utf8)))

            try project.migrateOK(["migrate", "-encoding=\(setting)"])
            XCTAssertEqual(try project.column("SELECT s FROM public.t ORDER BY id"), [text, "plain"], pgEncoding)
            XCTAssertEqual(try project.scalar("SELECT public.f()"), text, pgEncoding)
            try project.assertSameAsPsql(["sql/V1__dump.sql"])
        }

        let project = try MigrateProject()
        try project.write("sql/V1__says_latin1.sql", "CREATE TABLE t (s text);\nSET client_encoding = 'LATIN1';\nINSERT INTO t VALUES ('é');\n")
        let refused = try project.migrate(["migrate"])
        XCTAssertEqual(refused.status, 1, refused.output)
        XCTAssertTrue(refused.stderr.contains("sql/V1__says_latin1.sql:2:1: the script sets client_encoding to 'LATIN1', but migrate reads this file as"), refused.stderr)
        XCTAssertFalse(try project.tableExists("t"), "refused before anything ran")
        try project.migrateOK(["migrate", "-encoding=ISO-8859-1"])   // mojibake, as the user asked: "Ã©"
        XCTAssertEqual(try project.scalar("SELECT s FROM t"), "Ã©")
    }

    /// Spot checks that do not depend on pg_dump: the restored objects behave.
    private func assertObjectsWork(_ project: MigrateProject, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try project.column("SELECT count(*)::text FROM public.bulk"), ["25000"], file: file, line: line)
        XCTAssertEqual(try project.scalar("SELECT note FROM public.customer WHERE name = 'newline'"), "line1\nline2\r\nline3", file: file, line: line)
        XCTAssertEqual(try project.scalar("SELECT note FROM public.customer WHERE name = 'tab'"), "a\tb", file: file, line: line)
        XCTAssertEqual(try project.scalar("SELECT note FROM public.customer WHERE name = 'dot'"), "\\.", file: file, line: line)
        XCTAssertEqual(try project.scalar("SELECT note FROM public.customer WHERE name = 'unicode'"), "é ü ✓ 😀 日本", file: file, line: line)
        XCTAssertEqual(try project.scalar("SELECT (note IS NULL)::text FROM public.customer WHERE name = 'nulls'"), "true", file: file, line: line)
        XCTAssertEqual(try project.scalar("SELECT last_value::text FROM public.ticket_seq"), "4242", file: file, line: line)
        XCTAssertEqual(try project.scalar("SELECT public.add_tax(200)::text"), "240.0", file: file, line: line)
        XCTAssertEqual(try project.scalar("SELECT public.greet('you')"), "hi; you!", file: file, line: line)
        // Sequences continue after the restored values; the trigger fires.
        let db = try project.db()
        try db.execute("SET search_path TO public")
        XCTAssertEqual(try project.scalar("INSERT INTO customer (name) VALUES ('new') RETURNING id::text"), "10", file: file, line: line)
        XCTAssertEqual(try project.scalar("SELECT updated_at::date::text FROM customer WHERE name = 'new'"), "2024-02-02", file: file, line: line)
        XCTAssertEqual(try project.scalar("INSERT INTO orders (customer_id, amount) VALUES (10, 1) RETURNING id::text || ' ' || ticket"),
                       "301 4247", file: file, line: line)
        XCTAssertThrowsError(try db.execute("INSERT INTO orders (customer_id, amount) VALUES (999, 1)"), "the foreign key is there",
                             file: file, line: line)
        XCTAssertEqual(try project.scalar("SELECT count(*)::text FROM customer_names"), "9", file: file, line: line)
        XCTAssertEqual(try project.scalar("SELECT obj_description('public.customer'::regclass)"), "Customers; it's a \"table\"", file: file, line: line)
    }
}
