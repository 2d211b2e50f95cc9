// The responder over a real unix socket, spoken to in FastCGI records the way nginx does with
// `fastcgi_keep_conn on`: several connections, kept open between requests.

import Foundation
import Glibc
import XCTest
@testable import FastCGI

final class ResponderTests: XCTestCase {
    private var folder = ""
    private var socketPath = ""
    private var listenFD: Int32 = -1
    private var responder: Responder?
    private var finished: XCTestExpectation?

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "skannr-responder-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        socketPath = folder + "/api.sock"
        listenFD = try ListeningSocket.bind(path: socketPath, mode: 0o600)
    }

    override func tearDown() {
        responder?.stop()
        if let finished { wait(for: [finished], timeout: 5) }
        close(listenFD)
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// One worker, echoing the method, path and body of each request it serves.
    private func startResponder(maxConnections: Int = 64) throws {
        let responder = try Responder(listenFD: listenFD, maxConnections: maxConnections)
        let finished = expectation(description: "responder returned")
        Thread.detachNewThread {
            responder.run { request in
                APIResponse.json(200, body: Array("\(request.method) \(request.path) \(String(decoding: request.body, as: UTF8.self))".utf8))
            }
            finished.fulfill()
        }
        self.responder = responder
        self.finished = finished
    }

    func testAnIdleKeptConnectionDoesNotPinTheWorker() throws {
        try startResponder()
        let kept = try FastCGIClient(path: socketPath)
        XCTAssertEqual(try kept.send(path: "/first", keepConnection: true).body, "GET /first ")
        // libfcgi's own loop would now sit in read() on `kept` and never accept this one.
        let fresh = try FastCGIClient(path: socketPath)
        XCTAssertEqual(try fresh.send(path: "/second", keepConnection: true).body, "GET /second ")
        XCTAssertEqual(try kept.send(path: "/third", keepConnection: true).body, "GET /third ")
        XCTAssertEqual(try fresh.send(path: "/fourth", keepConnection: true).body, "GET /fourth ")
    }

    func testRequestsInterleavedOverManyConnectionsKeepTheirOwnAnswers() throws {
        try startResponder()
        let clients = try (0..<12).map { _ in try FastCGIClient(path: socketPath) }
        for round in 0..<5 {
            for index in clients.indices.shuffled() {
                let body = String(repeating: "x", count: index * 100 + round)
                let answer = try clients[index].send(method: "POST", path: "/c\(index)/r\(round)", body: body, keepConnection: true)
                XCTAssertEqual(answer.status, 200)
                XCTAssertEqual(answer.body, "POST /c\(index)/r\(round) \(body)")
            }
        }
    }

    func testWithoutKeepConnTheResponderClosesAfterTheAnswer() throws {
        try startResponder()
        let client = try FastCGIClient(path: socketPath)
        XCTAssertEqual(try client.send(path: "/once", keepConnection: false).body, "GET /once ")
        XCTAssertTrue(try client.readsEndOfFile(), "the connection stays open without FCGI_KEEP_CONN")
    }

    func testConnectionsThatHangUpAreClosedAndLeaveNoDescriptorBehind() throws {
        try startResponder()
        let before = try openDescriptors()
        for _ in 0..<3 {
            var clients = try (0..<20).map { _ in try FastCGIClient(path: socketPath) }
            for client in clients { _ = try client.send(path: "/x", keepConnection: true) }
            clients.removeAll()  // nginx dropping its cache: every connection hangs up
        }
        // The responder notices hang-ups at its next poll.
        XCTAssertTrue(waitUntil { (try? self.openDescriptors()) == before }, "descriptors leaked: \(before) before")
        let after = try FastCGIClient(path: socketPath)
        XCTAssertEqual(try after.send(path: "/still", keepConnection: true).body, "GET /still ")
    }

    func testAtTheConnectionCapNewConnectionsWaitInsteadOfFailing() throws {
        try startResponder(maxConnections: 2)
        let first = try FastCGIClient(path: socketPath)
        let second = try FastCGIClient(path: socketPath)
        _ = try first.send(path: "/1", keepConnection: true)
        _ = try second.send(path: "/2", keepConnection: true)
        let third = try FastCGIClient(path: socketPath)  // queued by the kernel, not accepted
        XCTAssertThrowsError(try third.send(path: "/3", keepConnection: true, timeoutSeconds: 1))
        first.close()
        // With `first` gone the worker is below its cap again, takes the queued connection and
        // answers the request that waited in it.
        XCTAssertEqual(try third.receive().body, "GET /3 ")
    }

    func testStopReturnsFromRunWithConnectionsOpen() throws {
        try startResponder()
        let client = try FastCGIClient(path: socketPath)
        _ = try client.send(path: "/x", keepConnection: true)
        responder?.stop()
        if let finished { wait(for: [finished], timeout: 3) }
        self.finished = nil
        XCTAssertTrue(try client.readsEndOfFile(), "kept connections are closed when the worker stops")
    }

    private func openDescriptors() throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
    }

    private func waitUntil(seconds: Double = 5, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }
}

