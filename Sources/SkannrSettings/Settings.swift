// Configuration source shared by skannr-api and skannr-scanner: `KEY=value` lines from an optional
// file, overridden by SKANNR_* environment variables. Read once at start-up. A secret may come from
// the file named by `<KEY>_FILE` instead, so secrets need not sit in the environment; a secret file
// that cannot be read is an error, never an empty secret. Values are never logged.

import Foundation

public struct Settings: Sendable {
    public let values: [String: String]

    public init(values: [String: String]) { self.values = values }

    /// Merges the file (if any) with the process environment; the environment wins.
    public static func load(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Settings {
        var values: [String: String] = [:]
        if let file {
            let text: String
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                throw SettingsError("cannot read settings file \(file)")
            }
            for line in text.split(whereSeparator: \.isNewline) {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard !trimmed.isEmpty, !trimmed.hasPrefix("#"), let equals = trimmed.firstIndex(of: "=") else { continue }
                values[String(trimmed[..<equals]).trimmingCharacters(in: .whitespaces)] =
                    String(trimmed[trimmed.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
            }
        }
        for (key, value) in environment where key.hasPrefix("SKANNR_") { values[key] = value }
        return Settings(values: values)
    }

    public func string(_ key: String, default fallback: String) -> String { values[key] ?? fallback }

    public func optional(_ key: String) -> String? { values[key] }

    /// A secret: the value of KEY, else the trimmed contents of the file named by KEY_FILE.
    public func secret(_ key: String) throws -> String? {
        if let value = values[key] { return value }
        guard let path = values[key + "_FILE"] else { return nil }
        do { return try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) }
        catch { throw SettingsError("\(key)_FILE names a file that cannot be read: \(path)") }
    }

    public func int(_ key: String, default fallback: Int, min: Int = Int.min) throws -> Int {
        guard let text = values[key], !text.isEmpty else { return fallback }
        guard let value = Int(text), value >= min else {
            let bound = min == Int.min ? "an integer" : "an integer ≥ \(min)"
            throw SettingsError("\(key) must be \(bound), got \(text.debugDescription)")
        }
        return value
    }

    public func bool(_ key: String, default fallback: Bool) throws -> Bool {
        guard let text = values[key]?.lowercased() else { return fallback }
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw SettingsError("\(key) must be true or false, got \(text.debugDescription)")
        }
    }
}

public struct SettingsError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
