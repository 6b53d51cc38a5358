import Foundation
import Testing
import _TestSupport

/// The shipped manifests, mutated at random (numbers, values, keys, structure), never make
/// `metamlip check` trap: every mutation is accepted or refused with a message naming the
/// file (exit 1), before any data is read.
@Suite struct ManifestMutationTests {
    /// SplitMix64, so the mutations are the same on every run.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let badValues = ["-1", "0", "-0.0001", ".nan", ".inf", "-.inf", "1e308", "1e-320", "abc", "[]", "{}", "[1, -2]",
                            "99999999999999999999", "1.5", "true", "null", "''", "-7", "0.0", "2147483648"]

    /// One random mutation of `text`: half the time a number anywhere in it replaced by a bad
    /// value; else a value replaced, a key renamed or dropped, or a line cut.
    static func mutate(_ text: String, using g: inout Generator) -> String {
        let numbers = try! NSRegularExpression(pattern: #"(?<=[:\s\[,{])-?[0-9]+(\.[0-9]+)?([eE]-?[0-9]+)?(?=[\s,\]}]|$)"#,
                                               options: [.anchorsMatchLines])
        let values = try! NSRegularExpression(pattern: #"(?<=:\s)[A-Za-z_][A-Za-z0-9_./@()*+-]*"#)
        let keys = try! NSRegularExpression(pattern: #"[A-Za-z_][A-Za-z0-9_]*(?=:\s|:$)"#, options: [.anchorsMatchLines])
        let bad = badValues.randomElement(using: &g)!
        func replaceOne(_ regex: NSRegularExpression, in text: String, with replacement: String) -> String? {
            // Comments are not mutated: only matches on lines that do not start with '#'.
            let matches = regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).filter { m in
                let start = Range(m.range, in: text)!.lowerBound
                let lineStart = text[..<start].lastIndex(of: "\n").map { text.index(after: $0) } ?? text.startIndex
                return !text[lineStart..<start].contains("#")
            }
            guard let m = matches.randomElement(using: &g), let r = Range(m.range, in: text) else { return nil }
            return text.replacingCharacters(in: r, with: replacement)
        }
        switch Int.random(in: 0..<10, using: &g) {
        case 0..<5: return replaceOne(numbers, in: text, with: bad) ?? text
        case 5, 6: return replaceOne(values, in: text, with: bad) ?? text
        case 7: return replaceOne(keys, in: text, with: "unknown_key") ?? text
        case 8:
            var lines = text.components(separatedBy: "\n")
            let keyed = lines.indices.filter { !lines[$0].hasPrefix("#") && lines[$0].contains(":") }
            if let i = keyed.randomElement(using: &g) { lines.remove(at: i) }
            return lines.joined(separator: "\n")
        default:
            var lines = text.components(separatedBy: "\n")
            let keyed = lines.indices.filter { !lines[$0].hasPrefix("#") && lines[$0].contains(":") }
            if let i = keyed.randomElement(using: &g) { lines[i] = String(lines[i].prefix(Int.random(in: 0...lines[i].count, using: &g))) }
            return lines.joined(separator: "\n")
        }
    }

    @Test func randomMutationsOfTheShippedManifestsNeverTrap() throws {
        let root = SharedData.packageRoot
        let dir = try SharedData.temporaryDirectory("manifest-mutations")
        defer { try? FileManager.default.removeItem(at: dir) }
        // Mutated manifests sit where their relative paths (../datasets/…) still resolve.
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("experiments/model-kinds"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent("datasets"), withDestinationURL: root.appendingPathComponent("datasets"))
        let experiments = root.appendingPathComponent("experiments")
        let shipped = try FileManager.default.contentsOfDirectory(atPath: experiments.path).filter { $0.hasSuffix(".yaml") }.sorted()
            + FileManager.default.contentsOfDirectory(atPath: experiments.appendingPathComponent("model-kinds").path)
                .filter { $0.hasSuffix(".yaml") }.sorted().map { "model-kinds/\($0)" }
        try #require(shipped.count >= 10, "\(shipped)")
        var environment = ProcessInfo.processInfo.environment
        environment["METAMLIP_DATA"] = SharedData.root.path
        // The unmutated manifests pass.
        let clean = try CLIRunner.run(["check"] + shipped.map { experiments.appendingPathComponent($0).path }, environment: environment)
        #expect(clean.status == 0, "\(clean.stderr)")

        var g = Generator(state: 20261207)
        var refused = 0, accepted = 0
        let perManifest = 16
        for name in shipped {
            let text = try String(contentsOf: experiments.appendingPathComponent(name), encoding: .utf8)
            // Several mutated copies per process keep the test fast; each copy is checked alone
            // so one refusal does not hide the others.
            for k in 0..<perManifest {
                var mutated = Self.mutate(text, using: &g)
                if k % 4 == 3 { mutated = Self.mutate(mutated, using: &g) }   // some get two mutations
                let path = dir.appendingPathComponent("experiments/\(name)").path
                try mutated.write(toFile: path, atomically: true, encoding: .utf8)
                let result = try CLIRunner.run(["check", path], environment: environment)
                #expect(result.status == 0 || result.status == 1,
                        "\(name) mutation \(k) ended with status \(result.status) (a trap?):\n\(mutated)\n\(result.stderr.prefix(2000))")
                if result.status == 1 {
                    refused += 1
                    #expect(result.stderr.hasPrefix("error: ") && result.stderr.contains(path) && !result.stderr.contains("Fatal error"),
                            "\(name) mutation \(k): \(result.stderr.prefix(600))\n\(mutated)")
                } else if result.status == 0 {
                    accepted += 1
                }
            }
        }
        // The mutations must mostly be refused, or the test checks nothing.
        #expect(refused > accepted, "refused \(refused), accepted \(accepted)")
    }
}
