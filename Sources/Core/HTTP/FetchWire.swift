import FoundationEssentials

/// The pipe format between `maxctl` and `maximize _fetch`: one request in, one response (or
/// error) out, each a JSON object. Secrets travel only through the pipes, never through argv.
public enum FetchWire {
    /// The most a request or response may take on the pipe.
    public static let limit = 4 << 20

    public static func encode(_ request: UpstreamRequest, limit: Int) -> [UInt8] {
        var members: [(String, JSONValue)] = [
            ("method", .string(request.method)),
            ("url", .string(request.url)),
            ("headers", .array(request.headers.map { .array([.string($0.name), .string($0.value)]) })),
            ("timeout", .double(request.timeout)),
            ("http_version", .string(request.httpVersion.rawValue)),
            ("limit", .int(limit)),
        ]
        if let body = request.body { members.append(("body", .string(Data(body).base64EncodedString()))) }
        if let caFile = request.caFile { members.append(("ca_file", .string(caFile))) }
        return JSONValue.object(JSONObject(members.map { JSONObject.Member(key: $0.0, value: $0.1) })).serialized()
    }

    public static func decodeRequest(_ bytes: [UInt8]) throws(UpstreamError) -> (request: UpstreamRequest, limit: Int) {
        guard let json = try? JSONParser.parse(bytes), let method = json["method"]?.stringValue,
            let url = json["url"]?.stringValue, let timeout = json["timeout"]?.doubleValue,
            let limit = json["limit"]?.intValue, let headers = pairs(json["headers"])
        else { throw malformed("request") }
        var body: [UInt8]?
        if let encoded = json["body"]?.stringValue {
            guard let data = Data(base64Encoded: encoded) else { throw malformed("request body") }
            body = Array(data)
        }
        let request = UpstreamRequest(
            method: method,
            url: url,
            headers: headers,
            body: body,
            timeout: timeout,
            caFile: json["ca_file"]?.stringValue,
            httpVersion: json["http_version"]?.stringValue.flatMap(HTTPVersionPreference.init(rawValue:)) ?? .auto
        )
        return (request, limit)
    }

    public static func encode(_ result: Result<UpstreamResponse, UpstreamError>) -> [UInt8] {
        switch result {
        case .success(let response):
            let object: JSONValue = [
                "status": .int(response.head.status),
                "headers": .array(response.head.headers.map { .array([.string($0.name), .string($0.value)]) }),
                "body": .string(Data(response.body).base64EncodedString()),
            ]
            return object.serialized()
        case .failure(let error):
            let object: JSONValue = [
                "error": ["kind": .string(kindName(error.kind)), "message": .string(error.message), "curl_code": .int(error.curlCode)]
            ]
            return object.serialized()
        }
    }

    public static func decodeResponse(_ bytes: [UInt8]) throws(UpstreamError) -> UpstreamResponse {
        guard let json = try? JSONParser.parse(bytes) else { throw malformed("response") }
        if let error = json["error"] {
            throw UpstreamError(
                kind: kind(named: error["kind"]?.stringValue ?? ""),
                message: error["message"]?.stringValue ?? "the request failed",
                curlCode: error["curl_code"]?.intValue ?? 0
            )
        }
        guard let status = json["status"]?.intValue, let headers = pairs(json["headers"]),
            let encoded = json["body"]?.stringValue, let body = Data(base64Encoded: encoded)
        else { throw malformed("response") }
        return UpstreamResponse(head: UpstreamResponseHead(status: status, headers: headers), body: Array(body))
    }

    private static func pairs(_ value: JSONValue?) -> [(name: String, value: String)]? {
        guard let array = value?.arrayValue else { return nil }
        var result: [(name: String, value: String)] = []
        for pair in array {
            guard let items = pair.arrayValue, items.count == 2, let name = items[0].stringValue,
                let value = items[1].stringValue
            else { return nil }
            result.append((name, value))
        }
        return result
    }

    private static func malformed(_ what: String) -> UpstreamError {
        UpstreamError(kind: .transfer, message: "maximize _fetch: malformed \(what)", curlCode: 0)
    }

    private static func kindName(_ kind: UpstreamError.Kind) -> String {
        switch kind {
        case .connect: "connect"
        case .tls: "tls"
        case .timeout: "timeout"
        case .transfer: "transfer"
        case .cancelled: "cancelled"
        }
    }

    private static func kind(named name: String) -> UpstreamError.Kind {
        switch name {
        case "connect": .connect
        case "tls": .tls
        case "timeout": .timeout
        case "cancelled": .cancelled
        default: .transfer
        }
    }
}
