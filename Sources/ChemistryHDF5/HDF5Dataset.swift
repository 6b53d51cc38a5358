import CHDF5
import Chemistry
import Foundation

/// A dataset: an n-dimensional array of numbers or strings, read whole.
public final class HDF5Dataset: HDF5Object, @unchecked Sendable {
    /// Dimensions, slowest-varying first, e.g. (Nc, Na, 3); `[]` for a scalar.
    public let shape: [Int]
    /// Class of the on-disk element type.
    public let typeClass: HDF5TypeClass
    /// Size in bytes of one on-disk element (for variable-length strings: of the pointer).
    public let elementSize: Int
    /// True for variable-length strings.
    public let isVariableLengthString: Bool

    init(file: HDF5File, path: String, datasetID id: hid_t) throws {
        var shape: [Int] = []
        var cls = HDF5TypeClass.other
        var size = 0
        var variable = false
        do {
            try withHDF5 {
                let space = try h5check(H5Dget_space(id), file: file.path, item: path, "reading dataset shape")
                defer { H5Sclose(space) }
                let rank = Int(try h5check(H5Sget_simple_extent_ndims(space), file: file.path, item: path, "reading dataset rank"))
                var dims = [hsize_t](repeating: 0, count: max(rank, 1))
                H5Sget_simple_extent_dims(space, &dims, nil)
                shape = dims.prefix(rank).map { Int($0) }
                let type = try h5check(H5Dget_type(id), file: file.path, item: path, "reading dataset type")
                defer { H5Tclose(type) }
                cls = HDF5TypeClass(H5Tget_class(type))
                size = H5Tget_size(type)
                variable = cls == .string && H5Tis_variable_str(type) > 0
            }
        } catch {
            withHDF5 { _ = H5Dclose(id) }
            throw error
        }
        self.shape = shape
        self.typeClass = cls
        self.elementSize = size
        self.isVariableLengthString = variable
        super.init(file: file, path: path, id: id)
    }

    /// Number of elements (product of `shape`; 1 for a scalar).
    public var count: Int { shape.reduce(1, *) }

    /// Shape as "(8, 6, 3)".
    public var shapeDescription: String { Self.format(shape) }

    static func format(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    /// Reads all elements as `T` in row-major order; HDF5 converts from any numeric on-disk
    /// type (uint8 → Int, float32 → Double, …). Throws for strings and compound types.
    public func read<T: HDF5Numeric>(as: T.Type = T.self) throws -> [T] {
        guard typeClass.isNumeric else {
            throw error("holds \(typeClass.rawValue) values, expected numbers")
        }
        return try withHDF5 {
            var values = [T](repeating: 0, count: count)
            if values.isEmpty { return values }
            _ = try values.withUnsafeMutableBufferPointer { buffer in
                try h5check(H5Dread(id, T.hdf5MemoryType, mm_h5s_all(), mm_h5s_all(), mm_h5p_default(), buffer.baseAddress),
                            file: file.path, item: path, "reading dataset")
            }
            return values
        }
    }

    /// All elements as Double (any numeric on-disk type).
    public func readDoubles() throws -> [Double] { try read(as: Double.self) }
    /// All elements as Float (any numeric on-disk type).
    public func readFloats() throws -> [Float] { try read(as: Float.self) }
    /// All elements as Int (any numeric on-disk type; floats are truncated by HDF5).
    public func readInts() throws -> [Int] { try read(as: Int.self) }

    /// All elements as strings: fixed-length byte strings (NUL/space padding removed) or
    /// variable-length strings.
    public func readStrings() throws -> [String] {
        try withHDF5 {
            let type = try h5check(H5Dget_type(id), file: file.path, item: path, "reading dataset type")
            defer { H5Tclose(type) }
            let space = try h5check(H5Dget_space(id), file: file.path, item: path, "reading dataset shape")
            defer { H5Sclose(space) }
            return try CHDF5Strings.read(id: id, type: type, space: space, count: count, file: file.path, item: path)
        }
    }

    /// Throws `DataError` "shape (…) does not match …" unless `shape` equals `expected`;
    /// `nil` entries in `expected` match any size.
    public func requireShape(_ expected: [Int?], _ meaning: @autoclosure () -> String) throws {
        let ok = shape.count == expected.count && zip(shape, expected).allSatisfy { $1 == nil || $0 == $1 }
        if !ok {
            let want = "(" + expected.map { $0.map(String.init) ?? "*" }.joined(separator: ", ") + (expected.count == 1 ? ",)" : ")")
            throw error("shape \(shapeDescription) does not match \(meaning()) \(want)")
        }
    }
}

/// Dataset string reading (kept apart so that the closure does not capture `self`).
enum CHDF5Strings {
    static func read(id: hid_t, type: hid_t, space: hid_t, count: Int, file: String, item: String) throws -> [String] {
        try readStrings(fileType: type, space: space, count: count, file: file, item: item) { memType, buffer in
            H5Dread(id, memType, mm_h5s_all(), mm_h5s_all(), mm_h5p_default(), buffer)
        }
    }
}
