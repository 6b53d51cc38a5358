// Small functional layers: parameters are passed in, so meta-learning can swap them.

/// A dense layer `y = x W + b` with `x: [N, in]`, `W: [in, out]`, `b: [out]`, `y: [N, out]`.
public func dense<S: TensorScalar>(_ x: Tensor<S>, weight: Tensor<S>, bias: Tensor<S>) -> Tensor<S> {
    matmul(x, weight) + bias
}

/// A multilayer perceptron with CELU activations between layers (none after the last).
///
/// Parameters are named `W0, b0, W1, b1, …`; layer `l` maps `widths[l] → widths[l+1]`.
/// Input `[N, widths[0]]`, output `[N, widths.last]`.
public struct MLP: Sendable {
    /// Layer widths including input and output, e.g. `[384, 160, 128, 96, 1]`.
    public let widths: [Int]
    /// CELU `α`.
    public let alpha: Double

    /// An MLP with the given widths and CELU `α`.
    public init(widths: [Int], alpha: Double = 1) {
        precondition(widths.count >= 2, "an MLP needs at least input and output widths")
        self.widths = widths; self.alpha = alpha
    }

    /// Random parameters: `W ~ N(0, 1/fan_in)`, `b = 0`.
    public func initialParameters<S: TensorScalar, G: RandomNumberGenerator>(_: S.Type = S.self, using generator: inout G) -> ParameterSet<S> {
        var entries: [(String, Tensor<S>)] = []
        for l in 0..<(widths.count - 1) {
            let std = S(1 / Double(widths[l]).squareRoot())
            entries.append(("W\(l)", Tensor<S>.randomNormal(shape: [widths[l], widths[l + 1]], standardDeviation: std, using: &generator)))
            entries.append(("b\(l)", Tensor<S>.zeros(shape: [widths[l + 1]])))
        }
        return ParameterSet(entries)
    }

    /// Applies the network to `x: [N, widths[0]]`, giving `[N, widths.last]`.
    public func callAsFunction<S: TensorScalar>(_ x: Tensor<S>, parameters p: ParameterSet<S>) -> Tensor<S> {
        var h = x
        let layers = widths.count - 1
        for l in 0..<layers {
            h = dense(h, weight: p[2 * l], bias: p[2 * l + 1])
            if l < layers - 1 { h = h.celu(alpha: S(alpha)) }
        }
        return h
    }
}
