// Issue 16 #1 and #3 through nginx, from several loopback source addresses (127.0.0.x reach nginx's
// 127.0.0.1 listener with their own REMOTE_ADDR): strangers failing from many addresses cannot lock
// the owner out of an address the owner signed in from, and parallel guesses from one address get no
// more passwords checked than the threshold (each is counted before its hash runs).
import Foundation
import Testing
import TestSupport

@Suite("Login throttling cannot be turned against the owner (issue 16)", .needsStack)
struct AuthLockoutTests {
    static var port: Int { URL(string: TestStack.baseURL)?.port ?? 0 }

    /// `count` sign-ins from `source`, `parallel` at once: "status code" per answer.
    static func signIns(from source: String, _ email: String, _ password: String, count: Int, parallel: Int = 1) throws -> [String] {
        let script = TestStack.projectDirectory + "/Tests/Fixtures/login_from.py"
        let output = try Shell.run("/usr/bin/python3", [script, "127.0.0.1", "\(port)", source, email, password, "\(count)", "\(parallel)"])
        return output.split(separator: "\n").map(String.init)
    }

    /// A random 127.x.y.z source for this run, away from the addresses other suites use.
    static func freshSource() -> String { "127.\(Int.random(in: 100...250)).\(Int.random(in: 1...250)).\(Int.random(in: 1...250))" }

    @Test("10 addresses × 5 wrong passwords do not lock the owner out of an address they signed in from")
    func distributedFailuresSpareKnownAddresses() throws {
        let (email, _) = try AuthE2E.register("siege")
        let owner = Self.freshSource()
        #expect(try Self.signIns(from: owner, email, AuthE2E.password, count: 1) == ["200 -"], "the owner signs in once")
        let cap = Int(TestStack.setting("SKANNR_LOGIN_ACCOUNT_MAX_FAILURES_PER_HOUR") ?? "") ?? 40
        let attackers = (0..<max(10, cap / 5 + 2)).map { _ in Self.freshSource() }
        var answers: [String] = []
        for attacker in attackers {
            answers += try Self.signIns(from: attacker, email, "wrong password!", count: 5)
        }
        // No single attacker address reached its own threshold: every 429 is the account-wide cap.
        #expect(answers.contains { $0.hasPrefix("429") }, "the account-wide cap engaged: \(answers)")
        let known = try Self.signIns(from: owner, email, AuthE2E.password, count: 1)
        #expect(known == ["200 -"], "the owner's known address still works: \(known)")
    }

    @Test("40 parallel wrong passwords from one address get at most the threshold of passwords checked")
    func parallelGuessesAreReservedFirst() throws {
        let (email, _) = try AuthE2E.register("race")
        let threshold = Int(TestStack.setting("SKANNR_LOGIN_MAX_FAILURES") ?? "") ?? 5
        let answers = try Self.signIns(from: Self.freshSource(), email, "wrong password!", count: 40, parallel: 40)
        let checked = answers.filter { $0 == "401 invalid_credentials" }.count
        let refused = answers.filter { $0.hasPrefix("429") }.count
        #expect(checked <= threshold, "\(checked) passwords checked: \(answers)")
        #expect(checked >= 1)
        #expect(checked + refused == 40, "\(answers)")
    }

    @Test("a right password costs the address nothing: failures before it are forgotten")
    func successReleasesTheReservation() throws {
        let (email, _) = try AuthE2E.register("release")
        let source = Self.freshSource()
        _ = try Self.signIns(from: source, email, "wrong password!", count: 4)
        #expect(try Self.signIns(from: source, email, AuthE2E.password, count: 1) == ["200 -"])
        let after = try Self.signIns(from: source, email, "wrong password!", count: 4)
        #expect(after == Array(repeating: "401 invalid_credentials", count: 4), "\(after)")
    }
}
