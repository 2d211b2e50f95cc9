// Port results and the scan summary as the contract shows them (TLS facts nested or null).
import Foundation
import SkannrCore
import SkannrStore

struct PortResultView: JSONObject {
    let record: PortResultRecord

    func members<Out: JSONMembers>(_ out: inout Out) throws {
        try out.member("host", record.host)
        try out.member("port", record.port)
        try out.member("protocol", "tcp")
        try out.member("state", record.state)
        try out.member("service", record.service)
        try out.member("tls", object: record.tls.map(TLSView.init))
    }
}

struct TLSView: JSONObject {
    let record: TLSFacts

    func members<Out: JSONMembers>(_ out: inout Out) throws {
        try out.member("version", record.version)
        try out.member("cipher", record.cipher)
        try out.member("subject", record.subject)
        try out.member("issuer", record.issuer)
        try out.member("san", encoding: record.san)
        try out.member("not_before", record.notBefore)
        try out.member("not_after", record.notAfter)
        try out.member("fingerprint_sha256", record.fingerprintSHA256)
        try out.member("self_signed", record.selfSigned)
        try out.member("expired", record.expired)
    }
}

/// GET /scans/:id/results
struct ResultsView: JSONObject {
    let scanID: Int64
    let items: [PortResultView]
    let nextCursor: String?

    func members<Out: JSONMembers>(_ out: inout Out) throws {
        try out.member("scan_id", scanID)
        try out.member("items", objects: items)
        try out.member("next_cursor", nextCursor)
    }
}

/// GET /scans/:id/summary
struct SummaryView: Encodable {
    struct Host: JSONObject {
        let record: HostSummaryRecord

        func members<Out: JSONMembers>(_ out: inout Out) throws {
            try out.member("host", record.host)
            try out.member("hostname", record.hostname)
            try out.member("state", record.state)
            try out.member("open", record.open)
            try out.member("filtered", record.filtered)
            try out.member("closed", record.closed)
            try out.member("open_ports", encoding: record.openPorts)
            try out.member("accepts_all", record.acceptsAll)
            try out.member("notes", encoding: record.notes)
        }
    }

    struct Totals: Encodable {
        let hosts: Int64
        let hostsUp: Int64
        let open: Int64
        let filtered: Int64
        let closed: Int64
    }

    let scanId: Int64
    let status: String
    let hosts: [Host]
    let totals: Totals
}
