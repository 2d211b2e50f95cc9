// Helpers of the auth end-to-end suites: unique accounts, clients pinned to 127.0.0.1 or ::1
// (nginx listens on both, so they are two client addresses), and access tokens minted with the
// running stack's keys.
import Foundation
import HTTPClient
import SkannrCore
import Testing
import TestSupport

enum AuthE2E {
    static let password = "correct horse battery staple"

    static func uniqueEmail(_ tag: String) -> String {
        "\(tag)-\(UInt64.random(in: 0...UInt64.max))@example.com"
    }

    /// Registers a new account and returns (email, the 201 response).
    static func register(_ tag: String, client: APIClient? = nil) throws -> (email: String, response: APIResponse) {
        let email = uniqueEmail(tag)
        let response = try (client ?? APIClient()).post("/auth/register", ["name": "Test \(tag)", "email": email, "password": password])
        #expect(response.status == 201, "register: \(response)")
        return (email, response)
    }

    static func accessToken(_ response: APIResponse) -> String? { response["access_token"] as? String }
    static func refreshToken(_ response: APIResponse) -> String? { response["refresh_token"] as? String }
    static func userID(_ response: APIResponse) -> Int64? {
        ((response["user"] as? [String: Any])?["id"] as? NSNumber)?.int64Value
    }

    /// The signer of the running stack (its SKANNR_JWT_KEYS).
    static func stackSigner() throws -> JWTSigner { try TestAccount.stackSigner() }
}

/// A client whose requests reach nginx from one chosen loopback address.
struct PinnedClient {
    let host: String
    let http: HTTPClient

    /// `host` is "127.0.0.1" or "[::1]" (the test certificate names both).
    init(host: String) throws {
        self.host = host
        http = try HTTPClient(caFile: TestStack.caFile, verifyPeer: true, timeout: .seconds(20))
    }

    struct Reply {
        let status: Int
        let headers: [String: String]
        let json: [String: Any]
        let text: String
        var code: String? { json["code"] as? String }
        func header(_ name: String) -> String? { headers[name.lowercased()] }
    }

    func post(_ path: String, _ body: [String: Any]) throws -> Reply {
        let url = TestStack.baseURL.replacingOccurrences(of: "://localhost:", with: "://\(host):") + path
        let data = Array(try JSONSerialization.data(withJSONObject: body))
        let response = try http.send(HTTPRequest(method: "POST", url: url, headers: [("Content-Type", "application/json")], body: data))
        let json = ((try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]) ?? [:]
        return Reply(status: response.status, headers: response.headers, json: json, text: response.text)
    }
}
