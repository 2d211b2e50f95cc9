// An RFC 5322 message with a multipart/alternative body (text/plain first, then text/html), both
// UTF-8 in base64 so no line is too long and no byte needs escaping. Header values are stripped of
// CR/LF (no header injection); a non-ASCII subject is an RFC 2047 encoded word.
import Foundation

public enum MailMessage {
    public static func compose(from: String, to: String, subject: String, plain: String, html: String,
                               messageID: String, date: Date = Date()) -> [UInt8] {
        let boundary = "skannr-" + messageID.filter { $0.isLetter || $0.isNumber }
        let headers = [
            "From: Skannr <\(clean(from))>",
            "To: <\(clean(to))>",
            "Subject: \(encodedSubject(clean(subject)))",
            "Date: \(rfc5322Date(date))",
            "Message-ID: <\(clean(messageID))@skannr>",
            "MIME-Version: 1.0",
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
        ]
        var lines = headers + [""]
        for (type, text) in [("text/plain", plain), ("text/html", html)] {
            lines += ["--\(boundary)", "Content-Type: \(type); charset=utf-8", "Content-Transfer-Encoding: base64", ""]
            lines += base64Lines(text)
        }
        lines += ["--\(boundary)--", ""]
        return Array(lines.joined(separator: "\r\n").utf8)
    }

    /// Trap: filter scalars, not Characters — "\r\n" is ONE Character, equal to neither "\r" nor "\n".
    static func clean(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { $0 != "\r" && $0 != "\n" && $0 != "\0" }))
    }

    static func encodedSubject(_ subject: String) -> String {
        subject.unicodeScalars.allSatisfy({ $0.isASCII }) ? subject : "=?UTF-8?B?\(Data(subject.utf8).base64EncodedString())?="
    }

    static func base64Lines(_ text: String) -> [String] {
        let encoded = Data(text.utf8).base64EncodedString()
        return stride(from: 0, to: encoded.count, by: 76).map { start in
            let from = encoded.index(encoded.startIndex, offsetBy: start)
            return String(encoded[from..<(encoded.index(from, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex)])
        }
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
