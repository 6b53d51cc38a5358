/// ChemistryHDF5: a thin Swift layer over the HDF5 C library, readers for the HDF5
/// layouts of published QM datasets (ANI-1x, pyanitools/COMP6, TorchANI ANI-2x, SPICE)
/// and MetaMLIP's own task-suite format (`docs/suite-format.md`).
///
/// Every failure — a missing file, a file that is not HDF5, a missing group, a dataset of
/// the wrong shape — is thrown as a `DataError` naming the file and the HDF5 object path.
import CHDF5
import Chemistry
import Foundation

// MARK: - Library access

/// The serial libhdf5 build is not thread-safe: every call into it goes through this lock.
/// (Recursive, because wrapper calls nest.)
private let hdf5Lock = NSRecursiveLock()

/// One-time library set-up.
private let hdf5Setup: Void = { _ = H5open() }()

/// Runs `body` holding the HDF5 lock, with HDF5's automatic printing of its error stack
/// to stderr turned off (failures are reported as `DataError`s instead). The setting is
/// made on every call because thread-safe builds of libhdf5 keep it per thread.
func withHDF5<T>(_ body: () throws -> T) rethrows -> T {
    hdf5Lock.lock()
    defer { hdf5Lock.unlock() }
    _ = hdf5Setup
    mm_h5_silence_errors()
    return try body()
}

/// The description of the current HDF5 error stack, "outer (innermost)"; empty if none.
func hdf5ErrorText() -> String {
    var buffer = [CChar](repeating: 0, count: 640)
    mm_h5_error_message(&buffer, buffer.count)
    return String(cString: buffer)
}

/// Throws a `DataError` when an HDF5 call returned a negative identifier or status.
@discardableResult
func h5check<I: BinaryInteger>(_ result: I, file: String, item: String?, _ what: String) throws -> I {
    if result < 0 {
        let detail = hdf5ErrorText()
        throw DataError(file: file, item: item, detail.isEmpty ? "\(what) failed" : "\(what) failed: \(detail)")
    }
    return result
}

// MARK: - Element types

/// The class of a dataset's or attribute's element type on disk.
public enum HDF5TypeClass: String, Sendable, Equatable {
    case integer, float, string, compound, other

    init(_ c: H5T_class_t) {
        switch c {
        case H5T_INTEGER: self = .integer
        case H5T_FLOAT: self = .float
        case H5T_STRING: self = .string
        case H5T_COMPOUND: self = .compound
        default: self = .other
        }
    }

    /// True for integer and floating-point classes (which HDF5 converts between).
    public var isNumeric: Bool { self == .integer || self == .float }
}

/// A Swift number type with its HDF5 memory type (for reading with conversion by HDF5)
/// and the little-endian file type used when writing it.
public protocol HDF5Numeric: Numeric, Sendable {
    /// Native memory type: HDF5 converts any numeric on-disk type to it when reading.
    static var hdf5MemoryType: hid_t { get }
    /// File type written to disk.
    static var hdf5FileType: hid_t { get }
}

extension Double: HDF5Numeric {
    public static var hdf5MemoryType: hid_t { mm_h5t_native_double() }
    public static var hdf5FileType: hid_t { mm_h5t_ieee_f64le() }
}
extension Float: HDF5Numeric {
    public static var hdf5MemoryType: hid_t { mm_h5t_native_float() }
    public static var hdf5FileType: hid_t { mm_h5t_ieee_f32le() }
}
extension Int: HDF5Numeric {
    // Int is 64-bit on every platform MetaMLIP supports.
    public static var hdf5MemoryType: hid_t { mm_h5t_native_int64() }
    public static var hdf5FileType: hid_t { mm_h5t_std_i64le() }
}
extension Int64: HDF5Numeric {
    public static var hdf5MemoryType: hid_t { mm_h5t_native_int64() }
    public static var hdf5FileType: hid_t { mm_h5t_std_i64le() }
}
extension Int32: HDF5Numeric {
    public static var hdf5MemoryType: hid_t { mm_h5t_native_int32() }
    public static var hdf5FileType: hid_t { mm_h5t_std_i32le() }
}
extension Int16: HDF5Numeric {
    public static var hdf5MemoryType: hid_t { mm_h5t_native_int16() }
    public static var hdf5FileType: hid_t { mm_h5t_std_i16le() }
}
extension UInt8: HDF5Numeric {
    public static var hdf5MemoryType: hid_t { mm_h5t_native_uint8() }
    public static var hdf5FileType: hid_t { mm_h5t_std_u8le() }
}

