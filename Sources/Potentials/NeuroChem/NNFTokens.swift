import Chemistry

/// The tokens of NeuroChem network text (TorchANI's lark grammar in
/// `torchani.neurochem.load_atomic_network`): words, numbers, `nan`, the punctuation
/// `= ; [ ] $ :` and file references `FILE:name[count]`, separated by white space.
struct NNFTokens {
    /// A value on the right of `key = value ;`.
    enum Value: Equatable {
        case number(Double)
        case file(name: String, count: Int)
    }

    private var tokens: [String]
    private var index = 0
    let file: String

    /// Splits `text` into tokens.
    init(text: String, file: String) throws {
        self.file = file
        var tokens: [String] = [], word = ""
        for c in text {
            if c.isWhitespace || "=;[]$:".contains(c) {
                if !word.isEmpty { tokens.append(word); word = "" }
                if !c.isWhitespace { tokens.append(String(c)) }
            } else {
                word.append(c)
            }
        }
        if !word.isEmpty { tokens.append(word) }
        self.tokens = tokens
    }

    /// The next token, or nil at the end.
    var peek: String? { index < tokens.count ? tokens[index] : nil }

    private mutating func next(_ what: String) throws -> String {
        guard let t = peek else { throw DataError(file: file, item: what, "the network text ends early") }
        index += 1
        return t
    }

    /// Consumes `token` or throws.
    mutating func expect(_ token: String) throws {
        let t = try next("'\(token)'")
        guard t == token else { throw DataError(file: file, item: "token \(index)", "expected '\(token)', found '\(t)'") }
    }

    /// A word (not punctuation).
    mutating func word(_ what: String) throws -> String {
        let t = try next(what)
        guard !"=;[]$:".contains(t) else { throw DataError(file: file, item: what, "expected a name, found '\(t)'") }
        return t
    }

    /// A whole number.
    mutating func integer(_ what: String) throws -> Int {
        let t = try next(what)
        guard let n = Int(t) else { throw DataError(file: file, item: what, "expected a whole number, found '\(t)'") }
        return n
    }

    /// A number (`nan` and `-nan` included, as the grammar allows) or `FILE:name[count]`,
    /// where the name has only letters, digits, `_`, `-` and `.` (no folder).
    mutating func value(_ what: String) throws -> Value {
        let t = try next(what)
        if t == "FILE" {
            try expect(":")
            let name = try word(what)
            guard name.allSatisfy({ $0.isLetter || $0.isNumber || "_-.".contains($0) }), name != ".", name != ".." else {
                throw DataError(file: file, item: what, "file name '\(name)' may hold only letters, digits, '_', '-' and '.'")
            }
            try expect("[")
            let count = try integer(what)
            try expect("]")
            guard count > 0 else { throw DataError(file: file, item: what, "count \(count) must be positive") }
            return .file(name: name, count: count)
        }
        if t == "nan" || t == "-nan" { return .number(.nan) }
        guard let x = Double(t) else { throw DataError(file: file, item: what, "expected a number or FILE:name[count], found '\(t)'") }
        return .number(x)
    }
}
