import Testing

@Test func placeholderBillingTests() { #expect(Bool(true)) }
