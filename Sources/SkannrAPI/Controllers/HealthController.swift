// GET /health: the responder is up and can reach MariaDB (503 with the same shape when it can't).
import HTTPMessage


enum HealthController {
    static func health(_ context: RequestContext) throws -> APIResponse {
        let databaseReachable = (try? context.services.stores())?.ping() ?? false
        return try .json(databaseReachable ? 200 : 503, [
            "status": databaseReachable ? "ok" : "unavailable",
            "database": databaseReachable ? "ok" : "unreachable",
        ])
    }
}
