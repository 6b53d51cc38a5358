// Scratch arrays for fused kernels, recycled through BufferPool.

/// A zero-filled array of `count` trivial values (`Double`, `Int`, …) whose memory comes from
/// and returns to ``BufferPool``.
///
/// Fused kernels (the ANI AEV, pair sums) make arrays of megabytes on every call. As Swift
/// arrays these were fresh `mmap`s whose pages the kernel zeroed on first touch each step;
/// from the pool they are reused, so a steady-state training loop allocates nothing large.
/// Written only while it is being filled (by its maker, on one thread), then read.
public final class PooledBuffer<Element>: @unchecked Sendable {
    /// The elements.
    public let pointer: UnsafeMutablePointer<Element>
    /// Number of elements.
    public let count: Int

    /// `count` elements, every byte zero (so `0`, `0.0`, `false`).
    public convenience init(zeros count: Int) {
        self.init(uninitialized: count)
        UnsafeMutableRawPointer(pointer).initializeMemory(as: UInt8.self, repeating: 0,
                                                          count: Swift.max(count, 1) * MemoryLayout<Element>.stride)
    }

    /// `count` elements with unspecified contents: the maker must write every element it
    /// later reads (for a trivial `Element` only).
    public init(uninitialized count: Int) {
        precondition(count >= 0)
        self.count = count
        let bytes = Swift.max(count, 1) * MemoryLayout<Element>.stride
        pointer = BufferPool.allocate(bytes: bytes).bindMemory(to: Element.self, capacity: Swift.max(count, 1))
    }

    deinit {
        BufferPool.release(UnsafeMutableRawPointer(pointer), bytes: Swift.max(count, 1) * MemoryLayout<Element>.stride)
    }

    /// Element `i` (unchecked beyond a debug assertion).
    @inline(__always)
    public subscript(i: Int) -> Element {
        get { assert(i >= 0 && i < count); return pointer[i] }
        set { assert(i >= 0 && i < count); pointer[i] = newValue }
    }

    /// The elements as a read-only buffer.
    public var buffer: UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: pointer, count: count) }
}

extension Tensor {
    /// The elements widened to `Double` in a pooled buffer (exact for both scalar types).
    public var pooledDoubles: PooledBuffer<Double> {
        let out = PooledBuffer<Double>(uninitialized: count)
        storage.withUnsafeBufferPointer { Scalar.widen($0, into: out.pointer) }
        return out
    }

    /// A plain tensor of `shape` from the first `shape.reduce(1, *)` values of `doubles`,
    /// rounded to `Scalar`.
    public convenience init(shape: [Int], doubles: PooledBuffer<Double>) {
        let n = shape.reduce(1, *)
        precondition(n <= doubles.count, "shape \(shape) needs \(n) values, buffer has \(doubles.count)")
        let storage = TensorStorage<Scalar>(uninitializedCount: n)
        Scalar.narrow(UnsafeBufferPointer(start: doubles.pointer, count: n), into: storage.pointer)
        self.init(shape: shape, storage: storage, requiresGrad: false, primitive: nil, inputs: [])
    }
}
