// Gather / index-select and scatter-add (segment sums). Each is the other's VJP.

extension Tensor {
    /// Index-select along `axis`: result extent on `axis` is `indices.count` and
    /// `result[..., k, ...] = self[..., indices[k], ...]`. E.g. positions `[N, 3]` gathered with
    /// pair indices `[P]` give `[P, 3]`. Indices may repeat.
    public func gather(indices: [Int], axis: Int = 0) -> Tensor {
        let ax = axis < 0 ? axis + rank : axis
        let dim = shape[ax]
        precondition(indices.allSatisfy { $0 >= 0 && $0 < dim }, "gather index out of range 0..<\(dim)")
        let outer = shape[..<ax].reduce(1, *), inner = shape[(ax + 1)...].reduce(1, *)
        var newShape = shape; newShape[ax] = indices.count
        let out: TensorStorage<Scalar> = storage.withUnsafeBufferPointer { x in
            makeStorage(outer * indices.count * inner) {
                Kernels.gather(x.base, outer: outer, dim: dim, inner: inner, indices, $0)
            }
        }
        return .record(.gather(axis: ax, indices: indices), [self], shape: newShape, storage: out)
    }

    /// Segment sum along `axis` (default: the first): the result has extent `count` on `axis` and
    /// `result[..., s, ...] = Σ_{k : indices[k] == s} self[..., k, ...]`; `indices.count` must equal
    /// `shape[axis]`. E.g. pair energies `[P]` summed into atoms with `scatterAdd(indices: i, into: N)`.
    public func scatterAdd(indices: [Int], into count: Int, axis: Int = 0) -> Tensor {
        let ax = axis < 0 ? axis + rank : axis
        precondition(indices.count == shape[ax], "scatterAdd: \(indices.count) indices for extent \(shape[ax])")
        precondition(indices.allSatisfy { $0 >= 0 && $0 < count }, "scatterAdd index out of range 0..<\(count)")
        let outer = shape[..<ax].reduce(1, *), inner = shape[(ax + 1)...].reduce(1, *)
        var newShape = shape; newShape[ax] = count
        let out: TensorStorage<Scalar> = storage.withUnsafeBufferPointer { x in
            makeStorage(outer * count * inner) {
                Kernels.scatterAdd(x.base, outer: outer, count: count, inner: inner, indices, $0)
            }
        }
        return .record(.scatterAdd(axis: ax, indices: indices), [self], shape: newShape, storage: out)
    }
}
