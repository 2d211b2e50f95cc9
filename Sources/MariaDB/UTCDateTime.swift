// Date <-> UTC calendar fields with microsecond precision, without Calendar (fast, exact).
// Dates outside DATETIME's range are clamped to 0001-01-01 .. 9999-12-31 (the server rejects < 1000).
import Foundation

struct UTCDateTime: Equatable {
    var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, microsecond: Int

    init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, microsecond: Int) {
        (self.year, self.month, self.day) = (year, month, day)
        (self.hour, self.minute, self.second, self.microsecond) = (hour, minute, second, microsecond)
    }

    init(date: Date) {
        let minMicros = -62_135_596_800_000_000.0, maxMicros = 253_402_300_799_999_999.0
        var micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        if !micros.isFinite { micros = 0 }
        let total = Int64(min(max(micros, minMicros), maxMicros))
        let perDay: Int64 = 86_400_000_000
        var days = total / perDay
        var rest = total % perDay
        if rest < 0 { days -= 1; rest += perDay }
        (year, month, day) = Self.civil(fromDays: Int(days))
        let seconds = Int(rest / 1_000_000)
        microsecond = Int(rest % 1_000_000)
        hour = seconds / 3600
        minute = seconds / 60 % 60
        second = seconds % 60
    }

    var date: Date {
        let days = Int64(Self.days(year: year, month: month, day: day))
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        return Date(timeIntervalSince1970: Double(seconds * 1_000_000 + Int64(microsecond)) / 1_000_000)
    }

    var iso8601: String {
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):"
            + "\(pad(second, 2)).\(pad(microsecond, 6))Z"
    }

    /// Days since 1970-01-01 (H. Hinnant's days_from_civil).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
