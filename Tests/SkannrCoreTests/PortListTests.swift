// Port lists, profiles and the ranked nmap data.
import Testing
@testable import SkannrCore

@Suite("Port lists")
struct PortListTests {
    @Test("valid lists parse to canonical text and count", arguments: [
        ("22,80,443,8000-8100", "22,80,443,8000-8100", 104),
        (" 443 , 22 ,80 ", "22,80,443", 3),
        ("1-65535", "1-65535", 65535),
        ("80,81,82", "80-82", 3),
        ("8000-8100,22", "22,8000-8100", 102),
        ("5-5", "5", 1),
        ("65535", "65535", 1),
        ("080", "80", 1),
    ])
    func parsesValid(text: String, canonical: String, count: Int) throws {
        let list = try PortList.parse(text)
        #expect(list.description == canonical)
        #expect(list.count == count)
        #expect(Array(list).count == count)
    }

    @Test("invalid lists are refused", arguments: [
        "", " ", "80,", ",80", "80,,443", "0", "1-65536", "65536", "80-22", "http", "80a", "-80", "80-",
        "1-2-3", "22,22", "80,70-90", "8000-8100,8050-8200", "+80", "8 0", "999999",
    ])
    func rejectsInvalid(text: String) {
        #expect(throws: PortListError.self) { try PortList.parse(text) }
    }

    @Test("error messages name the problem")
    func messages() {
        #expect(throws: PortListError("the range '80-22' goes backwards; write 22-80")) { try PortList.parse("80-22") }
        #expect(throws: PortListError("port 65536 is outside 1-65535")) { try PortList.parse("1-65536") }
        #expect(throws: PortListError("port 22 is listed twice")) { try PortList.parse("22, 22") }
        #expect(throws: PortListError("80-90 and 85-100 overlap: each port may be listed once")) { try PortList.parse("85-100,80-90") }
    }

    @Test("iteration is ascending and lazy over ranges")
    func iteration() throws {
        #expect(Array(try PortList.parse("443,20-22,80")) == [20, 21, 22, 80, 443])
        #expect(try PortList.parse("1-65535").contains(65535))
    }

    @Test("the ranked data holds 1000 unique ports with quick a prefix of standard")
    func rankedData() {
        #expect(PortCatalog.standardPorts.count == 1000)
        #expect(Set(PortCatalog.standardPorts).count == 1000)
        #expect(PortCatalog.quickPorts.count == 100)
        #expect(Array(PortCatalog.standardPorts.prefix(100)) == PortCatalog.quickPorts)
        for port: UInt16 in [80, 443, 22, 21, 23, 25, 3389, 445, 3306, 8080] { #expect(PortCatalog.quickPorts.contains(port)) }
        #expect(PortCatalog.quickPorts.first == 80)
        #expect(!PortCatalog.standardPorts.contains(0))
    }

    @Test("profiles give the documented port sets")
    func profiles() throws {
        #expect(PortCatalog.ports(for: .quick, custom: nil).count == 100)
        #expect(PortCatalog.ports(for: .standard, custom: nil).count == 1000)
        let full = PortCatalog.ports(for: .full, custom: nil)
        #expect(full.count == 65535 && full.first == 1 && full.last == 65535)
        #expect(PortCatalog.ports(for: .custom, custom: try PortList.parse("22,80")) == [22, 80])
        #expect(PortCatalog.ports(for: .custom, custom: nil).isEmpty)
        #expect(PortCatalog.portCount(for: .custom, custom: try PortList.parse("1-1000")) == 1000)
        #expect(PortCatalog.portCount(for: .full, custom: nil) == 65535)
    }

    @Test("service names come from nmap-services")
    func serviceNames() {
        #expect(PortCatalog.serviceName(for: 443) == "https")
        #expect(PortCatalog.serviceName(for: 3389) == "ms-wbt-server")
        #expect(PortCatalog.serviceName(for: 22) == "ssh")
        #expect(PortCatalog.serviceName(for: 6379) == "redis")
        #expect(PortCatalog.serviceName(for: 27017) == "mongod")
    }
}
