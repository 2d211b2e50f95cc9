// Every endpoint of the API, registered in one place so the route table reads like the contract.

public enum Routes {
    public static func makeRouter() -> Router {
        var router = Router()
        HealthController.register(in: &router)
        TargetsController.register(in: &router)
        ScansController.register(in: &router)
        AlertsController.register(in: &router)
        NotificationsController.register(in: &router)
        ProgressController.register(in: &router)
        BillingController.register(in: &router)
        AuthController.register(in: &router)
        APIKeysController.register(in: &router)
        ScanDiffController.register(in: &router)
        return router
    }
}
