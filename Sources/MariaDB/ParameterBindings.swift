// MYSQL_BIND array for a statement's parameters. Owns every buffer, length and flag it points to:
// keep the object alive (withExtendedLifetime) until mysql_stmt_execute has returned.
internal import CMariaDB

final class ParameterBindings {
    let count: Int
    let binds: UnsafeMutablePointer<MYSQL_BIND>
    private let lengths: UnsafeMutablePointer<UInt>
    private var buffers: [UnsafeMutableRawPointer] = []

    init(_ values: [SQLValue]) {
        count = values.count
        binds = .allocate(capacity: max(count, 1))
        binds.initialize(repeating: MYSQL_BIND(), count: max(count, 1))
        lengths = .allocate(capacity: max(count, 1))
        lengths.initialize(repeating: 0, count: max(count, 1))
        for (index, value) in values.enumerated() { bind(value, at: index) }
    }

    deinit {
        for buffer in buffers { buffer.deallocate() }
        binds.deallocate()
        lengths.deallocate()
    }

    private func bind(_ value: SQLValue, at index: Int) {
        switch value {
        case .null:
            binds[index].buffer_type = MYSQL_TYPE_NULL
        case .int(let v):
            store(v, at: index, type: MYSQL_TYPE_LONGLONG)
        case .uint(let v):
            store(v, at: index, type: MYSQL_TYPE_LONGLONG)
            binds[index].is_unsigned = 1
        case .double(let v):
            store(v, at: index, type: MYSQL_TYPE_DOUBLE)
        case .text(let v):
            storeBytes(Array(v.utf8), at: index, type: MYSQL_TYPE_STRING)
        case .blob(let v):
            storeBytes(v, at: index, type: MYSQL_TYPE_BLOB)
        case .date(let v):
            store(MYSQL_TIME(UTCDateTime(date: v)), at: index, type: MYSQL_TYPE_DATETIME)
        }
    }

    private func store<T>(_ value: T, at index: Int, type: enum_field_types) {
        let buffer = UnsafeMutableRawPointer.allocate(
            byteCount: MemoryLayout<T>.size, alignment: MemoryLayout<T>.alignment)
        buffer.initializeMemory(as: T.self, repeating: value, count: 1)
        buffers.append(buffer)
        binds[index].buffer_type = type
        binds[index].buffer = buffer
        binds[index].buffer_length = UInt(MemoryLayout<T>.size)
    }

    private func storeBytes(_ bytes: [UInt8], at index: Int, type: enum_field_types) {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 8)
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress { buffer.copyMemory(from: base, byteCount: bytes.count) }
        }
        buffers.append(buffer)
        lengths[index] = UInt(bytes.count)
        binds[index].buffer_type = type
        binds[index].buffer = buffer
        binds[index].buffer_length = UInt(bytes.count)
        binds[index].length = lengths + index
    }
}

extension MYSQL_TIME {
    init(_ utc: UTCDateTime) {
        self.init()
        year = UInt32(clamping: utc.year)
        month = UInt32(clamping: utc.month)
        day = UInt32(clamping: utc.day)
        hour = UInt32(clamping: utc.hour)
        minute = UInt32(clamping: utc.minute)
        second = UInt32(clamping: utc.second)
        second_part = UInt(clamping: utc.microsecond)
        time_type = MYSQL_TIMESTAMP_DATETIME
    }
}
