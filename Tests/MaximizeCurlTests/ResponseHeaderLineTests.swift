import MaximizeCore
import Testing

@testable import MaximizeCurl

struct ResponseHeaderLineTests {
    func parse(_ line: String) -> ResponseHeaderLine.Kind {
        Array(line.utf8).withUnsafeBytes { ResponseHeaderLine.parse($0) }
    }

    @Test func aHeaderLineGivesItsLowerCasedNameAndTrimmedValue() {
        #expect(parse("Content-Type: application/json\r\n") == .header(name: "content-type", value: "application/json"))
        #expect(parse("X-Padded:\t  spaced  value \t\r\n") == .header(name: "x-padded", value: "spaced  value"))
        #expect(parse("x-empty:\r\n") == .header(name: "x-empty", value: ""))
        #expect(parse("retry-after: 5\n") == .header(name: "retry-after", value: "5"))
        // Only the first colon separates.
        #expect(parse("Link: <https://a/b>; rel=x\r\n") == .header(name: "link", value: "<https://a/b>; rel=x"))
    }

    @Test func blankStatusAndMalformedLinesAreTold() {
        #expect(parse("\r\n") == .end)
        #expect(parse("\n") == .end)
        #expect(parse("HTTP/1.1 103 Early Hints\r\n") == .status(reason: "Early Hints"))
        #expect(parse("HTTP/2 200 \r\n") == .status(reason: ""))
        #expect(parse("HTTP/1.1 529 Overloaded\r\n") == .status(reason: "Overloaded"))
        #expect(parse("HTTP/1.1 529\r\n") == .status(reason: ""))
        #expect(parse("no colon here\r\n") == .other)
        #expect(parse(": no name\r\n") == .other)
    }
}
