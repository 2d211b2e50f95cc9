// HostKey: the 16-byte ordering key shared by the API (results order) and the scan-runner.
import SkannrCore
import Testing

@Suite("Host keys")
struct HostKeyTests {
    @Test("IPv4 keys are IPv4-mapped IPv6 and sort numerically")
    func ipv4Mapped() {
        #expect(HostKey.bytes(for: "10.0.0.2") == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 2])
        #expect(HostKey.bytes(for: "::ffff:10.0.0.2") == HostKey.bytes(for: "10.0.0.2"))
        #expect(HostKey.bytes(for: "10.0.0.2").lexicographicallyPrecedes(HostKey.bytes(for: "10.0.0.10")))
        #expect(HostKey.bytes(for: "255.255.255.255").lexicographicallyPrecedes(HostKey.bytes(for: "2001:db8::1")))
    }

    @Test("IPv6 keys are the address bytes and round-trip")
    func ipv6() {
        let key = HostKey.bytes(for: "2001:db8::ff01")
        #expect(key.count == 16)
        #expect(key.prefix(4) == [0x20, 0x01, 0x0d, 0xb8])
        #expect(key.suffix(2) == [0xff, 0x01])
        #expect(HostKey.address(from: key)?.description == "2001:db8::ff01")
        #expect(HostKey.address(from: HostKey.bytes(for: "10.0.0.10"))?.description == "10.0.0.10")
    }

    @Test("text that is not a numeric address gives no key", arguments: ["", "example.org", "10.0.0.256", "fe80::1%eth0", "10.0.0.0/24"])
    func invalid(text: String) {
        #expect(HostKey.bytes(for: text).isEmpty)
        #expect(HostKey.address(from: [1, 2, 3]) == nil)
    }
}
