// Registration through nginx: validation (400 with fields), duplicates (409 email_taken, also
// when the email differs only by case or surrounding spaces), and the stored password hash.
import Foundation
import Testing
import TestSupport

@Suite("Auth registration through nginx", .needsStack)
struct AuthRegisterTests {
    @Test("malformed email, short password and long name are one 400 listing each field")
    func validation() throws {
        let response = try APIClient().post("/auth/register", [
            "name": String(repeating: "n", count: 101), "email": "not-an-email", "password": "short",
        ])
        #expect(response.status == 400)
        #expect(response.code == "validation_failed")
        let fields = try #require(response["fields"] as? [String: String])
        #expect(Set(fields.keys) == ["name", "email", "password"])
    }

    @Test("each invalid value is refused", arguments: [
        ["name": "  ", "email": "a@example.com", "password": "long enough pass"],
        ["name": "A", "email": "a@@example.com", "password": "long enough pass"],
        ["name": "A", "email": "a@example", "password": "long enough pass"],
        ["name": "A", "email": "a b@example.com", "password": "long enough pass"],
        ["name": "A", "email": ".a@example.com", "password": "long enough pass"],
        ["name": "A", "email": "a@-example.com", "password": "long enough pass"],
        ["name": "A", "email": String(repeating: "a", count: 250) + "@example.com", "password": "long enough pass"],
        ["name": "A", "email": "a@example.com", "password": "123456789"],
        ["name": "A", "email": "a@example.com", "password": String(repeating: "p", count: 1025)],
        ["name": "A", "email": "a@example.com"],
    ])
    func invalidValues(body: [String: String]) throws {
        let response = try APIClient().post("/auth/register", body)
        #expect(response.status == 400, "\(body.mapValues { $0.prefix(20) })")
        #expect(response.code == "validation_failed")
    }

    @Test("a wrong JSON type is a 400 naming the field")
    func wrongType() throws {
        let response = try APIClient().post("/auth/register", ["name": "A", "email": 5, "password": "long enough pass"])
        #expect(response.status == 400)
        #expect((response["fields"] as? [String: String])?["email"] != nil)
    }

    @Test("emails are trimmed and lowercased; a duplicate differing by case or spaces is 409 email_taken")
    func duplicates() throws {
        let email = AuthE2E.uniqueEmail("dup")
        let first = try APIClient().post("/auth/register", ["name": " Dup ", "email": "  " + email.uppercased() + " ", "password": AuthE2E.password])
        #expect(first.status == 201, "\(first)")
        let user = try #require(first["user"] as? [String: Any])
        #expect(user["email"] as? String == email)
        #expect(user["name"] as? String == "Dup")
        for variant in [email, email.uppercased(), " \(email)\t"] {
            let again = try APIClient().post("/auth/register", ["name": "Other", "email": variant, "password": AuthE2E.password])
            #expect(again.status == 409, "\(variant)")
            #expect(again.code == "email_taken")
        }
    }

    @Test("the password is stored as an Argon2id PHC string with at least m=19456,t=2,p=1")
    func storedHash() throws {
        let (email, _) = try AuthE2E.register("hash")
        let row = try #require(try TestStack.appDatabase().queryOne("SELECT password_hash FROM users WHERE email = ?", [.text(email)]))
        let hash = try row.string("password_hash")
        #expect(hash.hasPrefix("$argon2id$v=19$m=19456,t=2,p=1$"))
        #expect(!hash.contains(AuthE2E.password))
    }

    @Test("an unknown email and a wrong password are the same 401 invalid_credentials")
    func invalidCredentials() throws {
        let (email, _) = try AuthE2E.register("creds")
        let wrong = try APIClient().post("/auth/login", ["email": email, "password": "wrong password!"])
        let unknown = try APIClient().post("/auth/login", ["email": AuthE2E.uniqueEmail("nobody"), "password": "wrong password!"])
        #expect(wrong.status == 401 && unknown.status == 401)
        #expect(wrong.code == "invalid_credentials")
        #expect(wrong.text == unknown.text)
    }
}
