public import MaximizeCore

extension CurlClient: HTTPTransport {}
