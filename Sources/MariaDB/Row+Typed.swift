// Typed reads of a Row. Each throws MariaDBError (code 0) naming the column on a missing column,
// NULL where a value is required, or a type mismatch. DECIMAL arrives as text: double() parses it.
import Foundation

extension Row {
    public func int(_ column: String) throws(MariaDBError) -> Int64 {
        try required(column, "integer") { value in
            switch value {
            case .int(let v): v
            case .uint(let v): Int64(exactly: v)
            case .text(let v): Int64(v)
            default: nil
            }
        }
    }

    public func optionalInt(_ column: String) throws(MariaDBError) -> Int64? {
        try isNull(column) ? nil : int(column)
    }

    public func uint(_ column: String) throws(MariaDBError) -> UInt64 {
        try required(column, "unsigned integer") { value in
            switch value {
            case .int(let v): UInt64(exactly: v)
            case .uint(let v): v
            case .text(let v): UInt64(v)
            default: nil
            }
        }
    }

    public func string(_ column: String) throws(MariaDBError) -> String {
        try required(column, "text") { value in
            switch value {
            case .text(let v): v
            case .blob(let v): String(validating: v, as: UTF8.self)
            default: nil
            }
        }
    }

    public func optionalString(_ column: String) throws(MariaDBError) -> String? {
        try isNull(column) ? nil : string(column)
    }

    public func date(_ column: String) throws(MariaDBError) -> Date {
        try required(column, "datetime") { value in
            if case .date(let v) = value { v } else { nil }
        }
    }

    public func optionalDate(_ column: String) throws(MariaDBError) -> Date? {
        try isNull(column) ? nil : date(column)
    }

    public func double(_ column: String) throws(MariaDBError) -> Double {
        try required(column, "number") { value in
            switch value {
            case .double(let v): v
            case .int(let v): Double(v)
            case .uint(let v): Double(v)
            case .text(let v): Double(v)
            default: nil
            }
        }
    }

    public func optionalDouble(_ column: String) throws(MariaDBError) -> Double? {
        try isNull(column) ? nil : double(column)
    }

    /// TINYINT(1)/BOOLEAN or any integer: non-zero is true.
    public func bool(_ column: String) throws(MariaDBError) -> Bool {
        try required(column, "boolean") { value in
            switch value {
            case .int(let v): v != 0
            case .uint(let v): v != 0
            default: nil
            }
        }
    }

    public func blob(_ column: String) throws(MariaDBError) -> [UInt8] {
        try required(column, "blob") { value in
            switch value {
            case .blob(let v): v
            case .text(let v): Array(v.utf8)
            default: nil
            }
        }
    }

    public func optionalBlob(_ column: String) throws(MariaDBError) -> [UInt8]? {
        try isNull(column) ? nil : blob(column)
    }

    /// True when the column is NULL; throws when the column does not exist.
    public func isNull(_ column: String) throws(MariaDBError) -> Bool {
        try value(column) == .null
    }

    private func required<T>(
        _ column: String, _ expected: String, _ convert: (SQLValue) -> T?
    ) throws(MariaDBError) -> T {
        let value = try value(column)
        if value == .null { throw .client("column '\(column)' is NULL, expected \(expected)") }
        guard let result = convert(value) else {
            throw .client("column '\(column)' holds \(value.kindName), expected \(expected)")
        }
        return result
    }
}
