// Address parsing: valid and invalid forms by the dozen, normalisation, types.
import Testing
@testable import SkannrCore

@Suite("Address parsing")
struct AddressParsingTests {
    @Test("valid addresses parse to the expected type and canonical text", arguments: [
        ("8.8.8.8", "ip", "8.8.8.8"),
        ("  1.1.1.1\n", "ip", "1.1.1.1"),
        ("0.0.0.0", "ip", "0.0.0.0"),
        ("255.255.255.255", "ip", "255.255.255.255"),
        ("2001:4860:4860:0000:0000:0000:0000:8888", "ip", "2001:4860:4860::8888"),
        ("2001:DB8::1", "ip", "2001:db8::1"),
        ("::", "ip", "::"),
        ("::1", "ip", "::1"),
        ("1::", "ip", "1::"),
        ("2001:db8:0:0:1:0:0:1", "ip", "2001:db8::1:0:0:1"),
        ("2001:0db8:0000:0001:0001:0001:0001:0001", "ip", "2001:db8:0:1:1:1:1:1"),
        ("::ffff:10.0.0.1", "ip", "::ffff:10.0.0.1"),
        ("::FFFF:0a00:0001", "ip", "::ffff:10.0.0.1"),
        ("64:ff9b::192.0.2.33", "ip", "64:ff9b::c000:221"),
        ("fe80:0:0:0:0:0:0:1", "ip", "fe80::1"),
        ("Example.COM", "domain", "example.com"),
        ("scanme.example.org.", "domain", "scanme.example.org"),
        ("xn--bcher-kva.example", "domain", "xn--bcher-kva.example"),
        ("a-b.c-d.io", "domain", "a-b.c-d.io"),
        ("1.2.3.example", "domain", "1.2.3.example"),
        ("123.com", "domain", "123.com"),
        ("0.0.0.0/0", "cidr", "0.0.0.0/0"),
        ("203.0.113.0/24", "cidr", "203.0.113.0/24"),
        ("8.8.8.8/32", "cidr", "8.8.8.8/32"),
        ("2001:DB8::/32", "cidr", "2001:db8::/32"),
        ("::/0", "cidr", "::/0"),
        ("2606:4700::/128", "cidr", "2606:4700::/128"),
    ])
    func parsesValid(input: String, type: String, normalized: String) throws {
        let address = try TargetAddress.parse(input)
        #expect(address.type == type)
        #expect(address.normalized == normalized)
    }

    @Test("malformed addresses are refused as validation errors", arguments: [
        "", "   ", "256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.04", "1..2.3", "1.2.3.-4",
        "a..b", "-a.com", "a-.com", "exa_mple.com", "localhost", "com", "münchen.de", "a.b.123",
        "2001:db8::1::1", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::", "fe80::1%eth0",
        ":1::2", "1:::2", "g::1", "::ffff:256.0.0.1", "[::1]", "10.0.0.0/33", "::/129",
        "10.0.0.0/", "10.0.0.0/024", "10.0.0.0/-1", "10.0.0.0/8/8", "example.com/24", "http://example.com",
        "1.2.3.4:80",
    ])
    func rejectsMalformed(input: String) {
        #expect(throws: AddressError.self) { try TargetAddress.parse(input) }
        do { _ = try TargetAddress.parse(input) } catch { #expect(error.code == "validation_failed") }
    }

    @Test("a 253-character name is accepted and a 254-character one refused")
    func hostnameLength() throws {
        let label = String(repeating: "a", count: 63)
        let name253 = [label, label, label, String(repeating: "b", count: 57), "com"].joined(separator: ".")
        #expect(name253.count == 253)
        #expect(try TargetAddress.parse(name253).normalized == name253)
        let name254 = "a" + name253
        #expect(throws: AddressError.self) { try TargetAddress.parse(name254) }
        #expect(throws: AddressError.self) { try TargetAddress.parse(String(repeating: "a", count: 64) + ".com") }
    }

    @Test("a CIDR block with host bits set is refused with a suggestion")
    func hostBitsSet() {
        do {
            _ = try TargetAddress.parse("10.0.0.1/24")
            Issue.record("expected an error")
        } catch {
            #expect(error.message == "host bits set; did you mean 10.0.0.0/24?")
        }
        #expect(throws: AddressError.self) { try TargetAddress.parse("2001:db8::1/64") }
    }

    @Test("address counts of CIDR blocks, saturating for large IPv6 blocks")
    func addressCounts() throws {
        #expect(try CIDRBlock.parse("203.0.113.0/24").addressCount == 256)
        #expect(try CIDRBlock.parse("0.0.0.0/0").addressCount == 4_294_967_296)
        #expect(try CIDRBlock.parse("1.2.3.4/32").addressCount == 1)
        #expect(try CIDRBlock.parse("2001:db8::/120").addressCount == 256)
        #expect(try CIDRBlock.parse("2001:db8::/65").addressCount == UInt64(1) << 63)
        #expect(try CIDRBlock.parse("2001:db8::/64").addressCount == UInt64.max)
        #expect(try CIDRBlock.parse("::/0").addressCount == UInt64.max)
    }

    @Test("host sequences yield every address lazily, network and broadcast included")
    func hostSequence() throws {
        let v4 = try CIDRBlock.parse("192.0.2.252/30").hosts.map(\.description)
        #expect(v4 == ["192.0.2.252", "192.0.2.253", "192.0.2.254", "192.0.2.255"])
        #expect(try CIDRBlock.parse("8.8.8.8/32").hosts.map(\.description) == ["8.8.8.8"])
        #expect(try CIDRBlock.parse("255.255.255.254/31").hosts.map(\.description) == ["255.255.255.254", "255.255.255.255"])
        let v6 = try CIDRBlock.parse("2001:db8::fffe/127").hosts.map(\.description)
        #expect(v6 == ["2001:db8::fffe", "2001:db8::ffff"])
        var walk = CIDRHostSequence.Iterator(v6From: try IPv6Address.parse("2001:db8::ffff:ffff:ffff:fffe"),
                                             through: try IPv6Address.parse("2001:db8:0:1::"))
        let carry = [walk.next(), walk.next(), walk.next(), walk.next()].map { $0?.description }
        #expect(carry == ["2001:db8::ffff:ffff:ffff:fffe", "2001:db8::ffff:ffff:ffff:ffff", "2001:db8:0:1::", nil])
        #expect(try CIDRBlock.parse("::/0").hosts.prefix(2).map(\.description) == ["::", "::1"])
        #expect(try CIDRBlock.parse("10.0.0.0/20").hosts.reduce(0) { n, _ in n + 1 } == 4096)
    }

    @Test("RFC 5952 compresses the first longest zero run and never a single zero group")
    func rfc5952() throws {
        #expect(try IPv6Address.parse("1:0:0:2:0:0:0:3").description == "1:0:0:2::3")
        #expect(try IPv6Address.parse("1:0:0:2:0:0:3:4").description == "1::2:0:0:3:4")
        #expect(try IPv6Address.parse("1:0:2:3:4:5:6:7").description == "1:0:2:3:4:5:6:7")
        #expect(try IPv6Address.parse("0:0:0:0:0:0:0:1").description == "::1")
    }
}
