/// Decoding helpers that make manifests and recipes strict: unknown keys are errors, and
/// decoding errors name the key path.
public enum StrictKeys {
    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Throws a `DataError` listing keys of the current mapping that are not `allowed`.
    public static func check(_ decoder: Decoder, allowed: [String], context: String) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        let unknown = container.allKeys.map(\.stringValue).filter { !allowed.contains($0) }
        guard unknown.isEmpty else {
            let path = decoder.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            throw DataError(file: context, item: path.isEmpty ? nil : path,
                "unknown key\(unknown.count > 1 ? "s" : "") \(unknown.sorted().map { "'\($0)'" }.joined(separator: ", ")); allowed: \(allowed.joined(separator: ", "))")
        }
    }
}

import Chemistry
