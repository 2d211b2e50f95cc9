// QR codes as SVG data URIs through libqrencode (QRcode_encodeString, 8-bit mode, ECC level M).
// The SVG has a white background and a 4-module quiet zone so scanners (and zbarimg) find it.
internal import CQREncode
import Foundation

public enum QRCode {
    static let quietZone = 4
    static let pixelsPerModule = 8

    /// "data:image/svg+xml;base64,..." of a QR code that decodes to exactly `text`.
    public static func svgDataURI(for text: String) throws(CryptoError) -> String {
        "data:image/svg+xml;base64," + Data(try svg(for: text).utf8).base64EncodedString()
    }

    public static func svg(for text: String) throws(CryptoError) -> String {
        let modules = try encode(text)
        let width = modules.count
        let size = width + 2 * quietZone
        var path = ""
        path.reserveCapacity(width * width * 4)
        for (y, row) in modules.enumerated() {
            var x = 0
            while x < width {
                guard row[x] else { x += 1; continue }
                var run = 1
                while x + run < width, row[x + run] { run += 1 }
                path += "M\(x + quietZone) \(y + quietZone)h\(run)v1h-\(run)z"
                x += run
            }
        }
        let pixels = size * pixelsPerModule
        return """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(pixels)" height="\(pixels)" \
        viewBox="0 0 \(size) \(size)" shape-rendering="crispEdges">\
        <rect width="\(size)" height="\(size)" fill="#fff"/><path fill="#000" d="\(path)"/></svg>
        """
    }

    /// The module matrix, row by row; true is a dark module.
    static func encode(_ text: String) throws(CryptoError) -> [[Bool]] {
        guard !text.isEmpty else { throw CryptoError(.malformedInput, "cannot encode an empty QR code") }
        guard !text.utf8.contains(0) else { throw CryptoError(.malformedInput, "QR text contains a NUL byte") }
        guard let code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1) else {
            throw CryptoError(.malformedInput, "libqrencode could not encode the text (too long?)")
        }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        guard width > 0, let data = code.pointee.data else {
            throw CryptoError(.libraryFailure, "libqrencode returned an empty symbol")
        }
        return (0..<width).map { y in (0..<width).map { x in data[y * width + x] & 1 == 1 } }
    }
}
