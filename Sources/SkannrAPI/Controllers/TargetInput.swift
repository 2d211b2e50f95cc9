// Validation of target bodies (POST and PATCH) into store values. Every malformed field is
// collected into one 400 `validation_failed`; a refused address is 400 `target_not_allowed`.
// Decisions: an empty or all-space label is stored as null; `ports` is allowed only with the
// custom profile (switching away from custom clears it); on PATCH the plan is checked only for
// what the request sets (profile/ports, interval), so after a downgrade a target can still be
// relabelled or disabled; the CIDR size is checked on create only (the address cannot change).
import Foundation
import SkannrCore
import SkannrStore

enum TargetInput {
    static let intervalRange: ClosedRange<Int64> = 15...525_600
    static let maxLabelLength = 200

    /// POST /targets: the new target, its address checked against the server's policy.
    static func create(_ body: inout BodyReader, policy: AddressPolicy) throws(APIError) -> NewTarget {
        var address: TargetAddress?
        if let text = body.requiredString("address") {
            do { address = try TargetAddress.parse(text) } catch { body.fail("address", error.message) }
        }
        let label = self.label(&body)
        let profile: ScanProfile
        switch body.enumValue("scan_profile", ScanProfile.self) {
        case .value(let value): profile = value
        case .absent: profile = .standard
        case .null: profile = .standard; body.fail("scan_profile", "must not be null")
        }
        let ports = self.ports(&body, profile: profile, hadPorts: false)
        let interval = self.interval(&body)
        var enabled = true
        switch body.bool("enabled") {
        case .value(let value): enabled = value
        case .absent: break
        case .null: body.fail("enabled", "must be true or false, not null")
        }
        try body.finish()
        guard let address else { throw APIError.validation(["address": "is required"]) }
        do { try policy.check(address) } catch { throw APIError(.targetNotAllowed, error.message) }
        return NewTarget(address: address, label: label ?? nil, scanProfile: profile, ports: ports ?? nil,
                         intervalMinutes: interval.value.map(Int.init), enabled: enabled)
    }

    /// A PATCH body, validated but not yet applied (the current target is read under lock later).
    struct Patch {
        var label: String??
        var scanProfile: ScanProfile?
        var ports: Field<PortList>
        var interval: Field<Int64>
        var enabled: Bool?
        /// expected_ports: a port list, or null to clear (issue 19).
        var expectedPorts: Field<PortList> = .absent

        /// The target's new settings; throws 400 for an inconsistent profile/ports pair, 403 for plan limits.
        func apply(to current: TargetRecord, plans: PlanCatalog, plan: Plan, now: Date) throws(APIError) -> TargetSettings {
            var new = TargetSettings(current)
            if let label { new.label = label }
            let profile = scanProfile ?? current.scanProfile
            switch ports {
            case .value(let list):
                guard profile == .custom else { throw APIError.validation(["ports": "is only allowed with scan_profile custom"]) }
                new.ports = list.description
            case .null, .absent:
                if profile != .custom {
                    new.ports = nil
                } else if case .null = ports {
                    throw APIError.validation(["ports": "is required when scan_profile is custom"])
                } else if current.scanProfile != .custom || current.ports == nil {
                    throw APIError.validation(["ports": "is required when scan_profile is custom"])
                }
            }
            new.scanProfile = profile
            if scanProfile != nil || ports.value != nil {
                let customPorts = new.ports.flatMap { try? PortList.parse($0) }
                do { try plans.checkProfile(plan: plan, profile: profile, customPorts: customPorts) }
                catch { throw APIError(error) }
            }
            if case .absent = interval {} else {
                new.intervalMinutes = interval.value.map(Int.init)
                do { try plans.checkInterval(plan: plan, minutes: new.intervalMinutes) }
                catch { throw APIError(error) }
            }
            if let enabled { new.enabled = enabled }
            switch expectedPorts {
            case .value(let list): new.expectedPorts = list.description
            case .null: new.expectedPorts = nil
            case .absent: break
            }
            if new.enabled != current.enabled || new.intervalMinutes != current.intervalMinutes {
                new.nextScanAt = TargetStore.nextScanAt(enabled: new.enabled, intervalMinutes: new.intervalMinutes, now: now)
            }
            return new
        }
    }

    static func patch(_ body: inout BodyReader) throws(APIError) -> Patch {
        if body.keys.contains("address") { body.fail("address", "cannot be changed; delete the target and add a new one") }
        let label = self.label(&body)
        var profile: ScanProfile?
        switch body.enumValue("scan_profile", ScanProfile.self) {
        case .value(let value): profile = value
        case .absent: break
        case .null: body.fail("scan_profile", "must not be null")
        }
        var ports: Field<PortList> = .absent
        switch body.string("ports") {
        case .value(let text):
            do { ports = .value(try PortList.parse(text)) } catch { body.fail("ports", error.message) }
        case .null: ports = .null
        case .absent: break
        }
        let interval = self.interval(&body)
        var enabled: Bool?
        switch body.bool("enabled") {
        case .value(let value): enabled = value
        case .absent: break
        case .null: body.fail("enabled", "must be true or false, not null")
        }
        var expected: Field<PortList> = .absent
        switch body.string("expected_ports") {
        case .value(let text):
            do { expected = .value(try PortList.parse(text)) } catch { body.fail("expected_ports", error.message) }
        case .null: expected = .null
        case .absent: break
        }
        try body.finish()
        return Patch(label: label, scanProfile: profile, ports: ports, interval: interval, enabled: enabled, expectedPorts: expected)
    }

    /// nil = absent; .some(nil) = clear the label.
    private static func label(_ body: inout BodyReader) -> String?? {
        switch body.string("label") {
        case .absent: return nil
        case .null: return .some(nil)
        case .value(let raw):
            let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                body.fail("label", "must not contain control characters")
                return nil
            }
            if text.unicodeScalars.count > maxLabelLength {
                body.fail("label", "must be at most \(maxLabelLength) characters")
                return nil
            }
            return .some(text.isEmpty ? nil : text)
        }
    }

    /// Create only: ports required iff the profile is custom.
    private static func ports(_ body: inout BodyReader, profile: ScanProfile, hadPorts: Bool) -> PortList?? {
        switch body.string("ports") {
        case .value(let text):
            guard profile == .custom else {
                body.fail("ports", "is only allowed with scan_profile custom")
                return nil
            }
            do { return .some(try PortList.parse(text)) } catch {
                body.fail("ports", error.message)
                return nil
            }
        case .absent, .null:
            if profile == .custom { body.fail("ports", "is required when scan_profile is custom") }
            return nil
        }
    }

    private static func interval(_ body: inout BodyReader) -> Field<Int64> {
        let field = body.int("interval_minutes")
        if let minutes = field.value, !intervalRange.contains(minutes) {
            body.fail("interval_minutes", "must be null or an integer from \(intervalRange.lowerBound) to \(intervalRange.upperBound)")
            return .absent
        }
        return field
    }
}
