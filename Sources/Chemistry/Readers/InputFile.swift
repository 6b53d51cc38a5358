import Foundation

/// Checks every reader makes before it opens a data file, so that a path which is not a
/// readable, non-empty regular file is a `DataError` naming it — never a trap (Foundation
/// traps reading a directory through `FileHandle`) or a hang (ZIPFoundation on a directory).
public enum InputFile {
    /// Throws `DataError` "file does not exist", "is a directory, expected a file" or
    /// "file is empty (0 bytes)" for `path`.
    public static func requireRegularFile(_ path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError(file: path, "file does not exist")
        }
        guard !isDirectory.boolValue else {
            throw DataError(file: path, "is a directory, expected a file")
        }
        let attributes: [FileAttributeKey: Any]
        do { attributes = try FileManager.default.attributesOfItem(atPath: path) } catch {
            throw DataError(file: path, "cannot read file attributes (\(error.localizedDescription))")
        }
        if (attributes[.size] as? NSNumber)?.intValue == 0 { throw DataError(file: path, "file is empty (0 bytes)") }
    }

    /// The bytes of the regular, non-empty file at `path`.
    /// - Throws: `DataError` naming `path` (see ``requireRegularFile(_:)``) or the read failure.
    public static func read(_ path: String) throws -> Data {
        try requireRegularFile(path)
        do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw DataError(file: path, "cannot read file (\(error.localizedDescription))")
        }
    }
}
