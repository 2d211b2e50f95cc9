// The transport adapter: FastCGI's request in, FastCGI's response out. The one file of SkannrAPI
// that knows FastCGI; everything behind Application.handle(APIRequest) speaks SkannrAPI's types.

import FastCGI

extension Application {
    public func handle(_ request: Request) -> Response {
        Self.transport(handle(APIRequest(request)))
    }

    static func transport(_ answer: APIResponse) -> Response {
        var response = Response(status: answer.status, headers: answer.headers, body: answer.body)
        if let stream = answer.stream { response.stream = BodyStream(stream.write) }
        return response
    }
}

extension APIRequest {
    public init(_ request: Request) {
        self.init(method: request.method, path: request.path, query: request.query, headers: request.headers, body: request.body,
                  clientAddress: request.clientAddress, requestID: request.requestID)
    }
}
