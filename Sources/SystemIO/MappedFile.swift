// The one owner of a shared memory mapping: open (0600, O_CLOEXEC) / flock / ftruncate / mmap of a
// file, or anonymous private memory. It owns the pointer and the fd, unmaps and closes on deinit
// (releasing the flock with the fd). Callers address it by 8-byte word index or byte offset; every
// access is bounds-checked, so no pointer leaves this type.
// Traps: plain word access is for a single writer (readers in other processes may see any aligned
// word but never a torn one on x86-64/arm64); words that several processes update need the atomic
// accessors. An exclusive lock is taken before the file is sized, so a busy file is never truncated.
import Atomics
import Glibc

public final class MappedFile: @unchecked Sendable {
    /// How an existing file of another size is treated.
    public enum Sizing: Sendable {
        /// Grow a smaller file (sparse); keep a file of this size or larger as it is.
        case atLeast
        /// Empty a file of any other size and size it anew (a different layout is never misread).
        case exactly
    }

    /// nil for anonymous memory.
    public let path: String?
    public let byteCount: Int
    private let descriptor: Int32
    private let base: UnsafeMutableRawPointer

    /// Opens (creating it 0600) and maps `path` shared. With `exclusiveLock`, a non-blocking flock
    /// is taken first: a file another process holds throws an error whose `isBusy` is true.
    public init(path: String, byteCount: Int, sizing: Sizing, exclusiveLock: Bool = false) throws(SystemError) {
        precondition(byteCount > 0 && byteCount % 8 == 0, "a mapping is whole words")
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw SystemError("open", path: path) }
        do throws(SystemError) {
            if exclusiveLock, flock(descriptor, LOCK_EX | LOCK_NB) != 0 { throw SystemError("flock", path: path) }
            try Self.size(descriptor, path: path, byteCount: byteCount, sizing: sizing)
            let mapped = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0)
            guard let mapped, mapped != MAP_FAILED else { throw SystemError("mmap", path: path) }
            base = mapped
        } catch {
            close(descriptor)
            throw error
        }
        self.path = path
        self.byteCount = byteCount
        self.descriptor = descriptor
    }

    /// Private zeroed memory of the same shape (a process that keeps its numbers to itself).
    public init(anonymousByteCount byteCount: Int) throws(SystemError) {
        precondition(byteCount > 0 && byteCount % 8 == 0, "a mapping is whole words")
        let mapped = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let mapped, mapped != MAP_FAILED else { throw SystemError("mmap", path: nil) }
        base = mapped
        path = nil
        self.byteCount = byteCount
        descriptor = -1
    }

    deinit {
        munmap(base, byteCount)
        if descriptor >= 0 { close(descriptor) }
    }

    private static func size(_ descriptor: Int32, path: String, byteCount: Int, sizing: Sizing) throws(SystemError) {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw SystemError("fstat", path: path) }
        let size = Int(info.st_size)
        switch sizing {
        case .atLeast where size >= byteCount, .exactly where size == byteCount:
            return
        case .atLeast:
            guard ftruncate(descriptor, off_t(byteCount)) == 0 else { throw SystemError("ftruncate", path: path) }
        case .exactly:
            guard ftruncate(descriptor, 0) == 0, ftruncate(descriptor, off_t(byteCount)) == 0 else {
                throw SystemError("ftruncate", path: path)
            }
        }
    }

    // MARK: words, one writer

    public var wordCount: Int { byteCount / 8 }

    public func word(_ index: Int) -> UInt64 { wordPointer(index).pointee }

    public func setWord(_ index: Int, _ value: UInt64) { wordPointer(index).pointee = value }

    /// Adds with wrap-around (counters that outlive UInt64 start over, as Prometheus expects of resets).
    public func addToWord(_ index: Int, _ amount: UInt64) { wordPointer(index).pointee &+= amount }

    private func wordPointer(_ index: Int) -> UnsafeMutablePointer<UInt64> {
        precondition(index >= 0 && index < wordCount, "word \(index) outside the mapping")
        return base.assumingMemoryBound(to: UInt64.self) + index
    }

    // MARK: words, many writers (other processes map the same file)

    public func atomicLoad(_ index: Int) -> UInt64 {
        atomic(index).load(ordering: .acquiring)
    }

    /// Compare-and-swap; `original` is the word's value before (equal to `expected` when exchanged).
    public func atomicCompareExchange(_ index: Int, expected: UInt64, desired: UInt64) -> (exchanged: Bool, original: UInt64) {
        atomic(index).compareExchange(expected: expected, desired: desired, ordering: .acquiringAndReleasing)
    }

    private func atomic(_ index: Int) -> UnsafeAtomic<UInt64> {
        precondition(index >= 0 && index < wordCount, "word \(index) outside the mapping")
        return UnsafeAtomic<UInt64>(at: (base + index * 8).assumingMemoryBound(to: UnsafeAtomic<UInt64>.Storage.self))
    }

    // MARK: bytes

    public func zero(offset: Int, count: Int) {
        checkRange(offset, count)
        memset(base + offset, 0, count)
    }

    public func write(_ bytes: [UInt8], at offset: Int) {
        checkRange(offset, bytes.count)
        bytes.withUnsafeBytes { source in
            if let address = source.baseAddress { (base + offset).copyMemory(from: address, byteCount: bytes.count) }
        }
    }

    /// A copy of the whole mapping.
    public func bytes() -> [UInt8] {
        Array(UnsafeRawBufferPointer(start: base, count: byteCount))
    }

    private func checkRange(_ offset: Int, _ count: Int) {
        precondition(offset >= 0 && count >= 0 && offset + count <= byteCount, "bytes \(offset)..<\(offset + count) outside the mapping")
    }
}
