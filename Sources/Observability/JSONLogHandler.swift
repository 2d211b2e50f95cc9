// swift-log handler that writes one JSON object per line to stderr: easy to grep, easy to ship.
// Metadata values are written as strings; callers never put secrets in metadata (tests grep for them).

import Foundation
import Logging
import SystemIO

public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    private let label: String

    public init(label: String) { self.label = label }

    /// Bootstraps swift-log once per process with this handler at the given level.
    public static func bootstrap(level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler = JSONLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        // Built as bytes and written with one write(2): the per-request line showed at 6 % of a
        // request when it went through Strings, a merged dictionary and FileHandle + Data.
        var fields: [(key: String, value: String)] = [
            ("level", event.level.rawValue), ("logger", label), ("msg", "\(event.message)"), ("time", Self.timestamp()),
        ]
        let extra = event.metadata ?? [:]
        fields.reserveCapacity(4 + metadata.count + extra.count)
        for (key, value) in metadata where extra[key] == nil { fields.append((key, "\(value)")) }
        for (key, value) in extra { fields.append((key, "\(value)")) }
        // Metadata may override the fixed fields (as the merged dictionary did): the last one wins.
        // Stable by construction: ties keep their order (fixed, handler, event), so the last one wins.
        fields = fields.enumerated().sorted { ($0.element.key, $0.offset) < ($1.element.key, $1.offset) }.map(\.element)
        var line: [UInt8] = []
        line.reserveCapacity(256)
        line.append(UInt8(ascii: "{"))
        var index = 0
        while index < fields.count {
            var chosen = index
            while chosen + 1 < fields.count, fields[chosen + 1].key == fields[index].key { chosen += 1 }
            if line.count > 1 { line.append(UInt8(ascii: ",")) }
            JSONString.append(fields[index].key, to: &line)
            line.append(UInt8(ascii: ":"))
            JSONString.append(fields[chosen].value, to: &line)
            index = chosen + 1
        }
        line.append(contentsOf: [UInt8(ascii: "}"), UInt8(ascii: "\n")])
        Self.writeToStandardError(line)
    }

    private static func writeToStandardError(_ bytes: [UInt8]) {
        FileIO.writeAll(bytes, to: 2)
    }

    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &parts)
        // Padded by hand: String(format:) costs more than the rest of a log line.
        return pad(Int(parts.tm_year) + 1900, 4) + "-" + pad(Int(parts.tm_mon) + 1, 2) + "-" + pad(Int(parts.tm_mday), 2)
            + "T" + pad(Int(parts.tm_hour), 2) + ":" + pad(Int(parts.tm_min), 2) + ":" + pad(Int(parts.tm_sec), 2)
            + "." + pad(Int(now.tv_nsec) / 1_000_000, 3) + "Z"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

/// The one JSON string escaper (log lines here, API bodies in SkannrAPI's JSONWriter): RFC 8259's
/// required escapes, short forms where JSON has them; runs of bytes that need none are copied at once.
public enum JSONString {
    public static func append(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var start = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if start < index { out.append(contentsOf: utf8[start..<index]) }
                escape(byte, to: &out)
                start = index + 1
            }
            if start < utf8.count { out.append(contentsOf: utf8[start..<utf8.count]) }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func escape(_ byte: UInt8, to out: inout [UInt8]) {
        let short: UInt8? = switch byte {
        case UInt8(ascii: "\""): UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): UInt8(ascii: "\\")
        case 0x0A: UInt8(ascii: "n")
        case 0x0D: UInt8(ascii: "r")
        case 0x09: UInt8(ascii: "t")
        case 0x08: UInt8(ascii: "b")
        case 0x0C: UInt8(ascii: "f")
        default: nil
        }
        out.append(UInt8(ascii: "\\"))
        if let short { out.append(short); return }
        out.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)
}
