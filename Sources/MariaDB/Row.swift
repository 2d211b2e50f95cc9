// One result row: values by column name or position. All rows of one result share one ColumnSet.
// With duplicate column names (joins), the name finds the first; alias columns to avoid that.
public final class ColumnSet: Sendable {
    public let names: [String]
    let positions: [String: Int]

    public init(_ names: [String]) {
        self.names = names
        var positions: [String: Int] = [:]
        for (index, name) in names.enumerated() where positions[name] == nil { positions[name] = index }
        self.positions = positions
    }
}

public struct Row: Sendable {
    public let columnSet: ColumnSet
    public let values: [SQLValue]

    public init(columnSet: ColumnSet, values: [SQLValue]) {
        self.columnSet = columnSet
        self.values = values
    }

    public init(columns: [String], values: [SQLValue]) {
        self.init(columnSet: ColumnSet(columns), values: values)
    }

    public var columns: [String] { columnSet.names }

    /// The value of `column`, or `.null` when there is no such column (use `value(_:)` to tell them apart).
    public subscript(_ column: String) -> SQLValue {
        guard let index = columnSet.positions[column], index < values.count else { return .null }
        return values[index]
    }

    public subscript(_ index: Int) -> SQLValue {
        values.indices.contains(index) ? values[index] : .null
    }

    /// The value of `column`; throws when the result has no such column.
    public func value(_ column: String) throws(MariaDBError) -> SQLValue {
        guard let index = columnSet.positions[column], index < values.count else {
            throw .client("no column '\(column)' in result (columns: \(columns.joined(separator: ", ")))")
        }
        return values[index]
    }
}
