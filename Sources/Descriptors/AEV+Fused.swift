// The fused AEV as three custom primitives: G(R), Jᵀg and J v.

import Autodiff

/// The fused AEV primitives of one topology (see ``AEVFusedKernel``):
///
///     descriptors(R) = G(R)                 VJP(g)  → transpose(g, R)
///     transpose(g, R) = J(R)ᵀ g  [N, 3]      VJP(w)  → (jacobian(w, R), ∇_R ⟨g, J(R) w⟩)
///     jacobian(v, R) = J(R) v   [N, F]      VJP(h)  → (transpose(h, R), ∇_R ⟨h, J(R) v⟩)
///
/// Each product is linear in its first input, so its VJP in that input is the other product.
/// The second-order terms in R (needed only for position Hessians, never for forces or force
/// training) are taken through ``AEVComputer/composed(_:topology:)``.
///
/// The kernel is made once from the values of R (everything geometric is computed then); the
/// products take R as an input only so the graph knows they depend on it.
struct FusedAEV: Sendable {
    let kernel: AEVFusedKernel
    let computer: AEVComputer
    let topology: NeighbourTopology

    /// The fused AEV of `positions` `[N, 3]`.
    static func descriptors<S: TensorScalar>(_ positions: Tensor<S>, computer: AEVComputer, topology: NeighbourTopology) -> Tensor<S> {
        let values = PooledBuffer<Double>(zeros: topology.atomCount * computer.parameters.featureCount)
        let kernel = AEVFusedKernel(parameters: computer.parameters, topology: topology, positions: positions.pooledDoubles,
                                    values: values)
        return FusedAEV(kernel: kernel, computer: computer, topology: topology).descriptors(positions, values: values)
    }

    /// The primitive G(R) whose value, `values`, the kernel formed while it was made.
    private func descriptors<S: TensorScalar>(_ positions: Tensor<S>, values: PooledBuffer<Double>) -> Tensor<S> {
        let k = kernel
        return Tensor.custom("aev", inputs: [positions], forward: { _ in
            Tensor(shape: [k.atomCount, k.featureCount], doubles: values)
        }, vjp: { g, xs, _, needs in
            [needs[0] ? transpose(g, xs[0]) : nil]
        })
    }

    /// Jᵀ g `[N, 3]`.
    func transpose<S: TensorScalar>(_ g: Tensor<S>, _ positions: Tensor<S>) -> Tensor<S> {
        let k = kernel
        return Tensor.custom("aevTranspose", inputs: [g, positions], forward: { xs in
            Tensor(shape: [k.atomCount, 3], doubles: k.transposeProduct(xs[0].pooledDoubles))
        }, vjp: { w, xs, _, needs in
            [needs[0] ? jacobian(w, xs[1]) : nil,
             needs[1] ? secondOrder(featureCotangent: xs[0], positions: xs[1], displacement: w) : nil]
        })
    }

    /// J v `[N, F]`.
    func jacobian<S: TensorScalar>(_ v: Tensor<S>, _ positions: Tensor<S>) -> Tensor<S> {
        let k = kernel
        return Tensor.custom("aevJacobian", inputs: [v, positions], forward: { xs in
            Tensor(shape: [k.atomCount, k.featureCount], doubles: k.jacobianProduct(xs[0].pooledDoubles))
        }, vjp: { h, xs, _, needs in
            [needs[0] ? transpose(h, xs[1]) : nil,
             needs[1] ? secondOrder(featureCotangent: h, positions: xs[1], displacement: xs[0]) : nil]
        })
    }

    /// ∇_R ⟨g, J(R) w⟩ `[N, 3]` through the composed AEV (differentiable again when any input
    /// is a graph node).
    func secondOrder<S: TensorScalar>(featureCotangent g: Tensor<S>, positions: Tensor<S>, displacement w: Tensor<S>) -> Tensor<S> {
        let r = positions.requiresGrad ? positions : positions.requiringGrad()
        let graph = g.requiresGrad || w.requiresGrad || positions.requiresGrad
        let transposed = gradient(of: (computer.composed(r, topology: topology) * g).sum(), withRespectTo: r, createGraph: true)
        return gradient(of: (transposed * w).sum(), withRespectTo: r, createGraph: graph)
    }
}
