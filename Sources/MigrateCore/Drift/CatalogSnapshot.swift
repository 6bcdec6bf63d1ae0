import PostgresClient

/// One object of a database's schema as `check -drift` compares it: its kind, where it lives, and a definition
/// that reads the same in any database holding the same object (written by the server's own pg_get_*def and
/// format_type functions with every name schema-qualified: no OIDs, no creation order).
struct CatalogObject: Sendable, Equatable {
    struct Key: Hashable, Sendable, Comparable {
        /// Flyway's `objectType`: `Table`, `Index`, `Function`, `Grant`, …
        var objectType: String
        /// nil for what belongs to the whole database (extensions).
        var schema: String?
        /// Unique within the schema and type: `orders`, `orders.orders_pkey` (constraints and triggers are
        /// named per table), `total(integer, integer)` (functions by their argument types),
        /// `TABLE public.orders TO app_reader` (a grantee's privileges on an object, named as GRANT names it).
        var name: String

        static func < (a: Key, b: Key) -> Bool {
            (CatalogQuery.rank(of: a.objectType), a.schema ?? "", a.name) < (CatalogQuery.rank(of: b.objectType), b.schema ?? "", b.name)
        }
    }

    var key: Key
    var definition: String
    /// What this object belongs to (a table for its index, an object for its grants, a schema for a table): an
    /// object whose parent exists on one side only is reported through its parent, not on its own.
    var parent: Key?
}

/// The objects of the schemas migrate manages, plus the database's extensions, read in one repeatable-read
/// snapshot. The history table (with its constraints, index and grants) is left out.
struct CatalogSnapshot {
    var objects: [CatalogObject.Key: CatalogObject] = [:]
    /// The database it was read from.
    let database: String

    init(_ session: Session) throws {
        let connection = session.connection
        database = session.databaseName
        let parameters = [Connection.arrayLiteral(session.schemas), session.defaultSchema, session.history.table]
        do {
            // pg_catalog alone on the search_path: every name the definitions mention comes out schema-qualified.
            try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL search_path TO pg_catalog")
            for query in CatalogQuery.all {
                try connection.forEachRow(query.sql, Array(parameters.prefix(query.parameterCount))) { row in
                    let key = CatalogObject.Key(objectType: row.string(0) ?? "", schema: row.string(1), name: row.string(2) ?? "")
                    let parent = row.string(4).map { CatalogObject.Key(objectType: $0, schema: row.string(5), name: row.string(6) ?? "") }
                    objects[key] = CatalogObject(key: key, definition: row.string(3) ?? "", parent: parent)
                }
            }
            try connection.execute("COMMIT")
        } catch let error as PostgresError {
            _ = try? connection.execute("ROLLBACK")
            throw MigrationError.database(error, while: "reading the schema of database \"\(session.databaseName)\"")
        }
    }
}

/// One query per kind of object. Each returns (objectType, schema, name, definition, parent objectType,
/// parent schema, parent name) for the schemas in $1 (a text[]), without the history table $2.$3 and without
/// what an extension created.
struct CatalogQuery {
    let sql: String
    /// How many of $1 (the schemas), $2 and $3 (the history table) it uses: the server refuses parameters a
    /// query does not use.
    var parameterCount: Int { (1...3).last { sql.contains("$\($0)") } ?? 0 }

    /// Reporting order of the object types.
    static let objectTypes = ["Schema", "Extension", "Type", "Domain", "Sequence", "Table", "Foreign Table", "Constraint",
                              "Index", "View", "Materialized View", "Function", "Procedure", "Aggregate", "Trigger", "Grant"]

    static func rank(of objectType: String) -> Int {
        objectTypes.firstIndex(of: objectType) ?? objectTypes.count
    }

    static let all = [schemas, tables, constraints, indexes, views, routines, triggers, sequences, types, extensions, grants]

    /// `NOT <from extension>` for an object of `catalog` whose OID is `column`.
    private static func notFromExtension(_ catalog: String, _ column: String, alsoInternal: Bool = false) -> String {
        "NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '\(catalog)'::regclass AND e.objid = \(column) AND e.deptype IN ('e'\(alsoInternal ? ", 'i'" : "")))"
    }

