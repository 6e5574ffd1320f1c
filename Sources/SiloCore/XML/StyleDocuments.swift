/// PutStyle's body: `<Style><Content>image/resize,p_50</Content></Style>`.
public struct PutStyleRequest: Decodable, Sendable {
    public var content: String?

    enum CodingKeys: String, CodingKey {
        case content = "Content"
    }
}

/// One style as GetStyle and ListStyle show it; times in RFC 1123, as the service writes them.
public struct StyleInfo: Sendable, Hashable {
    public var name: String
    public var content: String
    public var createdAt: Int64
    public var modifiedAt: Int64

    public init(name: String, content: String, createdAt: Int64, modifiedAt: Int64) {
        self.name = name
        self.content = content
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
    }

    func render(into w: XMLWriter) {
        w.element("Style") {
            w.element("Name", name)
            w.element("Content", content)
            w.element("CreateTime", Timestamps.rfc1123(unixSeconds: createdAt))
            w.element("LastModifyTime", Timestamps.rfc1123(unixSeconds: modifiedAt))
        }
    }
}

/// GetStyle.
public struct StyleResult: XMLRenderable {
    public var style: StyleInfo
    public init(style: StyleInfo) { self.style = style }
    public func render(into w: XMLWriter) { style.render(into: w) }
}

/// ListStyle.
public struct StyleListResult: XMLRenderable {
    public var styles: [StyleInfo]
    public init(styles: [StyleInfo]) { self.styles = styles }
    public func render(into w: XMLWriter) {
        w.element("StyleList") { for style in styles { style.render(into: w) } }
    }
}
