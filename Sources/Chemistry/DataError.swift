/// An error in input data: names the file, the item inside it (HDF5 group/dataset,
/// extxyz frame and line, JSON record, npz array) and what is wrong.
///
/// Every reader throws this for bad input, so a user always learns *where* to look:
///
///     ani1_n5.hdf5: /C10H10/coordinates: shape (3, 20, 3) does not match 18 atoms
public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file path as the user gave it.
    public var file: String
    /// The offending item inside the file (group, dataset, frame, key), if any.
    public var item: String?
    /// What is wrong, in words.
    public var reason: String

    public init(file: String, item: String? = nil, _ reason: String) {
        self.file = file
        self.item = item
        self.reason = reason
    }

    public var description: String {
        if let item { return "\(file): \(item): \(reason)" }
        return "\(file): \(reason)"
    }
}

extension DataError {
    /// A `DataError` for a failed `Decodable` read: the item is the dotted key path
    /// (`sources.[2].format`), the reason says what was expected.
    public init(file: String, decoding error: DecodingError, context: String) {
        self.init(file: file, item: DataError.keyPath(of: error), "\(context) (\(DataError.summary(of: error)))")
    }

    /// The dotted key path of a decoding error, e.g. `sources.[2].format`.
    public static func keyPath(of error: DecodingError) -> String? {
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
        case .typeMismatch(let type, let ctx): "expected \(type): \(ctx.debugDescription)"
        case .valueNotFound(let type, _): "missing \(type) value"
        case .dataCorrupted(let ctx): ctx.debugDescription
        @unknown default: "\(error)"
        }
    }
}
