// One value sent to or read from MariaDB. `.date` is a DATETIME(6) in UTC with microseconds.
// Unsigned columns read as `.int` when they fit in Int64 and as `.uint` only above Int64.max.
import Foundation

public enum SQLValue: Sendable, Equatable {
    case null
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case text(String)
    case blob([UInt8])
    case date(Date)

    public var isNull: Bool { self == .null }
}

extension SQLValue {
    public init(_ value: Int) { self = .int(Int64(value)) }
    public init(_ value: Int64) { self = .int(value) }
    public init(_ value: UInt64) { self = .uint(value) }
    public init(_ value: Double) { self = .double(value) }
    public init(_ value: Bool) { self = .int(value ? 1 : 0) }
    public init(_ value: String) { self = .text(value) }
    public init(_ value: [UInt8]) { self = .blob(value) }
    public init(_ value: Date) { self = .date(value) }

    public init(_ value: Int?) { self = value.map { .int(Int64($0)) } ?? .null }
    public init(_ value: Int64?) { self = value.map { .int($0) } ?? .null }
    public init(_ value: Double?) { self = value.map { .double($0) } ?? .null }
    public init(_ value: Bool?) { self = value.map { .int($0 ? 1 : 0) } ?? .null }
    public init(_ value: String?) { self = value.map { .text($0) } ?? .null }
    public init(_ value: [UInt8]?) { self = value.map { .blob($0) } ?? .null }
    public init(_ value: Date?) { self = value.map { .date($0) } ?? .null }
}

extension SQLValue: ExpressibleByNilLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByStringLiteral, ExpressibleByBooleanLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .text(value) }
    public init(booleanLiteral value: Bool) { self = .int(value ? 1 : 0) }
}

extension SQLValue: CustomStringConvertible {
    public var description: String {
        switch self {
        case .null: "NULL"
        case .int(let v): String(v)
        case .uint(let v): String(v)
        case .double(let v): String(v)
        case .text(let v): "'\(v)'"
        case .blob(let v): "<\(v.count) bytes>"
        case .date(let v): UTCDateTime(date: v).iso8601
        }
    }

    /// The kind name used in error messages.
    var kindName: String {
        switch self {
        case .null: "NULL"
        case .int: "integer"
        case .uint: "unsigned integer"
        case .double: "double"
        case .text: "text"
        case .blob: "blob"
        case .date: "datetime"
        }
    }
}
