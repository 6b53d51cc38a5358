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
