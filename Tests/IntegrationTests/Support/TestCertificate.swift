import Foundation

/// A self-signed certificate for 127.0.0.1 (and its key), made with `openssl` in `directory`.
struct TestCertificate {
    let certificate: String
    let key: String

    init(directory: String) throws {
        certificate = directory + "/cert.pem"
        key = directory + "/key.pem"
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "1",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1",
        ]
        openssl.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try openssl.run()
        openssl.waitUntilExit()
        guard openssl.terminationStatus == 0 else { throw SidecarError(message: "openssl could not make a certificate") }
    }
}
