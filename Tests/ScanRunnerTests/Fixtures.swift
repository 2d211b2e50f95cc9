// Fixtures for the runner tests: an isolated migrated database with one account, targets and scans
// inserted the way the API would, and loopback listeners. Traps: listeners bind 127.0.0.1/::1 only;
// an accepted peer is closed at once, so TLS probes of it fail fast (no TLS).
import Foundation
import Glibc
import MariaDB
@testable import ScanRunner
import TestSupport

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

final class RunnerFixture {
    let database: MariaDBConfig
    let db: Connection
    let userID: Int64

    init(plan: String = "business") throws {
        database = try TestDatabase.migratedDatabase(named: "runner")
        db = try Connection(config: database)
        userID = Int64(try db.execute("""
            INSERT INTO users (name, email, password_hash, plan, created_at, updated_at) VALUES ('T', ?, 'x', ?, NOW(6), NOW(6))
            """, [.text("t\(UInt32.random(in: 0...UInt32.max))@example.com"), .text(plan)]).lastInsertID)
    }

    func configuration(allowPrivate: Bool = true, scannerID: String = "test") throws -> RunnerConfiguration {
        try RunnerConfiguration.forTesting(database: database, allowPrivate: allowPrivate, scannerID: scannerID)
    }

    @discardableResult
    func addTarget(_ address: String, type: String = "ip", profile: String = "custom", ports: String? = nil,
                   interval: Int? = nil, nextScanAt: Date? = nil, enabled: Bool = true, count: Int = 1) throws -> Int64 {
        Int64(try db.execute("""
            INSERT INTO targets (user_id, address, address_type, address_count, scan_profile, ports, interval_minutes, enabled,
                created_at, updated_at, next_scan_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, NOW(6), NOW(6), ?)
            """, [.int(userID), .text(address), .text(type), .int(Int64(count)), .text(profile), SQLValue(ports),
                  SQLValue(interval), SQLValue(enabled), SQLValue(nextScanAt)]).lastInsertID)
    }

    /// A pending manual scan of the target, snapshotting its address and the given port list.
    @discardableResult
    func addScan(target: Int64, ports: String) throws -> Int64 {
        let row = try db.queryOne("SELECT address, address_type, address_count FROM targets WHERE id = ?", [.int(target)])
        guard let row else { throw TestFailure("no target \(target)") }
        let count = portCount(ports)
        return Int64(try db.execute("""
            INSERT INTO scans (user_id, target_id, status, trigger_kind, address, address_type, scan_profile, ports, ports_per_host,
                hosts_total, created_at)
            VALUES (?, ?, 'pending', 'manual', ?, ?, 'custom', ?, ?, ?, NOW(6))
            """, [.int(userID), .int(target), .text(try row.string("address")), .text(try row.string("address_type")), .text(ports),
                  .int(Int64(count)), .int(try row.int("address_count")), ]).lastInsertID)
    }

    func int(_ sql: String, _ params: [SQLValue] = []) throws -> Int64 {
        guard let row = try db.queryOne(sql, params) else { throw TestFailure("no row: \(sql)") }
        return try row.int("n")
    }

    func string(_ sql: String, _ params: [SQLValue] = []) throws -> String? {
        try db.queryOne(sql, params)?.optionalString("s")
    }

    func status(_ scan: Int64) throws -> String? {
        try string("SELECT status AS s FROM scans WHERE id = ?", [.int(scan)])
    }

    deinit { try? TestDatabase.drop(database) }
}

func portCount(_ text: String) -> Int {
    text.split(separator: ",").reduce(0) { total, item in
        let bounds = item.split(separator: "-").compactMap { Int($0) }
        return total + (bounds.count == 2 ? bounds[1] - bounds[0] + 1 : 1)
    }
}

/// A TCP listener on loopback (kernel-chosen port) whose accepted peers are closed at once.
final class Listener: @unchecked Sendable {
    let fd: Int32
    let port: UInt16
    private let lock = NSLock()
    private var closed = false

    init(address: String = "127.0.0.1", port requested: UInt16 = 0) throws {
        let v6 = address.contains(":")
        let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket failed") }
        var storage = sockaddr_storage()
        let len: socklen_t
        if v6 {
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = requested.bigEndian
            inet_pton(AF_INET6, address, &sin6.sin6_addr)
            withUnsafeMutableBytes(of: &storage) { raw in withUnsafeBytes(of: sin6) { raw.copyMemory(from: $0) } }
            len = socklen_t(MemoryLayout<sockaddr_in6>.size)
        } else {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = requested.bigEndian
            inet_pton(AF_INET, address, &sin.sin_addr)
            withUnsafeMutableBytes(of: &storage) { raw in withUnsafeBytes(of: sin) { raw.copyMemory(from: $0) } }
            len = socklen_t(MemoryLayout<sockaddr_in>.size)
        }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let ok = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && listen(fd, 128) == 0 }
        }
        guard ok else {
            Glibc.close(fd)
            throw TestFailure("bind/listen on \(address) failed")
        }
        var out = sockaddr_storage()
        var outLen = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &out) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &outLen) } }
        self.fd = fd
        port = withUnsafeBytes(of: out) { UInt16(bigEndian: $0.load(fromByteOffset: 2, as: UInt16.self)) }
        Thread { [fd] in
            while true {
                let peer = accept(fd, nil, nil)
                guard peer >= 0 else { return }
                Glibc.close(peer)
            }
        }.start()
    }

    func close() {
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { return }
        closed = true
        shutdown(fd, Int32(SHUT_RDWR))
        Glibc.close(fd)
    }

    deinit { close() }
}

/// A port free a moment ago: connecting to it is refused.
func freePort() throws -> UInt16 {
    let listener = try Listener()
    defer { listener.close() }
    return listener.port
}

/// Runs `body` on `count` threads at once and waits for all.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for index in 0..<count {
        group.enter()
        Thread {
            body(index)
            group.leave()
        }.start()
    }
    group.wait()
}
