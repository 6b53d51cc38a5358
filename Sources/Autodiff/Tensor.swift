#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A dense, row-major, contiguous tensor of `Scalar`s with an optional place in a
/// differentiation graph.
///
/// Tensors are immutable reference objects. An operation on tensors of which at least one
/// `requiresGrad` records a graph node: the result holds its inputs and the primitive that made
/// it (see ``Primitive``). The graph lives exactly as long as the tensors that reference it (ARC);
/// there is no global tape. Storage is a Swift array, so `reshaped` and `detached` share it.
public final class Tensor<Scalar: TensorScalar> {
    /// The extents of the axes; `[]` for a scalar. `count == shape.reduce(1, *)`.
    public let shape: [Int]
    /// The element buffer (row-major), possibly shared with reshaped / detached views.
    let storage: TensorStorage<Scalar>
    /// The elements in row-major order (a copy).
    public var scalars: [Scalar] { storage.array }
    /// The elements in row-major order as `Double` (a copy; exact for both scalar types).
    public var doubleScalars: [Double] {
        [Double](unsafeUninitializedCapacity: storage.count) { buffer, initialized in
            storage.withUnsafeBufferPointer { Scalar.widen($0, into: buffer.baseAddress!) }
            initialized = storage.count
        }
    }
    /// Whether gradients flow to this tensor: a leaf made with `requiresGrad: true`, or the
    /// result of an operation on such tensors.
    public let requiresGrad: Bool
    /// The primitive that produced this tensor (nil for leaves and for untracked results).
    let primitive: Primitive<Scalar>?
    /// The inputs of `primitive` (empty for leaves).
    let inputs: [Tensor<Scalar>]
    private let liveCounter: LiveTensorCounter?

    init(shape: [Int], storage: TensorStorage<Scalar>, requiresGrad: Bool, primitive: Primitive<Scalar>?, inputs: [Tensor]) {
        precondition(shape.reduce(1, *) == storage.count, "shape \(shape) does not match \(storage.count) scalars")
        self.shape = shape
        self.storage = storage
        self.requiresGrad = requiresGrad
        self.primitive = primitive
        self.inputs = inputs
        let counter = LiveTensorCounter.current
        self.liveCounter = counter
        counter?.add(1)
    }

    deinit { liveCounter?.add(-1) }

    /// Creates a tensor of the given `shape` from `scalars` (row-major; `scalars.count` must equal
    /// the product of `shape`). With `requiresGrad: true` the tensor is a graph leaf whose
    /// gradient can be requested.
    public convenience init(shape: [Int], scalars: [Scalar], requiresGrad: Bool = false) {
        precondition(shape.reduce(1, *) == scalars.count, "shape \(shape) does not match \(scalars.count) scalars")
        self.init(shape: shape, storage: TensorStorage(scalars), requiresGrad: requiresGrad, primitive: nil, inputs: [])
    }

    /// Creates a plain tensor of the given `shape` from `Double` values, rounded to `Scalar`.
    public convenience init(shape: [Int], doubles: [Double]) {
        precondition(shape.reduce(1, *) == doubles.count, "shape \(shape) does not match \(doubles.count) scalars")
        let storage = TensorStorage<Scalar>(uninitializedCount: doubles.count)
        doubles.withUnsafeBufferPointer { Scalar.narrow($0, into: storage.pointer) }
        self.init(shape: shape, storage: storage, requiresGrad: false, primitive: nil, inputs: [])
    }

    /// A rank-0 tensor (shape `[]`) holding `value`.
    public convenience init(_ value: Scalar, requiresGrad: Bool = false) {
        self.init(shape: [], scalars: [value], requiresGrad: requiresGrad)
    }

    /// A rank-1 tensor (shape `[values.count]`).
    public convenience init(_ values: [Scalar], requiresGrad: Bool = false) {
        self.init(shape: [values.count], scalars: values, requiresGrad: requiresGrad)
    }

    /// A tensor of `shape` with every element equal to `value`.
    public static func full(_ value: Scalar, shape: [Int]) -> Tensor {
        Tensor(shape: shape, scalars: [Scalar](repeating: value, count: shape.reduce(1, *)))
    }
    /// A tensor of zeros of `shape`.
    public static func zeros(shape: [Int]) -> Tensor { full(0, shape: shape) }
    /// A tensor of ones of `shape`.
    public static func ones(shape: [Int]) -> Tensor { full(1, shape: shape) }

