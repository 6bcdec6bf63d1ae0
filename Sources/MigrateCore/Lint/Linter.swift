import PostgresParser

/// Checks a plan's statements in the order they would run, each parsed by PostgreSQL's own grammar
/// (libpg_query), remembering what earlier ones did: a table created earlier in the plan is empty and
/// unused, so what would be dangerous on a live table is fine on it.
struct Linter {
    /// Whether migrate itself sets lock_timeout for every migration (the `lockTimeout` setting); when it does
    /// not, only the files' own `SET [LOCAL] lock_timeout` count.
    let lockTimeoutFromConfiguration: Bool

    init(lockTimeoutFromConfiguration: Bool) {
        self.lockTimeoutFromConfiguration = lockTimeoutFromConfiguration
    }

    private(set) var findings: [LintFinding] = []
    private(set) var notes: [LintNote] = []
    private(set) var ignored = 0

    /// What the plan did so far (names lower-cased, schema left out).
    private var createdTables: Set<String> = []
    private var createdIndexes: Set<String> = []
    /// Tables with a constraint validated earlier (a CHECK (col IS NOT NULL) proving SET NOT NULL).
    private var validatedTables: Set<String> = []

    /// Where a file stands while its statements are read.
    private struct FileState {
        var inTransaction: Bool
        var sessionLockTimeout = false
        var localLockTimeout = false
        var reportedLockTimeout = false
        /// The table holding an ACCESS EXCLUSIVE lock in the open transaction, and the line that took it.
        var exclusive: (table: String, line: Int)?
        var reportedAfterExclusive = false
    }

    /// One statement's findings before ignore comments are applied.
    private typealias Hit = (rule: LintRule, subject: String)

    mutating func lint(file: String, filepath: String, transactional: Bool, lines: OriginalLines, next: () throws -> SQLStatement?) throws {
        var state = FileState(inTransaction: transactional)
        while let statement = try next() {
            let ignores = try ignoreComments(for: statement, file: file, filepath: filepath, lines: lines)
            switch PostgresParser.parse(statement.text) {
            case .refused(let message):
                notes.append(LintNote(file: file, filepath: filepath, line: statement.line, column: statement.column,
                                      statement: ScriptRunner.firstLine(of: statement.text),
                                      message: "not checked: libpg_query (PostgreSQL \(PostgresParser.grammarVersion / 10000)'s grammar) cannot parse it: \(message)"))
            case .parsed(let nodes):
                for node in nodes {
                    for hit in check(node, line: statement.line, &state) {
                        if ignores.contains(hit.rule.rawValue) { ignored += 1; continue }
                        findings.append(LintFinding(rule: hit.rule.rawValue, file: file, filepath: filepath, line: statement.line, column: statement.column,
                                                    statement: ScriptRunner.firstLine(of: statement.text),
                                                    message: "\(hit.subject): \(hit.rule.danger)", safeForm: hit.rule.safeForm,
                                                    table: Self.table(of: node)))
                    }
                }
            }
        }
    }

    /// The rules ignored for this statement by comments with a reason; a comment without one is a finding.
    private mutating func ignoreComments(for statement: SQLStatement, file: String, filepath: String, lines: OriginalLines) throws -> Set<String> {
        var rules: Set<String> = []
        for line in try lines.around(statement.line) {
            switch LintIgnore.parse(line: line) {
            case .success(let ignore)?: rules.formUnion(ignore.rules)
            case .failure(let problem)?:
                findings.append(LintFinding(rule: LintRule.invalidLintIgnore.rawValue, file: file, filepath: filepath, line: statement.line,
                                            column: statement.column, statement: ScriptRunner.firstLine(of: statement.text),
                                            message: problem.message, safeForm: LintRule.invalidLintIgnore.safeForm))
            case nil: break
            }
        }
        return rules
    }

    // MARK: The rules

    private mutating func check(_ node: ParseNode, line: Int, _ state: inout FileState) -> [Hit] {
        guard let (type, stmt) = node.typed else { return [] }
        switch type {
        case "VariableSetStmt", "TransactionStmt":
            updateSession(type, stmt, &state)
            return []
        default: break
        }
        var hits: [Hit] = []
        if let held = state.exclusive, !state.reportedAfterExclusive, state.inTransaction {
            state.reportedAfterExclusive = true
            hits.append((.statementsAfterAccessExclusive, "after the ACCESS EXCLUSIVE lock on \(held.table) taken at line \(held.line)"))
        }
        let effect = rules(type, stmt, state)
        hits += effect.hits
        if let table = effect.locksExisting {
            if !lockTimeoutFromConfiguration && !state.sessionLockTimeout && !state.localLockTimeout && !state.reportedLockTimeout {
                state.reportedLockTimeout = true
                hits.append((.requireLockTimeout, "\(Self.verb(type)) on \(table) with no lock_timeout set earlier in the file"))
            }
            if effect.accessExclusive && state.inTransaction && state.exclusive == nil { state.exclusive = (table, line) }
        }
        return hits
    }

