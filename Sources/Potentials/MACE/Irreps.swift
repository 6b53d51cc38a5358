// Irreducible representations of O(3), named and ordered as e3nn names and orders them.

/// An irreducible representation of O(3): degree `l` ≥ 0 and parity `parity` = +1 (even,
/// written "e") or −1 (odd, "o"), of dimension 2l + 1. Spherical harmonics of degree l carry
/// the irrep (l, (−1)^l): 0e, 1o, 2e, 3o, …
///
/// The order is e3nn's (that of the tuple (l, p), `e3nn.o3.Irrep`): by l, then odd before
/// even, 0o < 0e < 1o < 1e < … Sorting irreps, tensor-product outputs and coupling paths
/// in this order is what makes parameter layouts agree with e3nn and mace-torch.
public struct Irrep: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Degree l ≥ 0.
    public let l: Int
    /// +1 (even) or −1 (odd).
    public let parity: Int

    public init(_ l: Int, _ parity: Int) {
        precondition(l >= 0 && (parity == 1 || parity == -1), "an irrep needs l ≥ 0 and parity ±1, got (\(l), \(parity))")
        self.l = l; self.parity = parity
    }

    /// Parses e3nn's spelling "0e", "1o", "2e", …; nil for anything else.
    public init?(_ text: String) {
        guard let last = text.last, last == "e" || last == "o", let l = Int(text.dropLast()), l >= 0 else { return nil }
        self.init(l, last == "e" ? 1 : -1)
    }

    /// The irrep of the degree-l spherical harmonics: (l, (−1)^l).
    public static func sphericalHarmonic(_ l: Int) -> Irrep { Irrep(l, l % 2 == 0 ? 1 : -1) }

    /// 2l + 1.
    public var dimension: Int { 2 * l + 1 }

    public var description: String { "\(l)\(parity == 1 ? "e" : "o")" }

    public static func < (a: Irrep, b: Irrep) -> Bool { (a.l, a.parity) < (b.l, b.parity) }

    /// The irreps of the tensor product self ⊗ other, in e3nn's order: l = |l₁ − l₂| … l₁ + l₂,
    /// each with parity p₁ p₂.
    public func product(_ other: Irrep) -> [Irrep] {
        (abs(l - other.l)...(l + other.l)).map { Irrep($0, parity * other.parity) }
    }
}

/// `multiplicity` copies (channels) of one irrep: e3nn's `MulIr`, written "8x1o".
public struct MultipliedIrrep: Hashable, Sendable, CustomStringConvertible {
    public let multiplicity: Int
    public let irrep: Irrep
    public init(_ multiplicity: Int, _ irrep: Irrep) { self.multiplicity = multiplicity; self.irrep = irrep }
    public var dimension: Int { multiplicity * irrep.dimension }
    public var description: String { "\(multiplicity)x\(irrep)" }
}

/// A direct sum of irreps with multiplicities, e3nn's `Irreps` ("8x0e + 8x1o"). A feature
/// vector of these irreps is laid out, in e3nn and mace-torch, as the concatenation of one
/// block per term, each block channel-major (`[multiplicity, 2l + 1]`, "mul_ir").
public struct Irreps: Hashable, Sendable, CustomStringConvertible {
    public let terms: [MultipliedIrrep]

    public init(_ terms: [MultipliedIrrep]) { self.terms = terms }

    /// Parses "8x0e + 8x1o" (a bare irrep counts once: "0e" = "1x0e"); nil for anything else.
    public init?(_ text: String) {
        var terms: [MultipliedIrrep] = []
        for part in text.split(separator: "+") {
            let item = String(part.filter { !$0.isWhitespace })
            let pieces = item.split(separator: "x")
            if pieces.count == 2, let m = Int(pieces[0]), m >= 0, let ir = Irrep(String(pieces[1])) {
                terms.append(MultipliedIrrep(m, ir))
            } else if pieces.count == 1, let ir = Irrep(item) {
                terms.append(MultipliedIrrep(1, ir))
            } else {
                return nil
            }
        }
        guard !terms.isEmpty else { return nil }
        self.terms = terms
    }

    /// Σ multiplicity · (2l + 1).
    public var dimension: Int { terms.reduce(0) { $0 + $1.dimension } }
    /// The irreps in order, each once per term.
    public var irreps: [Irrep] { terms.map(\.irrep) }
    /// Total multiplicity of `irrep`.
    public func multiplicity(of irrep: Irrep) -> Int { terms.filter { $0.irrep == irrep }.reduce(0) { $0 + $1.multiplicity } }

    /// The terms sorted by irrep (stable, as e3nn's `Irreps.sort`).
    public func sorted() -> Irreps {
        Irreps(terms.enumerated().sorted { ($0.element.irrep, $0.offset) < ($1.element.irrep, $1.offset) }.map(\.element))
    }

    /// Neighbouring terms of the same irrep merged (e3nn's `Irreps.simplify`).
    public func simplified() -> Irreps {
        var out: [MultipliedIrrep] = []
        for t in terms {
            if let last = out.last, last.irrep == t.irrep {
                out[out.count - 1] = MultipliedIrrep(last.multiplicity + t.multiplicity, t.irrep)
            } else {
                out.append(t)
            }
        }
        return Irreps(out)
    }

    public var description: String { terms.map(\.description).joined(separator: "+") }
}
