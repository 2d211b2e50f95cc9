// Per-process memo of access tokens whose signature and claims already checked out, so a client
// reusing its token skips the JSON parsing of header and claims (the bulk of a verify). Keyed by
// the whole token text: a hit is the same signed bytes. Expiry is still checked on every hit by
// the caller. Bounded: emptied when full (tokens live 15 minutes; refilling is cheap).
import Synchronization
import SkannrCore

final class VerifiedTokenCache: Sendable {
    private let entries = Mutex<[String: AccessClaims]>([:])
    let capacity: Int

    init(capacity: Int = 1024) { self.capacity = max(capacity, 1) }

    func claims(for token: String) -> AccessClaims? {
        entries.withLock { $0[token] }
    }

    func remember(_ token: String, _ claims: AccessClaims) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[token] = claims
        }
    }

    var count: Int { entries.withLock { $0.count } }
}
