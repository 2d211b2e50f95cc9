// An alert row as the API shows it, and the enums of its filters. `details` is the JSON column,
// kept as stored and written out as is; parsed to a JSONValue object only when read (broken JSON reads as {}).
import Foundation
import MariaDB
import SkannrCore

public enum AlertStatus: String, CaseIterable, Sendable {
    case open, acknowledged, resolved, accepted
}

/// The alert types are the diff's kinds (one list for the runner and the API).
public typealias AlertType = AlertDraft.Kind

public struct AlertRecord: Sendable, Equatable {
    public var id: Int64
    public var targetID: Int64
    public var scanID: Int64
    public var type: String
    public var severity: Severity
    public var host: String
    public var port: Int?
    public var title: String
    /// The stored JSON object as stored (the API writes it out without parsing it); `details` parses it.
    public var detailsJSON: RawJSONObject
    public var details: [String: JSONValue] {
        get { detailsJSON.value }
        set { detailsJSON = RawJSONObject(newValue) }
    }
    public var status: AlertStatus
    public var createdAt: Date
    public var acknowledgedAt: Date?
    public var resolvedAt: Date?
    /// Accepted risk (POST /alerts/:id/accept): when, and the owner's note.
    public var acceptedAt: Date?
    public var acceptNote: String?

    static let columns = """
        id, target_id, scan_id, type, severity, host, port, title, details, status, created_at, acknowledged_at, resolved_at,
        accepted_at, accept_note
        """

    init(row: Row) throws {
        id = try row.int("id")
        targetID = try row.int("target_id")
        scanID = try row.int("scan_id")
        type = try row.string("type")
        let severityText = try row.string("severity"), statusText = try row.string("status")
        guard let severity = Severity(rawValue: severityText), let status = AlertStatus(rawValue: statusText) else {
            throw MariaDBError.client("unknown alert enum value \(severityText)/\(statusText)")
        }
        self.severity = severity
        self.status = status
        host = try row.string("host")
        port = try row.optionalInt("port").map { Int($0) }
        title = try row.string("title")
        detailsJSON = RawJSONObject(validJSON: try row.string("details"))
        createdAt = try row.date("created_at")
        acknowledgedAt = try row.optionalDate("acknowledged_at")
        resolvedAt = try row.optionalDate("resolved_at")
        acceptedAt = try row.optionalDate("accepted_at")
        acceptNote = try row.optionalString("accept_note")
    }
}

/// The filters of GET /alerts; nil means "any".
public struct AlertFilter: Sendable, Equatable {
    public var status: AlertStatus?
    public var type: AlertType?
    public var severity: Severity?
    public var targetID: Int64?

    public init(status: AlertStatus? = nil, type: AlertType? = nil, severity: Severity? = nil, targetID: Int64? = nil) {
        self.status = status; self.type = type; self.severity = severity; self.targetID = targetID
    }
}

/// Outcome of acknowledge/resolve.
public enum AlertTransition: Sendable, Equatable {
    /// The alert after the call (changed now, or already in the wanted state: idempotent).
    case done(AlertRecord, changed: Bool)
    /// Acknowledging a resolved alert.
    case conflict(AlertRecord)
    case notFound
}
