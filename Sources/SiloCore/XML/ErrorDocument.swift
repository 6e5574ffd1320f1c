/// The `<Error>` body every failed request carries (spec §10.1).
public struct ErrorDocument: XMLRenderable {
    public var error: OSSError
    public var requestId: String
    public var hostId: String

    public init(error: OSSError, requestId: String, hostId: String) {
        self.error = error
        self.requestId = requestId
        self.hostId = hostId
    }

    public func render(into w: XMLWriter) {
        w.element("Error") {
            w.element("Code", error.code)
            w.element("Message", error.message)
            w.element("RequestId", requestId)
            w.element("HostId", hostId)
            for detail in error.details { w.element(detail.name, detail.value) }
            if let ec = error.ec {
                w.element("EC", ec)
                w.element("RecommendDoc", "https://api.aliyun.com/troubleshoot?q=" + ec)
            }
        }
    }
}