/// The web-server side of FastCGI over a unix socket, one request at a time (request id 1).
private final class FastCGIClient {
    private var fd: Int32

    struct Answer { var status: Int; var body: String }
    struct Failure: Error { var reason: String }

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8)
            raw[path.utf8.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, connected == 0 else { throw Failure(reason: "connect: \(String(cString: strerror(errno)))") }
    }

    deinit { close() }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    func send(method: String = "GET", path: String, body: String = "", keepConnection: Bool,
              timeoutSeconds: Int = 5) throws -> Answer {
        var bytes = record(type: 1, [0, 1, keepConnection ? 1 : 0, 0, 0, 0, 0, 0])  // BEGIN_REQUEST, responder
        let params = ["REQUEST_METHOD": method, "REQUEST_URI": path, "SCRIPT_NAME": path,
                      "CONTENT_LENGTH": "\(body.utf8.count)", "CONTENT_TYPE": "text/plain"]
        bytes += record(type: 4, params.flatMap(Self.pair)) + record(type: 4, [])
        bytes += (body.isEmpty ? [] : record(type: 5, Array(body.utf8))) + record(type: 5, [])
        try writeAll(bytes)
        return try receive(timeoutSeconds: timeoutSeconds)
    }

    /// True when the responder closed the connection (read returns 0 within a few seconds).
    func readsEndOfFile() throws -> Bool {
        try setReceiveTimeout(seconds: 3)
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, 0) == 0
    }

    /// Reads records up to END_REQUEST and returns what came on stdout.
    func receive(timeoutSeconds: Int = 5) throws -> Answer {
        try setReceiveTimeout(seconds: timeoutSeconds)
        var stdout: [UInt8] = []
        while true {
            let header = try readExactly(8)
            let length = Int(header[4]) << 8 | Int(header[5])
            let content = try readExactly(length + Int(header[6]))
            switch header[1] {
            case 6: stdout += content.prefix(length)
            case 3: return try Self.parse(stdout)  // END_REQUEST
            default: continue
            }
        }
    }

    private static func parse(_ stdout: [UInt8]) throws -> Answer {
        let text = String(decoding: stdout, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw Failure(reason: "no header block in \(text)") }
        let statusLine = text[..<split.lowerBound].split(separator: "\r\n").first { $0.hasPrefix("Status: ") }
        let status = statusLine.flatMap { Int($0.dropFirst(8).prefix(3)) } ?? 0
        return Answer(status: status, body: String(text[split.upperBound...]))
    }

    private func record(type: UInt8, _ content: [UInt8]) -> [UInt8] {
        [1, type, 0, 1, UInt8(content.count >> 8), UInt8(content.count & 0xff), 0, 0] + content
    }

    private static func pair(_ entry: (key: String, value: String)) -> [UInt8] {
        func length(_ count: Int) -> [UInt8] {
            count < 128 ? [UInt8(count)] : [UInt8(count >> 24 | 0x80), UInt8(count >> 16 & 0xff), UInt8(count >> 8 & 0xff), UInt8(count & 0xff)]
        }
        return length(entry.key.utf8.count) + length(entry.value.utf8.count) + Array(entry.key.utf8) + Array(entry.value.utf8)
    }

    private func writeAll(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw Failure(reason: "send: \(String(cString: strerror(errno)))") }
            offset += written
        }
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let read = buffer[offset...].withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard read > 0 else { throw Failure(reason: read == 0 ? "connection closed" : "recv: \(String(cString: strerror(errno)))") }
            offset += read
        }
        return buffer
    }

    private func setReceiveTimeout(seconds: Int) throws {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        guard setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size)) == 0 else {
            throw Failure(reason: "SO_RCVTIMEO")
        }
    }
}
