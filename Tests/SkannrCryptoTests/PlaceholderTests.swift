import Testing

@Test func placeholderSkannrCryptoTests() { #expect(Bool(true)) }
