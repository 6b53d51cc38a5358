import CSQLite
import Chemistry
import Foundation

/// A read-only SQLite database file (libsqlite3): queries whose values are read column by
/// column. Every failure is a `DataError` naming the file (and the query's item).
final class SQLiteDatabase {
    let path: String
    private var handle: OpaquePointer?

    /// The first 16 bytes of every SQLite 3 database file.
    static let magic = Array("SQLite format 3\0".utf8)

    /// Opens `path` read-only.
    /// - Throws: `DataError` when the path is missing, a directory or empty (``InputFile``), when
    ///   the file does not start with the SQLite 3 header, or when SQLite cannot open it.
    init(path: String) throws {
        self.path = path
        try InputFile.requireRegularFile(path)
        guard let file = FileHandle(forReadingAtPath: path) else { throw DataError(file: path, "cannot open the file for reading") }
        let head = (try? file.read(upToCount: 16)) ?? Data()
        try? file.close()
        guard Array(head) == Self.magic else {
            throw DataError(file: path, "not an SQLite database (the file does not start with \"SQLite format 3\"); an ASE database written by ase.db.connect('….db') is one")
        }
        let status = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY, nil)
        guard status == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "status \(status)"
            sqlite3_close(handle)
            handle = nil
            throw DataError(file: path, "SQLite cannot open the file: \(message)")
        }
    }

    deinit { sqlite3_close(handle) }

    /// Runs `sql` and calls `body` with each result row.
    /// - Throws: `DataError` naming `item` when SQLite refuses the statement or a step fails
    ///   (e.g. a corrupt file), and whatever `body` throws.
    func forEachRow(_ sql: String, item: String, _ body: (Row) throws -> Void) throws {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw DataError(file: path, item: item, "SQLite: \(String(cString: sqlite3_errmsg(handle)))")
        }
        defer { sqlite3_finalize(statement) }
        while true {
            let status = sqlite3_step(statement)
            if status == SQLITE_DONE { return }
            guard status == SQLITE_ROW else {
                throw DataError(file: path, item: item, "SQLite: \(String(cString: sqlite3_errmsg(handle)))")
            }
            try body(Row(statement: statement))
        }
    }

    /// The names of the tables in the file.
    func tableNames() throws -> [String] {
        var names: [String] = []
        try forEachRow("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", item: "sqlite_master") {
            if let name = $0.text(0) { names.append(name) }
        }
        return names
    }

    /// The column names of `table` (which must be a plain identifier).
    func columnNames(of table: String) throws -> [String] {
        var names: [String] = []
        try forEachRow("PRAGMA table_info(\(table))", item: table) { if let name = $0.text(1) { names.append(name) } }
        return names
    }

    /// One result row; valid only inside the `forEachRow` body.
    struct Row {
        fileprivate let statement: OpaquePointer

        /// True when column `i` is SQL NULL.
        func isNull(_ i: Int32) -> Bool { sqlite3_column_type(statement, i) == SQLITE_NULL }

        /// The storage class of column `i`: "integer", "real", "text", "blob" or "null".
        func storageClass(_ i: Int32) -> String {
            switch sqlite3_column_type(statement, i) {
            case SQLITE_INTEGER: "integer"
            case SQLITE_FLOAT: "real"
            case SQLITE_TEXT: "text"
            case SQLITE_BLOB: "blob"
            default: "null"
            }
        }

        func integer(_ i: Int32) -> Int64 { sqlite3_column_int64(statement, i) }
        func real(_ i: Int32) -> Double { sqlite3_column_double(statement, i) }

        /// Column `i` as text, nil for NULL.
        func text(_ i: Int32) -> String? {
            guard !isNull(i), let bytes = sqlite3_column_text(statement, i) else { return nil }
            return String(decoding: UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(statement, i))), as: UTF8.self)
        }

        /// Column `i` as bytes, nil for NULL (an empty blob is empty `Data`).
        func blob(_ i: Int32) -> Data? {
            guard !isNull(i) else { return nil }
            let count = Int(sqlite3_column_bytes(statement, i))
            guard count > 0, let bytes = sqlite3_column_blob(statement, i) else { return Data() }
            return Data(bytes: bytes, count: count)
        }
    }
}
