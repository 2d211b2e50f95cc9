// Issue 16 #2 (the application's side): per-client counters (login throttling, the anonymous
// request budget) key an IPv6 client by its /64, so one host cannot mint fresh counters by
// changing the low 64 bits; IPv4 clients keep their own address.
import SkannrCore
import Testing

@Suite("Client address keys")
struct ClientAddressKeyTests {
    @Test("every address of one IPv6 /64 shares one key")
    func ipv6SharesSlash64() {
        let keys = ["2001:db8:1:1::1", "2001:db8:1:1:ffff:ffff:ffff:fffe", "2001:DB8:1:1:0:0:0:99"].map(ClientAddressKey.key(for:))
        #expect(Set(keys).count == 1, "\(keys)")
        #expect(keys.first == "2001:db8:1:1::/64")
    }

    @Test("another /64 is another key")
    func otherSlash64() {
        #expect(ClientAddressKey.key(for: "2001:db8:1:2::1") != ClientAddressKey.key(for: "2001:db8:1:1::1"))
    }

    @Test("IPv4 addresses (also IPv4-mapped ones) keep their own key")
    func ipv4Kept() {
        #expect(ClientAddressKey.key(for: "203.0.113.7") == "203.0.113.7")
        #expect(ClientAddressKey.key(for: "203.0.113.8") != ClientAddressKey.key(for: "203.0.113.7"))
        #expect(ClientAddressKey.key(for: "::ffff:203.0.113.7") == "203.0.113.7")
    }

    @Test("something that is not an address is kept verbatim")
    func garbageKept() {
        #expect(ClientAddressKey.key(for: "not-an-address") == "not-an-address")
    }
}
