import Testing

@testable import SiloCore

/// Lifecycle documents as OSS validates them, and what a rule does to one object.
@Suite struct LifecycleTests {
    func parse(_ rules: String, allowOverlap: Bool = false) throws -> LifecycleConfiguration {
        try LifecycleConfiguration.parse(Array("<LifecycleConfiguration>\(rules)</LifecycleConfiguration>".utf8),
                                         allowOverlap: allowOverlap)
    }

    func failure(_ rules: String, allowOverlap: Bool = false) -> String? {
        do {
            _ = try parse(rules, allowOverlap: allowOverlap)
            return nil
        } catch let error as OSSError {
            return error.code
        } catch {
            return "unexpected \(error)"
        }
    }

    func rule(_ body: String, prefix: String = "logs/", id: String = "r") -> String {
        "<Rule><ID>\(id)</ID><Prefix>\(prefix)</Prefix><Status>Enabled</Status>\(body)</Rule>"
    }

    @Test func aFullRuleRoundTrips() throws {
        let text = rule("""
            <Expiration><Days>357</Days></Expiration>\
            <Transition><Days>300</Days><StorageClass>IA</StorageClass><IsAccessTime>false</IsAccessTime></Transition>\
            <Transition><Days>356</Days><StorageClass>Archive</StorageClass></Transition>\
            <AbortMultipartUpload><CreatedBeforeDate>2016-12-20T00:00:00.000Z</CreatedBeforeDate></AbortMultipartUpload>\
            <Tag><Key>k</Key><Value>v</Value></Tag>\
            <Filter><ObjectSizeGreaterThan>203</ObjectSizeGreaterThan><ObjectSizeLessThan>311</ObjectSizeLessThan>\
            <Not><Prefix>logs/keep/</Prefix><Tag><Key>a</Key><Value>b</Value></Tag></Not></Filter>
            """, prefix: "logs/")
        let configuration = try parse(text)
        let parsed = try #require(configuration.rules.first)
        #expect(parsed.expiration == .days(357))
        #expect(parsed.transitions.map(\.storageClass) == [.ia, .archive])
        #expect(parsed.abortMultipartUpload == .createdBefore(1_482_192_000))
        #expect(parsed.exclusions == [LifecycleRule.Exclusion(prefix: "logs/keep/", tag: ResourceTag("a", "b"))])
        let rendered = configuration.xmlBytes()
        #expect(try LifecycleConfiguration.parse(rendered, allowOverlap: false) == configuration)
    }

