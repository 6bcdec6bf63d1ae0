internal import CPgQuery
import FoundationEssentials

/// PostgreSQL's own grammar, through libpg_query: the only place that touches its C API.
public enum PostgresParser {
    /// What the grammar says about one statement's text.
    public enum Outcome: Sendable {
        /// The raw statements (`RawStmt.stmt`), each a typed node such as `{"IndexStmt": {…}}`.
        case parsed([ParseNode])
        /// The grammar refused the text, with its message.
        case refused(message: String)
    }

    /// The version of PostgreSQL's grammar libpg_query was built from (e.g. 150001).
    public static var grammarVersion: Int { Int(PG_VERSION_NUM) }

    public static func parse(_ sql: String) -> Outcome {
        let result = pg_query_parse(sql)
        defer { pg_query_free_parse_result(result) }
        if let error = result.error {
            return .refused(message: error.pointee.message.map { String(cString: $0) } ?? "syntax error")
        }
        guard let text = result.parse_tree else { return .parsed([]) }
        let json = Data(String(cString: text).utf8)
        guard let tree = try? JSONDecoder().decode(ParseNode.self, from: json) else {
            return .refused(message: "the parse tree could not be read")
        }
        return .parsed(tree["stmts"]?.items.compactMap { $0["stmt"] } ?? [])
    }
}