    /// What a statement breaks, and whether it locks an existing table (nil: no such lock), ACCESS EXCLUSIVE or less.
    private mutating func rules(_ type: String, _ stmt: ParseNode, _ state: FileState)
        -> (hits: [Hit], locksExisting: String?, accessExclusive: Bool) {
        let table = stmt["relation"]?["relname"]?.string?.lowercased()
        let existing = table.map { !createdTables.contains($0) } ?? false
        switch type {
        case "CreateStmt":
            if let table { createdTables.insert(table) }
        case "CreateTableAsStmt":
            if let created = stmt["into"]?["rel"]?["relname"]?.string?.lowercased() { createdTables.insert(created) }
        case "IndexStmt":
            if let name = stmt["idxname"]?.string?.lowercased() { createdIndexes.insert(name) }
            guard let table else { break }
            if stmt["concurrent"]?.isTrue == true {
                if state.inTransaction { return ([(.concurrentlyInTransaction, "CREATE INDEX CONCURRENTLY on \(table)")], nil, false) }
                if stmt["if_not_exists"]?.isTrue != true {
                    return ([(.concurrentIndexNotRerunnable, "CREATE INDEX CONCURRENTLY without IF NOT EXISTS")], nil, false)
                }
            } else if existing {
                return ([(.requireConcurrentIndexCreation, "CREATE INDEX on \(table)")], table, false)
            }
        case "DropStmt":
            return dropRules(stmt, state)
        case "ReindexStmt":
            let concurrent = stmt["params"]?.items.contains { $0["DefElem"]?["defname"]?.string == "concurrently" } ?? false
            let target = table ?? stmt["name"]?.string?.lowercased() ?? "the database"
            if concurrent {
                if state.inTransaction { return ([(.concurrentlyInTransaction, "REINDEX CONCURRENTLY")], nil, false) }
            } else if !createdTables.contains(target) && !createdIndexes.contains(target) {
                return ([(.requireConcurrentReindex, "REINDEX \(target)")], target, false)
            }
        case "AlterTableStmt" where stmt["objtype"]?.string == "OBJECT_TABLE":
            guard let table else { break }
            return alterTableRules(table, stmt, existing: existing)
        case "RenameStmt":
            guard let table, existing else {
                if let table, let newName = stmt["newname"]?.string?.lowercased(), stmt["renameType"]?.string == "OBJECT_TABLE",
                   createdTables.contains(table) { createdTables.insert(newName) }
                break
            }
            switch stmt["renameType"]?.string {
            case "OBJECT_TABLE": return ([(.renamingTable, "RENAME of table \(table)")], table, true)
            case "OBJECT_COLUMN": return ([(.renamingColumn, "RENAME of column \(table).\(stmt["subname"]?.string ?? "")")], table, true)
            default: return ([], table, true)
            }
        case "TruncateStmt", "LockStmt":
            let tables = stmt["relations"]?.items.compactMap { $0["RangeVar"]?["relname"]?.string?.lowercased() } ?? []
            // LOCK TABLE's default mode is ACCESS EXCLUSIVE (8); lighter modes still queue behind DDL.
            let exclusive = type == "TruncateStmt" || (stmt["mode"]?.int ?? 8) == 8
            if let locked = tables.first(where: { !createdTables.contains($0) }) { return ([], locked, exclusive) }
        case "CreateTrigStmt":
            if let table, existing { return ([], table, false) }
        default:
            break
        }
        return ([], nil, false)
    }

