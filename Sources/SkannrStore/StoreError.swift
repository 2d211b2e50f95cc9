// Outcomes of store calls that are not database failures: each maps to one API status.
// MariaDBError still escapes for real failures (lost connection, deadlock after retry).
public enum StoreError: Error, Equatable, Sendable {
    /// The account row is gone (deleted while its token is still valid).
    case accountNotFound
    /// The account already has a target with this normalised address.
    case duplicateAddress
    /// The target has a pending or running scan (the unique key on scans.active_target_id).
    case scanInProgress
}
