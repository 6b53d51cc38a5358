import Chemistry
import Testing
@testable import Autodiff

@Suite struct MemoryTests {
    /// 200 training-like iterations (forward, createGraph force backward, double backward,
    /// parameter update): the number of live tensors is the same after every iteration, so
    /// graphs are released by ARC; and it returns to zero when the parameters go.
    @Test func liveTensorsStayFlatAcross200Iterations() {
        let counter = LiveTensorCounter()
        var live: [Int] = []
        counter.counting {
            let sys = ToySystem()
            var rng = SeededGenerator(seed: 50)
            var theta = sys.mlp.initialParameters(Double.self, using: &rng)
            for _ in 0..<200 {
                do {
                    let leaves = theta.requiringGrad()
                    let loss = sys.forceLoss(leaves, createGraph: true)
                    let g = gradient(of: loss, withRespectTo: leaves)
                    theta = (theta - g.scaled(by: 1e-3)).detached()
                }
                live.append(counter.live)
            }
        }
        #expect(live.count == 200)
        #expect(Set(live.dropFirst(1)).count == 1, "live tensor counts vary: \(Set(live))")
        #expect(live.last! <= 10, "only parameters (and a few constants) survive: \(live.last!)")
        #expect(counter.live == 0, "everything released after the loop: \(counter.live)")
    }

    /// A graph is freed as soon as its last tensor goes.
    @Test func graphIsReleasedWithItsOutput() {
        weak var leafRef: T?
        do {
            let x = randomTensor([4, 3], seed: 1).requiringGrad()
            leafRef = x
            var y = x
            for _ in 0..<10 { y = (y.tanh() * 1.1).exp() }
            _ = gradient(of: y.sum(), withRespectTo: x, createGraph: true)
            #expect(leafRef != nil)
        }
        #expect(leafRef == nil)
    }

    /// Pool size classes: never below the request, at most 12.5 % above it, monotone, and
    /// exact below the pooling threshold.
    @Test func sizeClassesBoundTheWaste() {
        #expect(BufferPool.sizeClass(1000) == 1000)
        var previous = 0
        for bytes in stride(from: BufferPool.minimumBytes, through: 64 << 20, by: 4093) {
            let c = BufferPool.sizeClass(bytes)
            #expect(c >= bytes && Double(c) <= 1.125 * Double(bytes), "\(bytes) → \(c)")
            #expect(c >= previous)
            previous = c
        }
        #expect(BufferPool.sizeClass(1 << 20) == 1 << 20)
    }

    /// A released buffer serves a later request of a slightly different size in the same
    /// class (as the pair tensors of successive batches are).
    @Test func slightlyDifferentSizesReuseABuffer() {
        let first = BufferPool.allocate(bytes: 5_000_001)
        BufferPool.release(first, bytes: 5_000_001)
        let second = BufferPool.allocate(bytes: 5_100_000)
        #expect(second == first)
        BufferPool.release(second, bytes: 5_100_000)
    }
}
