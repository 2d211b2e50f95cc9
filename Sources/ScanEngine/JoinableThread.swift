// A pthread running one closure, with a stack size of our choosing; joined by its owner.
// Trap: the closure is retained until the thread ends; always join (a dropped thread leaks until it ends).
import Glibc

final class JoinableThread {
    private var thread = pthread_t()

    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    init(stackBytes: Int = 1 << 20, _ run: @escaping () -> Void) throws {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, stackBytes)
        let body = Unmanaged.passRetained(Body(run)).toOpaque()
        let rc = pthread_create(&thread, &attributes, { raw in
            guard let raw else { return nil }
            Unmanaged<Body>.fromOpaque(raw).takeRetainedValue().run()
            return nil
        }, body)
        guard rc == 0 else {
            Unmanaged<Body>.fromOpaque(body).release()
            throw ScanEngineError.errno("thread_failed", "pthread_create", rc)
        }
    }

    func join() {
        pthread_join(thread, nil)
    }
}