    private static let notHistoryTable = "NOT (n.nspname = $2 AND c.relname = $3)"
    /// How a relation with `relkind` is named as a parent.
    private static func relationType(_ relkind: String) -> String {
        "CASE \(relkind) WHEN 'f' THEN 'Foreign Table' WHEN 'v' THEN 'View' WHEN 'm' THEN 'Materialized View' WHEN 'S' THEN 'Sequence' ELSE 'Table' END"
    }
    /// The types `check -drift` compares: enums, domains, composite and range types, base types; not arrays,
    /// nor the row types of tables.
    private static let comparedTypes = """
        t.typtype IN ('b', 'c', 'd', 'e', 'r')
           AND (t.typtype <> 'c' OR (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')
           AND NOT (t.typtype = 'b' AND t.typcategory = 'A')
           AND \(notFromExtension("pg_type", "t.oid"))
        """
    /// A function's name in its schema: `total(integer, integer)` (argument types only, as signatures go).
    private static let routineName = "p.proname || '(' || oidvectortypes(p.proargtypes) || ')'"

    static let schemas = CatalogQuery(sql: """
        SELECT 'Schema', n.nspname, n.nspname, 'CREATE SCHEMA ' || quote_ident(n.nspname), NULL, NULL, NULL
          FROM pg_namespace n WHERE n.nspname = ANY($1)
        """)

    /// Tables with their columns (type, collation, default or generation expression, identity, NOT NULL),
    /// partitioning, inheritance, storage options and row security.
    static let tables = CatalogQuery(sql: """
        SELECT CASE c.relkind WHEN 'f' THEN 'Foreign Table' ELSE 'Table' END, n.nspname, c.relname,
               'CREATE ' || CASE WHEN c.relpersistence = 'u' THEN 'UNLOGGED ' ELSE '' END
               || CASE WHEN c.relkind = 'f' THEN 'FOREIGN ' ELSE '' END || 'TABLE ' || c.oid::regclass::text
               || coalesce(' PARTITION OF ' || (SELECT i.inhparent::regclass::text FROM pg_inherits i WHERE i.inhrelid = c.oid AND c.relispartition), '')
               || E' (\\n' || coalesce((
                    SELECT string_agg('    ' || quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod)
                           || CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation
                                   THEN ' COLLATE ' || (SELECT CASE WHEN cn.nspname = 'pg_catalog' THEN '' ELSE quote_ident(cn.nspname) || '.' END || quote_ident(co.collname)
                                                         FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation)
                                   ELSE '' END
                           || CASE WHEN a.attgenerated = 's' THEN ' GENERATED ALWAYS AS (' || pg_get_expr(d.adbin, d.adrelid) || ') STORED'
                                   ELSE coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '') END
                           || CASE a.attidentity WHEN 'a' THEN ' GENERATED ALWAYS AS IDENTITY' WHEN 'd' THEN ' GENERATED BY DEFAULT AS IDENTITY' ELSE '' END
                           || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END,
                           E',\\n' ORDER BY a.attnum)
                      FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
                      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                     WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '') || E'\\n)'
               || CASE WHEN c.relispartition THEN ' ' || pg_get_expr(c.relpartbound, c.oid) ELSE '' END
               || CASE WHEN c.relkind = 'p' THEN ' PARTITION BY ' || pg_get_partkeydef(c.oid) ELSE '' END
               || coalesce((SELECT ' INHERITS (' || string_agg(i.inhparent::regclass::text, ', ' ORDER BY i.inhseqno) || ')'
                              FROM pg_inherits i WHERE i.inhrelid = c.oid AND NOT c.relispartition), '')
               || coalesce((SELECT ' SERVER ' || quote_ident(s.srvname) || coalesce(' OPTIONS (' || array_to_string(f.ftoptions, ', ') || ')', '')
                              FROM pg_foreign_table f JOIN pg_foreign_server s ON s.oid = f.ftserver WHERE f.ftrelid = c.oid), '')
               || coalesce(' WITH (' || array_to_string(c.reloptions, ', ') || ')', '')
               || CASE WHEN c.relrowsecurity THEN E';\\nALTER TABLE ' || c.oid::regclass::text || ' ENABLE ROW LEVEL SECURITY' ELSE '' END
               || CASE WHEN c.relforcerowsecurity THEN E';\\nALTER TABLE ' || c.oid::regclass::text || ' FORCE ROW LEVEL SECURITY' ELSE '' END,
               'Schema', n.nspname, n.nspname
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p', 'f') AND \(notHistoryTable) AND \(notFromExtension("pg_class", "c.oid"))
        """)

