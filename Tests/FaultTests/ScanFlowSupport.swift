// Helpers for the live scan flow: loopback listeners (kernel-chosen or fixed ports), free port
// numbers, a background child process killed with SIGKILL (children of the test runner inherit a
// blocked SIGTERM), and an account inserted by SQL with a minted access token.
import Foundation
import Glibc
import MariaDB
import SkannrCore
import Testing
import TestSupport

struct FlowFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A TCP listener on 127.0.0.1 whose accepted peers are closed at once (no TLS: probes fail fast).
final class LoopbackListener: @unchecked Sendable {
    let port: UInt16
    private let fd: Int32
    private let lock = NSLock()
    private var closed = false

    init(port requested: UInt16 = 0) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FlowFailure("socket failed") }
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = requested.bigEndian
        inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let ok = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 && listen(fd, 128) == 0
            }
        }
        guard ok else {
            Glibc.close(fd)
            throw FlowFailure("bind/listen on 127.0.0.1:\(requested) failed")
        }
        var out = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &out) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        self.fd = fd
        port = UInt16(bigEndian: out.sin_port)
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

    /// A port number the kernel just handed out and that is closed again (refused until reused).
    static func freePort() throws -> UInt16 {
        let listener = try LoopbackListener()
        defer { listener.close() }
        return listener.port
    }
}

/// A child process in the background (posix_spawn, empty signal mask, output to a file).
final class BackgroundProcess {
    let pid: pid_t
    let logPath: String

    init(_ executable: String, _ arguments: [String]) throws {
        logPath = NSTemporaryDirectory() + "skannr-bg-\(UUID().uuidString).log"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard spawned == 0 else { throw FlowFailure("spawn \(executable): \(String(cString: strerror(spawned)))") }
        self.pid = pid
    }

    /// SIGKILL and reap (idempotent).
    func kill() {
        _ = Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        unlink(logPath)
    }
}

/// `openssl s_server` with a certificate on 127.0.0.1:port, up once the port accepts.
func startTLSServer(port: UInt16, cert: String, key: String) throws -> BackgroundProcess {
    let server = try BackgroundProcess("/usr/bin/openssl", ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", cert, "-key", key,
                                                            "-www", "-quiet"])
    let deadline = Date().addingTimeInterval(10)
    while Date() < deadline {
        if connects(port: port) { return server }
        usleep(50_000)
    }
    server.kill()
    throw FlowFailure("openssl s_server did not listen on \(port)")
}

func connects(port: UInt16) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var sin = sockaddr_in()
    sin.sin_family = sa_family_t(AF_INET)
    sin.sin_port = port.bigEndian
    inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr)
    return withUnsafePointer(to: &sin) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}

/// A self-signed certificate and key made with the openssl CLI; returns (cert, key, sha256 hex lowercase).
func makeCertificate(in directory: String, name: String) throws -> (cert: String, key: String, fingerprint: String) {
    let cert = "\(directory)/\(name).pem", key = "\(directory)/\(name).key"
    try Shell.run("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                                       "-days", "365", "-subj", "/CN=\(name).skannr.test"])
    let output = try Shell.run("/usr/bin/openssl", ["x509", "-in", cert, "-noout", "-fingerprint", "-sha256"])
    let hex = output.split(separator: "=").last.map { $0.replacingOccurrences(of: ":", with: "") } ?? ""
    return (cert, key, hex.trimmingCharacters(in: .whitespacesAndNewlines).lowercased())
}

extension APIResponse {
    func number(_ key: String) -> Int64? { (json[key] as? NSNumber)?.int64Value }
}
