import NIOCore

/// An upstream answer held whole up to a limit (a response transformer that answers at the end);
/// past the limit the bytes are dropped and ``overflowed`` says so.
struct CappedBody {
    let limit: Int
    private(set) var bytes: [UInt8] = []
    private(set) var overflowed = false

    init(limit: Int) {
        self.limit = limit
    }

    mutating func append(_ chunk: ByteBuffer) {
        guard !overflowed, bytes.count + chunk.readableBytes <= limit else {
            overflowed = true
            bytes = []
            return
        }
        bytes.append(contentsOf: chunk.readableBytesView)
    }
}
