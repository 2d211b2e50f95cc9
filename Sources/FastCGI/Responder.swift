// The worker side of the pool: one thread polls the inherited listening socket and every nginx
// connection it holds, and serves whichever has a request waiting. libfcgi's own loop
// (FCGX_Accept_r on one request) blocks on a kept-alive connection while nginx has it idle in its
// cache, so new connections queued behind pinned workers (docs/benchmarks.md); here an idle kept
// connection costs a descriptor, not the worker.

internal import CFastCGI
import Glibc
import Synchronization

/// Set from the SIGTERM handler; read by the loop between requests.
nonisolated(unsafe) private var shutdownRequested: sig_atomic_t = 0

public final class Responder: Sendable {
    private let listenFD: Int32
    private let maxBodyBytes: Int
    private let maxConnections: Int
    private let stopRequested = Atomic<Bool>(false)

    /// How long one poll may sleep: bounds the wait for a SIGTERM that lands between the flag check
    /// and poll(), and for `stop()`.
    static let pollMilliseconds: Int32 = 500

    /// `listenFD` is the listening socket (0 by the FastCGI convention). `maxConnections` caps the
    /// nginx connections one worker holds (libfcgi closes them with select(), so they stay far below
    /// FD_SETSIZE); at the cap it stops accepting and the rest of the pool takes new ones.
    public init(listenFD: Int32 = 0, maxBodyBytes: Int = 64 * 1024, maxConnections: Int = 64) throws(PoolError) {
        guard FCGX_Init() == 0 else { throw PoolError("FCGX_Init failed") }
        // Non-blocking: every worker wakes on a new connection and all but one find the queue empty.
        let flags = fcntl(listenFD, F_GETFL)
        guard flags >= 0, fcntl(listenFD, F_SETFL, flags | O_NONBLOCK) == 0 else {
            throw PoolError("cannot make listening fd \(listenFD) non-blocking: \(errnoText())")
        }
        self.listenFD = listenFD
        self.maxBodyBytes = maxBodyBytes
        self.maxConnections = max(1, maxConnections)
    }

    /// Installs the graceful-stop handler: finish the current request, accept no more.
    public static func installShutdownHandler() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in shutdownRequested = 1 }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0  // no SA_RESTART: a sleeping poll() returns EINTR
        sigaction(SIGTERM, &action, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    /// Makes `run` return after the request in hand (for embedding and tests; workers use SIGTERM).
    public func stop() { stopRequested.store(true, ordering: .relaxed) }

    private var stopping: Bool { shutdownRequested != 0 || stopRequested.load(ordering: .relaxed) }

    /// Serves requests until shutdown is requested or the listening socket fails.
    public func run(_ handle: (APIRequest) -> APIResponse) {
        var connections: [UpstreamConnection] = []
        serving: while !stopping {
            let acceptsMore = connections.count < maxConnections
            var watched = Self.readable(connections)
            if acceptsMore { watched.append(pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)) }
            let ready = poll(&watched, nfds_t(watched.count), Self.pollMilliseconds)
            if ready < 0 && errno != EINTR { break }
            guard ready > 0 else { continue }
            // One request per readable connection, then at most one new connection: a worker busy
            // with its own kept connections must not leave new ones waiting in the listen queue.
            serveReady(connections, watched, handle)
            connections.removeAll { !$0.isOpen }
            if acceptsMore && watched[watched.count - 1].revents != 0 {
                switch acceptConnection() {
                case .accepted(let fd): connections.append(UpstreamConnection(adopting: fd, maxBodyBytes: maxBodyBytes))
                case .none: break
                case .failed: break serving
                }
            }
        }
        // Requests nginx already sent on kept connections are answered before they close.
        var watched = Self.readable(connections)
        if !watched.isEmpty && poll(&watched, nfds_t(watched.count), 0) > 0 {
            serveReady(connections, watched, handle)
        }
    }

    private static func readable(_ connections: [UpstreamConnection]) -> [pollfd] {
        connections.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
    }

    /// Serves one request on each connection that poll() found readable.
    private func serveReady(_ connections: [UpstreamConnection], _ watched: [pollfd], _ handle: (APIRequest) -> APIResponse) {
        for (connection, entry) in zip(connections, watched) where entry.revents != 0 {
            connection.serveNext(handle)
        }
    }

    private enum Accepted { case accepted(Int32), none, failed }

    private func acceptConnection() -> Accepted {
        let fd = skannr_accept_cloexec(listenFD)
        if fd >= 0 { return .accepted(fd) }
        switch errno {
        case EAGAIN, EINTR, ECONNABORTED, EPROTO:
            return .none  // another worker took it, or the peer gave up
        case EMFILE, ENFILE, ENOBUFS, ENOMEM:
            usleep(10_000)  // out of descriptors or memory: back off instead of spinning on poll
            return .none
        default:
            return .failed
        }
    }
}

public struct PoolError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
