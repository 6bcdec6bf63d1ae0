/// A five-character SQLSTATE code, as sent by the server in an error's `C` field.
///
/// Named constants cover the codes migrate and its tests care about; any other code works through
/// `SQLState("XX000")` or a string literal. Match them the GRDB way:
///
///     catch SQLState.undefinedTable { … }                       // any error with that SQLSTATE
///     catch let e as PostgresError where e.sqlState == .undefinedTable { … }
///     switch error.sqlState { case .uniqueViolation: …; case .integrityConstraintViolation: …; default: … }
///
/// In patterns (`~=`, so `catch` and `switch`, not `==`) a class code, one ending in `000`, matches
/// every code of its class: `case .integrityConstraintViolation` (23000) also catches 23505.
public struct SQLState: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public init(_ code: String) { self.rawValue = code }
    public var description: String { rawValue }

    /// The first two characters: the class ("42" for syntax errors and access rule violations).
    public var classCode: String { String(rawValue.prefix(2)) }
    /// Whether this is a class code (`XX000`), which matches its whole class in patterns.
    public var isClass: Bool { rawValue.count == 5 && rawValue.hasSuffix("000") }

    /// Pattern match: equal codes, or `pattern` is a class code and `value` is in that class.
    public static func ~= (pattern: SQLState, value: SQLState) -> Bool {
        if pattern.rawValue == value.rawValue { return true }
        return pattern.isClass && value.rawValue.count == 5 && pattern.classCode == value.classCode
    }

    /// Lets `switch error.sqlState { case .undefinedTable: … }` work on the optional field.
    public static func ~= (pattern: SQLState, value: SQLState?) -> Bool {
        guard let value else { return false }
        return pattern ~= value
    }

    /// Lets `catch SQLState.undefinedTable` catch a `PostgresError` with that SQLSTATE.
    public static func ~= (pattern: SQLState, error: any Error) -> Bool {
        guard let error = error as? PostgresError else { return false }
        return pattern ~= error.sqlState
    }

    // Class 00 — Successful Completion
    public static let successfulCompletion: SQLState = "00000"
    // Class 01 — Warning
    public static let warning: SQLState = "01000"
    // Class 02 — No Data
    public static let noData: SQLState = "02000"
    // Class 08 — Connection Exception
    public static let connectionException: SQLState = "08000"
    public static let connectionDoesNotExist: SQLState = "08003"
    public static let connectionFailure: SQLState = "08006"
    public static let sqlclientUnableToEstablishSQLConnection: SQLState = "08001"
    public static let protocolViolation: SQLState = "08P01"
    // Class 0A — Feature Not Supported
    public static let featureNotSupported: SQLState = "0A000"
    // Class 21 — Cardinality Violation
    public static let cardinalityViolation: SQLState = "21000"
    // Class 22 — Data Exception
    public static let dataException: SQLState = "22000"
    public static let stringDataRightTruncation: SQLState = "22001"
    public static let numericValueOutOfRange: SQLState = "22003"
    public static let nullValueNotAllowed: SQLState = "22004"
    public static let invalidDatetimeFormat: SQLState = "22007"
    public static let datetimeFieldOverflow: SQLState = "22008"
    public static let divisionByZero: SQLState = "22012"
    public static let invalidParameterValue: SQLState = "22023"
    public static let characterNotInRepertoire: SQLState = "22021"
    public static let invalidTextRepresentation: SQLState = "22P02"
    public static let badCopyFileFormat: SQLState = "22P04"
    public static let untranslatableCharacter: SQLState = "22P05"
    // Class 23 — Integrity Constraint Violation
    public static let integrityConstraintViolation: SQLState = "23000"
    public static let restrictViolation: SQLState = "23001"
    public static let notNullViolation: SQLState = "23502"
    public static let foreignKeyViolation: SQLState = "23503"
    public static let uniqueViolation: SQLState = "23505"
    public static let checkViolation: SQLState = "23514"
    public static let exclusionViolation: SQLState = "23P01"
    // Class 25 — Invalid Transaction State
    public static let invalidTransactionState: SQLState = "25000"
    public static let activeSQLTransaction: SQLState = "25001"
    public static let readOnlySQLTransaction: SQLState = "25006"
    public static let noActiveSQLTransaction: SQLState = "25P01"
    public static let inFailedSQLTransaction: SQLState = "25P02"
    // Class 28 — Invalid Authorization Specification
    public static let invalidAuthorizationSpecification: SQLState = "28000"
    public static let invalidPassword: SQLState = "28P01"
    // Class 2B/2D/2F
    public static let dependentObjectsStillExist: SQLState = "2BP01"
    public static let invalidTransactionTermination: SQLState = "2D000"
    public static let sqlRoutineException: SQLState = "2F000"
    // Class 3D — Invalid Catalog Name
    public static let invalidCatalogName: SQLState = "3D000"
    // Class 3F — Invalid Schema Name
    public static let invalidSchemaName: SQLState = "3F000"
    // Class 40 — Transaction Rollback
    public static let transactionRollback: SQLState = "40000"
    public static let serializationFailure: SQLState = "40001"
    public static let deadlockDetected: SQLState = "40P01"
    // Class 42 — Syntax Error or Access Rule Violation
    public static let syntaxErrorOrAccessRuleViolation: SQLState = "42000"
    public static let syntaxError: SQLState = "42601"
    public static let insufficientPrivilege: SQLState = "42501"
    public static let cannotCoerce: SQLState = "42846"
    public static let groupingError: SQLState = "42803"
    public static let invalidForeignKey: SQLState = "42830"
    public static let invalidName: SQLState = "42602"
    public static let nameTooLong: SQLState = "42622"
    public static let datatypeMismatch: SQLState = "42804"
    public static let wrongObjectType: SQLState = "42809"
    public static let undefinedColumn: SQLState = "42703"
    public static let undefinedFunction: SQLState = "42883"
    public static let undefinedTable: SQLState = "42P01"
    public static let undefinedParameter: SQLState = "42P02"
    public static let undefinedObject: SQLState = "42704"
    public static let duplicateColumn: SQLState = "42701"
    public static let duplicateDatabase: SQLState = "42P04"
    public static let duplicateFunction: SQLState = "42723"
    public static let duplicateSchema: SQLState = "42P06"
    public static let duplicateTable: SQLState = "42P07"
    public static let duplicateObject: SQLState = "42710"
    public static let ambiguousColumn: SQLState = "42702"
    public static let ambiguousFunction: SQLState = "42725"
    public static let invalidColumnReference: SQLState = "42P10"
    public static let invalidObjectDefinition: SQLState = "42P17"
    // Class 53 — Insufficient Resources
    public static let insufficientResources: SQLState = "53000"
    public static let diskFull: SQLState = "53100"
    public static let outOfMemory: SQLState = "53200"
    public static let tooManyConnections: SQLState = "53300"
    // Class 54 — Program Limit Exceeded
    public static let programLimitExceeded: SQLState = "54000"
    // Class 55 — Object Not In Prerequisite State
    public static let objectNotInPrerequisiteState: SQLState = "55000"
    public static let objectInUse: SQLState = "55006"
    public static let lockNotAvailable: SQLState = "55P03"
    // Class 57 — Operator Intervention
    public static let operatorIntervention: SQLState = "57000"
    public static let queryCanceled: SQLState = "57014"
    public static let adminShutdown: SQLState = "57P01"
    public static let crashShutdown: SQLState = "57P02"
    public static let cannotConnectNow: SQLState = "57P03"
    public static let databaseDropped: SQLState = "57P04"
    // Class 58 — System Error
    public static let systemError: SQLState = "58000"
    // Class P0 — PL/pgSQL Error
    public static let plpgsqlError: SQLState = "P0000"
    public static let raiseException: SQLState = "P0001"
    public static let noDataFound: SQLState = "P0002"
    public static let tooManyRows: SQLState = "P0003"
    public static let assertFailure: SQLState = "P0004"
    // Class XX — Internal Error
    public static let internalError: SQLState = "XX000"
}
