import Testing

@testable import MaximizeCore

struct FetchWireTests {
    @Test func aRequestSurvivesThePipe() throws {
        let body: [UInt8] = [0, 1, 2, 255, 0x7B]
        let request = UpstreamRequest(
            method: "POST",
            url: "https://example.test/token",
            headers: [("content-type", "application/json"), ("x-a", "1")],
            body: body,
            timeout: 12.5,
            caFile: "/ca.pem",
            httpVersion: .http1
        )
        let decoded = try FetchWire.decodeRequest(FetchWire.encode(request, limit: 1000))
        #expect(decoded.limit == 1000)
        #expect(decoded.request.method == "POST")
        #expect(decoded.request.url == request.url)
        #expect(decoded.request.headers.map(\.name) == ["content-type", "x-a"])
        #expect(decoded.request.body == body)
        #expect(decoded.request.timeout == 12.5)
        #expect(decoded.request.caFile == "/ca.pem")
        #expect(decoded.request.httpVersion == .http1)
    }

    @Test func aResponseAndAnErrorSurviveThePipe() throws {
        let response = UpstreamResponse(head: UpstreamResponseHead(status: 429, headers: [("retry-after", "3")]), body: Array("{}".utf8))
        let decoded = try FetchWire.decodeResponse(FetchWire.encode(.success(response)))
        #expect(decoded.head.status == 429)
        #expect(decoded.head.header("retry-after") == "3")
        #expect(decoded.body == Array("{}".utf8))
        let error = UpstreamError(kind: .timeout, message: "timed out", curlCode: 28)
        #expect(throws: UpstreamError.self) { try FetchWire.decodeResponse(FetchWire.encode(.failure(error))) }
        do {
            _ = try FetchWire.decodeResponse(FetchWire.encode(.failure(error)))
        } catch {
            #expect(error.kind == .timeout)
            #expect(error.curlCode == 28)
        }
    }

    @Test func garbageIsAClearError() {
        #expect(throws: UpstreamError.self) { try FetchWire.decodeRequest(Array("not json".utf8)) }
        #expect(throws: UpstreamError.self) { try FetchWire.decodeResponse(Array(#"{"status":200}"#.utf8)) }
    }
}
