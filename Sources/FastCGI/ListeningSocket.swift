// The pool's listening socket: a unix socket we bind ourselves, or fd 0 handed over by a
// process manager (the FastCGI convention). Workers inherit it as their fd 0.

import Glibc

enum ListeningSocket {
    /// Binds a fresh unix socket at `path`, replacing a stale socket file left by a crash.
    static func bind(path: String, mode: mode_t, backlog: Int32 = 1024) throws(PoolError) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw PoolError("socket(): \(errnoText())") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else {
            close(fd)
            throw PoolError("socket path longer than \(capacity - 1) bytes: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8)
            raw[path.utf8.count] = 0
        }
        unlink(path)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0, listen(fd, backlog) == 0 else {
            let reason = errnoText()
            close(fd)
            throw PoolError("cannot listen on \(path): \(reason)")
        }
        chmod(path, mode)
        return fd
    }

    /// True when fd 0 is a listening socket (started by spawn-fcgi or systemd socket activation).
    static func inheritedOnStdin() -> Bool {
        var type: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(0, SOL_SOCKET, SO_TYPE, &type, &length) == 0
    }
}

func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }
