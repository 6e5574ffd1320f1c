/// Glob matching for policy actions, resources and StringLike, and for referer lists: `*` is any run (including `/` and nothing), `?` one character.
public enum Wildcard {
    public static func matches(_ pattern: String, _ value: String, caseInsensitive: Bool = false) -> Bool {
        let p = Array((caseInsensitive ? pattern.lowercased() : pattern).unicodeScalars)
        let v = Array((caseInsensitive ? value.lowercased() : value).unicodeScalars)
        // Greedy with one backtrack point: linear in practice, O(n·m) at worst.
        var pi = 0
        var vi = 0
        var star = -1
        var resume = 0
        while vi < v.count {
            if pi < p.count && (p[pi] == "?" || p[pi] == v[vi]) {
                pi += 1
                vi += 1
            } else if pi < p.count && p[pi] == "*" {
                star = pi
                resume = vi
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                resume += 1
                vi = resume
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
