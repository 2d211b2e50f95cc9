// Starting, reaping and stopping worker processes. A stopping worker gets SIGTERM once a second
// (a worker notices it between requests, within one poll interval) and SIGKILL at the end.

import Glibc
import Logging

enum WorkerProcess {
    static func spawn(command: [String], listenFD: Int32) throws(PoolError) -> Int32 {
        guard let executable = command.first else { throw PoolError("empty worker command") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if listenFD != 0 { posix_spawn_file_actions_adddup2(&actions, listenFD, 0) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = ProcessPool.supervisedSignals()
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let arguments = command.map { strdup($0) } + [nil]
        defer { arguments.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, arguments, environ)
        guard result == 0 else { throw PoolError("posix_spawn \(executable): \(errnoText(result))") }
        return pid
    }

    /// Returns one exited child, or nil when none is waiting.
    static func reapAny() -> (Int32, Int32)? {
        var status: Int32 = 0
        let pid = waitpid(-1, &status, WNOHANG)
        return pid > 0 ? (pid, status) : nil
    }

    static func describe(_ status: Int32) -> String {
        let signal = status & 0x7f
        return signal == 0 ? "exit \((status >> 8) & 0xff)" : "signal \(signal)"
    }

    /// Asks each worker to finish and waits for all of them, killing stragglers after the drain time.
    static func stop(_ pids: [Int32], drainSeconds: Double, logger: Logger) {
        var remaining = Set(pids)
        let deadline = Monotonic.now() + drainSeconds
        var nextTerm = 0.0
        while !remaining.isEmpty {
            let now = Monotonic.now()
            if now >= deadline {
                for pid in remaining {
                    logger.warning("worker killed after drain timeout", metadata: ["pid": "\(pid)"])
                    kill(pid, SIGKILL)
                    waitpid(pid, nil, 0)
                }
                return
            }
            if now >= nextTerm {
                remaining.forEach { kill($0, SIGTERM) }
                nextTerm = now + 1
            }
            for pid in remaining {
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid { remaining.remove(pid) }
            }
            if !remaining.isEmpty { usleep(20_000) }
        }
    }
}
