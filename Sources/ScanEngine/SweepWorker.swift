// One sweep thread: its own epoll instance, a table of probe slots, a deadline heap and a retry queue.
// Traps: close every fd on every path (cancel included); a slot's generation guards against stale events.
internal import CSystem   // epoll (Swift's Glibc module lacks it; it came through COpenSSL's shim before)
import Glibc

final class SweepWorker: @unchecked Sendable {
    struct Slot {
        var fd: Int32 = -1
        var generation: UInt32 = 0
        var hostIndex = 0
        var port: UInt16 = 0
        var attempt = 0
        var sentAt: UInt64 = 0
        var previousSentAt: UInt64 = 0
        /// Still counted in its host's congestion window (managed hosts only).
        var holdsPlace = false
    }

    struct Pending {
        let hostIndex: Int
        let port: UInt16
        let attempt: Int
        /// When the previous try went out (0 for a first try): a retry's answer dates the loss to it.
        var previousSentAt: UInt64 = 0
        var deferrals = 0
    }

    struct HostTally {
        var address: SocketAddress
        /// Under congestion control (TimingBoard); loopback hosts are not: they keep this local estimator.
        var managed: Bool
        var rtt = RTTEstimator()
        var open = PortSet()
        var filtered = PortSet()
        var closed = 0
    }

    /// This worker's unsent probes of one host: first tries (ranges of the port list) and retries.
    struct HostWork {
        var ranges: [Range<Int>] = []
        var retries: [Pending] = []
        var retryHead = 0

        var isEmpty: Bool { ranges.isEmpty && retryHead >= retries.count }

        func peek(hostIndex: Int, ports: [UInt16]) -> Pending? {
            if retryHead < retries.count { return retries[retryHead] }
            guard let range = ranges.first else { return nil }
            return Pending(hostIndex: hostIndex, port: ports[range.lowerBound], attempt: 0)
        }

        mutating func consume() {
            if retryHead < retries.count {
                retryHead += 1
                if retryHead == retries.count {
                    retries.removeAll(keepingCapacity: true)
                    retryHead = 0
                }
            } else if let range = ranges.first {
                if range.count <= 1 { ranges.removeFirst() } else { ranges[0] = (range.lowerBound + 1)..<range.upperBound }
            }
        }

        mutating func pushFront(_ probe: Pending) { retries.insert(probe, at: retryHead) }
    }

    private let epfd: Int32
    private let capacity: Int
    private let ports: [UInt16]
    private let source: WorkSource
    private let politeness: Politeness
    private let counters: SweepCounters
    private let policy: RetryPolicy
    private let board: TimingBoard
    private let congestion: CongestionControl

    private var slots: [Slot]
    private var freeSlots: [Int32]
    private var inFlight = 0
    private var deadlines = DeadlineQueue()
    /// When managed probes stop counting against their windows (see HostTiming.pipeTime).
    private var pipeDeadlines = DeadlineQueue()
    /// Unsent work per host, and the hosts that have some, served round-robin.
    private var work: [Int: HostWork] = [:]
    private var order: [Int] = []
    private var turn = 0
    private var sourceDry = false
    /// Set by `fill` when windows (here or in the other workers) held every host with work.
    private var heldByWindows = false
    private var pausedUntil: UInt64 = 0
    private var unreportedDone = 0
    private var budgetSpent = false
    /// One refused, never-registered socket per family (IPv4, IPv6), reused for the next probe.
    private var spares: [Int32] = [-1, -1]

    private(set) var tallies: [Int: HostTally] = [:]
    private(set) var probesSent = 0
    private(set) var retriesSent = 0
    private var trace = ProbeTrace.make()

    init(capacity: Int, ports: [UInt16], source: WorkSource, politeness: Politeness,
         counters: SweepCounters, policy: RetryPolicy, board: TimingBoard, congestion: CongestionControl) throws {
        let fd = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard fd >= 0 else { throw ScanEngineError.errno("epoll_failed", "epoll_create1", errno) }
        self.epfd = fd
        self.capacity = max(1, capacity)
        self.ports = ports
        self.source = source
        self.politeness = politeness
        self.counters = counters
        self.policy = policy
        self.board = board
        self.congestion = congestion
        self.slots = Array(repeating: Slot(), count: self.capacity)
        self.freeSlots = (0..<Int32(self.capacity)).reversed()
    }

