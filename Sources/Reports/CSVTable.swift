// A small RFC 4180 CSV reader: quoted fields, a header row naming the columns, and
// errors that name the file, the line and the column.

import Chemistry
import Foundation

/// A CSV file read whole: a header of column names and one ``CSVRecord`` per data row.
///
/// Fields may be quoted (`"a,b"`, `"say ""hi"""`) and quoted fields may span lines;
/// CRLF line ends and a UTF-8 byte-order mark are accepted, blank lines are skipped.
/// Every error is a `DataError` naming the file and the line:
///
///     results.csv: line 7: has 4 fields, the header has 10
public struct CSVTable: Sendable {
    /// The file as named in errors.
    public let file: String
    /// Column names, in file order.
    public let header: [String]
    /// Data rows, in file order.
    public let records: [CSVRecord]

    /// Reads and parses `url`; errors name the file as `file` (default: the path).
    public init(contentsOf url: URL, file: String? = nil) throws {
        let name = file ?? url.path
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DataError(file: name, "cannot be read (\(error.localizedDescription))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DataError(file: name, "is not UTF-8 text")
        }
        try self.init(text: text, file: name)
    }

    /// Parses CSV `text`; `file` names it in errors.
    public init(text: String, file: String) throws {
        self.file = file
        let rows = try CSVTable.parse(text, file: file)
        guard let first = rows.first else { throw DataError(file: file, "is empty: no header row") }
        header = first.fields.map(CSVRecord.trimmed)
        var columns: [String: Int] = [:]
        for (i, name) in header.enumerated() {
            guard !name.isEmpty else { throw DataError(file: file, item: "line \(first.line)", "column \(i + 1) of the header is empty") }
            guard columns[name] == nil else {
                throw DataError(file: file, item: "line \(first.line)", "column '\(name)' appears twice in the header")
            }
            columns[name] = i
        }
        records = try rows.dropFirst().map { row in
            guard row.fields.count == first.fields.count else {
                throw DataError(file: file, item: "line \(row.line)",
                                "has \(row.fields.count) fields, the header has \(first.fields.count)")
            }
            return CSVRecord(file: file, line: row.line, fields: row.fields, columns: columns)
        }
    }

    /// True when the header names `column`.
    public func hasColumn(_ column: String) -> Bool { header.contains(column) }

    /// Throws a `DataError` listing the columns of `required` the header lacks.
    public func require(columns required: [String]) throws {
        let missing = required.filter { !header.contains($0) }
        guard missing.isEmpty else {
            throw DataError(file: file, item: "line 1", "missing column(s) \(missing.joined(separator: ", ")) (header: \(header.joined(separator: ",")))")
        }
    }

    // MARK: Parsing

    struct RawRow { var line: Int; var fields: [String] }

    /// Splits `text` into rows of fields; each row remembers the line it starts on. Works on
    /// UTF-8 bytes: the structural characters (`,` `"` CR LF) are ASCII, so they never occur
    /// inside a multi-byte character.
    static func parse(_ text: String, file: String) throws -> [RawRow] {
        let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        var bytes = Array(text.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        var rows: [RawRow] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var line = 1, rowLine = 1
        var inQuotes = false, wasQuoted = false, afterQuote = false

        func endField() { fields.append(String(decoding: field, as: UTF8.self)); field.removeAll(keepingCapacity: true) }
        func endRow() {
            endField()
            // A row that is one empty, unquoted field is a blank line.
            if !(fields.count == 1 && fields[0].isEmpty && !wasQuoted) { rows.append(RawRow(line: rowLine, fields: fields)) }
            fields = []; wasQuoted = false; afterQuote = false
        }

        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            i += 1
            if inQuotes {
                if c == quote {
                    if i < bytes.count, bytes[i] == quote { field.append(quote); i += 1 } else { inQuotes = false; afterQuote = true }
                } else {
                    if c == lf { line += 1 }
                    field.append(c)
                }
                continue
            }
            switch c {
            case comma:
                endField(); afterQuote = false
            case cr, lf:
                if c == cr, i < bytes.count, bytes[i] == lf { i += 1 }
                endRow(); line += 1; rowLine = line
            case quote where field.isEmpty && !afterQuote:
                inQuotes = true; wasQuoted = true
            default:
                if afterQuote {
                    let shown = c < 0x80 ? String(UnicodeScalar(c)) : "non-ASCII text"
                    throw DataError(file: file, item: "line \(line)", "unexpected '\(shown)' after a closing quote")
                }
                if c == quote {
                    throw DataError(file: file, item: "line \(line)", "a quote inside an unquoted field (quote the whole field)")
                }
                field.append(c)
            }
        }
        if inQuotes { throw DataError(file: file, item: "line \(rowLine)", "a quoted field is not closed before the end of the file") }
        if !field.isEmpty || !fields.isEmpty || wasQuoted { endRow() }
        return rows
    }
}

