import Testing

@Test func placeholderMariaDBTests() { #expect(Bool(true)) }
