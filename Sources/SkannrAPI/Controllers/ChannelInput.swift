// Validation of notification channel bodies (POST and PATCH). Every malformed field is collected
// into one 400 `validation_failed`; a URL pointing where the server may not send is 400
// `target_not_allowed` (the scan-target policy; names are checked again at send time).
import SkannrCore
import SkannrStore

enum ChannelInput {
    static func create(_ body: inout BodyReader, allowPrivate: Bool) throws(APIError) -> NewChannel {
        let type: ChannelType?
        switch body.enumValue("type", ChannelType.self) {
        case .value(let value): type = value
        case .absent, .null: type = nil; body.fail("type", "is required")
        }
        let url = body.string("url").value
        let rawEmail = body.string("email").value
        let minSeverity = self.minSeverity(&body) ?? .low
        let events = self.events(&body) ?? [.alertOpened]
        var email: String?
        var notAllowed: String?
        switch type {
        case .webhook?, .slack?:
            if rawEmail != nil { body.fail("email", "is only allowed with type email") }
            if let url {
                do { _ = try DestinationURL.parse(url, allowPrivate: allowPrivate) } catch {
                    if error.notAllowed { notAllowed = "url \(error.message)" } else { body.fail("url", error.message) }
                }
            } else {
                body.fail("url", "is required for type \(type?.rawValue ?? "")")
            }
        case .email?:
            if url != nil { body.fail("url", "is only allowed with types webhook and slack") }
            if let rawEmail {
                let normalized = Credentials.normalizeEmail(rawEmail)
                if let problem = Credentials.emailProblem(normalized) { body.fail("email", problem) } else { email = normalized }
            } else {
                body.fail("email", "is required for type email")
            }
        case nil: break
        }
        try body.finish()
        if let notAllowed { throw APIError(.targetNotAllowed, notAllowed) }
        guard let type else { throw APIError.validation(["type": "is required"]) }
        return NewChannel(type: type, url: type == .email ? nil : url, email: email, minSeverity: minSeverity, events: events)
    }

    static func patch(_ body: inout BodyReader) throws(APIError) -> ChannelPatch {
        var patch = ChannelPatch(minSeverity: minSeverity(&body), events: events(&body))
        switch body.bool("enabled") {
        case .value(let value): patch.enabled = value
        case .absent: break
        case .null: body.fail("enabled", "must be true or false, not null")
        }
        try body.finish()
        return patch
    }

    private static func minSeverity(_ body: inout BodyReader) -> Severity? {
        switch body.enumValue("min_severity", Severity.self) {
        case .value(let value): return value
        case .absent: return nil
        case .null: body.fail("min_severity", "must not be null"); return nil
        }
    }

    /// A non-empty list of subscribable event names (duplicates collapse).
    private static func events(_ body: inout BodyReader) -> Set<NotificationEvent>? {
        let allowed = NotificationEvent.subscribable.map(\.rawValue).joined(separator: ", ")
        switch body.stringArray("events") {
        case .absent: return nil
        case .null: body.fail("events", "must not be null"); return nil
        case .value(let names):
            let events = names.compactMap { name in NotificationEvent.subscribable.first { $0.rawValue == name } }
            guard !names.isEmpty, events.count == names.count else {
                body.fail("events", "must be a non-empty list of: \(allowed)")
                return nil
            }
            return Set(events)
        }
    }
}