    /// A tensor of `shape` with independent normal samples of mean 0 and standard deviation
    /// `standardDeviation`, drawn from `generator` (Box–Muller).
    public static func randomNormal<G: RandomNumberGenerator>(
        shape: [Int], standardDeviation: Scalar = 1, using generator: inout G
    ) -> Tensor {
        let n = shape.reduce(1, *)
        var out = [Scalar](); out.reserveCapacity(n)
        while out.count < n {
            let u1 = Double.random(in: Double.ulpOfOne..<1, using: &generator)
            let u2 = Double.random(in: 0..<1, using: &generator)
            let r = (-2 * Double.mLog(u1)).squareRoot()
            out.append(Scalar(r * Double.mCos(2 * Double.pi * u2)) * standardDeviation)
            if out.count < n { out.append(Scalar(r * Double.mSin(2 * Double.pi * u2)) * standardDeviation) }
        }
        return Tensor(shape: shape, scalars: out)
    }

    /// A tensor of `shape` with independent uniform samples in `range`.
    public static func randomUniform<G: RandomNumberGenerator>(
        shape: [Int], in range: ClosedRange<Scalar>, using generator: inout G
    ) -> Tensor where Scalar.RawSignificand: FixedWidthInteger {
        let n = shape.reduce(1, *)
        return Tensor(shape: shape, scalars: (0..<n).map { _ in Scalar.random(in: range, using: &generator) })
    }

    /// Number of elements.
    public var count: Int { storage.count }
    /// Number of axes.
    public var rank: Int { shape.count }
    /// The single element of a one-element tensor.
    public var item: Scalar {
        precondition(storage.count == 1, "item needs a one-element tensor, shape is \(shape)")
        return storage.pointer[0]
    }
    /// Whether this tensor was produced by a recorded operation (it has graph parents).
    public var isGraphNode: Bool { primitive != nil }

    /// The same values, cut from the graph: no parents, `requiresGrad == false`. Shares storage.
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage, requiresGrad: false, primitive: nil, inputs: []) }

    /// The same values as a fresh graph leaf with `requiresGrad == true`. Shares storage.
    public func requiringGrad() -> Tensor { Tensor(shape: shape, storage: storage, requiresGrad: true, primitive: nil, inputs: []) }

    /// Records the result of `primitive` applied to `inputs` (a graph node only if some input
    /// requires gradients).
    @inline(__always)
    static func record(_ primitive: Primitive<Scalar>, _ inputs: [Tensor], shape: [Int], storage: TensorStorage<Scalar>) -> Tensor {
        var tracked = false
        for x in inputs where x.requiresGrad { tracked = true; break }
        return Tensor(shape: shape, storage: storage, requiresGrad: tracked,
                      primitive: tracked ? primitive : nil, inputs: tracked ? inputs : [])
    }
}

extension Tensor: CustomStringConvertible {
    /// `Tensor<Float>(shape: [2, 3], [...])`, eliding long contents.
    public var description: String {
        let shown = storage.withUnsafeBufferPointer { Array($0.prefix(8)) }.map { "\($0)" }.joined(separator: ", ")
        return "Tensor<\(Scalar.self)>(shape: \(shape), [\(shown)\(scalars.count > 8 ? ", …" : "")])"
    }
}


/// Counts the tensors alive that were created inside ``LiveTensorCounter/counting(_:)``
/// (on the same task). Used to show that graphs are released after use.
public final class LiveTensorCounter: @unchecked Sendable {
    @TaskLocal static var current: LiveTensorCounter?
    private var value = 0
    private let lock = Lock()

    /// A new counter at zero.
    public init() {}

    /// Tensors created while `body` runs on this task and still alive.
    public var live: Int { lock.withLock { value } }

    func add(_ d: Int) { lock.withLock { value += d } }

    /// Runs `body`; tensors it creates register with this counter (and unregister when freed).
    public func counting<R>(_ body: () throws -> R) rethrows -> R {
        try LiveTensorCounter.$current.withValue(self) { try body() }
    }
}

/// A minimal pthread mutex.
final class Lock: @unchecked Sendable {
    private let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    init() { pthread_mutex_init(m, nil) }
    deinit { pthread_mutex_destroy(m); m.deallocate() }
    @inline(__always) func withLock<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(m); defer { pthread_mutex_unlock(m) }
        return try body()
    }
}

extension UnsafeBufferPointer {
    /// The base address, or a dangling non-nil pointer for an empty buffer (never dereferenced
    /// because every loop over an empty buffer has zero trips).
    @inline(__always) var base: UnsafePointer<Element> {
        baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<Element>.alignment)!
    }
}
