import CHDF5
import Chemistry
import Foundation

/// A group or dataset of an open file, with its attributes.
///
/// Holds its file open; closes its own handle on deinit. Attribute errors name the item
/// as `<object path>@<attribute name>`.
public class HDF5Object: @unchecked Sendable {
    /// The file this object belongs to (kept open while the object lives).
    public let file: HDF5File
    /// Absolute path inside the file, e.g. "/s66x8/mol00/species".
    public let path: String
    let id: hid_t

    init(file: HDF5File, path: String, id: hid_t) {
        self.file = file
        self.path = path
        self.id = id
    }

    deinit {
        let id = self.id
        withHDF5 { _ = H5Oclose(id) }
    }

    /// The absolute path of a member `name` of this object.
    public func childPath(_ name: String) -> String { path == "/" ? "/" + name : path + "/" + name }

    /// A `DataError` naming this file and `item` (default: this object).
    public func error(_ reason: String, item: String? = nil) -> DataError {
        DataError(file: file.path, item: item ?? path, reason)
    }

    // MARK: Reading attributes

    /// Names of this object's attributes, in creation/name order.
    public func attributeNames() throws -> [String] {
        try withHDF5 {
            var info = H5O_info_t()
            try h5check(H5Oget_info2(id, &info, UInt32(H5O_INFO_NUM_ATTRS)), file: file.path, item: path, "reading object info")
            return try (0..<Int(info.num_attrs)).map { i in
                let size = H5Aget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(i), nil, 0, mm_h5p_default())
                try h5check(size, file: file.path, item: path, "listing attributes")
                var buffer = [CChar](repeating: 0, count: Int(size) + 1)
                H5Aget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, hsize_t(i), &buffer, buffer.count, mm_h5p_default())
                return String(cString: buffer)
            }
        }
    }

    /// True when the attribute exists.
    public func hasAttribute(_ name: String) -> Bool {
        withHDF5 { H5Aexists(id, name) > 0 }
    }

    /// Opens attribute `name` and runs `body(attribute, fileType, space, count)`.
    private func withAttribute<T>(_ name: String, _ body: (hid_t, hid_t, hid_t, Int, String) throws -> T) throws -> T {
        try withHDF5 {
            let item = "\(path)@\(name)"
            guard H5Aexists(id, name) > 0 else { throw error("attribute is missing", item: item) }
            let attr = try h5check(H5Aopen(id, name, mm_h5p_default()), file: file.path, item: item, "opening attribute")
            defer { H5Aclose(attr) }
            let type = try h5check(H5Aget_type(attr), file: file.path, item: item, "reading attribute type")
            defer { H5Tclose(type) }
            let space = try h5check(H5Aget_space(attr), file: file.path, item: item, "reading attribute shape")
            defer { H5Sclose(space) }
            let count = Int(try h5check(H5Sget_simple_extent_npoints(space), file: file.path, item: item, "reading attribute size"))
            return try body(attr, type, space, count, item)
        }
    }

    /// Reads a numeric attribute (scalar or array) as `[T]`, HDF5 converting from any numeric type.
    public func readAttribute<T: HDF5Numeric>(_ name: String, as: T.Type = T.self) throws -> [T] {
        try withAttribute(name) { attr, type, _, count, item in
            let cls = HDF5TypeClass(H5Tget_class(type))
            guard cls.isNumeric else { throw error("attribute is \(cls.rawValue), expected numbers", item: item) }
            var values = [T](repeating: 0, count: count)
            let status = values.withUnsafeMutableBufferPointer { H5Aread(attr, T.hdf5MemoryType, $0.baseAddress) }
            try h5check(status, file: file.path, item: item, "reading attribute")
            return values
        }
    }

    /// Reads a scalar (or first element of an array) numeric attribute.
    public func readScalarAttribute<T: HDF5Numeric>(_ name: String, as: T.Type = T.self) throws -> T {
        let values: [T] = try readAttribute(name)
        guard let first = values.first else { throw error("attribute is empty", item: "\(path)@\(name)") }
        return first
    }

    /// Reads a string attribute (fixed- or variable-length; an array gives its first element).
    public func readStringAttribute(_ name: String) throws -> String {
        let strings = try readStringsAttribute(name)
        guard let first = strings.first else { throw error("attribute is empty", item: "\(path)@\(name)") }
        return first
    }

    /// Reads a string attribute as an array of strings.
    public func readStringsAttribute(_ name: String) throws -> [String] {
        try withAttribute(name) { attr, type, space, count, item in
            try readStrings(fileType: type, space: space, count: count, file: file.path, item: item) { memType, buffer in
                H5Aread(attr, memType, buffer)
            }
        }
    }

    // MARK: Writing attributes

    /// Creates (or replaces) attribute `name` with a dataspace of `dims` (nil = scalar)
    /// and runs `body(attribute)` to write it.
    private func createAttribute(_ name: String, fileType: hid_t, dims: [Int]?, _ body: (hid_t, String) throws -> herr_t) throws {
        try withHDF5 {
            let item = "\(path)@\(name)"
            if H5Aexists(id, name) > 0 {
                try h5check(H5Adelete(id, name), file: file.path, item: item, "replacing attribute")
            }
            let space: hid_t
            if let dims {
                var hdims = dims.map { hsize_t($0) }
                space = H5Screate_simple(Int32(dims.count), &hdims, nil)
            } else {
                space = H5Screate(H5S_SCALAR)
            }
            try h5check(space, file: file.path, item: item, "creating attribute dataspace")
            defer { H5Sclose(space) }
            let attr = try h5check(H5Acreate2(id, name, fileType, space, mm_h5p_default(), mm_h5p_default()),
                                   file: file.path, item: item, "creating attribute")
            defer { H5Aclose(attr) }
            try h5check(try body(attr, item), file: file.path, item: item, "writing attribute")
        }
    }

    /// Writes a scalar numeric attribute (replacing any of the same name).
    public func writeAttribute<T: HDF5Numeric>(_ name: String, _ value: T) throws {
        try createAttribute(name, fileType: T.hdf5FileType, dims: nil) { attr, _ in
            [value].withUnsafeBufferPointer { H5Awrite(attr, T.hdf5MemoryType, $0.baseAddress) }
        }
    }

    /// Writes a 1-D numeric array attribute.
    public func writeAttribute<T: HDF5Numeric>(_ name: String, _ values: [T]) throws {
        try createAttribute(name, fileType: T.hdf5FileType, dims: [values.count]) { attr, _ in
            values.withUnsafeBufferPointer { H5Awrite(attr, T.hdf5MemoryType, $0.baseAddress) }
        }
    }

    /// Writes a scalar variable-length UTF-8 string attribute.
    public func writeAttribute(_ name: String, _ value: String) throws {
        let type = try makeVariableStringType(file: file.path, item: "\(path)@\(name)")
        defer { withHDF5 { _ = H5Tclose(type) } }
        try createAttribute(name, fileType: type, dims: nil) { attr, _ in
            value.withCString { cString in
                var pointer: UnsafePointer<CChar>? = cString
                return H5Awrite(attr, type, &pointer)
            }
        }
    }
}

