import MaximizeCore
import Testing

@testable import MaximizeSidecar

struct APIErrorTests {
    @Test(arguments: [
        (APIError.Kind.invalidRequest, "invalid_request_error", 400), (.authentication, "authentication_error", 401),
        (.notFound, "not_found_error", 404), (.requestTooLarge, "request_too_large", 413),
        (.rateLimit, "rate_limit_error", 429), (.api, "api_error", 500), (.timeout, "timeout_error", 504),
        (.overloaded, "overloaded_error", 529),
    ])
    func kindsAndStatuses(kind: APIError.Kind, type: String, status: Int) throws {
        let error = APIError(kind, "boom")
        #expect(error.status == status)
        #expect(kind.rawValue == type)
        #expect(error.body.text == #"{"type":"error","error":{"type":"\#(type)","message":"boom"}}"#)
    }

    @Test func bodyEscapesTheMessage() throws {
        let error = APIError(.invalidRequest, "bad \"model\"\nline\\")
        let value = try JSONParser.parse(error.body)
        #expect(value["type"] == "error")
        #expect(value["error"]?["message"] == .string("bad \"model\"\nline\\"))
        #expect(value.objectValue?.keys == ["type", "error"])
        #expect(value["error"]?.objectValue?.keys == ["type", "message"])
    }

    @Test func explicitStatus() {
        let error = APIError(.api, status: 502, "unreachable")
        #expect(error.status == 502)
        #expect(error.description == "502 api_error: unreachable")
    }

    @Test func serverSentEvent() {
        let event = APIError(.overloaded, "busy").serverSentEvent.text
        #expect(event == "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"busy\"}}\n\n")
    }
}
