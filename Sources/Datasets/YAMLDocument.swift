import Chemistry
import Foundation
import Yams

/// Strict reading of YAML documents (suite recipes, experiment manifests).
///
/// A document is decoded into a `Codable` type; then every key the user wrote must be one
/// the type knows: the decoded value is encoded again and each mapping key of the input
/// must reappear at the same place (keys with a null value are ignored). So a typo such as
/// `enrgy_key` is an error naming its key path, never silently ignored, and no type needs
/// hand-written key checks.
public enum YAMLDocument {
    /// Reads and decodes the YAML file at `path`.
    /// - Throws: `DataError` naming `path` and the offending key path.
    public static func load<T: Codable>(_ type: T.Type, path: String) throws -> T {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw DataError(file: path, "cannot read file (\(error.localizedDescription))")
        }
        let value: T
        do { value = try YAMLDecoder().decode(T.self, from: text) } catch let e as DataError {
            throw DataError(file: path, item: e.item, e.reason)
        } catch let e as DecodingError {
            if case .dataCorrupted(let context) = e, let inner = context.underlyingError as? DataError {
                throw DataError(file: path, item: inner.item, inner.reason)
            }
            if case .keyNotFound(let key, let context) = e, let typo = misspelling(of: key.stringValue, at: context.codingPath, in: text) {
                throw DataError(file: path, item: keyPath(context.codingPath),
                                "unknown key '\(typo)' (did you mean '\(key.stringValue)'?)")
            }
            if case .dataCorrupted(let context) = e, let yaml = context.underlyingError as? YamlError {
                throw DataError(file: path, "malformed YAML: \(syntaxMessage(yaml))")
            }
            if case .typeMismatch(let type, let context) = e {
                throw DataError(file: path, item: keyPath(context.codingPath),
                                "expected \(expectation(type)), found \(description(of: node(at: context.codingPath, in: text)))")
            }
            throw DataError(file: path, item: DataError.keyPath(of: e), DataError.summary(of: e))
        } catch let yaml as YamlError {
            throw DataError(file: path, "malformed YAML: \(syntaxMessage(yaml))")
        } catch {
            throw DataError(file: path, "malformed YAML (\(error))")
        }
        let input: Node?, known: Node?
        do {
            input = try Yams.compose(yaml: text)
            known = try Yams.compose(yaml: YAMLEncoder().encode(value))
        } catch {
            throw DataError(file: path, "malformed YAML (\(error))")
        }
        if let input, let known { try rejectUnknownKeys(input, known: known, path: [], file: path) }
        return value
    }

    /// A key written at `path` that is within two edits of the required key `missing`
    /// (the likely typo that made it missing), if any.
    static func misspelling(of missing: String, at path: [CodingKey], in text: String) -> String? {
        let node = node(at: path, in: text)
        guard case .mapping(let mapping)? = node else { return nil }
        return mapping.compactMap { $0.key.string }.first { $0 != missing && editDistance($0, missing) <= 2 }
    }

    /// Yams's syntax error as "line L, column C: problem" (Yams counts from 1).
    static func syntaxMessage(_ error: YamlError) -> String {
        "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
    }

    /// What a type mismatch expected, in a user's words.
    static func expectation(_ type: Any.Type) -> String {
        switch "\(type)" {
        case "Int", "UInt64", "Int64", "UInt", "Int32": "a whole number"
        case "Double", "Float": "a number"
        case "Bool": "true or false"
        case "Scalar": "a single value (a number or a word)"
        case "Mapping": "a mapping {...}"
        case "Sequence": "a list [...]"
        case "String": "a text value"
        case let t where t.hasPrefix("Array") || t.hasPrefix("["): "a list [...]"
        case let t where t.hasPrefix("Dictionary"): "a mapping {...}"
        default: "a mapping of the \(type) section"
        }
    }

    /// The node at `path` of the document.
    static func node(at path: [CodingKey], in text: String) -> Node? {
        guard var node = try? Yams.compose(yaml: text) else { return nil }
        for key in path {
            if let i = key.intValue, case .sequence(let items) = node, i < items.count { node = items[i] }
            else if case .mapping(let m) = node, let next = m[key.stringValue] { node = next }
            else { return nil }
        }
        return node
    }

    /// What the document holds where another type was expected: the scalar in quotes, or
    /// "a list" / "a mapping".
    static func description(of node: Node?) -> String {
        switch node {
        case .scalar(let scalar)?: "'\(scalar.string)'"
        case .sequence?: "a list"
        case .mapping?: "a mapping"
        default: "a missing value"
        }
    }

    /// The dotted form of a coding path, or nil when it is empty.
    static func keyPath(_ path: [CodingKey]) -> String? {
        path.isEmpty ? nil : path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    /// Levenshtein distance between two short strings.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }

    /// Throws for the first mapping key of `input` that `known` lacks at the same path.
    static func rejectUnknownKeys(_ input: Node, known: Node, path: [String], file: String) throws {
        switch (input, known) {
        case (.mapping(let given), .mapping(let allowed)):
            let unknown = given.compactMap { key, value -> String? in
                guard let name = key.string, value.null == nil else { return nil }
                return allowed[name] == nil ? name : nil
            }
            if !unknown.isEmpty {
                throw DataError(file: file, item: path.isEmpty ? nil : path.joined(separator: "."),
                                "unknown key\(unknown.count > 1 ? "s" : "") \(unknown.map { "'\($0)'" }.joined(separator: ", "))")
            }
            for (key, value) in given {
                guard let name = key.string, let next = allowed[name] else { continue }
                try rejectUnknownKeys(value, known: next, path: path + [name], file: file)
            }
        case (.sequence(let given), .sequence(let allowed)):
            for (i, (value, next)) in zip(given, allowed).enumerated() {
                try rejectUnknownKeys(value, known: next, path: path + ["[\(i)]"], file: file)
            }
        default:
            return
        }
    }
}
