import PostgresClient

/// What `snapshot` writes: the tables chosen by `snapshot.tables` and `snapshot.exclude`, in load order,
/// each with the columns it writes and those it masks.
struct SnapshotPlan {
    struct Entry {
        let table: DataTable
        /// Every column but the generated ones, in table order.
        let columns: [DataColumn]
        /// Columns written as hashes: secret-looking names, and `snapshot.mask`.
        let masked: [String]
    }

    var entries: [Entry]
    var excluded: [String]
    /// Tables placed in a foreign-key cycle (see `DataTables.loadOrder`).
    var cycles: [String]

    /// Column names holding these (lower-cased) are masked unless their type cannot be: passwords, tokens, keys.
    static let secretWords = ["password", "passwd", "pwd", "secret", "token", "api_key", "apikey", "access_key", "private_key", "credential"]

    /// `history`: the history table's label, never written.
    init(_ catalog: DataTables, history: String, configuration: Configuration) throws(SeedError) {
        let all = catalog.tables.filter { $0.label != history }
        let labels = Set(all.map(\.label))
        func known(_ name: String, _ setting: String) throws(SeedError) -> String {
            guard labels.contains(name) else {
                throw SeedError.setting("\(configuration.label(of: setting)): no table \(name)"
                    + (name == history ? " (the history table is never written)" : "") + "; tables: \(all.map(\.label).joined(separator: ", "))")
            }
            return name
        }
        var chosen = all.map(\.label)
        if !configuration.snapshotTables.isEmpty {
            chosen = []
            for name in configuration.snapshotTables { chosen.append(try known(name, "snapshot.tables")) }
        }
        var excluded: [String] = []
        for name in configuration.snapshotExclude {
            if configuration.snapshotTables.contains(name) {
                throw SeedError.setting("\(configuration.label(of: "snapshot.exclude")): \(name) is also in snapshot.tables; name it in one of them")
            }
            excluded.append(try known(name, "snapshot.exclude"))
        }
        chosen.removeAll { excluded.contains($0) }
        for name in chosen where name.contains(where: { $0.isWhitespace || $0 == "/" || $0 == "=" }) {
            throw SeedError.unsafeTableName(name)
        }
        // snapshot.mask: table.column, the table given as in the other settings.
        var maskedByTable: [String: [String]] = [:]
        for item in configuration.snapshotMask {
            guard let dot = item.lastIndex(of: "."), dot != item.startIndex else {
                throw SeedError.setting("\(configuration.label(of: "snapshot.mask")): expected table.column, got '\(item)'")
            }
            let tableName = String(item[..<dot]), columnName = String(item[item.index(after: dot)...])
            let table = try known(tableName, "snapshot.mask")
            guard chosen.contains(table) else {
                throw SeedError.setting("\(configuration.label(of: "snapshot.mask")): \(item) is in a table the snapshot leaves out")
            }
            guard let column = catalog.table(table)?.column(named: columnName) else {
                let columns = catalog.table(table)?.columns.map(\.name).joined(separator: ", ") ?? ""
                throw SeedError.setting("\(configuration.label(of: "snapshot.mask")): table \(table) has no column \(columnName) (columns: \(columns))")
            }
            guard Self.maskExpression(for: column, quoted: "x") != nil else {
                throw SeedError.setting("\(configuration.label(of: "snapshot.mask")): \(item) is of type \(column.type), which migrate cannot mask "
                    + "keeping rows loadable (it masks text, varchar, char, bytea, uuid, json and jsonb columns); leave the table out with -snapshot.exclude")
            }
            maskedByTable[table, default: []].append(columnName)
        }
        let (order, cycles) = catalog.loadOrder(chosen)
        entries = order.compactMap { label in
            guard let table = catalog.table(label) else { return nil }
            let columns = table.columns.filter { !$0.isGenerated }
            let masked = columns.filter { column in
                (maskedByTable[label] ?? []).contains(column.name)
                    || (Self.looksSecret(column.name) && Self.maskExpression(for: column, quoted: "x") != nil)
            }.map(\.name)
            return Entry(table: table, columns: columns, masked: masked)
        }
        self.excluded = excluded
        self.cycles = cycles
    }

    static func looksSecret(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return secretWords.contains { lowered.contains($0) }
    }

    /// A deterministic stand-in of the same type: equal values mask alike and different ones (all but
    /// certainly) differently, so UNIQUE and foreign keys between masked columns hold; NULL stays NULL.
    /// nil for a type migrate cannot mask that way.
    static func maskExpression(for column: DataColumn, quoted: String) -> String? {
        let hash = "md5(\(quoted)::text)"
        switch column.baseType {
        case "bytea": return "decode(\(hash), 'hex')"
        case "uuid": return "\(hash)::uuid"
        case "json": return "to_json('masked-' || \(hash))"
        case "jsonb": return "to_jsonb('masked-' || \(hash))"
        default:
            guard column.category == "S" else { return nil }
            // A short varchar(n) keeps as much of the hash as fits.
            if let length = column.maxLength, length < 39 { return "left(\(hash), \(length))" }
            return "'masked-' || \(hash)"
        }
    }

    /// `COPY (SELECT … ORDER BY <primary key>) TO STDOUT (FORMAT csv, HEADER)` for one table.
    static func copyStatement(_ entry: Entry, _ connection: Connection) -> String {
        let select = entry.columns.map { column in
            let quoted = connection.escapeIdentifier(column.name)
            guard entry.masked.contains(column.name), let mask = maskExpression(for: column, quoted: quoted) else { return quoted }
            return "\(mask) AS \(quoted)"
        }.joined(separator: ", ")
        let order = entry.table.primaryKey.isEmpty ? "" : " ORDER BY " + entry.table.primaryKey.map(connection.escapeIdentifier).joined(separator: ", ")
        return "COPY (SELECT \(select) FROM \(entry.table.quotedName(connection))\(order)) TO STDOUT (FORMAT csv, HEADER true)"
    }
}
