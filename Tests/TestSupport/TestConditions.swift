// Conditions of suites that need something outside the process (the throwaway MariaDB, the whole
// stack, root). Each skip says why, so a run without them shows what it did not test; scripts/test,
// which always has the stack and root, fails when any test was skipped (only "opt-in:"/"opt-out:" ones may be).
// Trap: keep the comments' wording; scripts/test recognizes expected skips by the "opt-in:"/"opt-out:" prefixes.
import Foundation
import Testing

extension Trait where Self == ConditionTrait {
    /// Needs the throwaway MariaDB that scripts/test starts (SKANNR_TEST_DB_SOCKET).
    public static var needsDatabase: Self {
        .enabled(if: TestDatabase.isAvailable, "needs MariaDB: run through scripts/test (SKANNR_TEST_DB_SOCKET is unset)")
    }

    /// Needs the whole stack (nginx, responder pool, MariaDB) that scripts/test starts (SKANNR_TEST_BASE_URL).
    public static var needsStack: Self {
        .enabled(if: TestStack.isAvailable, "needs the test stack: run through scripts/test (SKANNR_TEST_BASE_URL is unset)")
    }

    /// Needs something this host may lack; `reason` (nil = available) is the skip's comment.
    public static func needs(_ reason: String?) -> Self {
        .enabled(if: reason == nil, Comment(rawValue: reason ?? ""))
    }

    /// Runs unless `variable` is "0" (fuzzing: SKANNR_FUZZ=0 skips it on purpose, "opt-out:").
    public static func optOut(_ variable: String) -> Self {
        .enabled(if: ProcessInfo.processInfo.environment[variable] != "0", Comment(rawValue: "opt-out: \(variable)=0 skips it"))
    }

    /// A benchmark that runs only when `variable` is set; its skip is expected ("opt-in:").
    public static func optIn(_ variable: String) -> Self {
        .enabled(if: ProcessInfo.processInfo.environment[variable] != nil, Comment(rawValue: "opt-in: set \(variable) to run"))
    }
}
