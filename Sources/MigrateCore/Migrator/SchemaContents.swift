/// What `clean` drops from a schema: one catalog query per kind of object pg_dump can create in it, in
/// the order they are dropped. Each takes the schema's name as `$1` and returns rows of (the object kind
/// as `DROP` spells it, the object's name as `DROP` takes it, already quoted).
///
/// Objects an extension made are left to `DROP EXTENSION`. Objects that belong to a table (indexes,
/// constraints, triggers, rules, policies, its publication memberships) and the types and functions a
/// type makes for itself go with their owner. Database-wide objects stay, except event triggers whose
/// function is in the schema.
enum SchemaContents {
    static let dropQueries: [String] = [
        // First, so that they do not fire on the DROPs that follow.
        """
        SELECT 'EVENT TRIGGER', quote_ident(e.evtname) FROM pg_catalog.pg_event_trigger e
          JOIN pg_catalog.pg_proc p ON p.oid = e.evtfoid JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = $1 AND \(notFromExtension("pg_event_trigger", "e.oid"))
        """,
        // Only those this user may drop (Flyway: those it owns); CASCADE takes their objects with them.
        """
        SELECT 'EXTENSION', quote_ident(e.extname) FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
         WHERE n.nspname = $1 AND pg_catalog.pg_has_role(e.extowner, 'MEMBER')
        """,
        """
        SELECT CASE c.relkind WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'v' THEN 'VIEW' WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
               quote_ident(n.nspname) || '.' || quote_ident(c.relname)
          FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relkind IN ('m','v','r','p','f','S') AND NOT c.relispartition AND \(notFromExtension("pg_class", "c.oid"))
         ORDER BY CASE c.relkind WHEN 'm' THEN 0 WHEN 'v' THEN 1 WHEN 'S' THEN 3 ELSE 2 END, c.relname
        """,
        """
        SELECT CASE p.prokind WHEN 'a' THEN 'AGGREGATE' WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, p.oid::regprocedure::text
          FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = $1 AND \(notFromExtension("pg_proc", "p.oid"))
           -- Functions a type made for itself (range constructors) go with the type.
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'i')
         ORDER BY p.prokind = 'a' DESC
        """,
        // A family takes its classes with it; operators may use functions of any schema (texteq), so
        // dropping the functions is not enough.
        """
        SELECT 'OPERATOR FAMILY', quote_ident(n.nspname) || '.' || quote_ident(f.opfname) || ' USING ' || quote_ident(a.amname)
          FROM pg_catalog.pg_opfamily f JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace JOIN pg_catalog.pg_am a ON a.oid = f.opfmethod
         WHERE n.nspname = $1 AND \(notFromExtension("pg_opfamily", "f.oid"))
        """,
        """
        SELECT 'OPERATOR CLASS', quote_ident(n.nspname) || '.' || quote_ident(c.opcname) || ' USING ' || quote_ident(a.amname)
          FROM pg_catalog.pg_opclass c JOIN pg_catalog.pg_namespace n ON n.oid = c.opcnamespace JOIN pg_catalog.pg_am a ON a.oid = c.opcmethod
         WHERE n.nspname = $1 AND \(notFromExtension("pg_opclass", "c.oid"))
        """,
        """
        SELECT 'OPERATOR', quote_ident(n.nspname) || '.' || o.oprname || ' ('
                 || coalesce(pg_catalog.format_type(NULLIF(o.oprleft, 0), NULL), 'NONE') || ', '
                 || coalesce(pg_catalog.format_type(NULLIF(o.oprright, 0), NULL), 'NONE') || ')'
          FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
         WHERE n.nspname = $1 AND \(notFromExtension("pg_operator", "o.oid"))
        """,
        // Domains first, so that types they are over go after them; casts go with their types or function.
        """
        SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, quote_ident(n.nspname) || '.' || quote_ident(t.typname)
          FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
         WHERE n.nspname = $1 AND t.typtype IN ('d','e','r','b','c','p')
           AND (t.typtype <> 'c' OR (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) = 'c')
           AND NOT (t.typtype = 'b' AND t.typcategory = 'A')
           AND \(notFromExtension("pg_type", "t.oid"))
         ORDER BY t.typtype = 'd' DESC
        """,
        named("COLLATION", catalog: "pg_collation", name: "collname", namespace: "collnamespace"),
        // A configuration uses dictionaries and a parser; a dictionary uses a template.
        named("TEXT SEARCH CONFIGURATION", catalog: "pg_ts_config", name: "cfgname", namespace: "cfgnamespace"),
        named("TEXT SEARCH DICTIONARY", catalog: "pg_ts_dict", name: "dictname", namespace: "dictnamespace"),
        named("TEXT SEARCH TEMPLATE", catalog: "pg_ts_template", name: "tmplname", namespace: "tmplnamespace"),
        named("TEXT SEARCH PARSER", catalog: "pg_ts_parser", name: "prsname", namespace: "prsnamespace"),
        named("CONVERSION", catalog: "pg_conversion", name: "conname", namespace: "connamespace"),
        // Those on tables of the schema went with them; these are on tables elsewhere.
        named("STATISTICS", catalog: "pg_statistic_ext", name: "stxname", namespace: "stxnamespace"),
    ]

    /// Objects of a catalog that are dropped by schema-qualified name.
    private static func named(_ kind: String, catalog: String, name: String, namespace: String) -> String {
        """
        SELECT '\(kind)', quote_ident(n.nspname) || '.' || quote_ident(x.\(name))
          FROM pg_catalog.\(catalog) x JOIN pg_catalog.pg_namespace n ON n.oid = x.\(namespace)
         WHERE n.nspname = $1 AND \(notFromExtension(catalog, "x.oid"))
        """
    }

    /// The object `column` of `catalog` is not a member of an extension.
    private static func notFromExtension(_ catalog: String, _ column: String) -> String {
        "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.\(catalog)'::regclass AND d.objid = \(column) AND d.deptype = 'e')"
    }
}