    @Test func refusesWhatOSSRefuses() {
        #expect(failure("<bad") == "MalformedXML")
        #expect(failure("") == "InvalidArgument")
        #expect(failure(rule("")) == "InvalidArgument")  // no action
        #expect(failure("<Rule><ID>r</ID><Prefix>a</Prefix><Status>On</Status><Expiration><Days>1</Days></Expiration></Rule>")
                == "MalformedXML")
        #expect(failure(rule("<Expiration><Days>0</Days></Expiration>")) == "InvalidArgument")
        #expect(failure(rule("<Expiration><Date>2016-12-25T08:00:00.000Z</Date></Expiration>")) == "InvalidArgument")
        #expect(failure(rule("<Expiration><Days>3</Days><CreatedBeforeDate>2016-12-25T00:00:00.000Z</CreatedBeforeDate></Expiration>"))
                == "InvalidArgument")
        // Expiration before a transition, a colder class before a warmer one, back to Standard.
        #expect(failure(rule("<Expiration><Days>3</Days></Expiration><Transition><Days>4</Days><StorageClass>IA</StorageClass></Transition>"))
                == "InvalidArgument")
        #expect(failure(rule("""
            <Expiration><Days>6</Days></Expiration><Transition><Days>5</Days><StorageClass>IA</StorageClass></Transition>\
            <Transition><Days>2</Days><StorageClass>Archive</StorageClass></Transition>
            """)) == "InvalidArgument")
        #expect(failure(rule("<Transition><Days>5</Days><StorageClass>Standard</StorageClass></Transition>")) == "InvalidArgument")
        // Days and dates mixed.
        #expect(failure(rule("""
            <Expiration><CreatedBeforeDate>2016-12-25T00:00:00.000Z</CreatedBeforeDate></Expiration>\
            <Transition><Days>356</Days><StorageClass>IA</StorageClass></Transition>
            """)) == "InvalidRequest")
        #expect(failure(rule("<Expiration><Days>1</Days></Expiration>") + rule("<Expiration><Days>1</Days></Expiration>", id: "r"))
                == "InvalidArgument")  // duplicate ID
        #expect(failure(rule("<Tag><Key>%&amp;</Key><Value>v</Value></Tag><Expiration><Days>1</Days></Expiration>"))
                == "InvalidArgument")
        #expect(failure(rule("<Expiration><Days>1</Days></Expiration><Filter><Not><Prefix>other/</Prefix></Not></Filter>"))
                == "InvalidArgument")
    }

    @Test func overlappingRulesNeedTheHeader() throws {
        let rules = rule("<Expiration><Days>1</Days></Expiration>", prefix: "a/", id: "1")
            + rule("<Expiration><Days>2</Days></Expiration>", prefix: "a/2", id: "2")
        #expect(failure(rules) == "InvalidArgument")
        #expect(failure(rules, allowOverlap: true) == nil)
        // Different actions may overlap.
        #expect(failure(rule("<Expiration><Days>1</Days></Expiration>", prefix: "a/", id: "1")
                        + rule("<AbortMultipartUpload><Days>2</Days></AbortMultipartUpload>", prefix: "a/2", id: "2")) == nil)
    }

    @Test func daysAreDueFromTheNextMidnight() {
        let modified: Int64 = 1_700_000_000  // 2023-11-14 22:13:20 UTC
        let due: Int64 = 1_700_092_800        // 2023-11-16 00:00:00 UTC, the first midnight after one day
        #expect(!LifecycleTime.days(1).isDue(time: modified, now: due - 1))
        #expect(LifecycleTime.days(1).isDue(time: modified, now: due))
        #expect(LifecycleTime.createdBefore(due).isDue(time: modified, now: 0))
        #expect(!LifecycleTime.createdBefore(modified).isDue(time: modified, now: Int64.max / 2))
    }

    @Test func aRuleSelectsByPrefixSizeTagsAndExclusions() {
        let rule = LifecycleRule(id: "r", prefix: "tmp/", expiration: .days(1), tags: [ResourceTag("kind", "scratch")],
                                 objectSizeGreaterThan: 10, objectSizeLessThan: 100,
                                 exclusions: [.init(prefix: "tmp/keep/")])
        let tags = [ResourceTag("kind", "scratch"), ResourceTag("other", "x")]
        #expect(rule.selects(key: "tmp/a", size: 50, tags: tags))
        #expect(!rule.selects(key: "tmp/a", size: 10, tags: tags))
        #expect(!rule.selects(key: "tmp/a", size: 100, tags: tags))
        #expect(!rule.selects(key: "tmp/a", size: 50, tags: [ResourceTag("kind", "final")]))
        #expect(!rule.selects(key: "tmp/keep/a", size: 50, tags: tags))
        #expect(!rule.selects(key: "photos/a", size: 50, tags: tags))
        let cold = LifecycleRule(id: "c", prefix: "", transitions: [.init(storageClass: .ia, time: .days(1)),
                                                                     .init(storageClass: .archive, time: .days(10))])
        #expect(cold.dueTransition(lastModified: 0, current: .standard, now: 2 * 86_400) == .ia)
        #expect(cold.dueTransition(lastModified: 0, current: .standard, now: 11 * 86_400) == .archive)
        #expect(cold.dueTransition(lastModified: 0, current: .archive, now: 11 * 86_400) == nil)
    }
}
