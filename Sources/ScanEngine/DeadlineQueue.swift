// Pure timing state of the sweep: a min-heap of probe deadlines, checked against a clock passed in.
// Trap: entries are never removed when a probe answers; they carry the probe's generation and go stale.
import Glibc

/// Monotonic nanoseconds (CLOCK_MONOTONIC); the only place the engine reads the clock.
enum MonotonicClock {
    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

extension Duration {
    var nanoseconds: UInt64 {
        let (s, atto) = components
        guard s >= 0 else { return 0 }
        return UInt64(s) * 1_000_000_000 + UInt64(atto / 1_000_000_000)
    }
}

/// Deadlines of probes in flight. `slot` names the probe, `generation` tells a reused slot from the old one.
struct DeadlineQueue {
    struct Entry: Equatable {
        let deadline: UInt64
        let slot: Int32
        let generation: UInt32
    }

    private var heap: [Entry] = []

    var count: Int { heap.count }
    var nextDeadline: UInt64? { heap.first?.deadline }

    mutating func schedule(slot: Int32, generation: UInt32, deadline: UInt64) {
        heap.append(Entry(deadline: deadline, slot: slot, generation: generation))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].deadline < heap[parent].deadline else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the entries whose deadline is at or before `now`, earliest first.
    mutating func popExpired(now: UInt64, into out: inout [Entry]) {
        while let first = heap.first, first.deadline <= now {
            out.append(first)
            popFirst()
        }
    }

    private mutating func popFirst() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        var parent = 0
        while true {
            let left = parent * 2 + 1
            guard left < heap.count else { break }
            var smallest = left
            if left + 1 < heap.count, heap[left + 1].deadline < heap[left].deadline { smallest = left + 1 }
            guard heap[smallest].deadline < heap[parent].deadline else { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
