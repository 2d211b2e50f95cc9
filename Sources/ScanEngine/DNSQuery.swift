// One c-ares lookup (A + AAAA) driven by poll() on the calling thread until an absolute deadline.
// Traps: a channel per lookup (reads resolv.conf each time; never shared between threads); the callback
// may run inside ares_getaddrinfo or ares_cancel; ares_destroy runs last and may call it (cancelled).
import Glibc
internal import CAres

enum DNSQuery {
    private static let libraryReady: Bool = ares_library_init(ARES_LIB_INIT_ALL) == ARES_SUCCESS

    /// Where the callback leaves its answer.
    private final class Answer {
        var status: Int32?
        var addresses: [String] = []
    }

    static func addresses(of name: String, options: Resolver.Options, until deadline: UInt64) -> Result<[String], Resolver.Failure> {
        guard libraryReady else { return .failure(.init("resolver_unavailable", "c-ares could not start", temporary: true)) }
        var channel: ares_channel?
        var settings = ares_options()
        settings.flags = ARES_FLAG_NOSEARCH
        settings.tries = 1
        settings.timeout = Int32(clamping: max(1, (deadline &- MonotonicClock.now()) / 1_000_000))
        let lookups = options.useHostsFile ? "fb" : "b"
        let rc = lookups.withCString { text -> Int32 in
            settings.lookups = UnsafeMutablePointer(mutating: text)
            return ares_init_options(&channel, &settings, ARES_OPT_FLAGS | ARES_OPT_TRIES | ARES_OPT_TIMEOUTMS | ARES_OPT_LOOKUPS)
        }
        guard rc == ARES_SUCCESS, let channel else {
            return .failure(.init("resolver_unavailable", "c-ares: \(String(cString: ares_strerror(rc)))", temporary: true))
        }
        defer { ares_destroy(channel) }
        if let servers = options.servers {
            let set = ares_set_servers_ports_csv(channel, servers.joined(separator: ","))
            guard set == ARES_SUCCESS else {
                return .failure(.init("resolver_unavailable", "DNS servers \(servers): \(String(cString: ares_strerror(set)))", temporary: false))
            }
        }
        let answer = Answer()
        var hints = ares_addrinfo_hints()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        ares_getaddrinfo(channel, name, nil, &hints, { raw, status, _, result in
            guard let raw else { return }
            let answer = Unmanaged<Answer>.fromOpaque(raw).takeUnretainedValue()
            answer.status = status
            var node = result?.pointee.nodes
            while let current = node {
                if let address = current.pointee.ai_addr,
                   let parsed = SocketAddress(raw: address, length: current.pointee.ai_addrlen) {
                    answer.addresses.append(parsed.host)
                }
                node = current.pointee.ai_next
            }
            if let result { ares_freeaddrinfo(result) }
        }, Unmanaged.passUnretained(answer).toOpaque())
        drive(channel, until: deadline) { answer.status != nil }
        if answer.status == nil { ares_cancel(channel) }   // calls back with ARES_ECANCELLED
        return verdict(name, answer.status ?? ARES_ETIMEOUT, answer.addresses)
    }

    /// Polls the channel's sockets and lets c-ares process them until `done` or the deadline.
    private static func drive(_ channel: ares_channel, until deadline: UInt64, done: () -> Bool) {
        var sockets = [ares_socket_t](repeating: ARES_SOCKET_BAD, count: Int(ARES_GETSOCK_MAXNUM))
        while !done() {
            let now = MonotonicClock.now()
            guard now < deadline else { return }
            let bits = ares_getsock(channel, &sockets, ARES_GETSOCK_MAXNUM)
            var fds: [pollfd] = []
            for index in 0..<Int32(ARES_GETSOCK_MAXNUM) {
                var events: Int16 = 0
                if skannr_ares_sock_readable(bits, index) == 1 { events |= Int16(POLLIN) }
                if skannr_ares_sock_writable(bits, index) == 1 { events |= Int16(POLLOUT) }
                if events != 0 { fds.append(pollfd(fd: sockets[Int(index)], events: events, revents: 0)) }
            }
            var wait = ms((deadline - now))
            var limit = timeval(tv_sec: Int(wait / 1000), tv_usec: Int(wait % 1000) * 1000)
            var next = timeval()
            if let suggested = ares_timeout(channel, &limit, &next) {
                wait = Int32(clamping: suggested.pointee.tv_sec * 1000 + (suggested.pointee.tv_usec + 999) / 1000)
            }
            let ready = poll(&fds, nfds_t(fds.count), max(0, wait))
            guard ready > 0 else {
                ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD)   // timeouts
                continue
            }
            for fd in fds where fd.revents != 0 {
                let readable = fd.revents & Int16(POLLIN | POLLERR | POLLHUP) != 0 ? fd.fd : ARES_SOCKET_BAD
                let writable = fd.revents & Int16(POLLOUT) != 0 ? fd.fd : ARES_SOCKET_BAD
                ares_process_fd(channel, readable, writable)
            }
        }
    }

    private static func ms(_ nanoseconds: UInt64) -> Int32 {
        Int32(clamping: (nanoseconds + 999_999) / 1_000_000)
    }

    private static func verdict(_ name: String, _ status: Int32, _ addresses: [String]) -> Result<[String], Resolver.Failure> {
        let why = String(cString: ares_strerror(status))
        switch status {
        case ARES_SUCCESS where !addresses.isEmpty:
            return .success(Resolver.sorted(addresses))
        case ARES_SUCCESS, ARES_ENOTFOUND, ARES_ENODATA:
            return .failure(.init("name_not_found", "\(name): no A or AAAA record", temporary: false))
        case ARES_EBADNAME:
            return .failure(.init("invalid_name", "\(name): \(why)", temporary: false))
        case ARES_ETIMEOUT, ARES_ECANCELLED:
            return .failure(.init("resolver_timeout", "\(name): no answer in time", temporary: true))
        default:
            return .failure(.init("resolver_unavailable", "\(name): \(why)", temporary: true))
        }
    }
}
