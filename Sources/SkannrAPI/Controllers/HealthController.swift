// GET /health: the responder is up and can reach MariaDB (503 with the same shape when it can't).

import FastCGI

enum HealthController {
    static func register(in router: inout Router) {
        router.open("GET", "/health") { context in
            let databaseReachable = (try? context.services.database().query("SELECT 1")) != nil
            return try .json(databaseReachable ? 200 : 503, [
                "status": databaseReachable ? "ok" : "unavailable",
                "database": databaseReachable ? "ok" : "unreachable",
            ])
        }
    }
}
