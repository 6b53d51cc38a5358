// Parameters as vectors: an ordered set of named tensors with vector-space arithmetic.

/// An ordered collection of named tensors that behaves like one vector: `+`, `-`,
/// `scaled(by:)`, `zero(like:)`, `dot`, `norm`. Arithmetic is tensor arithmetic, so it is
/// differentiable when the tensors are graph nodes (second-order MAML) and plain values otherwise
/// (optimizers, Reptile: `meta = meta + (adapted - meta).scaled(by: eps)`).
public struct ParameterSet<Scalar: TensorScalar> {
    /// Parameter names in order.
    public private(set) var names: [String]
    /// Parameter tensors, aligned with `names`.
    public private(set) var tensors: [Tensor<Scalar>]

    /// A set from `(name, tensor)` pairs in order; names must be unique.
    public init(_ entries: [(String, Tensor<Scalar>)]) {
        names = entries.map(\.0); tensors = entries.map(\.1)
        precondition(Set(names).count == names.count, "duplicate parameter names")
    }

    /// Number of tensors.
    public var count: Int { tensors.count }
    /// Total number of scalars.
    public var scalarCount: Int { tensors.reduce(0) { $0 + $1.count } }

    /// The tensor called `name`.
    public subscript(name: String) -> Tensor<Scalar> {
        get {
            guard let i = names.firstIndex(of: name) else { preconditionFailure("no parameter \(name)") }
            return tensors[i]
        }
        set {
            if let i = names.firstIndex(of: name) { tensors[i] = newValue } else { names.append(name); tensors.append(newValue) }
        }
    }

    /// The tensor at position `i`.
    public subscript(i: Int) -> Tensor<Scalar> { tensors[i] }

    /// The same parameters in another precision (plain values, no graph), e.g. Float
    /// parameters as Double for finite-difference checks and Float64 evaluation.
    public func converted<T: TensorScalar>(to _: T.Type) -> ParameterSet<T> {
        ParameterSet<T>(zip(names, tensors).map { ($0, Tensor<T>(shape: $1.shape, scalars: $1.scalars.map { T($0) })) })
    }

    /// Same names, tensors mapped by `f`.
    public func map(_ f: (Tensor<Scalar>) -> Tensor<Scalar>) -> ParameterSet {
        var r = self; r.tensors = tensors.map(f); return r
    }

    /// Same names, tensors combined pairwise by `f` (names must match).
    public func zipWith(_ other: ParameterSet, _ f: (Tensor<Scalar>, Tensor<Scalar>) -> Tensor<Scalar>) -> ParameterSet {
        precondition(names == other.names, "parameter sets differ in names")
        var r = self; r.tensors = zip(tensors, other.tensors).map(f); return r
    }

    /// Elementwise sum.
    public static func + (a: ParameterSet, b: ParameterSet) -> ParameterSet { a.zipWith(b, +) }
    /// Elementwise difference.
    public static func - (a: ParameterSet, b: ParameterSet) -> ParameterSet { a.zipWith(b, -) }
    /// In-place sum.
    public static func += (a: inout ParameterSet, b: ParameterSet) { a = a + b }
    /// In-place difference.
    public static func -= (a: inout ParameterSet, b: ParameterSet) { a = a - b }
    /// Every tensor multiplied by `s`.
    public func scaled(by s: Scalar) -> ParameterSet { map { $0 * s } }
    /// Zeros with the names and shapes of `other`.
    public static func zero(like other: ParameterSet) -> ParameterSet { other.map { Tensor.zeros(shape: $0.shape) } }

    /// `Σ aᵢ bᵢ` over all scalars (a plain value).
    public func dot(_ other: ParameterSet) -> Scalar {
        precondition(names == other.names, "parameter sets differ in names")
        var acc: Double = 0
        for (a, b) in zip(tensors, other.tensors) {
            precondition(a.shape == b.shape)
            for (x, y) in zip(a.scalars, b.scalars) { acc += Double(x) * Double(y) }
        }
        return Scalar(acc)
    }
    /// Euclidean norm over all scalars.
    public var norm: Scalar { Scalar(Double(dot(self)).squareRoot()) }

    /// Fresh graph leaves (`requiresGrad == true`) with these values; differentiate against them.
    public func requiringGrad() -> ParameterSet { map { $0.requiringGrad() } }
    /// Plain values cut from any graph.
    public func detached() -> ParameterSet { map { $0.detached() } }
}

/// Gradients of the one-element `output` with respect to every tensor of `parameters`, as a
/// `ParameterSet` with the same names and shapes. See ``gradient(of:withRespectTo:createGraph:seed:)``.
public func gradient<S: TensorScalar>(of output: Tensor<S>, withRespectTo parameters: ParameterSet<S>, createGraph: Bool = false) -> ParameterSet<S> {
    let g = gradient(of: output, withRespectTo: parameters.tensors, createGraph: createGraph)
    return ParameterSet(Array(zip(parameters.names, g)))
}
