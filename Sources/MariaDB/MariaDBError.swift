// Every failure of this module: the server's or client library's errno, SQLSTATE and message.
// Code 0 marks a usage error made on this side (missing column, type mismatch, bad parameter count).
public struct MariaDBError: Error, Sendable, CustomStringConvertible {
    public let code: UInt32
    public let sqlState: String
    public let message: String

    public init(code: UInt32, sqlState: String = "HY000", message: String) {
        self.code = code
        self.sqlState = sqlState
        self.message = message
    }

    /// A usage error raised by this module itself (code 0).
    public static func client(_ message: String) -> MariaDBError {
        MariaDBError(code: 0, sqlState: "HY000", message: message)
    }

    /// ER_DUP_ENTRY.
    public var isDuplicateKey: Bool { code == 1062 }
    /// CR_SERVER_GONE_ERROR 2006, CR_SERVER_LOST 2013, CR_CONNECTION_ERROR 2002, CR_CONN_HOST_ERROR 2003,
    /// CR_SERVER_LOST_EXTENDED 2055, ER_CONNECTION_KILLED 1927, ER_CLIENT_INTERACTION_TIMEOUT 4031.
    public var isConnectionLost: Bool { [2002, 2003, 2006, 2013, 2055, 1927, 4031].contains(code) }
    /// ER_LOCK_DEADLOCK 1213 (the transaction was rolled back), ER_LOCK_WAIT_TIMEOUT 1205 (the statement was).
    public var isDeadlockOrLockTimeout: Bool { code == 1213 || code == 1205 }
    /// ER_ROW_IS_REFERENCED_2 1451, ER_NO_REFERENCED_ROW_2 1452.
    public var isForeignKeyViolation: Bool { code == 1451 || code == 1452 }
    /// ER_CONSTRAINT_FAILED 4025.
    public var isCheckViolation: Bool { code == 4025 }

    public var description: String { "MariaDB error \(code) (\(sqlState)): \(message)" }
}
