// Secrets from `<KEY>_FILE`: read and trimmed when the file is there, a start-up error when it is not
// (a missing password file must never become an empty password), and only for secrets.

import Foundation
import SkannrAPI
import SkannrSettings
import Testing

@Suite("Settings: secrets from files")
struct SettingsSecretTests {
    static let jwtKeys = "k1:" + String(repeating: "A", count: 44)

    static func file(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "skannr-secret-\(UUID().uuidString)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("KEY_FILE supplies the secret, trimmed; KEY itself wins over KEY_FILE")
    func readsSecretFiles() throws {
        let password = try Self.file("  s3cret-pass\n")
        let webhook = try Self.file("whsec_test_123\n")
        defer { try? FileManager.default.removeItem(atPath: password); try? FileManager.default.removeItem(atPath: webhook) }
        let configuration = try APIConfiguration(settings: Settings(values: [
            "SKANNR_DB_PASSWORD_FILE": password, "SKANNR_JWT_KEYS": Self.jwtKeys,
            "SKANNR_STRIPE_WEBHOOK_SECRET_FILE": webhook,
        ]))
        #expect(configuration.database.password == "s3cret-pass")
        #expect(configuration.stripe.webhookSecret == "whsec_test_123")

        let both = try Settings(values: ["SKANNR_DB_PASSWORD": "direct", "SKANNR_DB_PASSWORD_FILE": password]).secret("SKANNR_DB_PASSWORD")
        #expect(both == "direct")
    }

    @Test("a secret file that cannot be read stops the start, naming the key and path but not a value")
    func unreadableSecretFile() throws {
        let missing = NSTemporaryDirectory() + "skannr-no-such-secret-\(UUID().uuidString)"
        for key in ["SKANNR_DB_PASSWORD", "SKANNR_JWT_KEYS", "SKANNR_MFA_KEY", "SKANNR_STRIPE_SECRET_KEY", "SKANNR_STRIPE_WEBHOOK_SECRET"] {
            var values = ["SKANNR_JWT_KEYS": Self.jwtKeys]
            values.removeValue(forKey: key)
            values[key + "_FILE"] = missing
            #expect(throws: SettingsError.self, "\(key)_FILE missing") { try APIConfiguration(settings: Settings(values: values)) }
            do { _ = try APIConfiguration(settings: Settings(values: values)) } catch {
                #expect("\(error)".contains("\(key)_FILE") && "\(error)".contains(missing))
            }
        }
    }

    @Test("settings that are paths themselves (the rate-limit file) are not read as secrets")
    func pathSettingsAreNotSecrets() throws {
        let configuration = try APIConfiguration(settings: Settings(values: [
            "SKANNR_JWT_KEYS": Self.jwtKeys, "SKANNR_RATE_LIMIT_FILE": "/run/skannr/not-created-yet",
        ]))
        #expect(configuration.rateLimitFile == "/run/skannr/not-created-yet")
    }
}
