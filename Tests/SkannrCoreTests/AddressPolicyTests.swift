// Classification of every restricted range and the policy built on it.
import Testing
@testable import SkannrCore

@Suite("Address policy")
struct AddressPolicyTests {
    @Test("each special-purpose address gets its restriction", arguments: [
        ("0.0.0.0", AddressRestriction.unspecified), ("0.1.2.3", .reserved), ("10.20.30.40", .private),
        ("172.16.0.1", .private), ("172.31.255.255", .private), ("192.168.1.1", .private),
        ("100.64.0.1", .cgnat), ("100.127.255.255", .cgnat), ("127.0.0.1", .loopback), ("127.255.0.9", .loopback),
        ("169.254.169.254", .linkLocal), ("192.0.0.8", .reserved), ("192.0.2.1", .documentation),
        ("198.51.100.7", .documentation), ("203.0.113.10", .documentation), ("192.88.99.1", .reserved),
        ("198.18.0.1", .reserved), ("198.19.255.255", .reserved), ("224.0.0.1", .multicast),
        ("239.255.255.250", .multicast), ("240.0.0.1", .reserved), ("255.255.255.255", .broadcast),
        ("::", .unspecified), ("::1", .loopback), ("::ffff:10.0.0.1", .private), ("::ffff:127.0.0.1", .loopback),
        ("64:ff9b::192.168.0.1", .private), ("2002:c0a8:0101::1", .private), ("2001:db8::1", .documentation),
        ("3fff::1", .documentation), ("2001::1", .reserved), ("fc00::1", .private), ("fd12:3456::1", .private),
        ("fe80::1", .linkLocal), ("fec0::1", .reserved), ("ff02::1", .multicast), ("100::1", .reserved),
        ("::1.2.3.4", .reserved), ("4000::1", .reserved), ("8000::1", .reserved),
    ])
    func classifies(text: String, expected: AddressRestriction) throws {
        #expect(try IPAddress.parse(text).restriction() == expected)
    }

    @Test("public unicast addresses are unrestricted", arguments: [
        "8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "192.169.0.1", "11.0.0.1", "223.255.255.255",
        "2606:4700:4700::1111", "2a00:1450::1", "::ffff:8.8.8.8", "64:ff9b::8.8.8.8", "2002:0808:0808::1",
    ])
    func publicAddresses(text: String) throws {
        #expect(try IPAddress.parse(text).restriction() == nil)
        #expect(AddressPolicy.isAllowed(numericAddress: text, allowPrivate: false))
    }

    @Test("a CIDR block overlapping any restricted range is restricted", arguments: [
        ("0.0.0.0/0", true), ("8.0.0.0/7", false), ("8.0.0.0/5", true), ("8.8.8.0/24", false), ("11.0.0.0/8", false),
        ("172.0.0.0/8", true), ("100.0.0.0/8", true), ("203.0.113.128/25", true), ("192.0.0.0/16", true),
        ("2606:4700::/32", false), ("2000::/3", true), ("2002::/16", true), ("2002:0808:0800::/40", false),
        ("2002:0a00::/24", true), ("::ffff:8.8.8.0/120", false), ("::ffff:0:0/96", true), ("fc00::/6", true),
    ])
    func cidrOverlap(text: String, restricted: Bool) throws {
        #expect((try CIDRBlock.parse(text).restriction() != nil) == restricted)
    }

    @Test("the policy refuses restricted targets with target_not_allowed and a clear message")
    func refuses() throws {
        let strict = AddressPolicy(allowPrivate: false)
        do {
            try strict.check(TargetAddress.parse("10.0.0.1"))
            Issue.record("expected an error")
        } catch {
            #expect(error.code == "target_not_allowed")
            #expect(error.message == "10.0.0.1 is a private address and cannot be scanned")
        }
        #expect(throws: AddressError.self) { try strict.check(TargetAddress.parse("0.0.0.0/0")) }
        #expect(throws: AddressError.self) { try strict.check(TargetAddress.parse("::ffff:10.0.0.1")) }
        #expect(throws: AddressError.self) { try strict.check(TargetAddress.parse("printer.local")) }
        #expect(throws: AddressError.self) { try strict.check(TargetAddress.parse("app.localhost")) }
        try strict.check(TargetAddress.parse("scanme.nmap.org"))
        try strict.check(TargetAddress.parse("8.8.8.0/24"))
    }

    @Test("allowPrivate admits loopback and private ranges but never multicast, broadcast or unspecified")
    func allowPrivate() throws {
        let dev = AddressPolicy(allowPrivate: true)
        try dev.check(TargetAddress.parse("127.0.0.1"))
        try dev.check(TargetAddress.parse("::1"))
        try dev.check(TargetAddress.parse("10.0.0.0/24"))
        try dev.check(TargetAddress.parse("192.0.2.0/24"))
        #expect(throws: AddressError.self) { try dev.check(TargetAddress.parse("224.0.0.1")) }
        #expect(throws: AddressError.self) { try dev.check(TargetAddress.parse("0.0.0.0")) }
        #expect(throws: AddressError.self) { try dev.check(TargetAddress.parse("0.0.0.0/0")) }
        #expect(AddressPolicy.isAllowed(numericAddress: "127.0.0.1", allowPrivate: true))
        #expect(!AddressPolicy.isAllowed(numericAddress: "127.0.0.1", allowPrivate: false))
        #expect(!AddressPolicy.isAllowed(numericAddress: "255.255.255.255", allowPrivate: true))
        #expect(!AddressPolicy.isAllowed(numericAddress: "fe80::1%eth0", allowPrivate: true))
        #expect(!AddressPolicy.isAllowed(numericAddress: "example.com", allowPrivate: true))
    }
}
