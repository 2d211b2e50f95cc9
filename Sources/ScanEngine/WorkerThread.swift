// A pthread running one SweepWorker; joined by the sweep. Trap: the worker is retained until the thread ends.
import Glibc

final class WorkerThread {
    private var thread = pthread_t()

    private final class Context {
        let worker: SweepWorker
        let counters: SweepCounters
        init(worker: SweepWorker, counters: SweepCounters) {
            self.worker = worker
            self.counters = counters
        }
    }

    init(worker: SweepWorker, counters: SweepCounters) throws {
        let context = Unmanaged.passRetained(Context(worker: worker, counters: counters)).toOpaque()
        let rc = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let context = Unmanaged<Context>.fromOpaque(raw).takeRetainedValue()
            context.worker.run()
            context.counters.workersFinished.add(1, ordering: .releasing)
            return nil
        }, context)
        guard rc == 0 else {
            Unmanaged<Context>.fromOpaque(context).release()
            throw ScanEngineError.errno("thread_failed", "pthread_create", rc)
        }
    }

    func join() {
        pthread_join(thread, nil)
    }
}