    deinit {
        for slot in slots where slot.fd >= 0 { close(slot.fd) }
        for fd in spares where fd >= 0 { close(fd) }
        close(epfd)
    }

    // MARK: the loop

    func run() {
        let maxEvents: Int32 = 1024
        var events = [epoll_event](repeating: epoll_event(), count: Int(maxEvents))
        var expired: [DeadlineQueue.Entry] = []
        while !counters.cancelled.load(ordering: .relaxed) {
            var now = MonotonicClock.now()
            expired.removeAll(keepingCapacity: true)
            deadlines.popExpired(now: now, into: &expired)
            for entry in expired { expire(entry) }
            expired.removeAll(keepingCapacity: true)
            pipeDeadlines.popExpired(now: now, into: &expired)
            for entry in expired { leavePipe(entry) }
            let politeWait = fill(now: now)
            if inFlight == 0 && !hasWork { break }
            flushDone()

            now = MonotonicClock.now()
            var wait: UInt64 = 50_000_000   // cap: keeps cancellation noticed quickly
            if let next = deadlines.nextDeadline { wait = min(wait, next > now ? next - now : 0) }
            if let next = pipeDeadlines.nextDeadline { wait = min(wait, next > now ? next - now : 0) }
            if politeWait > 0 { wait = min(wait, politeWait) }
            if pausedUntil > now { wait = min(wait, pausedUntil - now) }
            if heldByWindows { wait = min(wait, 2_000_000) }   // another worker's answers may free a place
            if budgetSpent { wait = 0 }
            let timeoutMs = Int32((wait + 999_999) / 1_000_000)
            let n = epoll_wait(epfd, &events, maxEvents, timeoutMs)
            guard n > 0 else { continue }
            now = MonotonicClock.now()
            for i in 0..<Int(n) {
                let tag = events[i].data.u64
                complete(slot: Int(tag & 0xffff_ffff), generation: UInt32(tag >> 32), now: now)
            }
        }
        flushDone()
        closeAll()
        trace?.write()
    }

    private var hasWork: Bool {
        !order.isEmpty || !sourceDry
    }

    private func flushDone() {
        guard unreportedDone > 0 else { return }
        counters.portsDone.add(unreportedDone, ordering: .relaxed)
        unreportedDone = 0
    }

    // MARK: sending

    /// Starts probes until the slots are full or the work (or the politeness budget) runs out, taking
    /// the hosts in turn and skipping those whose congestion window is full.
    /// Returns how long politeness asks to wait (0 = not waiting on it).
    private func fill(now: UInt64) -> UInt64 {
        budgetSpent = false
        heldByWindows = false
        guard now >= pausedUntil else { return 0 }
        var budget = 4096   // back to the loop regularly: cancel checks, counters, deadlines
        var politeWait: UInt64 = 0
        var held = Set<Int>()
        while inFlight < capacity {
            guard budget > 0 else {
                budgetSpent = true
                return 0
            }
            if order.isEmpty || held.count >= order.count {
                guard takeChunk(avoiding: held) else {
                    heldByWindows = !held.isEmpty && politeWait == 0
                    return politeWait
                }
                continue
            }
            turn = turn % order.count
            let hostIndex = order[turn]
            guard !held.contains(hostIndex), let next = work[hostIndex]?.peek(hostIndex: hostIndex, ports: ports) else {
                if work[hostIndex]?.isEmpty ?? true { dropFromOrder(at: turn) } else { turn += 1 }
                continue
            }
            let managed = tallies[hostIndex]?.managed ?? false
            if managed, !board.acquire(host: hostIndex, now: now) {
                held.insert(hostIndex)
                turn += 1
                continue
            }
            if politeness.isLimited {
                let grant = politeness.take(host: hostIndex, want: 1, now: now)
                if grant.granted == 0 {
                    if managed { board.release(host: hostIndex) }
                    politeWait = politeWait == 0 ? grant.wait : min(politeWait, grant.wait)
                    held.insert(hostIndex)
                    turn += 1
                    continue
                }
            }
            budget -= 1
            work[hostIndex]?.consume()
            turn += 1
            if !launch(next, now: now) { return 0 }
        }
        return 0
    }

    private func dropFromOrder(at index: Int) {
        work[order[index]] = nil
        order.remove(at: index)
    }

