internal import CLibPQ

/// Rows copied out of a PGresult, as text.
public struct QueryResult: Sendable, Equatable {
    public var columns: [String]
    public var rows: [[String?]]
    /// "INSERT 0 1", "CREATE TABLE"…
    public var commandTag: String
    public init(columns: [String] = [], rows: [[String?]] = [], commandTag: String = "") {
        self.columns = columns; self.rows = rows; self.commandTag = commandTag
    }

    /// Rows touched by INSERT, UPDATE, DELETE, MERGE, SELECT, CREATE TABLE AS, MOVE, FETCH or COPY;
    /// nil for other commands. Read from the command tag the same way `PQcmdTuples` does.
    public var affectedRows: Int? {
        let words = commandTag.split(separator: " ", omittingEmptySubsequences: false)
        let count: Substring
        switch words.first {
        case "INSERT"?:  // "INSERT oid count"
            guard words.count == 3 else { return nil }
            count = words[2]
        case "SELECT"?, "UPDATE"?, "DELETE"?, "MERGE"?, "FETCH"?, "MOVE"?, "COPY"?:
            guard words.count == 2 else { return nil }
            count = words[1]
        default:
            return nil
        }
        guard !count.isEmpty, count.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        return Int(count)
    }

    /// Index of the first column with this name.
    public func columnIndex(of name: String) -> Int? {
        columns.firstIndex(of: name)
    }

    /// The value in `column` (by name) of `row`; nil if NULL, or if there is no such column or row.
    public func value(_ column: String, row: Int = 0) -> String? {
        guard let index = columnIndex(of: column), rows.indices.contains(row) else { return nil }
        return rows[row][index]
    }

    /// The first column of the first row (for `SELECT count(*)`-style queries); nil if NULL or empty.
    public var scalar: String? {
        guard let first = rows.first, let value = first.first else { return nil }
        return value
    }

    public var isEmpty: Bool { rows.isEmpty }
}

extension QueryResult {
    /// Copies everything out of a successful PGresult (the caller still owns and clears it).
    /// Results without rows (DDL, most migration statements) allocate nothing but the tag.
    init(result: OpaquePointer) {
        let tag = PQcmdStatus(result).map { String(cString: $0) } ?? ""
        let fieldCount = PQnfields(result)
        guard fieldCount > 0 else {
            self.init(commandTag: tag)
            return
        }
        var columns: [String] = []
        columns.reserveCapacity(Int(fieldCount))
        for field in 0..<fieldCount {
            columns.append(PQfname(result, field).map { String(cString: $0) } ?? "")
        }
        let rowCount = PQntuples(result)
        var rows: [[String?]] = []
        if rowCount > 0 {
            rows.reserveCapacity(Int(rowCount))
            for rowIndex in 0..<rowCount {
                var row: [String?] = []
                row.reserveCapacity(Int(fieldCount))
                for field in 0..<fieldCount {
                    if PQgetisnull(result, rowIndex, field) != 0 {
                        row.append(nil)
                    } else {
                        let length = Int(PQgetlength(result, rowIndex, field))
                        let bytes = UnsafeRawBufferPointer(start: PQgetvalue(result, rowIndex, field), count: length)
                        row.append(String(decoding: bytes, as: UTF8.self))
                    }
                }
                rows.append(row)
            }
        }
        self.init(columns: columns, rows: rows, commandTag: tag)
    }
}

/// One row of a result as it is read (`Connection.forEachRow`): valid only inside the body it was handed to.
public struct ResultRow {
    fileprivate let result: OpaquePointer
    fileprivate let index: Int32
    /// Which statement of the message the row answers (0 for the first), when one message held several.
    public let statement: Int

    init(result: OpaquePointer, index: Int32, statement: Int) {
        self.result = result
        self.index = index
        self.statement = statement
    }

    public func isNull(_ column: Int) -> Bool {
        PQgetisnull(result, index, Int32(column)) != 0
    }

    /// The value as text; nil for NULL.
    public func string(_ column: Int) -> String? {
        withBytes(column) { String(decoding: $0, as: UTF8.self) }
    }

    /// The value as an integer; nil for NULL or anything else.
    public func integer(_ column: Int) -> Int? {
        withBytes(column) { bytes -> Int? in
            var value = 0, negative = false
            for (offset, byte) in bytes.enumerated() {
                if offset == 0 && byte == UInt8(ascii: "-") { negative = true; continue }
                guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
                value = value &* 10 &+ Int(byte &- UInt8(ascii: "0"))
            }
            return negative ? -value : value
        } ?? nil
    }

    /// The value's bytes (valid during `body`); nil for NULL.
    public func withBytes<T>(_ column: Int, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T? {
        guard !isNull(column), let value = PQgetvalue(result, index, Int32(column)) else { return nil }
        let length = Int(PQgetlength(result, index, Int32(column)))
        return value.withMemoryRebound(to: UInt8.self, capacity: length) { body(UnsafeBufferPointer(start: $0, count: length)) }
    }
}