// MARK: - Files

/// An open HDF5 file. Closed when the last reference to it (or to any group, dataset
/// of it) goes away.
///
///     let file = try HDF5File.open("ani1_n5.hdf5")
///     for name in try file.root.memberNames() { … }
public final class HDF5File: @unchecked Sendable {
    /// The path as given by the caller (used in every error message).
    public let path: String
    /// True when opened by `create` (read-write).
    public let isWritable: Bool
    let id: hid_t

    private init(path: String, id: hid_t, isWritable: Bool) {
        self.path = path
        self.id = id
        self.isWritable = isWritable
    }

    deinit {
        let id = self.id
        withHDF5 { _ = H5Fclose(id) }
    }

    /// Opens an existing file read-only.
    ///
    /// - Throws: `DataError` "file does not exist", "is a directory, expected a file", "file
    ///   is empty", or "not an HDF5 file or truncated" (the signature check `H5Fis_hdf5`
    ///   fails, or opening fails, e.g. for a truncated copy).
    public static func open(_ path: String) throws -> HDF5File {
        try withHDF5 {
            try InputFile.requireRegularFile(path)
            guard H5Fis_hdf5(path) > 0 else {
                throw DataError(file: path, "not an HDF5 file or truncated (no HDF5 signature)")
            }
            let id = H5Fopen(path, mm_h5f_acc_rdonly(), mm_h5p_default())
            guard id >= 0 else {
                let detail = hdf5ErrorText()
                throw DataError(file: path, "not an HDF5 file or truncated (\(detail.isEmpty ? "cannot open" : detail))")
            }
            return HDF5File(path: path, id: id, isWritable: false)
        }
    }

    /// Creates a new file for writing, replacing any existing file at `path`.
    public static func create(_ path: String) throws -> HDF5File {
        try withHDF5 {
            let id = H5Fcreate(path, mm_h5f_acc_trunc(), mm_h5p_default(), mm_h5p_default())
            try h5check(id, file: path, item: nil, "creating the file")
            return HDF5File(path: path, id: id, isWritable: true)
        }
    }

    /// True when `path` exists and carries the HDF5 signature (no error for other files).
    public static func isHDF5(_ path: String) -> Bool {
        withHDF5 { FileManager.default.fileExists(atPath: path) && H5Fis_hdf5(path) > 0 }
    }

    /// The root group "/".
    public func root() throws -> HDF5Group { try group("/") }

    /// The group at an absolute path such as "/s66x8/mol00".
    public func group(_ path: String) throws -> HDF5Group {
        try withHDF5 {
            let id = H5Gopen2(self.id, path, mm_h5p_default())
            guard id >= 0 else { throw DataError(file: self.path, item: path, "group not found or unreadable") }
            return HDF5Group(file: self, path: path, id: id)
        }
    }

    /// The dataset at an absolute path such as "/002/energies".
    public func dataset(_ path: String) throws -> HDF5Dataset {
        try withHDF5 {
            let id = H5Dopen2(self.id, path, mm_h5p_default())
            guard id >= 0 else { throw DataError(file: self.path, item: path, "dataset not found or unreadable") }
            return try HDF5Dataset(file: self, path: path, datasetID: id)
        }
    }

    /// Writes buffered data to disk.
    public func flush() throws {
        _ = try withHDF5 { try h5check(H5Fflush(id, H5F_SCOPE_GLOBAL), file: path, item: nil, "flushing") }
    }
}
