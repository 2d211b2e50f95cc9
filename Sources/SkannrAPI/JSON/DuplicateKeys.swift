// Finds an object with the same key twice in a body that already parsed as JSON. Such a body is
// refused (400): parsers disagree on which value wins, and that disagreement is an attack vector
// (a proxy validating one value while the API stores the other). Trap: keys are compared after
// unescaping, so "a" and "\u0061" are the same key; a key without a backslash is compared raw.
import Foundation

enum DuplicateKeys {
    /// The first key that occurs twice in one object, or nil. `body` must be valid JSON.
    static func first(in body: [UInt8]) -> String? {
        var stack: [Set<[UInt8]>?] = []   // nil = array, a set = the keys of an open object
        var expectingKey = false
        var index = 0
        while index < body.count {
            let byte = body[index]
            switch byte {
            case UInt8(ascii: "{"):
                stack.append([])
                expectingKey = true
            case UInt8(ascii: "["):
                stack.append(nil)
                expectingKey = false
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = stack.popLast()
                expectingKey = false
            case UInt8(ascii: ","):
                expectingKey = stack.last.map { $0 != nil } ?? false
            case UInt8(ascii: "\""):
                let start = index + 1
                var end = start
                var escaped = false
                while end < body.count {
                    if body[end] == UInt8(ascii: "\\") { escaped = true; end += 2; continue }
                    if body[end] == UInt8(ascii: "\"") { break }
                    end += 1
                }
                if expectingKey, let frame = stack.last, var keys = frame {
                    let key = escaped ? unescaped(Array(body[(start - 1)...min(end, body.count - 1)])) : Array(body[start..<min(end, body.count)])
                    if keys.contains(key) { return String(decoding: key, as: UTF8.self) }
                    keys.insert(key)
                    stack[stack.count - 1] = keys
                    expectingKey = false
                }
                index = end
            default:
                break
            }
            index += 1
        }
        return nil
    }

    private static func unescaped(_ quoted: [UInt8]) -> [UInt8] {
        guard let text = try? JSONDecoder().decode(String.self, from: Data(quoted)) else { return quoted }
        return Array(text.utf8)
    }
}
