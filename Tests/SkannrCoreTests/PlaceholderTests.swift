import Testing

@Test func placeholderSkannrCoreTests() { #expect(Bool(true)) }
