// The few plain file operations the services need without Foundation's overhead: read a file of a
// known size, write a whole buffer to a descriptor (EINTR and short writes handled), make a folder
// path. Raw buffers stay inside these functions.
import Glibc

public enum FileIO {
    /// The file's first `count` bytes, or nil when it cannot be opened or is shorter.
    public static func read(path: String, count: Int) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = bytes.withUnsafeMutableBytes { buffer in
                Glibc.read(descriptor, buffer.baseAddress.map { $0 + filled }, count - filled)
            }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { break }
            filled += got
        }
        return filled == count ? bytes : nil
    }

    /// Writes all of `bytes` to `descriptor`; stops quietly on an error other than EINTR (a log line
    /// that cannot be written has nowhere else to go).
    public static func writeAll(_ bytes: [UInt8], to descriptor: Int32) {
        bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, base + offset, buffer.count - offset)
                if written > 0 { offset += written } else if written < 0 && errno == EINTR { continue } else { return }
            }
        }
    }

    /// Creates every missing folder of `path` with `mode`; true when `path` is a folder afterwards.
    public static func makeDirectories(_ path: String, mode: mode_t = 0o700) -> Bool {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, mode) != 0 && errno != EEXIST { return false }
        }
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}
