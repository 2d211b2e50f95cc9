// JSONBody (the streaming encoder over JSONWriter that writes every response body) must write what
// JSONEncoder (JSONCoding.shared) writes: escapes, non-ASCII, nulls, dates (fractions rounded down),
// large integers, doubles, snake_case keys, nested views and lists. JSONEncoder's member order is
// unspecified (hash order), so documents are compared parsed; JSONBody keeps declaration order.
import Observability
import Foundation
import SkannrCore
import Testing
@testable import SkannrAPI
@testable import SkannrStore

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

    static func body<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONBody.encode(value), as: UTF8.self)
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

    static func expectSame<T: Encodable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let written = try body(value), encoded = try encoder(value)
        #expect(try same(written, encoded), "\(written)\n\(encoded)", sourceLocation: sourceLocation)
    }

    static func alert(_ index: Int) -> AlertRecord {
        let text = awkward[index % awkward.count]
        var details: [String: JSONValue] = ["service": .string(text), "ratio": .double(Double(index) / 4), "whole": .double(2)]
        details["tiny"] = .double(1e-7)
        details["huge"] = .double(1e21)
        details["ports"] = .array([.int(22), .int(-1), .null, .bool(true)])
        details["nested"] = .object(["a": .object([:]), "b": .array([])])
        details["camelKey"] = .string("a dictionary key: kept as it is")
        let port: Int? = index % 2 == 0 ? nil : 443
        let resolved: Date? = index % 2 == 0 ? nil : Date(timeIntervalSince1970: 1_800_000_000)
        let note: String? = index % 3 == 0 ? text : nil
        return AlertRecord(
            id: Int64(index) + 1, targetID: 7, scanID: 9, type: "tls_change", severity: .high, host: "h" + text, port: port,
            title: text, details: details, status: .open, createdAt: Date(timeIntervalSince1970: 1_700_000_000.9), acknowledgedAt: nil,
            resolvedAt: resolved, acceptedAt: nil, acceptNote: note)
    }

    @Test("a target is written as the same document as JSONEncoder writes", arguments: 0..<20)
    func target(index: Int) throws {
        let view = TargetView(record: Self.record(index))
        try Self.expectSame(view)
        #expect(try Self.body(view).hasPrefix("{\"id\":"), "members in the order the view encodes them")
    }

    @Test("lists, empty lists and a null cursor match JSONEncoder")
    func lists() throws {
        try Self.expectSame(ListView(items: (0..<12).map { TargetView(record: Self.record($0)) }, nextCursor: "abc/def==\""))
        try Self.expectSame(ListView(items: [TargetView](), nextCursor: nil))
        try Self.expectSame(ListView(items: [TargetView(record: Self.record(3))], nextCursor: nil))
    }

    @Test("an alert (its JSON details: doubles, nested objects, nulls in arrays) matches JSONEncoder", arguments: 0..<10)
    func alert(index: Int) throws {
        try Self.expectSame(ListView(items: [AlertView(record: Self.alert(index))], nextCursor: nil))
    }

    struct Synthesized: Encodable {
        struct Inner: Encodable { let maxCidrAddresses: UInt64; let scanProfiles: [String]; let otpauthUrl: String? }
        let xpForNextLevel: Int
        let myURLKey: String
        let ipv4Address: String
        let scanId: Int64
        let already_snake: Bool
        let inner: Inner
        let missing: Date?
        let when: Date
        let map: [String: Int]
        let ratio: Double
    }

    @Test("synthesized views: camelCase keys become JSONEncoder's snake_case, nil members are left out")
    func synthesized() throws {
        let value = Synthesized(xpForNextLevel: 500, myURLKey: "u", ipv4Address: "a", scanId: 1, already_snake: true,
                                inner: .init(maxCidrAddresses: UInt64.max, scanProfiles: ["quick", "full"], otpauthUrl: nil),
                                missing: nil, when: Date(timeIntervalSince1970: -1.5), map: ["firstKey": 1, "second_key": 2], ratio: 0.1)
        try Self.expectSame(value)
        #expect(!(try Self.body(value)).contains("missing"))
    }

    /// One member named `key` in code (a struct's property name, as a synthesized encoder gives it).
    struct Named: Encodable {
        let key: String
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: JSONKey.self)
            try c.encode(1, forKey: JSONKey(stringValue: key))
        }
    }

    @Test("a dictionary's keys are written as they are, as JSONEncoder does")
    func dictionaryKeys() throws {
        try Self.expectSame(["camelKey": 1, "snake_key": 2, "HTTPServer": 3])
        #expect(try Self.body(["camelKey": 1]) == #"{"camelKey":1}"#)
    }

    @Test("member names are converted as JSONEncoder converts them", arguments: ["a", "already_snake", "xpForNextLevel", "myURLKey", "HTTPServer", "ipv4Address",
                                                         "scanID", "fingerprintSHA256", "aB", "ABc", "lowerUPPER"])
    func snakeCase(key: String) throws {
        try Self.expectSame(Named(key: key))
    }

    @Test("a stored JSON object is written as stored; anything but an object reads and writes as {}")
    func rawDetails() throws {
        var alert = Self.alert(1)
        alert.detailsJSON = RawJSONObject(validJSON: #" {"b": 1.0, "a/b": [1, 2]} "#)
        #expect(try Self.body(AlertView(record: alert)).contains(#""details": {"b": 1.0, "a/b": [1, 2]} ,"#))
        #expect(alert.details == ["b": .int(1), "a/b": .array([.int(1), .int(2)])])
        for stored in ["[1]", "\"text\"", "3", "null", ""] {
            alert.detailsJSON = RawJSONObject(validJSON: stored)
            #expect(try Self.body(AlertView(record: alert)).contains(#""details":{},"#), "\(stored)")
            #expect(alert.details == [:])
        }
    }

    @Test("integers at every width and sign are written as JSONEncoder writes them")
    func integers() throws {
        let values: [Int64] = [0, 1, 9, 10, 99, 100, -1, -10, 1_000_000_007, Int64.max, Int64.min, Int64.min + 1]
        try Self.expectSame(values)
        try Self.expectSame([UInt64.max, 0])
        #expect(try Self.body(values) == "[" + values.map(String.init).joined(separator: ",") + "]")
    }

    @Test("a non-finite double is an error, not invalid JSON")
    func nonFinite() {
        #expect(throws: EncodingError.self) { try JSONBody.encode(["x": Double.nan]) }
    }

    @Test("APIResponse.json writes through JSONBody and keeps the content type")
    func response() throws {
        let view = TargetView(record: Self.record(5))
        let response = try APIResponse.json(200, view)
        #expect(response.status == 200)
        #expect(response.header("Content-Type") == "application/json; charset=utf-8")
        #expect(String(decoding: response.body, as: UTF8.self) == (try Self.body(view)))
        let parsed = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        #expect(parsed?["label"] is String)
        #expect(parsed?["interval_minutes"] is NSNumber)
    }
}