    /// Primary keys, unique, foreign-key, check and exclusion constraints of tables (NOT NULL is the column's).
    static let constraints = CatalogQuery(sql: """
        SELECT 'Constraint', n.nspname, c.relname || '.' || co.conname,
               'ALTER TABLE ' || c.oid::regclass::text || ' ADD CONSTRAINT ' || quote_ident(co.conname) || ' ' || pg_get_constraintdef(co.oid, true),
               \(relationType("c.relkind")), n.nspname, c.relname
          FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = ANY($1) AND co.contype IN ('c', 'f', 'p', 'u', 'x') AND \(notHistoryTable) AND \(notFromExtension("pg_class", "c.oid"))
        """)

    /// Indexes, except those a constraint owns (the constraint stands for them). An invalid one (a failed
    /// CREATE INDEX CONCURRENTLY) says so.
    static let indexes = CatalogQuery(sql: """
        SELECT 'Index', n.nspname, ic.relname,
               pg_get_indexdef(i.indexrelid) || CASE WHEN i.indisvalid THEN '' ELSE ' -- INVALID' END,
               \(relationType("c.relkind")), n.nspname, c.relname
          FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = ANY($1) AND \(notHistoryTable) AND \(notFromExtension("pg_class", "c.oid"))
           AND NOT EXISTS (SELECT 1 FROM pg_constraint co WHERE co.conindid = i.indexrelid AND co.conrelid = i.indrelid AND co.contype IN ('p', 'u', 'x'))
        """)

    static let views = CatalogQuery(sql: """
        SELECT \(relationType("c.relkind")), n.nspname, c.relname,
               'CREATE ' || CASE c.relkind WHEN 'm' THEN 'MATERIALIZED ' ELSE '' END || 'VIEW ' || c.oid::regclass::text
               || coalesce(' WITH (' || array_to_string(c.reloptions, ', ') || ')', '') || E' AS\\n' || pg_get_viewdef(c.oid, true),
               'Schema', n.nspname, n.nspname
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = ANY($1) AND c.relkind IN ('v', 'm') AND \(notFromExtension("pg_class", "c.oid"))
        """)

    /// Functions, procedures and aggregates (pg_get_functiondef has no aggregates: their definition is built
    /// from pg_aggregate). Functions a type made for itself (range constructors) go with the type.
    static let routines = CatalogQuery(sql: """
        SELECT CASE p.prokind WHEN 'p' THEN 'Procedure' WHEN 'a' THEN 'Aggregate' ELSE 'Function' END, n.nspname, \(routineName),
               CASE WHEN p.prokind = 'a' THEN
                    (SELECT 'CREATE AGGREGATE ' || quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ') ('
                            || 'SFUNC = ' || a.aggtransfn::text || ', STYPE = ' || format_type(a.aggtranstype, NULL)
                            || CASE WHEN a.aggfinalfn::oid <> 0 THEN ', FINALFUNC = ' || a.aggfinalfn::text ELSE '' END
                            || CASE WHEN a.aggcombinefn::oid <> 0 THEN ', COMBINEFUNC = ' || a.aggcombinefn::text ELSE '' END
                            || CASE WHEN a.aggsortop <> 0 THEN ', SORTOP = ' || a.aggsortop::regoperator::text ELSE '' END
                            || coalesce(', INITCOND = ' || quote_literal(a.agginitval), '') || ')'
                       FROM pg_aggregate a WHERE a.aggfnoid = p.oid)
                    ELSE pg_get_functiondef(p.oid) END,
               'Schema', n.nspname, n.nspname
          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = ANY($1) AND \(notFromExtension("pg_proc", "p.oid", alsoInternal: true))
        """)

