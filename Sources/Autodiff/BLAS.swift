import CBLAS

/// One GEMM call as issued by ``matmul(_:_:transposeA:transposeB:)`` (for benchmarks that
/// replay the same shapes on raw `cblas_?gemm`).
public struct GEMMShape: Hashable, Sendable {
    /// Rows of `op(A)` and of `C`.
    public var m: Int
    /// Columns of `op(B)` and of `C`.
    public var n: Int
    /// Inner dimension.
    public var k: Int
    /// Whether `A` is transposed.
    public var transA: Bool
    /// Whether `B` is transposed.
    public var transB: Bool
    /// Floating-point operations, `2 m n k`.
    public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
}

/// Records the GEMM shapes issued by tensor matmuls while `isEnabled` (single-threaded use;
/// meant for benchmarks).
public enum GEMMTrace {
    nonisolated(unsafe) public static var isEnabled = false
    nonisolated(unsafe) public static var shapes: [GEMMShape] = []
}

/// Sets the number of OpenBLAS threads.
public func setBLASThreads(_ n: Int) { openblas_set_num_threads(Int32(n)) }

/// Matrix product on CBLAS with transpose flags (no transposed copies are made).
///
/// - Rank 2: `a` is `[m, k]` (or `[k, m]` with `transposeA`), `b` is `[k, n]` (or `[n, k]` with
///   `transposeB`); the result is `[m, n]`, `C = op(A) op(B)`.
/// - Rank 3 (batched): `a` is `[B, m, k]`, `b` is `[B, k, n]` (transposes apply to the last two
///   axes); the result is `[B, m, n]`, one GEMM per batch entry.
public func matmul<S: TensorScalar>(_ a: Tensor<S>, _ b: Tensor<S>, transposeA: Bool = false, transposeB: Bool = false) -> Tensor<S> {
    precondition(a.rank == b.rank && (a.rank == 2 || a.rank == 3), "matmul needs two rank-2 or two rank-3 tensors, got \(a.shape) and \(b.shape)")
    let batched = a.rank == 3
    let batch = batched ? a.shape[0] : 1
    if batched { precondition(b.shape[0] == batch, "batch sizes differ: \(a.shape) vs \(b.shape)") }
    let ar = a.shape[a.rank - 2], ac = a.shape[a.rank - 1]
    let br = b.shape[b.rank - 2], bc = b.shape[b.rank - 1]
    let m = transposeA ? ac : ar, k = transposeA ? ar : ac
    let k2 = transposeB ? bc : br, n = transposeB ? br : bc
    precondition(k == k2, "matmul inner dimensions differ: \(a.shape)\(transposeA ? "ᵀ" : "") × \(b.shape)\(transposeB ? "ᵀ" : "")")
    let shape = batched ? [batch, m, n] : [m, n]
    let out: TensorStorage<S> = a.storage.withUnsafeBufferPointer { pa in
        b.storage.withUnsafeBufferPointer { pb in
            makeStorage(batch * m * n) { pc in
                if k == 0 { for i in 0..<(batch * m * n) { pc[i] = 0 }; return }
                for t in 0..<batch {
                    if GEMMTrace.isEnabled { GEMMTrace.shapes.append(GEMMShape(m: m, n: n, k: k, transA: transposeA, transB: transposeB)) }
                    S.gemm(transA: transposeA, transB: transposeB, m: m, n: n, k: k, alpha: 1,
                           a: pa.base + t * ar * ac, lda: ac, b: pb.base + t * br * bc, ldb: bc,
                           beta: 0, c: pc + t * m * n, ldc: n)
                }
            }
        }
    }
    return .record(.matmul(transposeA: transposeA, transposeB: transposeB), [a, b], shape: shape, storage: out)
}

extension Tensor {
    /// `matmul(self, other, transposeA:, transposeB:)`; see ``matmul(_:_:transposeA:transposeB:)``.
    public func matmul(_ other: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        Autodiff.matmul(self, other, transposeA: transposeA, transposeB: transposeB)
    }
}
