// The addresses of a CIDR block as a lazy sequence: never materialise the array (a v6 /64 has
// 2^64 addresses). Decision: EVERY address is yielded, network and broadcast included, as nmap
// does; a scan of 203.0.113.0/24 probes 256 hosts. The plan's CIDR limit keeps the count sane.
public struct CIDRHostSequence: Sequence, Sendable {
    public let block: CIDRBlock

    public func makeIterator() -> Iterator { Iterator(block: block) }

    public struct Iterator: IteratorProtocol, Sendable {
        private var next6: (high: UInt64, low: UInt64)?
        private var last6: (high: UInt64, low: UInt64) = (0, 0)
        private var next4: UInt64?
        private var last4: UInt64 = 0

        init(block: CIDRBlock) {
            let hostBits = block.network.bitWidth - block.prefixLength
            switch block.network {
            case .v4(let a):
                next4 = UInt64(a.value)
                last4 = UInt64(a.value) + (UInt64(1) << UInt64(hostBits)) - 1
            case .v6(let a):
                next6 = (a.high, a.low)
                let lowOnes: UInt64 = hostBits >= 64 ? .max : (UInt64(1) << UInt64(hostBits)) - 1
                let highOnes: UInt64 = hostBits <= 64 ? 0 : (hostBits == 128 ? .max : (UInt64(1) << UInt64(hostBits - 64)) - 1)
                last6 = (a.high | highOnes, a.low | lowOnes)
            }
        }

        /// For tests: walk an arbitrary IPv6 span (to cross the 64-bit carry without 2^64 steps).
        init(v6From first: IPv6Address, through last: IPv6Address) {
            next6 = (first.high, first.low)
            last6 = (last.high, last.low)
        }

        public mutating func next() -> IPAddress? {
            if let current = next4 {
                next4 = current < last4 ? current + 1 : nil
                return .v4(IPv4Address(UInt32(truncatingIfNeeded: current)))
            }
            if let current = next6 {
                if current == last6 {
                    next6 = nil
                } else {
                    let (low, carry) = current.low.addingReportingOverflow(1)
                    next6 = (carry ? current.high &+ 1 : current.high, low)
                }
                return .v6(IPv6Address(high: current.high, low: current.low))
            }
            return nil
        }
    }
}

extension CIDRBlock {
    /// Every address of the block, lazily, in ascending order.
    public var hosts: CIDRHostSequence { CIDRHostSequence(block: self) }
}
