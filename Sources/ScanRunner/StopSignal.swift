// Set by SIGTERM/SIGINT (`StopSignal.onTermination`, used by skannr-scanner and skannr-notifier): stop claiming, release the
// in-flight scan. Polled by the run loop and by the sweep's cancel check; cheap (one atomic load).
import Synchronization

public final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)
    public init() {}
    public func request() { flag.store(true, ordering: .releasing) }
    public var isRequested: Bool { flag.load(ordering: .acquiring) }

    /// Sleeps up to `duration` in short steps, returning early once a stop is requested.
    public func sleep(_ duration: Duration) {
        let deadline = ContinuousClock.now + duration
        while !isRequested {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return }
            Thread.sleepFor(min(left, .milliseconds(50)))
        }
    }
}

import Foundation

extension Thread {
    static func sleepFor(_ duration: Duration) {
        Thread.sleep(forTimeInterval: Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }
}

import Dispatch
import Logging

extension StopSignal {
    /// A stop signal set by SIGTERM or SIGINT (each logged once as it arrives). Keep the returned
    /// sources alive while the process runs; `cancel()` them at the end.
    public static func onTermination(logger: Logger) -> (StopSignal, [DispatchSourceSignal]) {
        let stop = StopSignal()
        let sources = [SIGTERM, SIGINT].map { signalNumber -> DispatchSourceSignal in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                logger.info("stop requested", metadata: ["event": "stopping", "signal": "\(signalNumber)"])
                stop.request()
            }
            source.resume()
            return source
        }
        return (stop, sources)
    }
}
