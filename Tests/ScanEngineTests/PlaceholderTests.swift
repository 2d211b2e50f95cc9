import Testing

@Test func placeholderScanEngineTests() { #expect(Bool(true)) }
