import Foundation
import Glibc
import NIOConcurrencyHelpers
import Testing

@testable import MaximizeCore

/// `FileSystem.readFile` never blocks on what lies at a path: anything but a regular file (or a
/// symlink to one) is a clear error naming the path, and size is capped before reading.
struct FileSystemReadTests {
    enum Outcome: Sendable {
        case bytes([UInt8]?)
        case failed(FileSystemError)
        /// Still blocked after the deadline (the old behaviour on a FIFO).
        case hung
    }

    /// Reads on a thread of its own, so that a read that blocks fails the test instead of hanging it.
    static func read(_ path: String, limit: Int = 1 << 20, deadline: Double = 5) -> Outcome {
        let result = NIOLockedValueBox<Outcome?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread {
            let outcome: Outcome
            do throws(FileSystemError) {
                outcome = .bytes(try FileSystem.readFile(path, limit: limit))
            } catch {
                outcome = .failed(error)
            }
            result.withLockedValue { $0 = outcome }
            done.signal()
        }.start()
        guard done.wait(timeout: .now() + deadline) == .success else { return .hung }
        return result.withLockedValue { $0 } ?? .hung
    }

    /// The error message for `path`, or a note saying what happened instead.
    static func message(_ path: String, limit: Int = 1 << 20) -> String {
        switch read(path, limit: limit) {
        case .failed(let error): "\(error)"
        case .bytes: "read without an error"
        case .hung: "still blocked after 5 s"
        }
    }

    @Test func fifoIsRefusedWithoutBlocking() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/tokens.json"
        #expect(mkfifo(path, 0o600) == 0)
        let message = Self.message(path)
        #expect(message.contains(path))
        #expect(message.contains("is a FIFO (named pipe), not a regular file"))
    }

    @Test func symlinkToAFIFOIsRefusedAndNamesTheLink() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        #expect(mkfifo(directory.path + "/pipe", 0o600) == 0)
        let link = directory.path + "/config.json"
        #expect(symlink(directory.path + "/pipe", link) == 0)
        let message = Self.message(link)
        #expect(message.contains(link))
        #expect(message.contains("is a FIFO (named pipe), not a regular file"))
    }

    @Test func directoryIsRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/status.json"
        #expect(mkdir(path, 0o700) == 0)
        let message = Self.message(path)
        #expect(message.contains(path))
        #expect(message.contains("is a directory, not a regular file"))
    }

    @Test func characterDeviceIsRefused() {
        let message = Self.message("/dev/zero")
        #expect(message.contains("/dev/zero is a character device, not a regular file"))
    }

    @Test func oversizedFileIsRefusedBeforeReading() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/huge.json"
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        #expect(fd >= 0)
        #expect(ftruncate(fd, 1 << 30) == 0)  // sparse: no disk used
        close(fd)
        let message = Self.message(path)
        #expect(message.contains(path))
        #expect(message.contains("1073741824 bytes"))
        #expect(message.contains("1048576"))
    }

    @Test func regularFilesAndSymlinksToThemAreRead() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("tokens.json", #"{"api_key":"k"}"#)
        let link = directory.path + "/link.json"
        #expect(symlink(directory.path + "/tokens.json", link) == 0)
        for path in [directory.path + "/tokens.json", link] {
            guard case .bytes(let bytes?) = Self.read(path) else {
                Issue.record("\(path) was not read")
                continue
            }
            #expect(bytes.text == #"{"api_key":"k"}"#)
        }
        guard case .bytes(nil) = Self.read(directory.path + "/missing.json") else {
            Issue.record("a missing file must read as nil")
            return
        }
    }

    @Test func fileAtTheLimitIsReadAndProcFilesWithNoSizeToo() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("exact", String(repeating: "x", count: 100))
        guard case .bytes(let exact?) = Self.read(directory.path + "/exact", limit: 100) else {
            Issue.record("a file of exactly the limit must be read")
            return
        }
        #expect(exact.count == 100)
        #expect(Self.message(directory.path + "/exact", limit: 99).contains("100 bytes"))
        // /proc files report size 0: the cap is kept while reading instead.
        guard case .bytes(let proc?) = Self.read("/proc/self/status") else {
            Issue.record("/proc/self/status was not read")
            return
        }
        #expect(!proc.isEmpty)
        #expect(Self.message("/proc/self/status", limit: 10).contains("more than"))
    }

    @Test func reasonsAreTyped() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        #expect(mkfifo(directory.path + "/pipe", 0o600) == 0)
        func reason(_ path: String, limit: Int = 1 << 20) -> FileSystemError.Reason? {
            guard case .failed(let error) = Self.read(path, limit: limit) else { return nil }
            return error.reason
        }
        #expect(reason(directory.path + "/pipe") == .notRegularFile(.fifo))
        #expect(reason(directory.path) == .notRegularFile(.directory))
        #expect(reason("/dev/null") == .notRegularFile(.characterDevice))
        try directory.write("big", String(repeating: "x", count: 10))
        #expect(reason(directory.path + "/big", limit: 9) == .tooLarge(size: 10, limit: 9))
        #expect(throws: FileSystemError(path: directory.path + "/link", operation: "open", reason: .symbolicLink)) {
            #expect(symlink(directory.path + "/target", directory.path + "/link") == 0)
            _ = try FileSystem.openLockFile(directory.path + "/link")
        }
        #expect(!FileSystem.fileExists(directory.path + "/target"))
    }
}
