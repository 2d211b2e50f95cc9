// One sql/migrations file `NNNN_name.sql` and the statements in it. A statement ends at a line
// ending in `;`; lines starting with `--` are dropped. No DELIMITER: a `;` ending a line inside a
// string or routine body would split it.
import Foundation

public struct MigrationFile: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let fileName: String
    public let contents: [UInt8]

    public var statements: [String] { Self.statements(in: String(decoding: contents, as: UTF8.self)) }

    /// The `.sql` files in `directory`, by version. Other files are ignored.
    public static func load(from directory: URL) throws(MigrationError) -> [MigrationFile] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw MigrationError(.unreadableDirectory, "cannot list \(directory.path): \(error)")
        }
        var files: [MigrationFile] = []
        for fileName in names where fileName.hasSuffix(".sql") {
            let (version, name) = try parse(fileName: fileName)
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(fileName).path)
            else { throw MigrationError(.unreadableDirectory, "cannot read \(fileName)") }
            if let other = files.first(where: { $0.version == version }) {
                throw MigrationError(.duplicateVersion, "\(fileName) and \(other.fileName) share version \(version)")
            }
            files.append(MigrationFile(version: version, name: name, fileName: fileName, contents: [UInt8](data)))
        }
        return files.sorted { $0.version < $1.version }
    }

    static func parse(fileName: String) throws(MigrationError) -> (Int, String) {
        let stem = fileName.dropLast(".sql".count)
        let digits = stem.prefix { $0.isASCII && $0.isNumber }
        let rest = stem.dropFirst(digits.count)
        guard !digits.isEmpty, let version = Int(digits), rest.hasPrefix("_"), rest.count > 1 else {
            throw MigrationError(.invalidFileName, "\(fileName) is not named NNNN_name.sql")
        }
        return (version, String(rest.dropFirst()))
    }

    /// Splits SQL text into statements (without their final `;`), skipping `--` comment lines.
    public static func statements(in text: String) -> [String] {
        var statements: [String] = []
        var current: [String] = []
        func flush() {
            let statement = current.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            if !statement.isEmpty { statements.append(statement) }
            current = []
        }
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.hasPrefix("--") { continue }
            if line.hasSuffix(";") {
                current.append(String(line.dropLast()))
                flush()
            } else {
                current.append(line)
            }
        }
        flush()
        return statements
    }
}

/// Why migrate() failed. `statementFailed` carries the server's error.
public struct MigrationError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case unreadableDirectory, invalidFileName, duplicateVersion, lockTimeout, checksumMismatch, statementFailed
    }

    public let code: Code
    public let message: String
    public let underlying: MariaDBError?

    public init(_ code: Code, _ message: String, underlying: MariaDBError? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String { "migration \(code.rawValue): \(message)" }
}
