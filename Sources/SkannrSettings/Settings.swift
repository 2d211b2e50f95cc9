// Configuration source shared by every executable: `KEY=value` lines from an optional file,
// overridden by SKANNR_* environment variables. Read once at start-up; the typed settings
// (DatabaseSettings, PlanSettings, MetricsSettings, ...) parse from it with one error style:
// "<KEY> must be <rule>, got <value>". A secret may come from the file named by `<KEY>_FILE`
// instead, so secrets need not sit in the environment; a secret file that cannot be read is an
// error, never an empty secret. Secret values are never logged nor echoed in an error.

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

    /// The value, or nil when the key is unset or empty (an empty line in the file means "unset").
    public func nonEmpty(_ key: String) -> String? { values[key].flatMap { $0.isEmpty ? nil : $0 } }

    /// A secret: the value of KEY, else the trimmed contents of the file named by KEY_FILE.
    public func secret(_ key: String) throws(SettingsError) -> String? {
        if let value = values[key] { return value }
        guard let path = values[key + "_FILE"] else { return nil }
        do { return try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) }
        catch { throw SettingsError(key: key + "_FILE", "names a file that cannot be read: \(path)") }
    }

    public func int(_ key: String, default fallback: Int, min: Int = Int.min) throws(SettingsError) -> Int {
        try int(key, default: fallback, in: min...Int.max)
    }

    /// An integer within `range`; the error names the key and the rule (and the value, unless secret).
    public func int(_ key: String, default fallback: Int, in range: ClosedRange<Int>) throws(SettingsError) -> Int {
        guard let text = values[key], !text.isEmpty else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            let rule = switch (range.lowerBound, range.upperBound) {
            case (Int.min, Int.max): "an integer"
            case (let low, Int.max): "an integer ≥ \(low)"
            case (let low, let high): "an integer from \(low) to \(high)"
            }
            throw SettingsError(key: key, "must be \(rule)", got: text)
        }
        return value
    }

    public func bool(_ key: String, default fallback: Bool) throws(SettingsError) -> Bool {
        guard let text = values[key]?.lowercased() else { return fallback }
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw SettingsError(key: key, "must be true or false", got: text)
        }
    }

    /// Keys whose values are never echoed (their `_FILE` variants name paths, which may be shown).
    public static let secretKeys: Set<String> = [
        "SKANNR_DB_PASSWORD", "SKANNR_JWT_KEYS", "SKANNR_MFA_KEY", "SKANNR_API_KEY_SECRET", "SKANNR_STRIPE_SECRET_KEY",
        "SKANNR_STRIPE_WEBHOOK_SECRET", "SKANNR_SMTP_PASSWORD",
    ]
}

/// A setting that cannot be used: `key` names it, `description` says the rule (never a secret's value).
public struct SettingsError: Error, CustomStringConvertible {
    public let key: String?
    public let description: String

    public init(_ description: String) {
        key = nil
        self.description = description
    }

    /// "<KEY> <problem>", with `, got "<value>"` when the value may be shown (not a secret).
    public init(key: String, _ problem: String, got value: String? = nil) {
        self.key = key
        var text = "\(key) \(problem)"
        if let value, !Settings.secretKeys.contains(key) { text += ", got \(value.debugDescription)" }
        description = text
    }
}
