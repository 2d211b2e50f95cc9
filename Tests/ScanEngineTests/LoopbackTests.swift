// The parent of every test that opens real sockets, serialized as a whole: fd counts, nft rules
// and s_server processes of one test must never overlap another's.
import Testing

@Suite("Loopback sockets", .serialized)
struct LoopbackTests {}
