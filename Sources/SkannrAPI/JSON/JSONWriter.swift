// A byte-level JSON writer, under JSONBody's streaming encoder (every response body): the same
// bytes JSONCoding.shared would produce (RFC 3339 `Z` dates without fractional seconds, rounded
// down like ISO8601FormatStyle; nil as null; `/` not escaped), at a fraction of JSONEncoder's cost.
// JSONWriterTests compares both on many values: keep them in step.
import Foundation
import Observability

struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    /// Per nesting level: no comma is needed before the next member (the container is empty so far).
    private var first: [Bool] = []

    init(capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

    mutating func beginObject() { separate(); bytes.append(UInt8(ascii: "{")); first.append(true) }
    mutating func endObject() { first.removeLast(); bytes.append(UInt8(ascii: "}")) }
    mutating func beginArray() { separate(); bytes.append(UInt8(ascii: "[")); first.append(true) }
    mutating func endArray() { first.removeLast(); bytes.append(UInt8(ascii: "]")) }

    /// An object key (written as given: callers pass snake_case literals).
    mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        // The value that follows must not add a comma of its own.
        if !first.isEmpty { first[first.count - 1] = true }
    }

    /// An object key from a run-time string (escaped like any string).
    mutating func key(_ name: String) {
        string(name)
        bytes.append(UInt8(ascii: ":"))
        if !first.isEmpty { first[first.count - 1] = true }
    }

    mutating func null() { separate(); append("null") }
    /// JSON text that is valid already (a stored JSON column), as it is.
    mutating func raw(_ text: String) { separate(); append(text) }
    /// A number already formatted as JSON (JSONSink's floating-point values).
    mutating func number(_ text: String) { separate(); append(text) }
    mutating func bool(_ value: Bool) { separate(); append(value ? "true" : "false") }
    mutating func int(_ value: some BinaryInteger) {
        separate()
        // Digits straight into the bytes (String(value) showed in the list profiles); Int64 covers
        // every integer a view writes, anything wider takes String's path.
        guard let number = Int64(exactly: value) else { append(String(value)); return }
        if number < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = number.magnitude
        var divisor: UInt64 = 1
        while divisor <= magnitude / 10 { divisor *= 10 }
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(magnitude / divisor))
            magnitude %= divisor
            divisor /= 10
        } while divisor > 0
    }

    mutating func string(_ value: String) {
        separate()
        JSONString.append(value, to: &bytes)
    }

    /// `2026-11-29T06:00:00Z`: whole seconds, rounded down.
    mutating func date(_ value: Date) {
        separate()
        var seconds = Int(value.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        bytes.append(UInt8(ascii: "\""))
        digits(Int(parts.tm_year) + 1900, 4); bytes.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mon) + 1, 2); bytes.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mday), 2); bytes.append(UInt8(ascii: "T"))
        digits(Int(parts.tm_hour), 2); bytes.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_min), 2); bytes.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_sec), 2)
        append("Z\"")
    }

    mutating func string(_ value: String?) { if let value { string(value) } else { null() } }
    mutating func int(_ value: (some BinaryInteger)?) { if let value { int(value) } else { null() } }
    mutating func date(_ value: Date?) { if let value { date(value) } else { null() } }

    // MARK: -

    /// A comma before every member but the first of its container (keys reset the flag for their value).
    private mutating func separate() {
        guard !first.isEmpty else { return }
        if first[first.count - 1] { first[first.count - 1] = false } else { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func append(_ text: StaticString) { text.withUTF8Buffer { bytes.append(contentsOf: $0) } }
    private mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }

    private mutating func digits(_ value: Int, _ width: Int) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        if value >= divisor * 10 { append(String(value)); return }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }
}