    private mutating func dropRules(_ stmt: ParseNode, _ state: FileState) -> (hits: [Hit], locksExisting: String?, accessExclusive: Bool) {
        let names = stmt["objects"]?.items.compactMap { $0["List"]?["items"]?.names.last?.lowercased() } ?? []
        switch stmt["removeType"]?.string {
        case "OBJECT_INDEX":
            if stmt["concurrent"]?.isTrue == true {
                if state.inTransaction { return ([(.concurrentlyInTransaction, "DROP INDEX CONCURRENTLY")], nil, false) }
                if stmt["missing_ok"]?.isTrue != true {
                    return ([(.concurrentIndexNotRerunnable, "DROP INDEX CONCURRENTLY without IF EXISTS")], nil, false)
                }
            } else if let index = names.first(where: { !createdIndexes.contains($0) }) {
                return ([(.requireConcurrentIndexDeletion, "DROP INDEX \(index)")], "the table of \(index)", true)
            }
        case "OBJECT_TABLE":
            if let table = names.first(where: { !createdTables.contains($0) }) {
                return ([(.banDropTable, "DROP TABLE \(table)")], table, true)
            }
        default:
            break
        }
        return ([], nil, false)
    }

    /// ALTER TABLE subcommands that take less than ACCESS EXCLUSIVE (ADD FOREIGN KEY: SHARE ROW EXCLUSIVE).
    private static let lighterSubcommands: Set<String> = [
        "AT_ValidateConstraint", "AT_SetStatistics", "AT_SetOptions", "AT_ResetOptions", "AT_ClusterOn", "AT_DropCluster",
        "AT_AttachPartition", "AT_EnableTrig", "AT_DisableTrig", "AT_EnableAlwaysTrig", "AT_EnableReplicaTrig",
        "AT_EnableTrigAll", "AT_DisableTrigAll", "AT_EnableTrigUser", "AT_DisableTrigUser",
    ]
    private static let volatileFunctions: Set<String> = [
        "random", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4", "clock_timestamp",
        "timeofday", "nextval", "txid_current", "statement_timestamp",
    ]
    private static let serialTypes: Set<String> = ["serial", "serial2", "serial4", "serial8", "smallserial", "bigserial"]

    private mutating func alterTableRules(_ table: String, _ stmt: ParseNode, existing: Bool)
        -> (hits: [Hit], locksExisting: String?, accessExclusive: Bool) {
        var hits: [Hit] = []
        var exclusive = false
        for command in stmt["cmds"]?.items.compactMap({ $0["AlterTableCmd"] }) ?? [] {
            let subtype = command["subtype"]?.string ?? ""
            let constraint = command["def"]?["Constraint"]
            let column = command["name"]?.string ?? ""
            if subtype == "AT_ValidateConstraint" { validatedTables.insert(table) }
            let isForeignKey = constraint?["contype"]?.string == "CONSTR_FOREIGN"
            if !Self.lighterSubcommands.contains(subtype) && !isForeignKey { exclusive = true }
            guard existing else { continue }
            switch subtype {
            case "AT_AddConstraint":
                if let constraint { hits += constraintRules(constraint, on: table) }
            case "AT_SetNotNull" where !validatedTables.contains(table):
                hits.append((.addingNotNullableField, "SET NOT NULL on \(table).\(column)"))
            case "AT_AddColumn":
                if let definition = command["def"]?["ColumnDef"] { hits += addColumnRules(definition, on: table) }
            case "AT_AlterColumnType":
                let type = command["def"]?["ColumnDef"]?["typeName"]
                let name = type?["names"]?.names.last ?? ""
                // To text, or to varchar without a length: no rewrite from varchar/text (the usual widening).
                let widening = name == "text" || (name == "varchar" && type?["typmods"] == nil)
                if !widening { hits.append((.changingColumnType, "ALTER COLUMN \(column) TYPE \(name) on \(table)")) }
            case "AT_DropColumn":
                hits.append((.banDropColumn, "DROP COLUMN \(table).\(column)"))
            default:
                break
            }
        }
        return (hits, existing ? table : nil, exclusive)
    }

    private func constraintRules(_ constraint: ParseNode, on table: String) -> [Hit] {
        let notValid = constraint["skip_validation"]?.isTrue == true
        switch constraint["contype"]?.string {
        case "CONSTR_FOREIGN" where !notValid:
            return [(.addingForeignKeyConstraint, "FOREIGN KEY on \(table) without NOT VALID")]
        case "CONSTR_CHECK" where !notValid:
            return [(.constraintMissingNotValid, "CHECK on \(table) without NOT VALID")]
        case "CONSTR_UNIQUE" where constraint["indexname"] == nil:
            return [(.disallowedUniqueConstraint, "UNIQUE on \(table) without USING INDEX")]
        case "CONSTR_PRIMARY" where constraint["indexname"] == nil:
            return [(.disallowedUniqueConstraint, "PRIMARY KEY on \(table) without USING INDEX")]
        default:
            return []
        }
    }