// MARK: - String helpers shared by attributes and datasets

/// A variable-length UTF-8 C string type (caller closes it).
func makeVariableStringType(file: String, item: String) throws -> hid_t {
    try withHDF5 {
        let type = try h5check(H5Tcopy(mm_h5t_c_s1()), file: file, item: item, "creating string type")
        H5Tset_size(type, mm_h5t_variable())
        H5Tset_cset(type, H5T_CSET_UTF8)
        return type
    }
}

/// Reads `count` strings of file type `fileType` (fixed- or variable-length) through `read`,
/// which is given the memory type and the buffer. Fixed-length strings lose their NUL/space
/// padding; bytes that are not UTF-8 are decoded leniently.
func readStrings(fileType: hid_t, space: hid_t, count: Int, file: String, item: String,
                 read: (hid_t, UnsafeMutableRawPointer?) -> herr_t) throws -> [String] {
    try withHDF5 {
        let cls = HDF5TypeClass(H5Tget_class(fileType))
        guard cls == .string else { throw DataError(file: file, item: item, "holds \(cls.rawValue) values, expected strings") }
        let memType = try h5check(H5Tcopy(mm_h5t_c_s1()), file: file, item: item, "creating string type")
        defer { H5Tclose(memType) }
        H5Tset_cset(memType, H5Tget_cset(fileType))
        if H5Tis_variable_str(fileType) > 0 {
            H5Tset_size(memType, mm_h5t_variable())
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            _ = try pointers.withUnsafeMutableBufferPointer { buffer in
                try h5check(read(memType, buffer.baseAddress), file: file, item: item, "reading strings")
            }
            let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
            pointers.withUnsafeMutableBufferPointer { buffer in
                _ = H5Dvlen_reclaim(memType, space, mm_h5p_default(), buffer.baseAddress)
            }
            return strings
        }
        let size = H5Tget_size(fileType)
        guard size > 0 else { throw DataError(file: file, item: item, "string type has size 0") }
        H5Tset_size(memType, size)
        H5Tset_strpad(memType, H5T_STR_NULLPAD)
        var bytes = [UInt8](repeating: 0, count: count * size)
        _ = try bytes.withUnsafeMutableBytes { buffer in
            try h5check(read(memType, buffer.baseAddress), file: file, item: item, "reading strings")
        }
        let spacePadded = H5Tget_strpad(fileType) == H5T_STR_SPACEPAD
        return (0..<count).map { i in
            var slice = bytes[(i * size)..<((i + 1) * size)]
            if let nul = slice.firstIndex(of: 0) { slice = slice[..<nul] }
            var text = String(decoding: slice, as: UTF8.self)
            if spacePadded { while text.hasSuffix(" ") { text.removeLast() } }
            return text
        }
    }
}
