// The whole account flow through nginx: register -> login -> me -> MFA setup (QR decodes to the
// otpauth URL) -> enable -> login without code (mfa_required) -> with a code -> the same code
// again (refused) -> a recovery code (once) -> disable (wrong password 403, right 200).
import Foundation
import SkannrCore
import SkannrCrypto
import Testing
import TestSupport

@Suite("Auth flow through nginx", .needsStack)
struct AuthFlowTests {
    @Test("register, login, me, MFA on, codes once, recovery once, MFA off")
    func wholeFlow() throws {
        let (email, registered) = try AuthE2E.register("flow")
        let user = try #require(registered["user"] as? [String: Any])
        #expect(user["email"] as? String == email)
        #expect(user["plan"] as? String == "free")
        #expect(user["mfa_enabled"] as? Bool == false)
        #expect((user["created_at"] as? String)?.hasSuffix("Z") == true)
        #expect(Set(user.keys) == ["id", "name", "email", "plan", "mfa_enabled", "created_at"])
        #expect(registered["token_type"] as? String == "Bearer")
        #expect(registered["expires_in"] as? Int == 900)

        let anonymous = try APIClient()
        let login = try anonymous.post("/auth/login", ["email": email.uppercased(), "password": AuthE2E.password])
        #expect(login.status == 200, "\(login)")
        let accessToken = try #require(AuthE2E.accessToken(login))
        let client = try APIClient(token: accessToken)
        let me = try client.get("/auth/me")
        #expect(me.status == 200)
        #expect(me["email"] as? String == email)
        #expect(me.header("x-ratelimit-limit") == "60")

        let setup = try client.post("/auth/mfa/setup")
        #expect(setup.status == 200, "\(setup)")
        let secretText = try #require(setup["secret"] as? String)
        let url = try #require(setup["otpauth_url"] as? String)
        #expect(url == TOTP.otpauthURL(secretBase32: secretText, email: email))
        #expect(url.hasPrefix("otpauth://totp/Skannr:") && url.contains("&issuer=Skannr&algorithm=SHA1&digits=6&period=30"))
        let qr = try #require(setup["qr_code"] as? String)
        let decoded = try Self.decodeQR(qr)
        #expect(decoded == url, "zbarimg read \(decoded.debugDescription)")

        let totp = TOTP(secret: try #require(Base32.decode(secretText)))
        let wrongEnable = try client.post("/auth/mfa/enable", ["code": Self.otherCode(than: totp)])
        #expect(wrongEnable.status == 400)
        #expect(wrongEnable.code == "invalid_mfa_code")
        let step = totp.step(at: Date())
        let enable = try client.post("/auth/mfa/enable", ["code": totp.code(step: step)])
        #expect(enable.status == 200, "\(enable)")
        #expect(enable["mfa_enabled"] as? Bool == true)
        let codes = try #require(enable["recovery_codes"] as? [String])
        #expect(codes.count == 10 && Set(codes).count == 10)
        #expect(try client.post("/auth/mfa/setup").status == 409, "MFA already on")
        #expect(try client.post("/auth/mfa/enable", ["code": totp.code(step: step + 1)]).status == 409, "no pending setup")
        #expect(try client.get("/auth/me")["mfa_enabled"] as? Bool == true)

        let noCode = try anonymous.post("/auth/login", ["email": email, "password": AuthE2E.password])
        #expect(noCode.status == 401)
        #expect(noCode.code == "mfa_required")
        let wrongPasswordNoCode = try anonymous.post("/auth/login", ["email": email, "password": "not the password!"])
        #expect(wrongPasswordNoCode.code == "invalid_credentials", "mfa_required only after the password checked out")

        let nextCode = totp.code(step: step + 1)
        let withCode = try anonymous.post("/auth/login", ["email": email, "password": AuthE2E.password, "mfa_code": nextCode])
        #expect(withCode.status == 200, "\(withCode)")
        let replay = try anonymous.post("/auth/login", ["email": email, "password": AuthE2E.password, "mfa_code": nextCode])
        #expect(replay.status == 401)
        #expect(replay.code == "invalid_mfa_code")
        let enableCodeAgain = try anonymous.post("/auth/login", ["email": email, "password": AuthE2E.password, "mfa_code": totp.code(step: step)])
        #expect(enableCodeAgain.code == "invalid_mfa_code", "the code that enabled MFA is spent too")

        let recovery = try anonymous.post("/auth/login", ["email": email, "password": AuthE2E.password, "mfa_code": codes[3].uppercased()])
        #expect(recovery.status == 200, "\(recovery)")
        let recoveryAgain = try anonymous.post("/auth/login", ["email": email, "password": AuthE2E.password, "mfa_code": codes[3]])
        #expect(recoveryAgain.code == "invalid_mfa_code")

        let wrongDisable = try client.delete("/auth/mfa", ["password": "definitely wrong"])
        #expect(wrongDisable.status == 403)
        #expect(wrongDisable.code == "forbidden")
        let noSecondFactor = try client.delete("/auth/mfa", ["password": AuthE2E.password])
        #expect(noSecondFactor.status == 403, "the password alone does not turn MFA off")
        #expect(noSecondFactor.code == "invalid_mfa_code")
        let disable = try client.delete("/auth/mfa", ["password": AuthE2E.password, "code": codes[4]])
        #expect(disable.status == 200)
        #expect(disable["mfa_enabled"] as? Bool == false)
        let plain = try anonymous.post("/auth/login", ["email": email, "password": AuthE2E.password])
        #expect(plain.status == 200, "no second factor once MFA is off")
        let database = try TestStack.appDatabase()
        let id = try #require(AuthE2E.userID(registered))
        let row = try #require(try database.queryOne("SELECT mfa_secret, mfa_pending_secret FROM users WHERE id = ?", [.int(id)]))
        #expect(row["mfa_secret"] == .null && row["mfa_pending_secret"] == .null)
        #expect(try database.queryOne("SELECT COUNT(*) AS n FROM mfa_recovery_codes WHERE user_id = ?", [.int(id)])?.int("n") == 0)
    }

    @Test("the TOTP secret is stored sealed, never in clear, and recovery codes only hashed")
    func secretsAtRest() throws {
        let (_, registered) = try AuthE2E.register("rest")
        let client = try APIClient(token: AuthE2E.accessToken(registered))
        let setup = try client.post("/auth/mfa/setup")
        let secretText = try #require(setup["secret"] as? String)
        let secret = try #require(Base32.decode(secretText))
        let totp = TOTP(secret: secret)
        let enable = try client.post("/auth/mfa/enable", ["code": totp.code(at: Date())])
        let codes = try #require(enable["recovery_codes"] as? [String])
        let database = try TestStack.appDatabase()
        let id = try #require(AuthE2E.userID(registered))
        let sealed = try #require(try database.queryOne("SELECT mfa_secret FROM users WHERE id = ?", [.int(id)])?.blob("mfa_secret"))
        #expect(sealed.count == 12 + secret.count + 16)
        #expect(!Self.contains(sealed, secret))
        let hashes = try database.query("SELECT code_hash FROM mfa_recovery_codes WHERE user_id = ?", [.int(id)]).map { try $0.blob("code_hash") }
        #expect(Set(hashes) == Set(codes.map(RecoveryCodes.hash)))
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        return (0...(haystack.count - needle.count)).contains { Array(haystack[$0..<($0 + needle.count)]) == needle }
    }

    /// Six digits that match none of the steps around now.
    static func otherCode(than totp: TOTP) -> String {
        let now = totp.step(at: Date())
        let taken = Set((now - 2...now + 2).map { totp.code(step: $0) })
        return ["000000", "111111", "222222", "333333"].first { !taken.contains($0) } ?? "444444"
    }

    /// The text of a QR code data URI: SVG rasterised by rsvg-convert, read by zbarimg.
    static func decodeQR(_ dataURI: String) throws -> String {
        let prefix = "data:image/svg+xml;base64,"
        #expect(dataURI.hasPrefix(prefix))
        let svg = try #require(Data(base64Encoded: String(dataURI.dropFirst(prefix.count))))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("skannr-qr-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try svg.write(to: folder.appendingPathComponent("qr.svg"))
        try Shell.run("/usr/bin/rsvg-convert", ["-o", folder.appendingPathComponent("qr.png").path, folder.appendingPathComponent("qr.svg").path])
        // zbarimg may complain about D-Bus on stderr; Shell.run merges it, so drop stderr here.
        let text = try Shell.run("/bin/sh", ["-c", "exec /usr/bin/zbarimg --raw -q \"$0\" 2>/dev/null", folder.appendingPathComponent("qr.png").path])
        return text.trimmingCharacters(in: .newlines)
    }
}
