#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The element buffer of a tensor. Large buffers come from and return to ``BufferPool``, so a
/// training loop that makes the same shapes every iteration reuses memory instead of asking the
/// system allocator (and the kernel, for fresh pages) each time.
final class TensorStorage<S>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<S>
    let count: Int

    /// An uninitialised buffer of `count` elements (S is a trivial type).
    init(uninitializedCount count: Int) {
        self.count = count
        pointer = BufferPool.allocate(bytes: Swift.max(count, 1) * MemoryLayout<S>.stride).bindMemory(to: S.self, capacity: Swift.max(count, 1))
    }

    convenience init(_ array: [S]) {
        self.init(uninitializedCount: array.count)
        array.withUnsafeBufferPointer { if let b = $0.baseAddress { pointer.initialize(from: b, count: array.count) } }
    }

    deinit { BufferPool.release(UnsafeMutableRawPointer(pointer), bytes: Swift.max(count, 1) * MemoryLayout<S>.stride) }

    @inline(__always)
    func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<S>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: pointer, count: count))
    }

    var array: [S] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}

/// A process-wide free list of large buffers, keyed by size class and bounded in total
/// (`capacityBytes`); buffers beyond the bound go back to the system.
///
/// A request is rounded up to its size class (``sizeClass(_:)``: eight classes per power of
/// two, at most 12.5 % over), so buffers whose size changes a little from batch to batch —
/// the pair tensors of a message-passing model, `[pairs, …]` with a different pair count in
/// every batch — are reused too. Without that each such buffer (hundreds of MB for HIP-NN's
/// `[P, ν·F]` environment) was a fresh mmap whose pages the kernel zeroed on first touch,
/// and system time exceeded compute time.
public enum BufferPool {
    /// Buffers smaller than this are left to malloc.
    static let minimumBytes = 16 * 1024
    /// Most bytes kept for reuse.
    nonisolated(unsafe) public static var capacityBytes = 2 * 1024 * 1024 * 1024
    nonisolated(unsafe) static var free: [Int: [UnsafeMutableRawPointer]] = [:]
    nonisolated(unsafe) static var pooledBytes = 0
    static let lock = Lock()

    /// The bytes actually allocated for a request of `bytes`: `bytes` itself below
    /// ``minimumBytes``, else `bytes` rounded up to a multiple of 2^(⌊log₂ bytes⌋ − 3).
    public static func sizeClass(_ bytes: Int) -> Int {
        guard bytes >= minimumBytes else { return bytes }
        let step = 1 << (Int.bitWidth - 1 - bytes.leadingZeroBitCount - 3)
        return (bytes + step - 1) / step * step
    }

    static func allocate(bytes request: Int) -> UnsafeMutableRawPointer {
        let bytes = sizeClass(request)
        if bytes >= minimumBytes, let p = lock.withLock({ () -> UnsafeMutableRawPointer? in
            guard let p = free[bytes]?.popLast() else { return nil }
            pooledBytes -= bytes
            return p
        }) { return p }
        return UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
    }

    static func release(_ p: UnsafeMutableRawPointer, bytes request: Int) {
        let bytes = sizeClass(request)
        if bytes >= minimumBytes {
            let kept = lock.withLock { () -> Bool in
                guard pooledBytes + bytes <= capacityBytes else { return false }
                free[bytes, default: []].append(p); pooledBytes += bytes
                return true
            }
            if kept { return }
        }
        p.deallocate()
    }

    /// Returns every pooled buffer to the system.
    public static func drain() {
        let all = lock.withLock { () -> [UnsafeMutableRawPointer] in
            defer { free = [:]; pooledBytes = 0 }
            return free.values.flatMap { $0 }
        }
        for p in all { p.deallocate() }
    }

    /// Bytes currently held for reuse.
    public static var heldBytes: Int { lock.withLock { pooledBytes } }
}

/// An uninitialised storage of `n` scalars that `body` fills completely.
@inline(__always)
func makeStorage<S>(_ n: Int, _ body: (UnsafeMutablePointer<S>) -> Void) -> TensorStorage<S> {
    let s = TensorStorage<S>(uninitializedCount: n)
    if n > 0 { body(s.pointer) }
    return s
}
