// User-defined (fused) primitives with their own derivative rules.

/// The derivative rule of a custom primitive (stored in its graph node).
public struct CustomRule<Scalar: TensorScalar> {
    /// Name, for diagnostics.
    public let name: String
    /// `(g, inputs, output, needs) -> [∂⟨g, output⟩/∂inputᵢ or nil]`.
    let vjp: (Tensor<Scalar>, [Tensor<Scalar>], Tensor<Scalar>, [Bool]) -> [Tensor<Scalar>?]
}

extension Tensor {
    /// Defines and applies a fused primitive.
    ///
    /// - Parameters:
    ///   - name: for diagnostics.
    ///   - inputs: the differentiable inputs (any shapes).
    ///   - forward: computes the output value from detached inputs (anything goes: raw loops,
    ///     BLAS, tensor ops — nothing it does is recorded).
    ///   - vjp: `(g, inputs, output, needs) -> [gradᵢ?]`, the vector–Jacobian product for
    ///     cotangent `g` (shape of the output); return nil where `needs[i]` is false. Under
    ///     `gradient(..., createGraph: true)` it receives the real graph tensors, and whatever it
    ///     builds is recorded: write it with tensor ops and the primitive is automatically twice
    ///     (indeed arbitrarily) differentiable; or compute it with another `Tensor.custom` whose
    ///     own `vjp` is the explicit second-order rule (the product with the Jacobian of the VJP).
    /// - Returns: the output, a graph node if any input requires gradients.
    public static func custom(
        _ name: String, inputs: [Tensor],
        forward: ([Tensor]) -> Tensor,
        vjp: @escaping (_ grad: Tensor, _ inputs: [Tensor], _ output: Tensor, _ needs: [Bool]) -> [Tensor?]
    ) -> Tensor {
        let value = forward(inputs.map { $0.detached() })
        return record(.custom(CustomRule(name: name, vjp: vjp)), inputs, shape: value.shape, storage: value.storage)
    }
}
