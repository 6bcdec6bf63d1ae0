import PostgresClient

/// What an administrator gave the target outside its migrations that shapes what they create: the compared
/// schemas that existed before the first migrate (owner and grants; users/02 creates one so) and default
/// privileges (`ALTER DEFAULT PRIVILEGES`). `check -drift` replays them into the build database before the
/// migrations, so grants a table got from them are not reported as drift; a grant made by hand still is.
struct DatabaseSetup {
    /// SQL for the build database, in order: schemas, their grants, then default privileges.
    let statements: [String]

    /// `history` is the target's; its SCHEMA row names the schemas migrate created (those are rebuilt by it).
    init(reading target: Session, history: [AppliedMigration]) throws {
        let createdByMigrate = history.flatMap(\.createdSchemas)
        // Schemas: created with the owner they have (a schema that exists in every database, `public`, is
        // kept); PUBLIC's default privileges revoked first, so the grants are exactly the target's.
        let found = try target.connection.query("""
            SELECT n.nspname, format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', n.nspname, pg_get_userbyid(n.nspowner))
              FROM pg_namespace n WHERE n.nspname::text = ANY($1::text[]) AND NOT n.nspname::text = ANY($2::text[])
             ORDER BY array_position($1::text[], n.nspname::text)
            """, [Connection.arrayLiteral(target.schemas), Connection.arrayLiteral(createdByMigrate)]).rows
        let preexisting = found.compactMap { $0[0] }
        let schemas = found.compactMap { $0[1] }
        let list = Connection.arrayLiteral(preexisting)
        let revokes = preexisting.map { "REVOKE ALL ON SCHEMA \(target.connection.escapeIdentifier($0)) FROM PUBLIC" }
        let grants = try target.connection.query("""
            SELECT format('GRANT %s ON SCHEMA %I TO %s%s', x.privilege_type, n.nspname,
                          CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(x.grantee)) END,
                          CASE WHEN x.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
              FROM pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) x
             WHERE n.nspname::text = ANY($1::text[]) AND x.grantee <> n.nspowner
             ORDER BY array_position($1::text[], n.nspname::text), 1
            """, [list]).rows.compactMap { $0[0] }
        // Default privileges: database-wide ones replace the built-in defaults (so those are revoked first);
        // those of a schema add to them, and apply only in a schema that exists before the migrations run.
        let defaults = try target.connection.query("""
            WITH d AS (
                SELECT pg_get_userbyid(d.defaclrole) AS role, n.nspname AS schema, d.defaclacl AS acl,
                       CASE d.defaclobjtype WHEN 'r' THEN 'TABLES' WHEN 'S' THEN 'SEQUENCES' WHEN 'f' THEN 'FUNCTIONS'
                                            WHEN 'T' THEN 'TYPES' WHEN 'n' THEN 'SCHEMAS' END AS kind
                  FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
                 WHERE d.defaclnamespace = 0 OR n.nspname::text = ANY($1::text[]))
            SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I REVOKE ALL ON %s FROM PUBLIC, %I', role, kind, role)
              FROM d WHERE schema IS NULL
            UNION ALL
            SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I%s GRANT %s ON %s TO %s%s', role,
                          CASE WHEN schema IS NULL THEN '' ELSE format(' IN SCHEMA %I', schema) END, x.privilege_type, kind,
                          CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(x.grantee)) END,
                          CASE WHEN x.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
              FROM d, aclexplode(d.acl) x
            """, [list]).rows.compactMap { $0[0] }
        statements = schemas + revokes + grants + defaults
    }

    /// Runs the statements in one transaction (one message) in the build database. A role the build's user may not act for
    /// (or that the build's server lacks) leaves the build without them: the message says what that means.
    func replay(in build: Session) -> String? {
        do {
            try build.connection.execute((["BEGIN"] + statements + ["COMMIT"]).joined(separator: ";\n"))
            return nil
        } catch {
            _ = try? build.connection.execute("ROLLBACK")
            return "could not give the build database the target's schemas and default privileges (\(error)); "
                + "grants that come from them are reported as drift"
        }
    }
}
