// MYSQL_BIND array for one execution's result columns, and conversion of a fetched row to SQLValues.
// Trap: string/blob buffers are sized from max_length (buffered) or a small guess (streaming), never
// from the declared length (LONGTEXT = 4 GB); a longer value is read whole with mysql_stmt_fetch_column.
internal import CMariaDB

final class ResultBindings {
    enum Kind { case signed, unsigned, double, temporal, text, blob, bit }

    let columns: ColumnSet
    let binds: UnsafeMutablePointer<MYSQL_BIND>
    private let count: Int
    private let kinds: [Kind]
    private let lengths: UnsafeMutablePointer<UInt>
    private let nulls: UnsafeMutablePointer<Int8>
    private let errors: UnsafeMutablePointer<Int8>
    private var buffers: [UnsafeMutableRawPointer] = []

    /// Call after mysql_stmt_execute (and mysql_stmt_store_result when `buffered`).
    init(statement: UnsafeMutablePointer<MYSQL_STMT>, buffered: Bool) throws(MariaDBError) {
        count = Int(mysql_stmt_field_count(statement))
        guard let meta = mysql_stmt_result_metadata(statement) else { throw MariaDBError(statement: statement) }
        defer { mysql_free_result(meta) }
        guard let fields = mysql_fetch_fields(meta) else { throw .client("result has no field metadata") }

        binds = .allocate(capacity: max(count, 1))
        binds.initialize(repeating: MYSQL_BIND(), count: max(count, 1))
        lengths = .allocate(capacity: max(count, 1))
        lengths.initialize(repeating: 0, count: max(count, 1))
        nulls = .allocate(capacity: max(count, 1))
        nulls.initialize(repeating: 0, count: max(count, 1))
        errors = .allocate(capacity: max(count, 1))
        errors.initialize(repeating: 0, count: max(count, 1))

        var names: [String] = []
        var kinds: [Kind] = []
        for index in 0..<count {
            let field = fields[index]
            names.append(String(cString: field.name))
            let kind = Self.kind(of: field)
            kinds.append(kind)
            let (type, size) = Self.bufferShape(kind, field: field, buffered: buffered)
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
            buffers.append(buffer)
            binds[index].buffer_type = type
            binds[index].buffer = buffer
            binds[index].buffer_length = UInt(size)
            binds[index].is_unsigned = (field.flags & UInt32(UNSIGNED_FLAG)) != 0 ? 1 : 0
            binds[index].length = lengths + index
            binds[index].is_null = nulls + index
            binds[index].error = errors + index
        }
        self.kinds = kinds
        columns = ColumnSet(names)
    }

    deinit {
        for buffer in buffers { buffer.deallocate() }
        binds.deallocate()
        lengths.deallocate()
        nulls.deallocate()
        errors.deallocate()
    }

    /// The current row (after mysql_stmt_fetch returned 0 or MYSQL_DATA_TRUNCATED).
    func row(statement: UnsafeMutablePointer<MYSQL_STMT>) throws(MariaDBError) -> Row {
        var values: [SQLValue] = []
        values.reserveCapacity(count)
        for index in 0..<count {
            if nulls[index] != 0 {
                values.append(.null)
                continue
            }
            let buffer = buffers[index]
            switch kinds[index] {
            case .signed:
                values.append(.int(buffer.load(as: Int64.self)))
            case .unsigned:
                let v = buffer.load(as: UInt64.self)
                values.append(v <= UInt64(Int64.max) ? .int(Int64(v)) : .uint(v))
            case .double:
                values.append(.double(buffer.load(as: Double.self)))
            case .temporal:
                values.append(Self.value(of: buffer.load(as: MYSQL_TIME.self)))
            case .text:
                values.append(.text(String(decoding: try bytes(at: index, statement), as: UTF8.self)))
            case .blob:
                values.append(.blob(try bytes(at: index, statement)))
            case .bit:
                let value = try bytes(at: index, statement).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                values.append(value <= UInt64(Int64.max) ? .int(Int64(value)) : .uint(value))
            }
        }
        return Row(columnSet: columns, values: values)
    }

