/// A credential or key that must never be printed.
///
/// Its descriptions are redacted, so interpolating it into a log line or an error cannot leak it;
/// code that must send it upstream reads ``value`` explicitly.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    public let value: String

    public init(_ value: String) {
        self.value = value
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: []) }

    /// Compares with `other` in time that depends only on the lengths, not on where they differ.
    public func constantTimeEquals(_ other: String) -> Bool {
        let lhs = Array(value.utf8)
        let rhs = Array(other.utf8)
        var difference: UInt8 = lhs.count == rhs.count ? 0 : 1
        for index in 0..<max(lhs.count, rhs.count) {
            let left = index < lhs.count ? lhs[index] : 0
            let right = index < rhs.count ? rhs[index] : 0
            difference |= left ^ right
        }
        return difference == 0
    }
}
