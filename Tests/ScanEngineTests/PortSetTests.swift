// PortSet: the compact per-host port set (array, then bitmap past 4096 ports).
import Testing
@testable import ScanEngine

@Suite("PortSet")
struct PortSetTests {
    @Test("a small set keeps its ports and sorts them")
    func small() {
        var set = PortSet()
        for port: UInt16 in [443, 22, 65535, 0] { set.insert(port) }
        #expect(set.count == 4)
        #expect(set.sorted() == [0, 22, 443, 65535])
        #expect(set.contains(65535) && !set.contains(80))
    }

    @Test("a set past 4096 ports turns into a bitmap without losing or duplicating ports")
    func bitmap() {
        var set = PortSet()
        let ports = (1...65535).map { UInt16($0) }.shuffled()
        for port in ports { set.insert(port) }
        #expect(set.count == 65535)
        #expect(set.sorted() == Array(1...65535).map { UInt16($0) })
        #expect(!set.contains(0) && set.contains(1) && set.contains(65535))
    }

    @Test("union and equality do not depend on the representation")
    func unionAndEquality() {
        var a = PortSet(), b = PortSet(), whole = PortSet()
        for port in UInt16(1)...UInt16(5000) { a.insert(port) }
        for port in UInt16(5001)...UInt16(6000) { b.insert(port) }
        for port in UInt16(1)...UInt16(6000) { whole.insert(port) }
        a.formUnion(b)
        #expect(a == whole)
        #expect(a.count == 6000)
        var small = PortSet()
        small.insert(7)
        #expect(small != whole)
    }
}
