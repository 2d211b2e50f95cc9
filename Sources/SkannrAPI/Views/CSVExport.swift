// CSV answers (`Accept: text/csv`) of GET /scans/:id/results and GET /alerts: RFC 4180 (CRLF, a
// header row, fields with comma, quote, CR or LF quoted and quotes doubled), every page streamed
// through FastCGI as it is read (1,000 rows at a time: constant memory for any number of rows).
// Formula injection (OWASP "CSV Injection"): a cell starting with = + - @, tab or CR gets a leading
// apostrophe, so a spreadsheet shows it as text instead of running it.
import Foundation
import SkannrStore
import HTTPMessage

enum CSVExport {
    static let pageSize = 1000
    static let contentType = "text/csv; charset=utf-8"

    /// Whether the client asked for CSV (an Accept naming text/csv).
    static func wanted(_ request: APIRequest) -> Bool {
        guard let accept = request.header("accept")?.lowercased() else { return false }
        return accept.split(separator: ",").contains { $0.split(separator: ";").first?.trimmingCharacters(in: .whitespaces) == "text/csv" }
    }

    static func field(_ value: String) -> String {
        var text = value
        if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func row(_ fields: [String]) -> String { fields.map(field).joined(separator: ",") + "\r\n" }

    static func timestamp(_ date: Date?) -> String {
        guard let date else { return "" }
        return date.formatted(.iso8601)   // 2026-11-29T01:50:29Z, as the JSON answers
    }

    /// A streamed CSV response: `header`, then `page(after)` until it returns no next position.
    static func response<Position>(header: [String], firstPage: @escaping (Position?) throws -> (rows: [[String]], next: Position?)) -> APIResponse {
        var response = APIResponse(status: 200, headers: [("Content-Type", contentType), ("Content-Disposition", "attachment")])
        response.stream = StreamedBody { put in
            put(Array(row(header).utf8))
            var position: Position? = nil
            repeat {
                let page = try firstPage(position)
                var chunk = ""
                for fields in page.rows { chunk += row(fields) }
                if !chunk.isEmpty { put(Array(chunk.utf8)) }
                position = page.next
            } while position != nil
        }
        return response
    }

    static func results(accountID: Int64, scanID: Int64, store: ScanResultStore) -> APIResponse {
        response(header: ["host", "port", "protocol", "state", "service", "tls_version", "tls_subject", "tls_issuer", "tls_not_after", "tls_fingerprint_sha256"]) {
            (after: (hostKey: [UInt8], port: Int)?) in
            let page = try store.openPorts(accountID: accountID, scanID: scanID, limit: pageSize, after: after)
            let rows = page.items.map { r in
                [r.host, String(r.port), "tcp", r.state, r.service ?? "", r.tls?.version ?? "", r.tls?.subject ?? "",
                 r.tls?.issuer ?? "", timestamp(r.tls?.notAfter), r.tls?.fingerprintSHA256 ?? ""]
            }
            return (rows, page.nextCursor.flatMap(Cursor.decodeHostPort))
        }
    }

    static func alerts(accountID: Int64, filter: AlertFilter, store: AlertStore) -> APIResponse {
        response(header: ["id", "target_id", "scan_id", "type", "severity", "status", "host", "port", "title", "created_at", "acknowledged_at", "resolved_at"]) {
            (after: Int64?) in
            let page = try store.list(accountID: accountID, filter: filter, limit: pageSize, after: after)
            let rows = page.items.map { a in
                [String(a.id), String(a.targetID), String(a.scanID), a.type, a.severity.rawValue, a.status.rawValue,
                 a.host, a.port.map(String.init) ?? "", a.title, timestamp(a.createdAt), timestamp(a.acknowledgedAt), timestamp(a.resolvedAt)]
            }
            return (rows, page.nextCursor.flatMap(Cursor.decodeID))
        }
    }
}
