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

    /// The dotted key path of a decoding error, e.g. `sources.[2].format`.
    public static func location(of error: DecodingError) -> String? {
        let path: [CodingKey]
        switch error {
        case .keyNotFound(let key, let ctx): path = ctx.codingPath + [key]
        case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx), .dataCorrupted(let ctx): path = ctx.codingPath
        @unknown default: return nil
        }
        guard !path.isEmpty else { return nil }
        return path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    /// A one-line reason for a decoding error.
    public static func summary(of error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "missing key '\(key.stringValue)'"
        case .typeMismatch(let type, let ctx): "expected \(type) (\(ctx.debugDescription))"
        case .valueNotFound(let type, _): "missing \(type) value"
        case .dataCorrupted(let ctx): ctx.debugDescription
        @unknown default: "\(error)"
        }
    }
}

import Chemistry
