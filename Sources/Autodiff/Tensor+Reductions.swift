// Reductions and broadcasting. `sum(toShape:)` and `broadcast(to:)` are the two primitives (each
// is the other's VJP); `sum(alongAxes:)` and `mean` are built from them.

extension Tensor {
    /// Sums over the axes along which `target` is broadcast to `shape` (NumPy rules: `target`
    /// right-aligned, each of its extents equal to `shape`'s or 1). Result shape: `target`.
    /// E.g. `[N, F] → [F]` sums over atoms; `[N, F] → [N, 1]` over features.
    public func sum(toShape target: [Int]) -> Tensor {
        if target == shape { return self }
        precondition(Tensor.broadcastShape(target, shape) == shape, "cannot sum \(shape) to \(target)")
        let m = target.reduce(1, *)
        let out: TensorStorage<Scalar> = storage.withUnsafeBufferPointer { x in
            makeStorage(m) { Kernels.sumToShape(x.base, shape, $0, target) }
        }
        return .record(.sumToShape, [self], shape: target, storage: out)
    }

    /// Repeats this tensor along broadcast axes to `target` (NumPy rules). Result shape: `target`.
    public func broadcast(to target: [Int]) -> Tensor {
        if target == shape { return self }
        precondition(Tensor.broadcastShape(shape, target) == target, "cannot broadcast \(shape) to \(target)")
        let n = target.reduce(1, *)
        let strides = Kernels.broadcastStrides(shape, to: target)
        let out: TensorStorage<Scalar> = storage.withUnsafeBufferPointer { x in
            makeStorage(n) { Kernels.gatherStrided(x.base, strides, $0, target) }
        }
        return .record(.broadcast, [self], shape: target, storage: out)
    }

    /// Sum of all elements; shape `[]`.
    public func sum() -> Tensor { sum(toShape: []) }

    /// Sums along `axes` (negative values count from the end). With `keepingDims` the summed axes
    /// stay with extent 1; otherwise they are removed.
    public func sum(alongAxes axes: [Int], keepingDims: Bool = false) -> Tensor {
        let ax = Set(axes.map { $0 < 0 ? $0 + rank : $0 })
        let kept = shape.enumerated().map { ax.contains($0.offset) ? 1 : $0.element }
        let s = sum(toShape: kept)
        return keepingDims ? s : s.reshaped(shape.enumerated().filter { !ax.contains($0.offset) }.map(\.element))
    }

    /// Sum along one axis; see ``sum(alongAxes:keepingDims:)``.
    public func sum(alongAxis axis: Int, keepingDims: Bool = false) -> Tensor {
        sum(alongAxes: [axis], keepingDims: keepingDims)
    }

    /// Mean of all elements; shape `[]`.
    public func mean() -> Tensor { sum() * (1 / Scalar(Swift.max(count, 1))) }

    /// Mean along `axes`; shapes as in ``sum(alongAxes:keepingDims:)``.
    public func mean(alongAxes axes: [Int], keepingDims: Bool = false) -> Tensor {
        let n = axes.map { shape[$0 < 0 ? $0 + rank : $0] }.reduce(1, *)
        return sum(alongAxes: axes, keepingDims: keepingDims) * (1 / Scalar(Swift.max(n, 1)))
    }

    /// Dot product `Σ aᵢ bᵢ` of two same-shape tensors; shape `[]`.
    public func dot(_ other: Tensor) -> Tensor { (self * other).sum() }
}
