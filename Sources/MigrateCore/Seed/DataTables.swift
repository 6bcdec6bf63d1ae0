import PostgresClient

/// One column of a data table, as `snapshot` writes it and `seed` checks it.
struct DataColumn: Sendable {
    let name: String
    /// `format_type`: `character varying(40)`, `bigint`…
    let type: String
    /// The type under any domain (`text`, `bytea`, `uuid`…): what masking depends on.
    let baseType: String
    /// `pg_type.typcategory`: `S` for the string types.
    let category: String
    /// A generated column: computed by the server, so never written to a snapshot nor loaded.
    let isGenerated: Bool
    /// The declared length of a `varchar(n)` or `char(n)`.
    let maxLength: Int?
    /// The sequence behind an identity or serial column.
    let sequence: String?
}

/// A table of the configured schemas with what `snapshot` and `seed` need to know about it.
struct DataTable: Sendable {
    let schema: String
    let name: String
    /// How manifests, settings and messages name it: bare in the default schema, `schema.table` elsewhere.
    let label: String
    var columns: [DataColumn] = []
    /// Primary key columns in key order (empty: none).
    var primaryKey: [String] = []

    func quotedName(_ connection: Connection) -> String {
        connection.escapeIdentifier(schema) + "." + connection.escapeIdentifier(name)
    }

    func column(named name: String) -> DataColumn? { columns.first { $0.name == name } }
}

/// The tables of some schemas and the foreign keys between them, read from the catalog.
struct DataTables: Sendable {
    var tables: [DataTable]
    /// (child, parent) labels of every foreign key between two of `tables`.
    var references: [(child: String, parent: String)]

    /// Ordinary and partitioned tables (not partitions: their parent's COPY includes their rows) of `schemas`.
    static func read(_ connection: Connection, schemas: [String], defaultSchema: String) throws -> DataTables {
        let literal = Connection.arrayLiteral(schemas)
        var byKey: [String: DataTable] = [:]
        var order: [String] = []
        try connection.forEachRow("""
            SELECT n.nspname, c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
                   pg_catalog.format_type(CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END, NULL), t.typcategory::text,
                   a.attgenerated <> '',
                   CASE WHEN t.typcategory = 'S' AND a.atttypmod > 4 THEN a.atttypmod - 4 END,
                   pg_catalog.pg_get_serial_sequence(pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname), a.attname),
                   (SELECT pg_catalog.array_position(k.conkey, a.attnum) FROM pg_catalog.pg_constraint k
                     WHERE k.conrelid = c.oid AND k.contype = 'p')
              FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
              JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
             WHERE n.nspname = ANY($1) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
             ORDER BY n.nspname, c.relname, a.attnum
            """, [literal]) { row in
            let schema = row.string(0) ?? "", name = row.string(1) ?? ""
            let key = schema + "." + name
            if byKey[key] == nil {
                byKey[key] = DataTable(schema: schema, name: name, label: schema == defaultSchema ? name : key)
                order.append(key)
            }
            let column = DataColumn(name: row.string(2) ?? "", type: row.string(3) ?? "", baseType: row.string(4) ?? "", category: row.string(5) ?? "",
                                    isGenerated: row.string(6) == "t", maxLength: row.string(7).flatMap { Int($0) }, sequence: row.string(8))
            byKey[key]?.columns.append(column)
            if let position = row.string(9).flatMap({ Int($0) }) {
                var key = byKey[key]!.primaryKey
                while key.count < position { key.append("") }
                key[position - 1] = column.name
                byKey[schema + "." + name]?.primaryKey = key
            }
        }
        let tables = order.compactMap { byKey[$0] }
        let labels = Dictionary(tables.map { ($0.schema + "." + $0.name, $0.label) }, uniquingKeysWith: { first, _ in first })
        var references: [(child: String, parent: String)] = []
        try connection.forEachRow("""
            SELECT cn.nspname || '.' || c.relname, pn.nspname || '.' || p.relname
              FROM pg_catalog.pg_constraint k
              JOIN pg_catalog.pg_class c ON c.oid = k.conrelid JOIN pg_catalog.pg_namespace cn ON cn.oid = c.relnamespace
              JOIN pg_catalog.pg_class p ON p.oid = k.confrelid JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
             WHERE k.contype = 'f' AND k.conparentid = 0 AND cn.nspname = ANY($1) AND pn.nspname = ANY($1)
             ORDER BY 1, 2
            """, [literal]) { row in
            if let child = row.string(0).flatMap({ labels[$0] }), let parent = row.string(1).flatMap({ labels[$0] }) {
                references.append((child, parent))
            }
        }
        return DataTables(tables: tables, references: references)
    }

    func table(_ label: String) -> DataTable? { tables.first { $0.label == label } }

    /// `labels` parents first: a table comes after every table it references. A self-reference needs no
    /// order (a foreign key is checked at the end of the COPY that loads both rows). A cycle is broken at its
    /// first table by name; `cycles` lists the tables placed that way (their deferrable keys are checked at
    /// commit, see `migrate seed`).
    func loadOrder(_ labels: [String]) -> (order: [String], cycles: [String]) {
        let members = Set(labels)
        var parents: [String: Set<String>] = [:]
        for reference in references where reference.child != reference.parent
            && members.contains(reference.child) && members.contains(reference.parent) {
            parents[reference.child, default: []].insert(reference.parent)
        }
        var remaining = labels.sorted()
        var placed = Set<String>()
        var order: [String] = []
        var cycles: [String] = []
        while !remaining.isEmpty {
            let ready = remaining.firstIndex { (parents[$0] ?? []).isSubset(of: placed) }
            if ready == nil { cycles.append(remaining[0]) }
            let next = remaining.remove(at: ready ?? 0)
            placed.insert(next)
            order.append(next)
        }
        return (order, cycles)
    }
}