    private func addColumnRules(_ definition: ParseNode, on table: String) -> [Hit] {
        let column = "\(table).\(definition["colname"]?.string ?? "")"
        let constraints = definition["constraints"]?.items.compactMap { $0["Constraint"] } ?? []
        let kinds = Set(constraints.compactMap { $0["contype"]?.string })
        let typeName = definition["typeName"]?["names"]?.names.last ?? ""
        let defaultExpression = constraints.first { $0["contype"]?.string == "CONSTR_DEFAULT" }?["raw_expr"]
        let calls = (defaultExpression.map { [$0] + $0.descendants } ?? []).compactMap { $0["FuncCall"]?["funcname"]?.names.last }
        var hits: [Hit] = []
        if let volatile = calls.first(where: Self.volatileFunctions.contains) {
            hits.append((.addingFieldWithVolatileDefault, "ADD COLUMN \(column) DEFAULT \(volatile)()"))
        } else if Self.serialTypes.contains(typeName) {
            hits.append((.addingFieldWithVolatileDefault, "ADD COLUMN \(column) \(typeName)"))
        } else if kinds.contains("CONSTR_IDENTITY") || kinds.contains("CONSTR_GENERATED") {
            hits.append((.addingFieldWithVolatileDefault, "ADD COLUMN \(column) with an identity or stored generated value"))
        } else if kinds.contains("CONSTR_NOTNULL") && defaultExpression == nil {
            hits.append((.addingRequiredField, "ADD COLUMN \(column) NOT NULL without a default"))
        }
        if kinds.contains("CONSTR_FOREIGN") { hits.append((.addingForeignKeyConstraint, "ADD COLUMN \(column) REFERENCES")) }
        if kinds.contains("CONSTR_UNIQUE") || kinds.contains("CONSTR_PRIMARY") {
            hits.append((.disallowedUniqueConstraint, "ADD COLUMN \(column) UNIQUE or PRIMARY KEY"))
        }
        return hits
    }

    /// `SET [LOCAL] lock_timeout`, `RESET`, and transaction boundaries.
    private func updateSession(_ type: String, _ stmt: ParseNode, _ state: inout FileState) {
        if type == "TransactionStmt" {
            switch stmt["kind"]?.string {
            case "TRANS_STMT_BEGIN", "TRANS_STMT_START":
                state.inTransaction = true
            case "TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_PREPARE":
                state.inTransaction = false
                state.localLockTimeout = false
                state.exclusive = nil
                state.reportedAfterExclusive = false
            default:
                break
            }
            return
        }
        let name = stmt["name"]?.string?.lowercased()
        guard name == "lock_timeout" || stmt["kind"]?.string == "VAR_RESET_ALL" else { return }
        var on = false
        if stmt["kind"]?.string == "VAR_SET_VALUE", let value = stmt["args"]?.items.first?["A_Const"] {
            let text = value["sval"]?["sval"]?.string ?? value["ival"]?["ival"].map { "\($0.int ?? 0)" } ?? "0"
            on = !["0", "0s", "0ms"].contains(text.lowercased())
        }
        if stmt["is_local"]?.isTrue == true { state.localLockTimeout = on } else { state.sessionLockTimeout = on }
    }

    /// The table a statement works on, as written (schema-qualified when it is).
    private static func table(of node: ParseNode) -> String? {
        guard let stmt = node.typed?.node else { return nil }
        let relation = stmt["relation"] ?? stmt["relations"]?.items.first?["RangeVar"]
        if let name = relation?["relname"]?.string {
            return relation?["schemaname"]?.string.map { "\($0).\(name)" } ?? name
        }
        guard stmt["removeType"]?.string == "OBJECT_TABLE" else { return nil }
        return stmt["objects"]?.items.first?["List"]?["items"]?.names.joined(separator: ".")
    }

    /// What the statement is called in a finding.
    private static func verb(_ type: String) -> String {
        switch type {
        case "AlterTableStmt": return "ALTER TABLE"
        case "IndexStmt": return "CREATE INDEX"
        case "DropStmt": return "DROP"
        case "ReindexStmt": return "REINDEX"
        case "RenameStmt": return "RENAME"
        case "TruncateStmt": return "TRUNCATE"
        case "LockStmt": return "LOCK TABLE"
        case "CreateTrigStmt": return "CREATE TRIGGER"
        default: return "DDL"
        }
    }
}
