// Plain-value input of the security score, read by the API from the latest completed scan of
// each target, the account's alerts and targets.
import Foundation

public struct ScoreInput: Sendable {
    public struct ExposedPort: Sendable, Equatable {
        public var host: String
        public var port: UInt16
        /// nil = take it from ServiceRisk.
        public var severity: Severity?
        /// The owner accepted this port's risk (an accepted new_port alert): listed, not deducted.
        public var accepted: Bool
        public init(host: String, port: UInt16, severity: Severity? = nil, accepted: Bool = false) {
            self.host = host; self.port = port; self.severity = severity; self.accepted = accepted
        }
    }

    public struct Certificate: Sendable, Equatable {
        public var host: String
        public var port: UInt16
        public var notAfter: Date
        public var selfSigned: Bool
        /// "TLSv1.3" etc.; TLSv1 and TLSv1.1 are deducted.
        public var version: String?
        public init(host: String, port: UInt16, notAfter: Date, selfSigned: Bool = false, version: String? = nil) {
            self.host = host; self.port = port; self.notAfter = notAfter
            self.selfSigned = selfSigned; self.version = version
        }
    }

    public struct AlertFacts: Sendable, Equatable {
        public var title: String
        public var severity: Severity
        public var createdAt: Date
        public var acknowledgedAt: Date?
        public var resolvedAt: Date?
        public init(title: String, severity: Severity, createdAt: Date, acknowledgedAt: Date? = nil, resolvedAt: Date? = nil) {
            self.title = title; self.severity = severity; self.createdAt = createdAt
            self.acknowledgedAt = acknowledgedAt; self.resolvedAt = resolvedAt
        }
    }

    public struct TargetFacts: Sendable, Equatable {
        public var address: String
        public var enabled: Bool
        public var intervalMinutes: Int?
        public var lastScanAt: Date?
        public init(address: String, enabled: Bool = true, intervalMinutes: Int?, lastScanAt: Date?) {
            self.address = address; self.enabled = enabled
            self.intervalMinutes = intervalMinutes; self.lastScanAt = lastScanAt
        }
    }

    public var openPorts: [ExposedPort]
    public var certificates: [Certificate]
    public var alerts: [AlertFacts]
    public var targets: [TargetFacts]
    public var mfaEnabled: Bool
    public var now: Date

    public init(openPorts: [ExposedPort] = [], certificates: [Certificate] = [], alerts: [AlertFacts] = [],
                targets: [TargetFacts] = [], mfaEnabled: Bool = false, now: Date) {
        self.openPorts = openPorts; self.certificates = certificates; self.alerts = alerts
        self.targets = targets; self.mfaEnabled = mfaEnabled; self.now = now
    }
}

public struct ScoreCategory: Sendable, Equatable {
    public var key: String
    public var name: String
    public var score: Int
    public var weight: Int
    public var details: [String]
}

public struct SecurityScore: Sendable, Equatable {
    public var score: Int
    public var grade: String
    public var categories: [ScoreCategory]
}
