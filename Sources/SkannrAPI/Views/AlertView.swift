// The contract's Alert object with nulls written out; `details` is the stored JSON object as is.
// The encoding is AlertRecord's own (SkannrStore), shared with notification payloads.
import Foundation
import SkannrCore
import SkannrStore

struct AlertView: Encodable {
    let record: AlertRecord

    func encode(to encoder: Encoder) throws { try record.encode(to: encoder) }
}
