// Fixed-window request counters in a memory-mapped file that every responder process of the host
// maps: one budget for the whole pool without a database round trip. An open-addressing table of
// 16-byte slots: [key hash | minute << 32 + hits], each word updated with a lock-free
// compare-and-swap on the shared mapping (MappedFile's atomic words). A slot whose window is two
// minutes old is taken over by the next key that probes it; a full neighbourhood (8 probes) returns
// nil and the caller falls back to the database counters.

import SkannrSettings
import SystemIO

public final class SharedWindowCounters: Sendable {
    public static let defaultSlotCount = 1 << 18   // 4 MiB file, sparse until used
    private static let probes = 8
    private let file: MappedFile
    private let slotCount: Int

    /// Maps (creating if needed) the counter file at `path`.
    public init(path: String, slotCount: Int = SharedWindowCounters.defaultSlotCount) throws {
        do {
            file = try MappedFile(path: path, byteCount: slotCount * 16, sizing: .atLeast)
        } catch {
            throw SettingsError("cannot map the rate-limit file \(path): \(error)")
        }
        self.slotCount = slotCount
    }

    /// Counts one hit for `key` in the window starting at `windowStart` (a multiple of 60 s) and
    /// returns the window's total, or nil when no slot could be had.
    public func hit(key: String, windowStart: Int64) -> Int? {
        let hash = Self.fnv1a(key) | 1   // 0 marks a free slot
        let minute = UInt64(max(0, windowStart / 60))
        for probe in 0..<Self.probes {
            let index = Int((hash &+ UInt64(probe)) % UInt64(slotCount))
            let tag = index * 2, counter = index * 2 + 1
            guard claim(tag: tag, counter: counter, hash: hash, minute: minute) else { continue }
            while true {
                let old = file.atomicLoad(counter)
                let new = old >> 32 == minute ? old &+ 1 : minute << 32 | 1
                if file.atomicCompareExchange(counter, expected: old, desired: new).exchanged {
                    return Int(new & 0xffff_ffff)
                }
            }
        }
        return nil
    }

    /// True when the slot (words `tag`, `counter`) belongs to `hash` (already, or taken over because
    /// it was free or stale).
    private func claim(tag: Int, counter: Int, hash: UInt64, minute: UInt64) -> Bool {
        let owner = file.atomicLoad(tag)
        if owner == hash { return true }
        let stale = owner == 0 || file.atomicLoad(counter) >> 32 + 1 < minute
        guard stale else { return false }
        let result = file.atomicCompareExchange(tag, expected: owner, desired: hash)
        return result.exchanged || result.original == hash
    }

    /// FNV-1a, 64 bit: stable across processes (Swift's Hasher is seeded per process).
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }
}
