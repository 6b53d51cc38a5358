// Shape operations: reshape, permutation, concatenation, slicing (and its adjoint, padding).

extension Tensor {
    /// The same elements with a new `shape` (same element count; one extent may be -1 and is
    /// inferred). Shares storage.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var s = newShape
        if let i = s.firstIndex(of: -1) {
            let rest = s.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
            s[i] = rest == 0 ? 0 : count / rest
        }
        precondition(s.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        if s == shape { return self }
        return .record(.reshape, [self], shape: s, storage: storage)
    }

    /// Axes permuted: result axis `i` is input axis `permutation[i]`. Copies.
    public func permuted(_ permutation: [Int]) -> Tensor {
        precondition(permutation.sorted() == Array(0..<rank), "bad permutation \(permutation) for rank \(rank)")
        if permutation == Array(0..<rank) { return self }
        let contiguous = Kernels.broadcastStrides(shape, to: shape)
        let newShape = permutation.map { shape[$0] }
        let strides = permutation.map { contiguous[$0] }
        let out: TensorStorage<Scalar> = storage.withUnsafeBufferPointer { x in
            makeStorage(count) { Kernels.gatherStrided(x.base, strides, $0, newShape) }
        }
        return .record(.permute(permutation), [self], shape: newShape, storage: out)
    }

    /// The last two axes swapped (`[..., m, n] → [..., n, m]`). Copies; prefer matmul's transpose
    /// flags where possible.
    public func transposed() -> Tensor {
        precondition(rank >= 2, "transposed() needs rank ≥ 2")
        var p = Array(0..<rank); p.swapAt(rank - 1, rank - 2)
        return permuted(p)
    }

    /// Elements `start ..< start + length` along `axis`; other axes unchanged.
    public func slice(alongAxis axis: Int, start: Int, length: Int) -> Tensor {
        let ax = axis < 0 ? axis + rank : axis
        precondition(start >= 0 && length >= 0 && start + length <= shape[ax], "slice out of range")
        if start == 0 && length == shape[ax] { return self }
        let outer = shape[..<ax].reduce(1, *), inner = shape[(ax + 1)...].reduce(1, *), dim = shape[ax]
        var newShape = shape; newShape[ax] = length
        let out: TensorStorage<Scalar> = storage.withUnsafeBufferPointer { x in
            makeStorage(outer * length * inner) { y in
                for o in 0..<outer {
                    (y + o * length * inner).update(from: x.base + (o * dim + start) * inner, count: length * inner)
                }
            }
        }
        return .record(.slice(axis: ax, start: start), [self], shape: newShape, storage: out)
    }

    /// The adjoint of slicing: this tensor placed at `start` along `axis` inside zeros of extent
    /// `extent` on that axis.
    public func padded(alongAxis axis: Int, start: Int, extent: Int) -> Tensor {
        let ax = axis < 0 ? axis + rank : axis
        let len = shape[ax]
        precondition(start >= 0 && start + len <= extent, "pad out of range")
        if start == 0 && len == extent { return self }
        let outer = shape[..<ax].reduce(1, *), inner = shape[(ax + 1)...].reduce(1, *)
        var newShape = shape; newShape[ax] = extent
        let n = outer * extent * inner
        let out: TensorStorage<Scalar> = storage.withUnsafeBufferPointer { x in
            makeStorage(n) { y in
                y.initialize(repeating: 0, count: n)
                for o in 0..<outer {
                    (y + (o * extent + start) * inner).update(from: x.base + o * len * inner, count: len * inner)
                }
            }
        }
        return .record(.pad(axis: ax, start: start), [self], shape: newShape, storage: out)
    }

    /// Concatenation of `tensors` along `axis`; all other extents must agree.
    public static func concatenate(_ tensors: [Tensor], alongAxis axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "concatenate needs at least one tensor")
        if tensors.count == 1 { return tensors[0] }
        let first = tensors[0], ax = axis < 0 ? axis + first.rank : axis
        for t in tensors {
            precondition(t.rank == first.rank && (0..<t.rank).allSatisfy { $0 == ax || t.shape[$0] == first.shape[$0] },
                         "concatenate: incompatible shapes \(first.shape) and \(t.shape)")
        }
        let outer = first.shape[..<ax].reduce(1, *), inner = first.shape[(ax + 1)...].reduce(1, *)
        let total = tensors.reduce(0) { $0 + $1.shape[ax] }
        var newShape = first.shape; newShape[ax] = total
        let out: TensorStorage<Scalar> = makeStorage(outer * total * inner) { y in
            var offset = 0
            for t in tensors {
                let len = t.shape[ax]
                t.storage.withUnsafeBufferPointer { x in
                    for o in 0..<outer {
                        (y + (o * total + offset) * inner).initialize(from: x.base + o * len * inner, count: len * inner)
                    }
                }
                offset += len
            }
        }
        return record(.concat(axis: ax), tensors, shape: newShape, storage: out)
    }
}
