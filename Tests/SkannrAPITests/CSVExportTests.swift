// Issue 19: CSV cells follow RFC 4180 and are safe to open in a spreadsheet (OWASP CSV injection).
import Foundation
import Testing
@testable import FastCGI
@testable import SkannrAPI

@Suite("CSV export cells (issue 19)")
struct CSVExportTests {
    @Test("plain cells stay as they are")
    func plain() {
        #expect(CSVExport.field("192.0.2.1") == "192.0.2.1")
        #expect(CSVExport.field("") == "")
    }

    @Test("commas, quotes and line breaks are quoted with quotes doubled")
    func quoting() {
        #expect(CSVExport.field("a,b") == "\"a,b\"")
        #expect(CSVExport.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVExport.field("two\nlines") == "\"two\nlines\"")
        #expect(CSVExport.field("cr\r\nlf") == "\"cr\r\nlf\"")
        #expect(CSVExport.row(["a", "b,c"]) == "a,\"b,c\"\r\n")
    }

    @Test("cells starting with = + - @ tab or CR are prefixed with an apostrophe")
    func formulas() {
        #expect(CSVExport.field("=HYPERLINK(\"http://x\")") == "\"'=HYPERLINK(\"\"http://x\"\")\"")
        #expect(CSVExport.field("+1") == "'+1")
        #expect(CSVExport.field("-2+3") == "'-2+3")
        #expect(CSVExport.field("@SUM(A1)") == "'@SUM(A1)")
        #expect(CSVExport.field("\tx") == "'\tx")
        #expect(CSVExport.field("a=b") == "a=b", "only the first character matters")
    }

    @Test("a streamed response has no Content-Length and writes every page in order")
    func streamed() throws {
        var pages = [[["1"], ["2"]], [["3"]]]
        let response = CSVExport.response(header: ["n"]) { (after: Int?) in
            let rows = pages.removeFirst()
            return (rows, pages.isEmpty ? nil : (after ?? 0) + 1)
        }
        #expect(!String(decoding: response.headerBlock(), as: UTF8.self).contains("Content-Length"))
        var out: [UInt8] = []
        try response.stream?.write { out += $0 }
        #expect(String(decoding: out, as: UTF8.self) == "n\r\n1\r\n2\r\n3\r\n")
    }

    @Test("Accept text/csv is recognised among other types and parameters; JSON stays the default")
    func negotiation() {
        func request(_ accept: String?) -> APIRequest {
            var params = ["REQUEST_METHOD": "GET", "REQUEST_URI": "/api/v1/alerts"]
            if let accept { params["HTTP_ACCEPT"] = accept }
            return APIRequest(params: params, body: [])
        }
        #expect(CSVExport.wanted(request("text/csv")))
        #expect(CSVExport.wanted(request("application/json;q=0.5, text/csv; charset=utf-8")))
        #expect(!CSVExport.wanted(request("application/json")))
        #expect(!CSVExport.wanted(request(nil)))
    }
}
