// QR data URIs read back by real tools: rsvg-convert rasterises the SVG, zbarimg decodes it.
// Skipped with a reason when librsvg2-bin or zbar-tools are not installed.
import Foundation
import Testing
import TestSupport
@testable import SkannrCrypto

@Suite("QRCode")
struct QRCodeTests {
    static let tools = ["/usr/bin/rsvg-convert", "/usr/bin/zbarimg"]
    static var toolsPresent: Bool { tools.allSatisfy { FileManager.default.isExecutableFile(atPath: $0) } }

    @Test("the SVG data URI decodes with zbarimg to exactly the otpauth URI",
          .enabled(if: toolsPresent, "needs rsvg-convert (librsvg2-bin) and zbarimg (zbar-tools)"))
    func roundTripThroughZbar() throws {
        let uri = "otpauth://totp/Skannr:alice%2Btest%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Skannr&algorithm=SHA1&digits=6&period=30"
        let dataURI = try QRCode.svgDataURI(for: uri)
        let prefix = "data:image/svg+xml;base64,"
        #expect(dataURI.hasPrefix(prefix))
        let svg = try #require(Data(base64Encoded: String(dataURI.dropFirst(prefix.count))))
        #expect(String(decoding: svg, as: UTF8.self).hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("skannr-qr-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let svgPath = dir.appendingPathComponent("code.svg").path
        let pngPath = dir.appendingPathComponent("code.png").path
        try svg.write(to: URL(fileURLWithPath: svgPath))

        let convert = try run(Self.tools[0], ["-f", "png", "-o", pngPath, svgPath])
        #expect(convert.status == 0)
        let scan = try run(Self.tools[1], ["--raw", "-q", pngPath])
        #expect(scan.status == 0)
        // zbarimg may print D-Bus noise on stderr (merged into the output): the decoded line is the one.
        let decoded = scan.output.split(separator: "\n").filter { $0.hasPrefix("otpauth://") }
        #expect(decoded == [Substring(uri)])
    }

    @Test("the symbol has a 4-module quiet zone around a 21+4k module matrix")
    func geometry() throws {
        let modules = try QRCode.encode("hello")
        #expect(modules.count == 21)
        let svg = try QRCode.svg(for: "hello")
        #expect(svg.contains("viewBox=\"0 0 29 29\""))
        #expect(svg.contains("M4 4h7v1h-7z"))   // top row of the top-left finder pattern
    }

    @Test("empty text, NUL bytes and text too long for any QR version are refused")
    func refusals() {
        #expect(throws: CryptoError.self) { try QRCode.svgDataURI(for: "") }
        #expect(throws: CryptoError.self) { try QRCode.svgDataURI(for: "a\u{0}b") }
        #expect(throws: CryptoError.self) { try QRCode.svgDataURI(for: String(repeating: "x", count: 5000)) }
    }

    private func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try Shell.execute(executable, arguments, timeout: 30)
    }
}
