// The responder pool's supervisor: owns the listening socket, keeps N worker processes accepting
// on it, restarts the ones that die (with backoff), rolls them on SIGHUP and drains them on SIGTERM.
// Workers are spawned (posix_spawn of our own executable), never forked: forking a Swift process
// that may have started threads is unsafe. Signals are blocked here and taken with sigtimedwait,
// so no handler runs in the supervisor at all.

import Glibc
import Logging

public struct PoolConfiguration: Sendable {
    /// Unix socket to bind; nil takes the listening socket on fd 0.
    public var socketPath: String?
    /// Owner and group only: nginx's workers reach the socket through `socketGroup` (or by being
    /// the same user), nobody else can speak FastCGI to the pool.
    public var socketMode: mode_t = 0o660
    /// Group name (or number) given the socket; nil keeps the process's group.
    public var socketGroup: String?
    public var workers: Int
    /// Executable and arguments that start one worker (it accepts on fd 0).
    public var workerCommand: [String]
    /// How long a stopping worker may take to finish its request before SIGKILL.
    public var drainSeconds: Double = 30

    public init(socketPath: String?, workers: Int, workerCommand: [String]) {
        self.socketPath = socketPath
        self.workers = workers
        self.workerCommand = workerCommand
    }
}

public final class ProcessPool {
    private let configuration: PoolConfiguration
    private let logger: Logger
    private var listenFD: Int32 = -1
    private var slots: [WorkerSlot]

    public init(configuration: PoolConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.slots = (0..<max(1, configuration.workers)).map { WorkerSlot(index: $0) }
    }

    /// Runs until SIGTERM/SIGINT; returns the process exit status.
    public func run() throws(PoolError) -> Int32 {
        if let path = configuration.socketPath {
            let group = try configuration.socketGroup.map { name throws(PoolError) in try ListeningSocket.groupID(name) }
            listenFD = try ListeningSocket.bind(path: path, mode: configuration.socketMode, group: group)
        } else if ListeningSocket.inheritedOnStdin() {
            listenFD = 0
        } else {
            throw PoolError("no socket path given and fd 0 is not a socket")
        }
        var signals = Self.supervisedSignals()
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        logger.info("pool started", metadata: ["workers": "\(slots.count)", "socket": "\(configuration.socketPath ?? "fd 0")"])
        for index in slots.indices { start(slotAt: index) }
        while true {
            var info = siginfo_t()
            var wait = timespec(tv_sec: 0, tv_nsec: 250_000_000)
            let signal = sigtimedwait(&signals, &info, &wait)
            reapAndRestart()
            switch signal {
            case SIGTERM, SIGINT:
                drain()
                return 0
            case SIGHUP:
                rollingRestart()
            default:
                break
            }
        }
    }

    static func supervisedSignals() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGCHLD] { sigaddset(&set, signal) }
        return set
    }

    private func start(slotAt index: Int) {
        do {
            let pid = try WorkerProcess.spawn(command: configuration.workerCommand, listenFD: listenFD)
            slots[index].started(pid: pid, at: Monotonic.now())
            logger.info("worker started", metadata: ["slot": "\(index)", "pid": "\(pid)"])
        } catch {
            slots[index].failed(at: Monotonic.now())
            logger.error("worker spawn failed", metadata: ["slot": "\(index)", "error": "\(error)"])
        }
    }

    /// Collects dead workers and starts replacements whose backoff has elapsed.
    private func reapAndRestart() {
        let now = Monotonic.now()
        while let (pid, status) = WorkerProcess.reapAny() {
            guard let index = slots.firstIndex(where: { $0.pid == pid }) else { continue }
            let delay = slots[index].died(at: now)
            logger.warning("worker exited", metadata: [
                "slot": "\(index)", "pid": "\(pid)", "status": "\(WorkerProcess.describe(status))",
                "restart_in_ms": "\(Int(delay * 1000))",
            ])
        }
        for index in slots.indices where slots[index].pid == nil && slots[index].restartAt <= now {
            start(slotAt: index)
        }
    }

    /// SIGHUP: replace workers one at a time; the socket stays open, so no request is refused.
    private func rollingRestart() {
        logger.info("rolling restart")
        for index in slots.indices {
            guard let old = slots[index].pid else { continue }
            start(slotAt: index)
            WorkerProcess.stop([old], drainSeconds: configuration.drainSeconds, logger: logger)
        }
    }

    /// SIGTERM: stop listening, let every worker finish its request, exit.
    private func drain() {
        logger.info("pool stopping")
        if let path = configuration.socketPath { unlink(path) }
        if listenFD > 0 { close(listenFD) }
        WorkerProcess.stop(slots.compactMap(\.pid), drainSeconds: configuration.drainSeconds, logger: logger)
        logger.info("pool stopped")
    }
}
