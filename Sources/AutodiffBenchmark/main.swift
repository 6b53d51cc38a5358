// MLP benchmark: forward, backward, and the double backward of force training, compared with
// raw cblas_sgemm on exactly the GEMM shapes the tensor code issues. See bench/README.md.
import Autodiff
import Chemistry
import CBLAS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
/// `x` with `d` decimals, right-aligned in `w` columns.
func fmt(_ x: Double, _ d: Int, _ w: Int) -> String {
    var p = 1.0
    for _ in 0..<d { p *= 10 }
    let r = (abs(x) * p).rounded()
    let ip = Int(r / p), fp = Int(r) - ip * Int(p)
    var s = (x < 0 ? "-" : "") + String(ip)
    if d > 0 { let f = String(fp); s += "." + String(repeating: "0", count: d - f.count) + f }
    return lpad(s, w)
}

func median(_ xs: [Double]) -> Double { let s = xs.sorted(); return s[s.count / 2] }


let args = CommandLine.arguments
func intArg(_ name: String, _ fallback: Int) -> Int {
    if let i = args.firstIndex(of: name), i + 1 < args.count, let v = Int(args[i + 1]) { return v }
    return fallback
}
let atoms = intArg("--atoms", 2048)
let reps = intArg("--reps", 15)
let threadCounts = [1, 2]

let mlp = MLP(widths: [384, 160, 128, 96, 1], alpha: 1)
var rng = SeededGenerator(seed: 42)
let params = mlp.initialParameters(Float.self, using: &rng)
let x = Tensor<Float>.randomNormal(shape: [atoms, 384], using: &rng)
let forceRef = Tensor<Float>.randomNormal(shape: [atoms, 384], standardDeviation: 0.01, using: &rng)

/// Forward energy with parameters as graph leaves (as in training).
func forward() -> Tensor<Float> {
    let p = params.requiringGrad()
    return mlp(x, parameters: p).sum()
}

/// Energy training step: forward + ∂E/∂θ.
func forwardBackward() -> ParameterSet<Float> {
    let p = params.requiringGrad()
    let e = mlp(x, parameters: p).sum()
    return gradient(of: e, withRespectTo: p)
}

/// Force training step: forward, ∂E/∂x with createGraph, loss |−∂E/∂x − F_ref|², ∂loss/∂θ.
func forceStep() -> ParameterSet<Float> {
    let p = params.requiringGrad()
    let xs = x.requiringGrad()
    let e = mlp(xs, parameters: p).sum()
    let f = -gradient(of: e, withRespectTo: xs, createGraph: true)
    let loss = (f - forceRef).squared().sum()
    return gradient(of: loss, withRespectTo: p)
}

/// Replays `shapes` on raw cblas_sgemm with preallocated buffers.
final class RawGEMM {
    let shapes: [GEMMShape]
    let a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>
    init(_ shapes: [GEMMShape]) {
        self.shapes = shapes
        let na = shapes.map { $0.m * $0.k }.max() ?? 1, nb = shapes.map { $0.k * $0.n }.max() ?? 1
        let nc = shapes.map { $0.m * $0.n }.max() ?? 1
        a = .allocate(capacity: na); b = .allocate(capacity: nb); c = .allocate(capacity: nc)
        for i in 0..<na { a[i] = Float(i % 7) * 0.01 }
        for i in 0..<nb { b[i] = Float(i % 5) * 0.01 }
        c.initialize(repeating: 0, count: nc)
    }
    func run() {
        for s in shapes {
            cblas_sgemm(CblasRowMajor, s.transA ? CblasTrans : CblasNoTrans, s.transB ? CblasTrans : CblasNoTrans,
                        blasint(s.m), blasint(s.n), blasint(s.k), 1, a, blasint(s.transA ? s.m : s.k),
                        b, blasint(s.transB ? s.k : s.n), 0, c, blasint(s.n))
        }
    }
}

func trace(_ body: () -> Void) -> [GEMMShape] {
    GEMMTrace.shapes = []; GEMMTrace.isEnabled = true
    body()
    GEMMTrace.isEnabled = false
    return GEMMTrace.shapes
}

let phases: [(String, () -> Void)] = [
    ("forward", { _ = forward() }),
    ("forward+backward (dE/dθ)", { _ = forwardBackward() }),
    ("force step (fwd + createGraph bwd + double bwd)", { _ = forceStep() }),
]

print("MLP 384-160-128-96-1 (CELU), Float32, \(atoms) atoms, median of \(reps) repetitions")
for threads in threadCounts {
    openblas_set_num_threads(Int32(threads))
    print("\nOpenBLAS threads: \(threads)")
    print(pad("phase", 50), "GEMMs  GFLOP   ms(tensor)  ms(raw)  GFLOP/s(tensor)  GFLOP/s(raw)  fraction")
    for (name, body) in phases {
        let shapes = trace(body)
        let flops = shapes.reduce(0) { $0 + $1.flops }
        let raw = RawGEMM(shapes)
        body(); raw.run()  // warm up
        var tTensor: [Double] = [], tRaw: [Double] = []
        for _ in 0..<reps {
            var t0 = now(); body(); tTensor.append(now() - t0)
            t0 = now(); raw.run(); tRaw.append(now() - t0)
        }
        let mt = median(tTensor), mr = median(tRaw)
        let cols: [String] = [
            pad(name, 50), lpad(String(shapes.count), 5), fmt(flops / 1e9, 3, 6), fmt(mt * 1e3, 2, 11), fmt(mr * 1e3, 2, 8),
            fmt(flops / mt / 1e9, 1, 16), fmt(flops / mr / 1e9, 1, 13), fmt(mr / mt, 2, 9),
        ]
        print(cols.joined(separator: " "))
    }
}

/// Resident set size in MiB from /proc/self/statm (Linux; 0 elsewhere).
func residentMiB() -> Double {
    guard let f = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(f) }
    var size = 0, resident = 0
    guard withUnsafeMutablePointer(to: &size, { s in withUnsafeMutablePointer(to: &resident) { r in
        fscanf_wrapper(f, s, r) } }) else { return 0 }
    return Double(resident) * Double(sysconf(Int32(_SC_PAGESIZE))) / 1048576
}

func fscanf_wrapper(_ f: UnsafeMutablePointer<FILE>, _ s: UnsafeMutablePointer<Int>, _ r: UnsafeMutablePointer<Int>) -> Bool {
    var buf = [CChar](repeating: 0, count: 128)
    guard fgets(&buf, 128, f) != nil else { return false }
    let fields = String(cString: buf).split(separator: " ")
    guard fields.count >= 2, let a = Int(fields[0]), let b = Int(fields[1]) else { return false }
    s.pointee = a; r.pointee = b
    return true
}

openblas_set_num_threads(1)
var rss: [Double] = []
for i in 1...100 {
    _ = forceStep()
    if i % 25 == 0 { rss.append(residentMiB()) }
}
print("\nResident memory after 25/50/75/100 further force steps (MiB):", rss.map { fmt($0, 1, 0) }.joined(separator: " / "))
