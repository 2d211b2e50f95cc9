// MappedFile, the one owner of shared mappings: two mappings of a file see each other's words, the
// exclusive lock admits one holder until it is gone, sizing keeps or resets a file as asked, and
// anonymous memory is private. FileIO: exact-size reads and folder creation.
import Foundation
import SystemIO
import Testing

@Suite("Mapped files")
struct MappedFileTests {
    static func path() -> String { NSTemporaryDirectory() + "skannr-mapped-\(UUID().uuidString)" }

    @Test("two mappings of one file see each other's plain and atomic words")
    func sharedWords() throws {
        let path = Self.path()
        defer { unlink(path) }
        let first = try MappedFile(path: path, byteCount: 64, sizing: .atLeast)
        let second = try MappedFile(path: path, byteCount: 64, sizing: .atLeast)
        first.setWord(3, 41)
        second.addToWord(3, 1)
        #expect(first.word(3) == 42)
        #expect(second.atomicCompareExchange(7, expected: 0, desired: 9).exchanged)
        let refused = first.atomicCompareExchange(7, expected: 0, desired: 5)
        #expect(!refused.exchanged && refused.original == 9)
        #expect(first.atomicLoad(7) == 9)
    }

    @Test("an exclusive lock admits one holder; the next one is busy until the first is gone")
    func exclusiveLock() throws {
        let path = Self.path()
        defer { unlink(path) }
        var holder: MappedFile? = try MappedFile(path: path, byteCount: 64, sizing: .exactly, exclusiveLock: true)
        #expect(holder != nil)
        #expect {
            try MappedFile(path: path, byteCount: 64, sizing: .exactly, exclusiveLock: true)
        } throws: { error in
            (error as? SystemError)?.isBusy == true && "\(error)".hasPrefix("flock \(path)")
        }
        holder = nil
        #expect(throws: Never.self) { try MappedFile(path: path, byteCount: 64, sizing: .exactly, exclusiveLock: true) }
    }

    @Test("atLeast keeps a file's words; exactly empties a file of another size")
    func sizing() throws {
        let path = Self.path()
        defer { unlink(path) }
        try MappedFile(path: path, byteCount: 128, sizing: .atLeast).setWord(0, 7)
        #expect(try MappedFile(path: path, byteCount: 64, sizing: .atLeast).word(0) == 7, "a larger file is kept")
        #expect(try MappedFile(path: path, byteCount: 128, sizing: .exactly).word(0) == 7, "the same size is kept")
        #expect(try MappedFile(path: path, byteCount: 64, sizing: .exactly).word(0) == 0, "another size is reset")
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int == 64)
    }

    @Test("bytes written at an offset read back; zeroing clears only its range")
    func bytes() throws {
        let memory = try MappedFile(anonymousByteCount: 32)
        memory.write(Array("skannr".utf8), at: 8)
        memory.zero(offset: 10, count: 2)
        #expect(Array(memory.bytes()[8..<14]) == [115, 107, 0, 0, 110, 114])
        #expect(memory.path == nil && memory.wordCount == 4)
    }

    @Test("a file that cannot be opened is an error naming the call and the path")
    func openFailure() {
        #expect {
            try MappedFile(path: "/nonexistent-skannr-folder/file", byteCount: 64, sizing: .atLeast)
        } throws: { error in
            "\(error)".hasPrefix("open /nonexistent-skannr-folder/file:") && (error as? SystemError)?.isBusy == false
        }
    }

    @Test("FileIO reads a file of exactly the asked size, nil when shorter or missing; makes nested folders")
    func fileIO() throws {
        let folder = Self.path()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(FileIO.makeDirectories(folder + "/a/b"))
        try Data([1, 2, 3, 4]).write(to: URL(fileURLWithPath: folder + "/a/b/f"))
        #expect(FileIO.read(path: folder + "/a/b/f", count: 4) == [1, 2, 3, 4])
        #expect(FileIO.read(path: folder + "/a/b/f", count: 5) == nil)
        #expect(FileIO.read(path: folder + "/missing", count: 1) == nil)
        #expect(!FileIO.makeDirectories(folder + "/a/b/f/c"), "a file in the way")
    }
}
