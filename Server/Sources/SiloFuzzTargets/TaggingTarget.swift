import SiloCore

/// `x-oss-tagging` and the `<Tagging>` body (as object and as bucket tags). The first byte picks which. Whatever is accepted keeps OSS's rules,
/// and an accepted header re-parses from its own header form to the same tags.
enum TaggingTarget {
    static func run(_ bytes: [UInt8]) {
        var input = FuzzInput(bytes)
        let which = input.byte() % 2
        let rest = input.rest()
        let accepted: ObjectTagSet
        if which == 0 {
            guard let header = String(validating: rest, as: UTF8.self),
                  let tags = try? ObjectTagSet.parseHeader(header) else { return }
            guard let again = try? ObjectTagSet.parseHeader(tags.headerValue), again == tags else {
                preconditionFailure("an accepted x-oss-tagging does not survive its own header form")
            }
            accepted = tags
        } else {
            guard let document = try? XMLBody.decode(TaggingDocument.self, from: rest, root: "Tagging",
                                                     maxElements: TaggingDocument.maxElements) else { return }
            if let bucketTags = try? BucketTagSet.validated(document.tags) {
                precondition(bucketTags.count <= BucketTagSet.maxTags
                             && Set(bucketTags.map(\.key)).count == bucketTags.count
                             && bucketTags.allSatisfy { !$0.key.isEmpty && !$0.key.contains("\n") && !$0.value.contains("\n") },
                             "bucket tags out of their rules accepted")
            }
            guard let tags = try? ObjectTagSet.validated(document.tags) else { return }
            accepted = tags
        }
        precondition(accepted.count <= ObjectTagSet.maxTags, "\(accepted.count) tags accepted")
        precondition(Set(accepted.tags.map(\.key)).count == accepted.count, "duplicate keys accepted")
        for tag in accepted.tags {
            precondition(!tag.key.isEmpty && tag.key.unicodeScalars.count <= ObjectTagSet.maxKeyLength
                         && tag.value.unicodeScalars.count <= ObjectTagSet.maxValueLength, "a tag out of bounds")
            precondition(!tag.key.contains("\n") && !tag.value.contains("\n"), "a newline, which storage separates on")
        }
    }
}
