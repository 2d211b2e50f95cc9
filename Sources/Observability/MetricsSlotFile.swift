// One process's metrics as a memory-mapped file `<dir>/<role>-<n>.slot` (or anonymous memory when
// there is no directory): fixed-size entries that the owner updates in place and any reader sums.
// The slot is claimed with flock(LOCK_EX|LOCK_NB) (MappedFile's exclusive lock), held for the
// process's life and released by the kernel at death, so a replacement worker takes over the dead
// one's file and counters keep growing.
// Traps: one writer per file (the lock holder, serialized by MetricsRecorder's mutex); readers take
// no lock. An entry is published by bumping the header's count AFTER its key is written, and readers
// skip entries whose key is still empty. The mapping's fd is O_CLOEXEC so children never hold the lock.
import SystemIO

final class MetricsSlotFile {
    private let file: MappedFile
    private var index: [String: Int] = [:]

    var path: String? { file.path }

    /// Claims the first free `<role>-<n>.slot` in `directory` (created 0700 if missing).
    init?(directory: String, role: String, maxSlots: Int = 256) {
        guard FileIO.makeDirectories(directory) else { return nil }
        for slot in 0..<maxSlots {
            do throws(SystemError) {
                file = try MappedFile(path: "\(directory)/\(role)-\(slot).slot", byteCount: MetricsLayout.fileBytes,
                                      sizing: .exactly, exclusiveLock: true)
                adoptOrReset()
                return
            } catch where error.isBusy {
                continue   // another live process holds this slot
            } catch {
                return nil
            }
        }
        return nil
    }

    /// Private anonymous memory: the process's own numbers only (no directory configured).
    init?() {
        guard let memory = try? MappedFile(anonymousByteCount: MetricsLayout.fileBytes) else { return nil }
        file = memory
        adoptOrReset()
    }

    /// Adds one observation (`value` is ignored for counters, which add `amount`).
    func record(key: String, kind: MetricKind, value: Double, amount: UInt64 = 1) {
        guard let first = entry(for: key) else {
            file.addToWord(MetricsLayout.droppedWord, 1)
            return
        }
        file.addToWord(first, amount)
        guard kind == .histogram else { return }
        file.addToWord(first + 1, UInt64(max(0, value) * 1_000_000))
        if let bucket = MetricsLayout.bucket(for: value) { file.addToWord(first + 2 + bucket, 1) }
    }

    /// The raw bytes, for readers that have no file (anonymous mapping).
    func bytes() -> [UInt8] { file.bytes() }

    /// The index of the entry's first word (its count), publishing a new entry when needed.
    private func entry(for key: String) -> Int? {
        if let slot = index[key] { return firstWord(of: slot) }
        let published = Int(file.word(MetricsLayout.entriesWord))
        let utf8 = Array(key.utf8)
        guard published < MetricsLayout.capacity, utf8.count < MetricsLayout.keyBytes else { return nil }
        let keyStart = MetricsLayout.headerBytes + published * MetricsLayout.entryBytes
        file.zero(offset: keyStart, count: MetricsLayout.entryBytes)
        file.write(utf8, at: keyStart)
        file.setWord(MetricsLayout.entriesWord, UInt64(published + 1))
        index[key] = published
        return firstWord(of: published)
    }

    private func firstWord(of slot: Int) -> Int {
        (MetricsLayout.headerBytes + slot * MetricsLayout.entryBytes + MetricsLayout.keyBytes) / 8
    }

    /// Keeps a previous owner's entries (and rebuilds the index), or starts a clean table.
    private func adoptOrReset() {
        if file.word(0) == MetricsLayout.magic {
            let snapshot = MetricsSnapshot(bytes: bytes())
            for (slot, key) in snapshot.keysInOrder.enumerated() where !key.isEmpty { index[key] = slot }
            return
        }
        file.zero(offset: 0, count: MetricsLayout.fileBytes)
        file.setWord(0, MetricsLayout.magic)
    }
}
