// The pool's listening socket: a unix socket we bind ourselves, or fd 0 handed over by a
// process manager (the FastCGI convention). Workers inherit it as their fd 0.

import Glibc

enum ListeningSocket {
    /// Binds a fresh unix socket at `path`, replacing a stale socket file left by a crash. The file
    /// gets `mode` and, when given, the group `group` (the web server's), so only its owner and
    /// that group may speak FastCGI to the pool (and forge REMOTE_ADDR or reach /metrics).
    static func bind(path: String, mode: mode_t, group: gid_t? = nil, backlog: Int32 = 1024) throws(PoolError) -> Int32 {
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
        if let group, chown(path, uid_t.max, group) != 0 {
            let reason = errnoText()
            close(fd)
            throw PoolError("cannot give \(path) to group \(group): \(reason)")
        }
        guard chmod(path, mode) == 0 else {
            let reason = errnoText()
            close(fd)
            throw PoolError("cannot chmod \(path): \(reason)")
        }
        return fd
    }

    /// The id of group `name` (a name or a number), or an error naming it.
    static func groupID(_ name: String) throws(PoolError) -> gid_t {
        if let number = gid_t(name) { return number }
        guard let entry = getgrnam(name) else { throw PoolError("no such group: \(name)") }
        return entry.pointee.gr_gid
    }

    /// True when fd 0 is a listening socket (started by spawn-fcgi or systemd socket activation).
    static func inheritedOnStdin() -> Bool {
        var type: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(0, SOL_SOCKET, SO_TYPE, &type, &length) == 0
    }
}

func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }
