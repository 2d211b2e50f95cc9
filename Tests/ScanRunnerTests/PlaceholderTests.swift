import Testing

@Test func placeholderScanRunnerTests() { #expect(Bool(true)) }