    private func bytes(at index: Int, _ statement: UnsafeMutablePointer<MYSQL_STMT>) throws(MariaDBError) -> [UInt8] {
        let length = Int(lengths[index])
        if errors[index] == 0 && length <= Int(binds[index].buffer_length) {
            return Array(UnsafeRawBufferPointer(start: buffers[index], count: length))
        }
        // Truncated: fetch the whole value into a buffer of its real length.
        var whole = [UInt8](repeating: 0, count: length)
        var fetchedLength: UInt = 0
        var isNull: Int8 = 0
        let rc = whole.withUnsafeMutableBytes { target -> Int32 in
            var bind = MYSQL_BIND()
            bind.buffer_type = binds[index].buffer_type
            bind.buffer = target.baseAddress
            bind.buffer_length = UInt(length)
            return withUnsafeMutablePointer(to: &fetchedLength) { lengthPointer in
                withUnsafeMutablePointer(to: &isNull) { nullPointer in
                    bind.length = lengthPointer
                    bind.is_null = nullPointer
                    return mysql_stmt_fetch_column(statement, &bind, UInt32(index), 0)
                }
            }
        }
        guard rc == 0 else { throw MariaDBError(statement: statement) }
        return whole
    }

    private static func kind(of field: MYSQL_FIELD) -> Kind {
        switch field.type {
        case MYSQL_TYPE_TINY, MYSQL_TYPE_SHORT, MYSQL_TYPE_LONG, MYSQL_TYPE_INT24, MYSQL_TYPE_LONGLONG,
            MYSQL_TYPE_YEAR:
            return (field.flags & UInt32(UNSIGNED_FLAG)) != 0 ? .unsigned : .signed
        case MYSQL_TYPE_FLOAT, MYSQL_TYPE_DOUBLE:
            return .double
        case MYSQL_TYPE_DATE, MYSQL_TYPE_DATETIME, MYSQL_TYPE_TIMESTAMP, MYSQL_TYPE_NEWDATE:
            return .temporal
        case MYSQL_TYPE_BIT:
            return .bit
        case MYSQL_TYPE_TINY_BLOB, MYSQL_TYPE_MEDIUM_BLOB, MYSQL_TYPE_LONG_BLOB, MYSQL_TYPE_BLOB,
            MYSQL_TYPE_VAR_STRING, MYSQL_TYPE_STRING, MYSQL_TYPE_VARCHAR, MYSQL_TYPE_GEOMETRY:
            return field.charsetnr == 63 ? .blob : .text  // 63 = binary
        default:  // DECIMAL, NEWDECIMAL, TIME, ENUM, SET, JSON, NULL: as text
            return .text
        }
    }

    private static func bufferShape(_ kind: Kind, field: MYSQL_FIELD, buffered: Bool) -> (enum_field_types, Int) {
        switch kind {
        case .signed, .unsigned: return (MYSQL_TYPE_LONGLONG, 8)
        case .double: return (MYSQL_TYPE_DOUBLE, 8)
        case .temporal: return (MYSQL_TYPE_DATETIME, MemoryLayout<MYSQL_TIME>.stride)
        case .text, .blob, .bit:
            let guess = buffered ? Int(field.max_length) : min(Int(field.length), 1024)
            return (kind == .text ? MYSQL_TYPE_STRING : MYSQL_TYPE_BLOB, max(guess, 1))
        }
    }

    private static func value(of time: MYSQL_TIME) -> SQLValue {
        guard time.month != 0, time.day != 0 else { return .text("0000-00-00 00:00:00") }
        return .date(UTCDateTime(
            year: Int(time.year), month: Int(time.month), day: Int(time.day), hour: Int(time.hour),
            minute: Int(time.minute), second: Int(time.second), microsecond: Int(time.second_part)
        ).date)
    }
}