    /// User triggers, with their enabled state when it is not the default.
    static let triggers = CatalogQuery(sql: """
        SELECT 'Trigger', n.nspname, c.relname || '.' || t.tgname,
               pg_get_triggerdef(t.oid, true)
               || CASE t.tgenabled WHEN 'D' THEN E';\\nALTER TABLE ' || c.oid::regclass::text || ' DISABLE TRIGGER ' || quote_ident(t.tgname)
                                   WHEN 'R' THEN E';\\nALTER TABLE ' || c.oid::regclass::text || ' ENABLE REPLICA TRIGGER ' || quote_ident(t.tgname)
                                   WHEN 'A' THEN E';\\nALTER TABLE ' || c.oid::regclass::text || ' ENABLE ALWAYS TRIGGER ' || quote_ident(t.tgname)
                                   ELSE '' END,
               \(relationType("c.relkind")), n.nspname, c.relname
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = ANY($1) AND NOT t.tgisinternal AND \(notHistoryTable) AND \(notFromExtension("pg_class", "c.oid"))
        """)

    /// Sequences by their parameters, never their current value; one a column owns (serial, identity) belongs
    /// to that column's table.
    static let sequences = CatalogQuery(sql: """
        SELECT 'Sequence', n.nspname, c.relname,
               'CREATE ' || CASE WHEN c.relpersistence = 'u' THEN 'UNLOGGED ' ELSE '' END || 'SEQUENCE ' || c.oid::regclass::text
               || ' AS ' || format_type(s.seqtypid, NULL) || ' INCREMENT BY ' || s.seqincrement || ' MINVALUE ' || s.seqmin
               || ' MAXVALUE ' || s.seqmax || ' START WITH ' || s.seqstart || ' CACHE ' || s.seqcache
               || CASE WHEN s.seqcycle THEN ' CYCLE' ELSE ' NO CYCLE' END
               || coalesce(E'\\nOWNED BY ' || owner.relid::regclass::text || '.' || quote_ident(owner.attname), ''),
               coalesce(owner.kind, 'Schema'), n.nspname, coalesce(owner.relname, n.nspname)
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_sequence s ON s.seqrelid = c.oid
          LEFT JOIN LATERAL (
                SELECT d.refobjid AS relid, tc.relname, ta.attname, \(relationType("tc.relkind")) AS kind
                  FROM pg_depend d JOIN pg_class tc ON tc.oid = d.refobjid
                  JOIN pg_attribute ta ON ta.attrelid = d.refobjid AND ta.attnum = d.refobjsubid
                 WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                 LIMIT 1) owner ON true
         WHERE n.nspname = ANY($1) AND c.relkind = 'S' AND \(notFromExtension("pg_class", "c.oid"))
        """)

    /// Enums (labels in order), domains (with their constraints), composite, range and base types.
    static let types = CatalogQuery(sql: """
        SELECT CASE t.typtype WHEN 'd' THEN 'Domain' ELSE 'Type' END, n.nspname, t.typname,
               CASE t.typtype
                 WHEN 'e' THEN 'CREATE TYPE ' || format_type(t.oid, NULL) || ' AS ENUM ('
                      || coalesce((SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), '') || ')'
                 WHEN 'd' THEN 'CREATE DOMAIN ' || format_type(t.oid, NULL) || ' AS ' || format_type(t.typbasetype, t.typtypmod)
                      || coalesce(' COLLATE ' || (SELECT quote_ident(co.collname) FROM pg_collation co JOIN pg_type bt ON bt.oid = t.typbasetype
                                                  WHERE co.oid = t.typcollation AND t.typcollation <> bt.typcollation), '')
                      || coalesce(' DEFAULT ' || t.typdefault, '') || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END
                      || coalesce((SELECT string_agg(E'\\n    CONSTRAINT ' || quote_ident(co.conname) || ' ' || pg_get_constraintdef(co.oid, true), '' ORDER BY co.conname)
                                     FROM pg_constraint co WHERE co.contypid = t.oid AND co.contype = 'c'), '')
                 WHEN 'c' THEN 'CREATE TYPE ' || format_type(t.oid, NULL) || ' AS ('
                      || coalesce((SELECT string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
                                     FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped), '') || ')'
                 WHEN 'r' THEN (SELECT 'CREATE TYPE ' || format_type(t.oid, NULL) || ' AS RANGE (SUBTYPE = ' || format_type(r.rngsubtype, NULL)
                                       || CASE WHEN r.rngcanonical::oid <> 0 THEN ', CANONICAL = ' || r.rngcanonical::text ELSE '' END
                                       || CASE WHEN r.rngsubdiff::oid <> 0 THEN ', SUBTYPE_DIFF = ' || r.rngsubdiff::text ELSE '' END || ')'
                                  FROM pg_range r WHERE r.rngtypid = t.oid)
                 ELSE 'CREATE TYPE ' || format_type(t.oid, NULL) || ' (INPUT = ' || t.typinput::text || ', OUTPUT = ' || t.typoutput::text || ')'
               END,
               'Schema', n.nspname, n.nspname
          FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
         WHERE n.nspname = ANY($1) AND \(comparedTypes)
        """)

