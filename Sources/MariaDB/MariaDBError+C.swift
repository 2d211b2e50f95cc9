// Reads the error state of a MYSQL or MYSQL_STMT handle right after the failing call.
internal import CMariaDB

extension MariaDBError {
    init(mysql: UnsafeMutablePointer<MYSQL>) {
        self.init(
            code: mysql_errno(mysql),
            sqlState: String(cString: mysql_sqlstate(mysql)),
            message: String(cString: mysql_error(mysql)))
    }

    init(statement: UnsafeMutablePointer<MYSQL_STMT>) {
        self.init(
            code: mysql_stmt_errno(statement),
            sqlState: String(cString: mysql_stmt_sqlstate(statement)),
            message: String(cString: mysql_stmt_error(statement)))
    }

    /// The error used when a transaction's connection died and the transaction has not unwound yet.
    static let lostInTransaction = MariaDBError(
        code: 2013, sqlState: "HY000", message: "connection lost inside a transaction; it was rolled back")
}
