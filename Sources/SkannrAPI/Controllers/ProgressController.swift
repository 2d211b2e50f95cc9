// GET /score, /streak, /achievements: computed at request time from the account's data by the
// pure rules of SkannrCore (docs/score.md). Read-only: awards happen at the events themselves.
import SkannrStore
import HTTPMessage

enum ProgressController {
    static func score(_ context: AuthenticatedContext) throws -> APIResponse {
        let reads = try context.services.stores().progress
        let report = try StoreErrors.run { try reads.score(accountID: context.accountID, now: context.now) }
        return try .json(200, ScoreView(report: report))
    }

    static func streak(_ context: AuthenticatedContext) throws -> APIResponse {
        let reads = try context.services.stores().progress
        return try .json(200, StreakView(streak: try reads.streak(accountID: context.accountID, now: context.now)))
    }

    static func achievements(_ context: AuthenticatedContext) throws -> APIResponse {
        let reads = try context.services.stores().progress
        return try .json(200, ItemsView(items: try reads.achievements(accountID: context.accountID).map(AchievementView.init)))
    }
}