    /// Every extension of the database, wherever it lives.
    static let extensions = CatalogQuery(sql: """
        SELECT 'Extension', NULL, e.extname,
               'CREATE EXTENSION ' || quote_ident(e.extname) || ' WITH SCHEMA ' || quote_ident(n.nspname) || ' VERSION ' || quote_literal(e.extversion),
               NULL, NULL, NULL
          FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
        """)

    /// Privileges from the ACLs of schemas, relations, columns, routines and types, one object per grantee and
    /// object, by role name. A missing ACL stands for the built-in default (acldefault), so `REVOKE … FROM PUBLIC`
    /// shows; the owner's own privileges are left out (the build database may be owned by someone else).
    static let grants = CatalogQuery(sql: """
        WITH objects AS (
            SELECT 'SCHEMA' AS kind, n.nspname AS schema, n.nspname AS name, quote_ident(n.nspname) AS target, '' AS member, '' AS columns,
                   n.nspowner AS owner, coalesce(n.nspacl, acldefault('n', n.nspowner)) AS acl, 'Schema' AS parent_type, n.nspname AS parent_name
              FROM pg_namespace n WHERE n.nspname = ANY($1)
            UNION ALL
            SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, n.nspname, c.relname, c.oid::regclass::text, '', '',
                   c.relowner, coalesce(c.relacl, acldefault(CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::"char", c.relowner)),
                   \(relationType("c.relkind")), c.relname
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND \(notHistoryTable) AND \(notFromExtension("pg_class", "c.oid"))
            UNION ALL
            SELECT 'COLUMN', n.nspname, c.relname || '.' || a.attname, c.oid::regclass::text, '.' || quote_ident(a.attname), ' (' || quote_ident(a.attname) || ')',
                   c.relowner, a.attacl, \(relationType("c.relkind")), c.relname
              FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = ANY($1) AND a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped AND \(notHistoryTable)
               AND \(notFromExtension("pg_class", "c.oid"))
            UNION ALL
            SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, n.nspname, \(routineName), p.oid::regprocedure::text, '', '',
                   p.proowner, coalesce(p.proacl, acldefault('f', p.proowner)),
                   CASE p.prokind WHEN 'p' THEN 'Procedure' WHEN 'a' THEN 'Aggregate' ELSE 'Function' END, \(routineName)
              FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = ANY($1) AND \(notFromExtension("pg_proc", "p.oid", alsoInternal: true))
            UNION ALL
            SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, n.nspname, t.typname, format_type(t.oid, NULL), '', '',
                   t.typowner, coalesce(t.typacl, acldefault('T', t.typowner)), CASE t.typtype WHEN 'd' THEN 'Domain' ELSE 'Type' END, t.typname
              FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE n.nspname = ANY($1) AND \(comparedTypes)
        ), privileges AS (
            SELECT o.*, CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(x.grantee)) END AS grantee,
                   x.privilege_type, x.is_grantable
              FROM objects o, LATERAL aclexplode(o.acl) x
             WHERE x.grantee <> o.owner
        )
        SELECT 'Grant', schema, kind || ' ' || target || member || ' TO ' || grantee,
               concat_ws(E'\\n',
                   'GRANT ' || string_agg(privilege_type || columns, ', ' ORDER BY privilege_type) FILTER (WHERE NOT is_grantable)
                       || ' ON ' || CASE WHEN kind = 'COLUMN' THEN 'TABLE' ELSE kind END || ' ' || target || ' TO ' || grantee,
                   'GRANT ' || string_agg(privilege_type || columns, ', ' ORDER BY privilege_type) FILTER (WHERE is_grantable)
                       || ' ON ' || CASE WHEN kind = 'COLUMN' THEN 'TABLE' ELSE kind END || ' ' || target || ' TO ' || grantee || ' WITH GRANT OPTION'),
               parent_type, schema, parent_name
          FROM privileges
         GROUP BY kind, schema, target, member, columns, grantee, parent_type, parent_name
        """)
}