    /// Pulls the next chunk (of a host not held, when some are); false when the source has none now.
    private func takeChunk(avoiding held: Set<Int>) -> Bool {
        guard !sourceDry else { return false }
        guard let chunk = source.next(avoiding: held) else {
            sourceDry = source.isDrained
            return false
        }
        if tallies[chunk.hostIndex] == nil {
            tallies[chunk.hostIndex] = HostTally(address: chunk.address, managed: congestion.manages(chunk.address))
        }
        addWork(chunk.hostIndex) { $0.ranges.append(chunk.ports) }
        return true
    }

    private func addWork(_ hostIndex: Int, _ change: (inout HostWork) -> Void) {
        if work[hostIndex] == nil {
            work[hostIndex] = HostWork()
            order.append(hostIndex)
        }
        change(&work[hostIndex]!)
    }

    /// Opens the socket and starts connect(). Returns false when a local resource ran out (pause).
    private func launch(_ probe: Pending, now: UInt64) -> Bool {
        guard var address = tallies[probe.hostIndex]?.address else { return true }
        address.port = probe.port
        let fd = takeSpare(family: address.family)
            ?? socket(address.family, SocketType.nonBlockingStream, 0)
        guard fd >= 0 else {
            withdraw(probe)
            deferProbe(probe, now: now)
            return false
        }
        probesSent += 1
        if probe.attempt > 0 { retriesSent += 1 }
        let sentAt = MonotonicClock.now()   // not the loop's `now`: a fill can last tens of ms
        var rc = address.withSockaddr { connect(fd, $0, $1) }
        var err: Int32 = rc == 0 ? 0 : errno
        if err == EINPROGRESS {
            // On loopback the handshake (or the reset) has usually happened already: a second connect()
            // reports it (EISCONN / ECONNREFUSED) and saves the epoll round trip; EALREADY = still waiting.
            rc = address.withSockaddr { connect(fd, $0, $1) }
            err = rc == 0 ? 0 : errno
            if err == EISCONN { err = 0 }
        }
        traceEvent("send", at: sentAt, host: probe.hostIndex, port: probe.port, attempt: probe.attempt)
        if err == EINPROGRESS || err == EALREADY {
            return register(fd: fd, probe: probe, now: sentAt)
        }
        let verdict = ConnectVerdict(errno: err)
        if verdict == .localResource {
            close(fd)
            withdraw(probe)
            deferProbe(probe, now: now)
            return false
        }
        if verdict == .closed, spares[spareIndex(address.family)] < 0 {
            // Refused before epoll ever saw it: Linux lets a socket whose connect failed connect again,
            // which saves a socket()/close() pair per closed port (most of a sweep).
            spares[spareIndex(address.family)] = fd
            learn(probe: probe, answer: .closed, sentAt: sentAt, now: MonotonicClock.now())
            record(hostIndex: probe.hostIndex, port: probe.port, state: .closed)
            return true
        }
        finish(fd: fd, probe: probe, verdict: verdict, sentAt: sentAt, now: MonotonicClock.now())
        return true
    }

    private func spareIndex(_ family: Int32) -> Int { family == AF_INET ? 0 : 1 }

    private func takeSpare(family: Int32) -> Int32? {
        let index = spareIndex(family)
        let fd = spares[index]
        guard fd >= 0 else { return nil }
        spares[index] = -1
        return fd
    }

