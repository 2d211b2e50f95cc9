// Fixed-window request counters in a memory-mapped file that every responder process of the host
// maps: one budget for the whole pool without a database round trip. An open-addressing table of
// 16-byte slots: [key hash | minute << 32 + hits], each word updated with a lock-free
// compare-and-swap (swift-atomics on the shared mapping). A slot whose window is two minutes old
// is taken over by the next key that probes it; a full neighbourhood (8 probes) returns nil and
// the caller falls back to the database counters.

import Atomics
import Foundation
import Glibc
import SkannrSettings

public final class SharedWindowCounters: @unchecked Sendable {
    public static let defaultSlotCount = 1 << 18   // 4 MiB file, sparse until used
    private static let probes = 8
    private let base: UnsafeMutableRawPointer
    private let slotCount: Int
    private let byteCount: Int

    /// Maps (creating if needed) the counter file at `path`.
    public init(path: String, slotCount: Int = SharedWindowCounters.defaultSlotCount) throws {
        let byteCount = slotCount * 16
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SettingsError("cannot open the rate-limit file \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size >= byteCount || ftruncate(fd, off_t(byteCount)) == 0 else {
            throw SettingsError("cannot size the rate-limit file \(path)")
        }
        guard let mapped = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), mapped != MAP_FAILED else {
            throw SettingsError("cannot map the rate-limit file \(path)")
        }
        self.base = mapped
        self.slotCount = slotCount
        self.byteCount = byteCount
    }

    deinit { munmap(base, byteCount) }

    /// Counts one hit for `key` in the window starting at `windowStart` (a multiple of 60 s) and
    /// returns the window's total, or nil when no slot could be had.
    public func hit(key: String, windowStart: Int64) -> Int? {
        let hash = Self.fnv1a(key) | 1   // 0 marks a free slot
        let minute = UInt64(max(0, windowStart / 60))
        for probe in 0..<Self.probes {
            let index = Int((hash &+ UInt64(probe)) % UInt64(slotCount))
            let tag = UnsafeAtomic<UInt64>(at: slot(index, word: 0))
            let counter = UnsafeAtomic<UInt64>(at: slot(index, word: 1))
            guard claim(tag: tag, counter: counter, hash: hash, minute: minute) else { continue }
            while true {
                let old = counter.load(ordering: .acquiring)
                let new = old >> 32 == minute ? old &+ 1 : minute << 32 | 1
                if counter.compareExchange(expected: old, desired: new, ordering: .acquiringAndReleasing).exchanged {
                    return Int(new & 0xffff_ffff)
                }
            }
        }
        return nil
    }

    /// True when the slot belongs to `hash` (already, or taken over because it was free or stale).
    private func claim(tag: UnsafeAtomic<UInt64>, counter: UnsafeAtomic<UInt64>, hash: UInt64, minute: UInt64) -> Bool {
        let owner = tag.load(ordering: .acquiring)
        if owner == hash { return true }
        let stale = owner == 0 || counter.load(ordering: .acquiring) >> 32 + 1 < minute
        guard stale else { return false }
        let result = tag.compareExchange(expected: owner, desired: hash, ordering: .acquiringAndReleasing)
        return result.exchanged || result.original == hash
    }

    private func slot(_ index: Int, word: Int) -> UnsafeMutablePointer<UnsafeAtomic<UInt64>.Storage> {
        (base + index * 16 + word * 8).assumingMemoryBound(to: UnsafeAtomic<UInt64>.Storage.self)
    }

    /// FNV-1a, 64 bit: stable across processes (Swift's Hasher is seeded per process).
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }
}
