// Issue 16 #14: a development stack must be safe to point a fuzzer at. The runner that allows private
// targets stays on loopback unless an allow-list says otherwise, and scripts/lib/stack.sh starts
// every stack's runner pinned (a stub binary records what it was started with).
import Foundation
import SkannrSettings
import Testing
import TestSupport
@testable import ScanRunner

@Suite("Scan-runner pinning (issue 16 #14)")
struct ScannerPinningTests {
    static let project = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test("allowing private targets without an allow-list keeps the runner on loopback")
    func allowPrivateStaysOnLoopback() throws {
        let configuration = try RunnerConfiguration(settings: Settings(values: ["SKANNR_ALLOW_PRIVATE_TARGETS": "true"]))
        #expect(configuration.scope.permits("127.0.0.1"))
        #expect(configuration.scope.permits("::1"))
        #expect(!configuration.scope.permits("10.20.30.1"), "the openapi.yaml example network must stay out of reach")
        #expect(!configuration.scope.permits("192.168.1.10"))
    }

    @Test("an explicit allow-list widens the runner on purpose")
    func explicitAllowListWidens() throws {
        let configuration = try RunnerConfiguration(settings: Settings(values: [
            "SKANNR_ALLOW_PRIVATE_TARGETS": "true", "SKANNR_SCANNER_ONLY_NETWORKS": "127.0.0.0/8,10.20.30.0/28",
        ]))
        #expect(configuration.scope.permits("10.20.30.1"))
        #expect(!configuration.scope.permits("10.20.31.1"))
    }

    /// Runs stack.sh's start_scanner with a stub skannr-scanner that writes the allow-list it got;
    /// `settingsLines` is the runtime folder's skannr.env. Returns what the stub saw.
    static func pinnedNetworks(settingsLines: [String]) throws -> String {
        let runtime = NSTemporaryDirectory() + "skannr-pin-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: runtime) }
        try FileManager.default.createDirectory(atPath: runtime + "/bin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: runtime + "/logs", withIntermediateDirectories: true)
        try (settingsLines.joined(separator: "\n") + "\n").write(toFile: runtime + "/skannr.env", atomically: true, encoding: .utf8)
        let script = """
            unset SKANNR_SCANNER_ONLY_NETWORKS
            source '\(project)/scripts/lib/stack.sh'
            RT='\(runtime)'; BIN_DIR='\(runtime)/bin'
            # The stub is written here, not by the test process: a file the (threaded) test process
            # holds open while another test spawns a child cannot be executed (ETXTBSY).
            printf '#!/bin/sh\nprintf "%%s" "${SKANNR_SCANNER_ONLY_NETWORKS:-UNPINNED}" >"$(dirname "$0")/pinned.tmp"\nmv "$(dirname "$0")/pinned.tmp" "$(dirname "$0")/pinned"\n' >"$BIN_DIR/skannr-scanner"
            chmod 755 "$BIN_DIR/skannr-scanner"
            start_scanner
            for _ in $(seq 1 600); do [ -f "$BIN_DIR/pinned" ] && break; sleep 0.05; done
            cat "$BIN_DIR/pinned"
            """
        let result = try Shell.execute("/bin/bash", ["-c", script], timeout: 60)
        return result.output.split(separator: "\n").last.map(String.init) ?? ""
    }

    @Test("stack.sh pins a runner whose settings file names no networks (an older dev stack) to loopback")
    func stackPinsOlderSettings() throws {
        let seen = try Self.pinnedNetworks(settingsLines: ["SKANNR_ALLOW_PRIVATE_TARGETS=true"])
        #expect(seen == "127.0.0.0/8,::1/128")
    }

    @Test("stack.sh passes a deliberately widened allow-list through")
    func stackKeepsDeliberateList() throws {
        let seen = try Self.pinnedNetworks(settingsLines: [
            "SKANNR_ALLOW_PRIVATE_TARGETS=true", "SKANNR_SCANNER_ONLY_NETWORKS=127.0.0.0/8,192.0.2.0/28",
        ])
        #expect(seen == "127.0.0.0/8,192.0.2.0/28")
    }

    @Test("a fresh stack's settings file pins the runner to loopback")
    func freshSettingsPin() throws {
        let runtime = NSTemporaryDirectory() + "skannr-pin-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: runtime) }
        try FileManager.default.createDirectory(atPath: runtime, withIntermediateDirectories: true)
        let output = try Shell.run("/bin/bash", ["-c", "source '\(Self.project)/scripts/lib/stack.sh'; RT='\(runtime)'; write_settings; cat \"$RT/skannr.env\""])
        #expect(output.contains("\nSKANNR_SCANNER_ONLY_NETWORKS=127.0.0.0/8,::1/128\n"))
    }
}
