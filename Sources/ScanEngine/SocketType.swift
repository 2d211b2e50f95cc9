// The socket type of every probe: a non-blocking, close-on-exec TCP socket.
// Trap: ares.h pulls in <sys/socket.h>, so in a whole-module (release) build the SOCK_* constants
// belong to the CAres clang module and are visible only in files that import it: keep them here.
import Glibc
internal import CAres

enum SocketType {
    static let nonBlockingStream = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
}
