import CCrypto

/// SHA-256, for PKCE challenges and content hashes: OpenSSL's libcrypto, which libcurl already
/// maps into the process.
public enum SHA256 {
    /// The 32-byte digest of `bytes`.
    public static func hash(_ bytes: some Collection<UInt8>) -> [UInt8] {
        let digest: (UnsafeRawBufferPointer) -> [UInt8] = { input in
            var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
            var length: UInt32 = 0
            // EVP_Digest only fails on allocation failure, which Swift treats as fatal anyway.
            let succeeded = EVP_Digest(input.baseAddress, input.count, &output, &length, EVP_sha256(), nil)
            precondition(succeeded == 1 && length == 32, "libcrypto's SHA-256 failed")
            return Array(output.prefix(Int(length)))
        }
        if let result = bytes.withContiguousStorageIfAvailable({ digest(UnsafeRawBufferPointer($0)) }) { return result }
        return Array(bytes).withUnsafeBytes(digest)
    }

    /// The digest as lower-case hex.
    public static func hexDigest(_ bytes: some Collection<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in hash(bytes) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
