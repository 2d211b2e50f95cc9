// GET /scans/:id/diff?against=: what changed between two completed scans of one target. The
// handler reads the request, ScanUseCases.diffPair picks and loads the two scans, ScanDiffView
// compares them (SkannrCore's ScanDiff, the code that raises alerts). 409 when either scan is not
// completed or they belong to different targets; another account's scan is 404.
import Foundation
import SkannrCore
import SkannrStore
import HTTPMessage

enum ScanDiffController {
    static func diff(_ context: AuthenticatedContext) throws -> APIResponse {
        let scan = try ScansController.scan(context)
        let against = try ListQuery.positiveID(context.request.query, "against")
        let pair = try ScanUseCases.diffPair(scan: scan, against: against, accountID: context.accountID, stores: context.services.stores())
        return try .json(200, ScanDiffView(scanID: pair.scan.id, againstID: pair.base.id, before: pair.before, after: pair.after, now: context.now))
    }
}
