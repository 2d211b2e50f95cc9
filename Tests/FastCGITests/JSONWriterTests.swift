// JSONWriter must write what JSONEncoder (JSONCoding.shared) writes for the hot views: escapes,
// non-ASCII, nulls, dates (fractions rounded down), large integers, lists. JSONEncoder's member order
// is unspecified (hash order), so documents are compared parsed; the writer keeps declaration order.
import FastCGI
import Observability
import Foundation
import SkannrCore
import SkannrStore
import Testing
@testable import SkannrAPI

@Suite("JSONWriter")
struct JSONWriterTests {
    static let awkward = ["", "plain", "quote \" and \\ backslash", "a/b", "line\nbreak\r\t", "\u{0}\u{1}\u{8}\u{c}\u{1f}\u{7f}",
                          "héllo wörld", "emoji 🛰️", "\u{2028}\u{2029}", "<script>&'"]

    static func record(_ index: Int) -> TargetRecord {
        let text = awkward[index % awkward.count]
        return TargetRecord(
            id: Int64(index) * 7_919_000_000 + 1, address: "10.0.\(index).0/24" + text, type: index % 2 == 0 ? "cidr" : "domain",
            addressCount: 256, label: index % 3 == 0 ? nil : text, scanProfile: ScanProfile.allCases[index % 4],
            ports: index % 2 == 0 ? nil : "22,80,443", intervalMinutes: index % 4 == 0 ? nil : index * 60, enabled: index % 2 == 1,
            createdAt: Date(timeIntervalSince1970: 1_700_000_000 + Double(index) * 86_399.75),
            updatedAt: Date(timeIntervalSince1970: Double(index) * 31_536_000.999_999),
            lastScanID: index % 3 == 1 ? nil : Int64(index), lastScanAt: index % 3 == 1 ? nil : Date(timeIntervalSince1970: 4_102_444_799.5),
            nextScanAt: index % 5 == 0 ? nil : Date(timeIntervalSince1970: 951_782_400 + Double(index)))  // around 2000-02-29
    }

    static func writer<T: JSONWritable>(_ value: T) -> String {
        var writer = JSONWriter()
        value.write(to: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    static func encoder<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONCoding.shared.encode(value), as: UTF8.self)
    }

    /// Same document: parsed trees equal (member order aside), and the same length in bytes (so the
    /// escapes and number forms agree too).
    static func same(_ written: String, _ encoded: String) throws -> Bool {
        let a = try JSONSerialization.jsonObject(with: Data(written.utf8), options: [.fragmentsAllowed]) as? NSObject
        let b = try JSONSerialization.jsonObject(with: Data(encoded.utf8), options: [.fragmentsAllowed]) as? NSObject
        return a != nil && a == b && written.utf8.count == encoded.utf8.count
    }

    @Test("a target is written as the same document as JSONEncoder writes", arguments: 0..<20)
    func target(index: Int) throws {
        let view = TargetView(record: Self.record(index))
        let written = Self.writer(view)
        let encoded = try Self.encoder(view)
        #expect(try Self.same(written, encoded), "\(written)\n\(encoded)")
        #expect(written.hasPrefix("{\"id\":"))
    }

    @Test("lists, empty lists and a null cursor match JSONEncoder")
    func lists() throws {
        let full = ListView(items: (0..<12).map { TargetView(record: Self.record($0)) }, nextCursor: "abc/def==\"")
        let empty = ListView<TargetView>(items: [], nextCursor: nil)
        let one = ListView(items: [TargetView(record: Self.record(3))], nextCursor: nil)
        for list in [full, empty, one] {
            let written = Self.writer(list)
            let encoded = try Self.encoder(list)
            #expect(try Self.same(written, encoded), "\(written)\n\(encoded)")
        }
    }

    @Test("APIResponse.json takes the writer path for writable views and keeps the content type")
    func response() throws {
        let view = TargetView(record: Self.record(5))
        let response = try APIResponse.json(200, view)
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "application/json; charset=utf-8")
        // Declaration order shows the writer made it (JSONEncoder's order is a hash order).
        #expect(String(decoding: response.body, as: UTF8.self) == Self.writer(view))
        #expect(try Self.same(Self.writer(view), Self.encoder(view)))
        let parsed = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        #expect(parsed?["label"] is String)
        #expect(parsed?["interval_minutes"] is NSNumber)
    }
}

@Suite("Log line escaping")
struct LogEscapingTests {
    @Test("JSONString.append writes the same bytes as JSONString.quote", arguments: JSONWriterTests.awkward)
    func sameAsQuote(text: String) {
        var bytes: [UInt8] = []
        JSONString.append(text, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == JSONString.quote(text))
    }
}
