// The pool's shared rate-limit counters: exact under concurrent increments from separate mappings
// of one file (as separate worker processes map it), per-key, per-window, and slots reused once stale.

import Foundation
import SkannrAPI
import Testing

@Suite("Shared window counters")
struct SharedWindowCountersTests {
    static func file() -> String { NSTemporaryDirectory() + "skannr-counters-\(UUID().uuidString)" }

    @Test("four mappings incrementing from four threads lose no hit")
    func concurrentMappings() throws {
        let path = Self.file()
        defer { unlink(path) }
        let mappings = try (0..<4).map { _ in try SharedWindowCounters(path: path, slotCount: 1024) }
        let group = DispatchGroup()
        for mapping in mappings {
            group.enter()
            Thread {
                for _ in 0..<5_000 { _ = mapping.hit(key: "a:42", windowStart: 1_800_000_000 - 1_800_000_000 % 60) }
                group.leave()
            }.start()
        }
        group.wait()
        #expect(mappings[0].hit(key: "a:42", windowStart: 1_800_000_000 - 1_800_000_000 % 60) == 20_001)
    }

    @Test("keys and windows are counted separately; a new window starts at 1")
    func keysAndWindows() throws {
        let path = Self.file()
        defer { unlink(path) }
        let counters = try SharedWindowCounters(path: path, slotCount: 1024)
        #expect(counters.hit(key: "a:1", windowStart: 600) == 1)
        #expect(counters.hit(key: "a:1", windowStart: 600) == 2)
        #expect(counters.hit(key: "ip:127.0.0.1", windowStart: 600) == 1)
        #expect(counters.hit(key: "a:1", windowStart: 660) == 1)
        #expect(counters.hit(key: "a:1", windowStart: 660) == 2)
    }

    @Test("a full neighbourhood of live keys gives nil (the caller falls back); stale slots are reused")
    func fullAndStale() throws {
        let path = Self.file()
        defer { unlink(path) }
        let counters = try SharedWindowCounters(path: path, slotCount: 8)
        for index in 0..<8 { #expect(counters.hit(key: "k\(index)", windowStart: 600) != nil) }
        #expect(counters.hit(key: "one-too-many", windowStart: 600) == nil)
        #expect(counters.hit(key: "one-too-many", windowStart: 720) == 1, "windows two minutes old are reclaimed")
    }
}
