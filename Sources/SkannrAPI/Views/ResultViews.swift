// Port results and the scan summary as the contract shows them (TLS facts nested or null).
import Foundation
import SkannrCore
import SkannrStore

struct PortResultView: Encodable {
    let record: PortResultRecord

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encode(record.host, forKey: "host")
        try c.encode(record.port, forKey: "port")
        try c.encode("tcp", forKey: "protocol")
        try c.encode(record.state, forKey: "state")
        try c.encode(record.service, forKey: "service")
        try c.encode(record.tls.map(TLSView.init), forKey: "tls")
    }
}

struct TLSView: Encodable {
    let record: TLSFacts

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encode(record.version, forKey: "version")
        try c.encode(record.cipher, forKey: "cipher")
        try c.encode(record.subject, forKey: "subject")
        try c.encode(record.issuer, forKey: "issuer")
        try c.encode(record.san, forKey: "san")
        try c.encode(record.notBefore, forKey: "not_before")
        try c.encode(record.notAfter, forKey: "not_after")
        try c.encode(record.fingerprintSHA256, forKey: "fingerprint_sha256")
        try c.encode(record.selfSigned, forKey: "self_signed")
        try c.encode(record.expired, forKey: "expired")
    }
}

/// GET /scans/:id/results
struct ResultsView: Encodable {
    let scanID: Int64
    let items: [PortResultView]
    let nextCursor: String?

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.encode(scanID, forKey: "scan_id")
        try c.encode(items, forKey: "items")
        try c.encode(nextCursor, forKey: "next_cursor")
    }
}

/// GET /scans/:id/summary
struct SummaryView: Encodable {
    struct Host: Encodable {
        let record: HostSummaryRecord

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: JSONKey.self)
            try c.encode(record.host, forKey: "host")
            try c.encode(record.hostname, forKey: "hostname")
            try c.encode(record.state, forKey: "state")
            try c.encode(record.open, forKey: "open")
            try c.encode(record.filtered, forKey: "filtered")
            try c.encode(record.closed, forKey: "closed")
            try c.encode(record.openPorts, forKey: "open_ports")
            try c.encode(record.acceptsAll, forKey: "accepts_all")
            try c.encode(record.notes, forKey: "notes")
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
