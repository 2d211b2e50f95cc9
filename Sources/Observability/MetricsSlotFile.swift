// One process's metrics as a memory-mapped file `<dir>/<role>-<n>.slot` (or anonymous memory when
// there is no directory): fixed-size entries that the owner updates in place and any reader sums.
// The slot is claimed with flock(LOCK_EX|LOCK_NB), held for the process's life and released by the
// kernel at death, so a replacement worker takes over the dead one's file and counters keep growing.
// Traps: one writer per file (the lock holder); readers take no lock. Aligned 8-byte words are never
// torn on x86-64/arm64; an entry is published by bumping the header's count AFTER its key is written,
// and readers skip entries whose key is still empty. fds are O_CLOEXEC so spawned children never hold the lock.

import Glibc

final class MetricsSlotFile {
    let path: String?
    private let fd: Int32
    private let base: UnsafeMutableRawPointer
    private var index: [String: Int] = [:]

    /// Claims the first free `<role>-<n>.slot` in `directory` (created 0700 if missing).
    init?(directory: String, role: String, maxSlots: Int = 256) {
        guard MetricsSlotFile.makeDirectory(directory) else { return nil }
        for slot in 0..<maxSlots {
            let candidate = "\(directory)/\(role)-\(slot).slot"
            let descriptor = open(candidate, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else { return nil }
            guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
                close(descriptor)
                continue
            }
            guard let mapped = MetricsSlotFile.map(descriptor) else {
                close(descriptor)
                return nil
            }
            path = candidate
            fd = descriptor
            base = mapped
            adoptOrReset()
            return
        }
        return nil
    }

    /// Private anonymous memory: the process's own numbers only (no directory configured).
    init?() {
        let mapped = mmap(nil, MetricsLayout.fileBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let mapped, mapped != MAP_FAILED else { return nil }
        path = nil
        fd = -1
        base = mapped
        adoptOrReset()
    }

    deinit {
        munmap(base, MetricsLayout.fileBytes)
        if fd >= 0 { close(fd) }
    }

    /// Adds one observation (`value` is ignored for counters, which add `amount`).
    func record(key: String, kind: MetricKind, value: Double, amount: UInt64 = 1) {
        guard let entry = entry(for: key) else {
            header(MetricsLayout.droppedWord).pointee &+= 1
            return
        }
        let words = entry
        words[0] &+= amount
        guard kind == .histogram else { return }
        words[1] &+= UInt64(max(0, value) * 1_000_000)
        if let bucket = MetricsLayout.bucket(for: value) { words[2 + bucket] &+= 1 }
    }

    /// The raw bytes, for readers that have no file (anonymous mapping).
    func bytes() -> [UInt8] {
        Array(UnsafeRawBufferPointer(start: base, count: MetricsLayout.fileBytes))
    }

    private func header(_ word: Int) -> UnsafeMutablePointer<UInt64> {
        base.assumingMemoryBound(to: UInt64.self) + word
    }

    private func entry(for key: String) -> UnsafeMutablePointer<UInt64>? {
        if let slot = index[key] { return words(of: slot) }
        let published = Int(header(MetricsLayout.entriesWord).pointee)
        let utf8 = Array(key.utf8)
        guard published < MetricsLayout.capacity, utf8.count < MetricsLayout.keyBytes else { return nil }
        let keyStart = base + MetricsLayout.headerBytes + published * MetricsLayout.entryBytes
        memset(keyStart, 0, MetricsLayout.entryBytes)
        utf8.withUnsafeBytes { source in
            if let address = source.baseAddress { keyStart.copyMemory(from: address, byteCount: utf8.count) }
        }
        header(MetricsLayout.entriesWord).pointee = UInt64(published + 1)
        index[key] = published
        return words(of: published)
    }

    private func words(of slot: Int) -> UnsafeMutablePointer<UInt64> {
        (base + MetricsLayout.headerBytes + slot * MetricsLayout.entryBytes + MetricsLayout.keyBytes)
            .assumingMemoryBound(to: UInt64.self)
    }

    /// Keeps a previous owner's entries (and rebuilds the index), or starts a clean table.
    private func adoptOrReset() {
        if header(0).pointee == MetricsLayout.magic {
            let snapshot = MetricsSnapshot(bytes: bytes())
            for (slot, key) in snapshot.keysInOrder.enumerated() where !key.isEmpty { index[key] = slot }
            return
        }
        memset(base, 0, MetricsLayout.fileBytes)
        header(0).pointee = MetricsLayout.magic
    }

    private static func map(_ descriptor: Int32) -> UnsafeMutableRawPointer? {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        if Int(info.st_size) != MetricsLayout.fileBytes {
            guard ftruncate(descriptor, 0) == 0, ftruncate(descriptor, off_t(MetricsLayout.fileBytes)) == 0 else { return nil }
        }
        let mapped = mmap(nil, MetricsLayout.fileBytes, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0)
        guard let mapped, mapped != MAP_FAILED else { return nil }
        return mapped
    }

    private static func makeDirectory(_ path: String) -> Bool {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o700) != 0 && errno != EEXIST { return false }
        }
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}
