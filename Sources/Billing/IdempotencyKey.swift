// Idempotency-Key values for Stripe POSTs: derived from the account, the operation and a nonce
// (the client's Idempotency-Key header or nginx's request id), so a retried call replays Stripe's
// first answer instead of doing the work twice. Hashed: the key reveals none of its inputs.
import SkannrCrypto

public enum IdempotencyKey {
    /// `skannr-<32 hex>` from `account`, `operation` and the optional `nonce`.
    public static func derive(account: Int64, operation: String, nonce: String? = nil) -> String {
        var material = "skannr|\(account)|\(operation)"
        if let nonce { material += "|" + nonce }
        return "skannr-" + Hex.encode(Array(Digest.sha256(material).prefix(16)))
    }
}
