/// A node of libpg_query's JSON parse tree, kept as the JSON it is: the lint rules read the few fields they
/// need by name (`stmt["relation"]?["relname"]?.string`) instead of decoding PostgreSQL's hundreds of node types.
public enum ParseNode: Sendable, Equatable, Decodable {
    case object([String: ParseNode])
    case array([ParseNode])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([ParseNode].self) { self = .array(value) }
        else { self = .object(try container.decode([String: ParseNode].self)) }
    }

    public subscript(key: String) -> ParseNode? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }

    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// libpg_query leaves out false booleans, so a missing field reads as false.
    public var isTrue: Bool {
        if case .bool(let value) = self { return value }
        return false
    }

    public var int: Int? {
        if case .number(let value) = self { return Int(value) }
        return nil
    }

    /// The elements of a list (an absent list is empty).
    public var items: [ParseNode] {
        if case .array(let values) = self { return values }
        return []
    }

    /// A wrapped node such as `{"IndexStmt": {…}}`: its type name and fields.
    public var typed: (type: String, node: ParseNode)? {
        guard case .object(let fields) = self, fields.count == 1, let (type, node) = fields.first else { return nil }
        return (type, node)
    }

    /// The strings of a name list (`[{"String": {"sval": "pg_catalog"}}, …]`).
    public var names: [String] { items.compactMap { $0["String"]?["sval"]?.string } }

    /// Every node below this one, depth first (for questions such as "does this expression call random()?").
    public var descendants: [ParseNode] {
        switch self {
        case .object(let fields): return fields.values.flatMap { [$0] + $0.descendants }
        case .array(let values): return values.flatMap { [$0] + $0.descendants }
        default: return []
        }
    }
}