/// One data row of a ``CSVTable``, read by column name. Empty cells mean “not available”.
public struct CSVRecord: Sendable {
    /// The file and the line the row starts on, for errors.
    public let file: String, line: Int
    let fields: [String]
    let columns: [String: Int]

    /// The raw text of `column` (untrimmed), or a `DataError` when the header lacks it.
    public func string(_ column: String) throws -> String {
        guard let i = columns[column] else {
            throw DataError(file: file, item: "line \(line)", "no column '\(column)'")
        }
        return fields[i]
    }

    /// The text of `column`, trimmed; nil when the cell is empty or the column is absent.
    public func optionalString(_ column: String) -> String? {
        guard let i = columns[column] else { return nil }
        let s = CSVRecord.trimmed(fields[i])
        return s.isEmpty ? nil : s
    }

    /// A number, or nil for an empty cell or an absent column; text that is not a number is an error.
    public func optionalDouble(_ column: String) throws -> Double? {
        guard let s = optionalString(column) else { return nil }
        guard let x = Double(s) else { throw error(column, "'\(s)' is not a number") }
        return x
    }

    /// A number that must be present.
    public func double(_ column: String) throws -> Double {
        _ = try string(column)
        guard let x = try optionalDouble(column) else { throw error(column, "is empty") }
        return x
    }

    /// An integer (`3` or `3.0`), or nil for an empty cell or an absent column.
    public func optionalInt(_ column: String) throws -> Int? {
        guard let s = optionalString(column) else { return nil }
        if let i = Int(s) { return i }
        if let x = Double(s), x.rounded() == x, abs(x) < 1e15 { return Int(x) }
        throw error(column, "'\(s)' is not an integer")
    }

    /// An integer that must be present.
    public func int(_ column: String) throws -> Int {
        _ = try string(column)
        guard let i = try optionalInt(column) else { throw error(column, "is empty") }
        return i
    }

    /// A flag: true/false, yes/no, 1/0 (any case); nil for an empty cell or an absent column.
    public func optionalBool(_ column: String) throws -> Bool? {
        guard let s = optionalString(column)?.lowercased() else { return nil }
        switch s {
        case "true", "yes", "1", "1.0": return true
        case "false", "no", "0", "0.0": return false
        default: throw error(column, "'\(s)' is not true or false")
        }
    }

    /// A text cell that must be non-empty.
    public func requiredString(_ column: String) throws -> String {
        _ = try string(column)
        guard let s = optionalString(column) else { throw error(column, "is empty") }
        return s
    }

    /// `s` without leading and trailing spaces and tabs (cheaper than Foundation's trimming,
    /// which matters for MD tables of many thousand rows).
    static func trimmed(_ s: String) -> String {
        func blank(_ c: Character?) -> Bool { c == " " || c == "\t" }
        guard blank(s.first) || blank(s.last) else { return s }
        var sub = Substring(s)
        while blank(sub.first) { sub.removeFirst() }
        while blank(sub.last) { sub.removeLast() }
        return String(sub)
    }

    private func error(_ column: String, _ reason: String) -> DataError {
        DataError(file: file, item: "line \(line), column \(column)", reason)
    }
}
