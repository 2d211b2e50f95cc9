// A failed system call as a value: which call, on what path, and errno. SystemIO's only error.
import Glibc

public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    public let operation: String
    public let path: String?
    public let code: Int32

    public init(_ operation: String, path: String?, code: Int32 = errno) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    /// A non-blocking lock another holder has (flock's EWOULDBLOCK).
    public var isBusy: Bool { code == EWOULDBLOCK || code == EAGAIN }

    public var description: String {
        "\(operation)\(path.map { " \($0)" } ?? ""): \(String(cString: strerror(code)))"
    }
}