    private func register(fd: Int32, probe: Pending, now: UInt64) -> Bool {
        guard let slotIndex = freeSlots.popLast() else {
            close(fd)
            withdraw(probe)
            deferProbe(probe, now: now)
            return false
        }
        var slot = slots[Int(slotIndex)]
        slot.fd = fd
        slot.generation &+= 1
        slot.hostIndex = probe.hostIndex
        slot.port = probe.port
        slot.attempt = probe.attempt
        slot.sentAt = now
        slot.previousSentAt = probe.previousSentAt
        slot.holdsPlace = isManaged(probe.hostIndex)
        var event = epoll_event()
        event.events = EPOLLOUT.rawValue | EPOLLERR.rawValue | EPOLLHUP.rawValue
        event.data.u64 = UInt64(slot.generation) << 32 | UInt64(UInt32(slotIndex))
        guard epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event) == 0 else {
            close(fd)
            freeSlots.append(slotIndex)
            withdraw(probe)
            deferProbe(probe, now: now)
            return false
        }
        slots[Int(slotIndex)] = slot
        inFlight += 1
        let wait = timeout(hostIndex: probe.hostIndex, attempt: probe.attempt)
        deadlines.schedule(slot: slotIndex, generation: slot.generation, deadline: now + wait)
        if slot.holdsPlace, let pipe = board.pipeTime(host: probe.hostIndex), pipe < wait {
            pipeDeadlines.schedule(slot: slotIndex, generation: slot.generation, deadline: now + pipe)
        }
        return true
    }

    /// A managed probe has been out longer than its host's pipe time: lost or filtered, it no longer
    /// loads the path, so its window place goes to the next probe while its deadline still runs.
    private func leavePipe(_ entry: DeadlineQueue.Entry) {
        let index = Int(entry.slot)
        guard slots[index].fd >= 0, slots[index].generation == entry.generation, slots[index].holdsPlace else { return }
        slots[index].holdsPlace = false
        board.leftPipe(host: slots[index].hostIndex)
    }

    private func isManaged(_ hostIndex: Int) -> Bool { tallies[hostIndex]?.managed ?? false }

    /// One probe event of a managed host for SKANNR_PROBE_TRACE; nothing is evaluated when it is off.
    private func traceEvent(_ event: @autoclosure () -> String, at time: @autoclosure () -> UInt64,
                            host: Int, port: UInt16, attempt: Int) {
        guard trace != nil, isManaged(host) else { return }
        trace?.record(event(), now: time(), host: host, port: port, attempt: attempt)
    }

    private func timeout(hostIndex: Int, attempt: Int) -> UInt64 {
        if isManaged(hostIndex) { return board.timeout(host: hostIndex, attempt: attempt) }
        return policy.timeoutFor(attempt: attempt, host: tallies[hostIndex]?.rtt ?? RTTEstimator())
    }

    /// The probe held a place in its host's window but never reached the wire.
    private func withdraw(_ probe: Pending) {
        if isManaged(probe.hostIndex) { board.release(host: probe.hostIndex) }
    }

    /// Our side ran out of fds or ephemeral ports: put the probe back and pause briefly.
    private func deferProbe(_ probe: Pending, now: UInt64) {
        var again = probe
        again.deferrals += 1
        guard again.deferrals <= 200 else {
            record(hostIndex: probe.hostIndex, port: probe.port, state: .filtered)
            return
        }
        addWork(probe.hostIndex) { $0.pushFront(again) }
        pausedUntil = now + 5_000_000
    }

    // MARK: answers and timeouts

    private func complete(slot index: Int, generation: UInt32, now: UInt64) {
        guard index < slots.count else { return }
        let slot = slots[index]
        guard slot.fd >= 0, slot.generation == generation else { return }
        var err: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(slot.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 { err = errno }
        release(index)
        let verdict = ConnectVerdict(errno: err)
        let probe = Pending(hostIndex: slot.hostIndex, port: slot.port, attempt: slot.attempt, previousSentAt: slot.previousSentAt)
        if verdict == .localResource {
            close(slot.fd)
            if slot.holdsPlace { withdraw(probe) }
            deferProbe(probe, now: now)
            return
        }
        finish(fd: slot.fd, probe: probe, verdict: verdict, sentAt: slot.sentAt, now: now, holdsPlace: slot.holdsPlace)
    }

    private func expire(_ entry: DeadlineQueue.Entry) {
        let index = Int(entry.slot)
        let slot = slots[index]
        guard slot.fd >= 0, slot.generation == entry.generation else { return }
        release(index)
        close(slot.fd)
        let decision = isManaged(slot.hostIndex)
            ? board.timedOut(host: slot.hostIndex, attempt: slot.attempt, holdsPlace: slot.holdsPlace)
            : policy.onTimeout(attempt: slot.attempt, host: tallies[slot.hostIndex]?.rtt ?? RTTEstimator())
        traceEvent("timeout", at: MonotonicClock.now(), host: slot.hostIndex, port: slot.port, attempt: slot.attempt)
        switch decision {
        case .retry:
            let retry = Pending(hostIndex: slot.hostIndex, port: slot.port, attempt: slot.attempt + 1, previousSentAt: slot.sentAt)
            addWork(slot.hostIndex) { $0.retries.append(retry) }
        case .filtered:
            record(hostIndex: slot.hostIndex, port: slot.port, state: .filtered)
        }
    }

    private func release(_ index: Int) {
        slots[index].fd = -1
        freeSlots.append(Int32(index))
        inFlight -= 1
    }

    /// Classifies, closes and records one answered probe.
    private func finish(fd: Int32, probe: Pending, verdict: ConnectVerdict, sentAt: UInt64, now: UInt64, holdsPlace: Bool = true) {
        var state: PortState
        switch verdict {
        case .open: state = isSelfConnect(fd: fd, port: probe.port, hostIndex: probe.hostIndex) ? .closed : .open
        case .closed: state = .closed
        case .filtered, .localResource: state = .filtered
        }
        if verdict == .open {
            // RST instead of FIN: no TIME_WAIT left behind for every open port we touch.
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        }
        close(fd)
        let answer: ProbeOutcome.Answer = state == .open ? .open : state == .closed ? .closed : .unreachable
        learn(probe: probe, answer: answer, sentAt: sentAt, now: now, holdsPlace: holdsPlace)
        record(hostIndex: probe.hostIndex, port: probe.port, state: state)
    }

    /// An answer's round trip: into the host's timing and, on the host's first answer, into the
    /// deadlines of its probes already in flight. Every answered probe goes through here.
    private func learn(probe: Pending, answer: ProbeOutcome.Answer, sentAt: UInt64, now: UInt64, holdsPlace: Bool = true) {
        let hostIndex = probe.hostIndex
        guard let tally = tallies[hostIndex] else { return }
        if tally.managed {
            traceEvent("\(answer)", at: now, host: hostIndex, port: probe.port, attempt: probe.attempt)
            let outcome = ProbeOutcome(answer: answer, attempt: probe.attempt, sentAt: sentAt, now: now,
                                       lostTryAt: probe.attempt > 0 ? probe.previousSentAt : nil)
            if board.answered(host: hostIndex, outcome, holdsPlace: holdsPlace) { tightenDeadlines(hostIndex: hostIndex) }
            return
        }
        guard answer != .unreachable else { return }
        let first = tally.rtt.samples == 0
        tallies[hostIndex]?.rtt.add(sample: now &- sentAt)
        if first { tightenDeadlines(hostIndex: hostIndex) }
    }

    /// The host just answered for the first time: probes already in flight to it were given the full
    /// timeout; give them the adaptive one too (an extra heap entry, same generation: whichever
    /// fires first wins, the other finds the slot released and is ignored).
    private func tightenDeadlines(hostIndex: Int) {
        for index in slots.indices where slots[index].fd >= 0 && slots[index].hostIndex == hostIndex {
            let slot = slots[index]
            let deadline = slot.sentAt + timeout(hostIndex: hostIndex, attempt: slot.attempt)
            deadlines.schedule(slot: Int32(index), generation: slot.generation, deadline: deadline)
            if slot.holdsPlace, let pipe = board.pipeTime(host: hostIndex), slot.sentAt + pipe < deadline {
                pipeDeadlines.schedule(slot: Int32(index), generation: slot.generation, deadline: slot.sentAt + pipe)
            }
        }
    }

    private func isSelfConnect(fd: Int32, port: UInt16, hostIndex: Int) -> Bool {
        guard var remote = tallies[hostIndex]?.address else { return false }
        remote.port = port
        return isConnectedToItself(fd: fd, destination: remote)
    }

    private func record(hostIndex: Int, port: UInt16, state: PortState) {
        switch state {
        case .open: tallies[hostIndex]?.open.insert(port)
        case .filtered: tallies[hostIndex]?.filtered.insert(port)
        case .closed: tallies[hostIndex]?.closed += 1
        }
        unreportedDone += 1
    }

    private func closeAll() {
        for fd in spares where fd >= 0 { close(fd) }
        spares = [-1, -1]
        for i in slots.indices where slots[i].fd >= 0 {
            close(slots[i].fd)
            slots[i].fd = -1
        }
        inFlight = 0
    }
}

/// The self-connect trap: to a local address inside the ephemeral range, connect() can pick the
/// destination port as its source port and connect the socket to itself ("open", nothing listens).
/// nmap does not report these; neither do we. True when the local end equals `destination`.
func isConnectedToItself(fd: Int32, destination: SocketAddress) -> Bool {
    var storage = sockaddr_storage()
    var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let ok = withUnsafeMutablePointer(to: &storage) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) == 0 }
    }
    guard ok, let local = withUnsafeBytes(of: storage, { raw in
        raw.baseAddress.flatMap { SocketAddress(raw: $0, length: len) }
    }) else { return false }
    return local.port == destination.port && local.addressBytes == destination.addressBytes
}
