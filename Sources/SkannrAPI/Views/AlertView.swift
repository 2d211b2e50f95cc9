// The contract's Alert object with nulls written out; `details` is the stored JSON object as is.
// The member list is AlertRecord's own (SkannrStore), shared with notification payloads.
import Foundation
import SkannrCore
import SkannrStore

struct AlertView: JSONObject {
    let record: AlertRecord

    func members<Out: JSONMembers>(_ out: inout Out) throws { try record.members(&out) }
}
