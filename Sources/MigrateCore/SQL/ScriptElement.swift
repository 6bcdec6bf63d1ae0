import FoundationEssentials
import Glibc

/// What a script yields, in file order.
public enum ScriptElement: Sendable, Equatable {
    case statement(SQLStatement)
    /// One line of COPY data, with its "\n".
    case copyData(String)
    /// The `\.` line (or end of file) that ends COPY data.
    case copyEnd(line: Int)
}
