import Foundation
import Logging
import MaximizeCore
import NIOConcurrencyHelpers
import Testing

@testable import MaximizeSidecar

/// The daemon's log handler: the format switch, metadata as JSON fields, and whole lines from
/// many threads at once.
@Suite struct DaemonLogHandlerTests {
    struct Failure: Error, CustomStringConvertible {
        var description: String { "disk \"full\"" }
    }

    /// What swift-log's `StreamLogHandler` writes, captured.
    final class Captured: TextOutputStream, @unchecked Sendable {
        let text = NIOLockedValueBox("")
        func write(_ string: String) { text.withLockedValue { $0 += string } }
    }

    @Test func jsonLinesCarryEveryLayerOfMetadataAndTheSwitchTakesEffectAtOnce() throws {
        let lines = NIOLockedValueBox<[[UInt8]]>([])
        let output = LogOutput { line in lines.withLockedValue { $0.append(line) } }
        var logger = Logger(label: "maximize") { label in DaemonLogHandler(label: label, output: output) }
        logger[metadataKey: "replica"] = "a"
        logger.logLevel = .info
        output.format = .json
        logger.debug("below the level")
        logger.error(
            "save failed",
            error: Failure(),
            metadata: ["file": "/state/tokens.json", "limits": ["window": "5h"], "replica": "b"]
        )
        output.format = .text
        logger.info("in text")
        let written = lines.withLockedValue { $0 }
        #expect(written.count == 2)
        let first = try #require(written.first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(first)) as? [String: Any])
        #expect(object["message"] as? String == "save failed")
        #expect(object["level"] as? String == "error")
        #expect(object["logger"] as? String == "maximize")
        #expect(object["file"] as? String == "/state/tokens.json")
        #expect(object["replica"] as? String == "b")
        #expect((object["limits"] as? [String: Any])?["window"] as? String == "5h")
        #expect(object["error.message"] as? String == "disk \"full\"")
        #expect((object["time"] as? String)?.hasSuffix("Z") == true)
        #expect(String(decoding: written[1], as: UTF8.self).hasSuffix(" info maximize: replica=a [MaximizeSidecarTests] in text\n"))
    }

    /// The text format is swift-log's own line, byte for byte (after the time, which is the
    /// same format but may fall in another second).
    @Test(arguments: [
        Logger.Metadata(),
        ["route": "/v1/messages", "status": .stringConvertible(200), "ms": .stringConvertible(1.5)],
        ["nested": ["b": "2", "a": ["x", .stringConvertible(true)]], "empty": [:], "text": "with spaces = and \"quotes\"\n"],
    ])
    func theTextLineIsStreamLogHandlersLine(metadata: Logger.Metadata) throws {
        let lines = NIOLockedValueBox<[[UInt8]]>([])
        let output = LogOutput { line in lines.withLockedValue { $0.append(line) } }
        output.format = .text
        let captured = Captured()
        for handler in [
            DaemonLogHandler(label: "maximize", output: output) as any LogHandler,
            StreamLogHandler(label: "maximize", stream: captured, metadataProvider: nil),
        ] {
            var logger = Logger(label: "maximize") { _ in handler }
            logger[metadataKey: "replica"] = "r1"
            logger.warning("a message: with [brackets]", metadata: metadata)
            logger.notice("no metadata of its own")
        }
        let ours = lines.withLockedValue { $0 }.map { String(decoding: $0, as: UTF8.self) }.joined()
        let theirs = captured.text.withLockedValue { $0 }
        func withoutTime(_ text: String) -> [Substring] {
            text.split(separator: "\n").map { $0.drop { $0 != " " } }
        }
        #expect(withoutTime(ours) == withoutTime(theirs))
        #expect(ours.firstMatch(of: #/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} warning maximize: /#) != nil)
    }

    /// Lines far longer than a pipe writes atomically (`PIPE_BUF`, 4 KiB), from eight threads at
    /// once into one pipe: each arrives whole.
    @Test func concurrentLongLinesNeverInterleave() throws {
        var descriptors: [Int32] = [0, 0]
        #expect(pipe(&descriptors) == 0)
        let (readEnd, writeEnd) = (descriptors[0], descriptors[1])
        // The smallest pipe buffer (one page, F_SETPIPE_SZ): a line waits for the reader several
        // times, when another thread's unlocked write could slip in.
        _ = fcntl(writeEnd, 1031, 4096)
        let output = LogOutput { line in LogOutput.writeAll(line, to: writeEnd) }
        output.format = .json
        let threads = 8
        let perThread = 40
        let collected = NIOLockedValueBox<[UInt8]>([])
        let reader = Thread {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
                if count <= 0 { break }
                collected.withLockedValue { $0.append(contentsOf: buffer[..<count]) }
            }
        }
        reader.start()
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            let logger = Logger(label: "maximize") { label in DaemonLogHandler(label: label, output: output) }
            let filler = String(repeating: Character(UnicodeScalar(UInt8(ascii: "a") + UInt8(thread))), count: 20_000)
            for index in 0..<perThread {
                logger.info("line", metadata: ["thread": "\(thread)", "index": "\(index)", "filler": .string(filler)])
            }
        }
        close(writeEnd)
        let deadline = Date().addingTimeInterval(60)
        while !reader.isFinished, Date() < deadline { usleep(10_000) }
        close(readEnd)
        let text = collected.withLockedValue { $0 }
        let lines = text.split(separator: UInt8(ascii: "\n"))
        #expect(lines.count == threads * perThread)
        var seen = Set<String>()
        for line in lines {
            let object = try #require(try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
            let thread = try #require(Int(object["thread"] as? String ?? ""))
            let filler = try #require(object["filler"] as? String)
            #expect(filler.count == 20_000 && filler.allSatisfy { $0 == Character(UnicodeScalar(UInt8(ascii: "a") + UInt8(thread))) })
            seen.insert("\(thread)-\(object["index"] as? String ?? "")")
        }
        #expect(seen.count == threads * perThread)
    }
}
