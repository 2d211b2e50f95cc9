// GET /score, /streak, /achievements: computed at request time from the account's data by the
// pure rules of SkannrCore (docs/score.md). Read-only: awards happen at the events themselves.
import FastCGI
import SkannrStore

enum ProgressController {
    static func register(in router: inout Router) {
        router.authenticated("GET", "/score") { context in
            let reads = ProgressReads(connection: try context.services.database())
            let report = try StoreErrors.run { try reads.score(accountID: context.accountID, now: context.now) }
            return try .json(200, ScoreView(report: report))
        }

        router.authenticated("GET", "/streak") { context in
            let reads = ProgressReads(connection: try context.services.database())
            return try .json(200, StreakView(streak: try reads.streak(accountID: context.accountID, now: context.now)))
        }

        router.authenticated("GET", "/achievements") { context in
            let reads = ProgressReads(connection: try context.services.database())
            return try .json(200, ItemsView(items: try reads.achievements(accountID: context.accountID).map(AchievementView.init)))
        }
    }
}
