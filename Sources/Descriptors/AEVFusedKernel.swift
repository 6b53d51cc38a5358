// The ANI AEV and its two Jacobian products as fused loops (no tensor graph).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The ANI atomic environment vector G(R) of one ``NeighbourTopology`` computed by fused
/// loops over pairs and triplets, together with the two products with its Jacobian
/// J = ∂G/∂R that force training needs:
///
/// - ``forward(_:)``: G, `[N, F]`;
/// - ``transposeProduct(_:_:)``: Jᵀg, `[N, 3]`, for a cotangent g `[N, F]` (forces are
///   −Jᵀ ∂E/∂G);
/// - ``jacobianProduct(_:_:)``: J v, `[N, F]`, for a displacement v `[N, 3]` (the parameter
///   gradient of a force loss is ∂/∂θ of ⟨∂E/∂G(θ), J v⟩ with v = ∂L/∂F).
///
/// J depends on R only, never on the network parameters, so these three functions are all a
/// training step needs from the descriptor: no descriptor graph is recorded or differentiated
/// twice. Everything is computed in `Double` whatever the tensor type (the Float32 path then
/// rounds once), by the formulas of ``AEVParameters`` (TorchANI's AEV, Smith et al.,
/// Chem. Sci. 2017, doi:10.1039/C6SC05720A):
///
/// - radial, per pair p = (i, j) with d = |u|, u = r_j + shift − r_i:
///   t_r(d) = ¼ exp(−η_R (d − R_s,r)²) f_c(d), f_c(d) = ½ cos(π d / R_c) + ½ for d ≤ R_c;
/// - angular, per triplet (i; j, k) with c = 0.95 u_j·u_k / max(d_j d_k, 10⁻¹⁰),
///   s = √(1 − c²), m = (d_j + d_k)/2:
///   T_az = f2_a f1_z F, f1_z = ((1 + c cos θ_s,z + s sin θ_s,z)/2)^ζ,
///   f2_a = exp(−η_A (m − R_s,a)²), F = 2 f_c,A(d_j) f_c,A(d_k).
///
/// The derivatives follow the composed-graph definition exactly (distances as
/// √max(|u|², 10⁻¹²) and the clamp of the angular denominator have zero derivative where they
/// are active), so the fused and the composed AEV agree to rounding
/// (`Tests/DescriptorsTests/AEVFusedKernelTests.swift`).
struct AEVFusedKernel: Sendable {
    let parameters: AEVParameters
    let atomCount: Int
    let featureCount: Int
    private let centers: [Int]
    private let neighbours: [Int]
    private let shifts: [Double]          // [P, 3]
    private let radialColumn: [Int]       // per pair: first feature of its radial block
    private let tripletFirst: [Int]
    private let tripletSecond: [Int]
    private let angularColumn: [Int]      // per triplet: first feature of its angular block
    private let cosZ: [Double], sinZ: [Double]

    init(parameters p: AEVParameters, topology: NeighbourTopology) {
        parameters = p
        atomCount = topology.atomCount
        featureCount = p.featureCount
        centers = topology.centers
        neighbours = topology.neighbours
        shifts = topology.shifts
        radialColumn = topology.neighbours.map { topology.speciesIndices[$0] * p.radialSublength }
        tripletFirst = topology.tripletFirst
        tripletSecond = topology.tripletSecond
        angularColumn = zip(topology.tripletFirst, topology.tripletSecond).map { a, b in
            let sj = topology.speciesIndices[topology.neighbours[a]]
            let sk = topology.speciesIndices[topology.neighbours[b]]
            return p.radialLength + p.pairIndex(sj, sk) * p.angularSublength
        }
        cosZ = p.shfZ.map { cos($0) }
        sinZ = p.shfZ.map { sin($0) }
    }

    var pairCount: Int { centers.count }
    var tripletCount: Int { tripletFirst.count }

    /// Pair displacements u `[P, 3]`, distances d `[P]` and unit vectors ∂d/∂u `[P, 3]`
    /// (zero where |u|² < 10⁻¹², as the composed `safeSqrt`).
    struct Geometry {
        var u: [Double]
        var d: [Double]
        var unit: [Double]
    }

    /// The pair geometry at `positions` (`[N, 3]` row-major, Å).
    func geometry(_ positions: [Double]) -> Geometry {
        precondition(positions.count == 3 * atomCount, "positions hold \(positions.count / 3) atoms, topology \(atomCount)")
        var g = Geometry(u: [Double](repeating: 0, count: 3 * pairCount),
                         d: [Double](repeating: 0, count: pairCount),
                         unit: [Double](repeating: 0, count: 3 * pairCount))
        for p in 0..<pairCount {
            let i = centers[p], j = neighbours[p]
            var s = 0.0
            for x in 0..<3 {
                let v = positions[3 * j + x] - positions[3 * i + x] + shifts[3 * p + x]
                g.u[3 * p + x] = v
                s += v * v
            }
            let d = sqrt(max(s, 1e-12))
            g.d[p] = d
            if s >= 1e-12 { for x in 0..<3 { g.unit[3 * p + x] = g.u[3 * p + x] / d } }
        }
        return g
    }

    // MARK: radial terms

    /// `(t_r, dt_r/dd)` for the radial shifts at distance d, written to `value`/`slope`
    /// (`nR` each); false beyond the radial cutoff (both zero).
    @inline(__always)
    private func radial(_ d: Double, _ value: UnsafeMutablePointer<Double>, _ slope: UnsafeMutablePointer<Double>) -> Bool {
        let p = parameters
        let rc = p.radialCutoff
        guard d <= rc else { return false }
        let k = Double.pi / rc
        let fc = 0.5 * cos(k * d) + 0.5
        let dfc = -0.5 * k * sin(k * d)
        for r in 0..<p.shfR.count {
            let x = d - p.shfR[r]
            let gauss = exp(-p.etaR * x * x)
            value[r] = 0.25 * gauss * fc
            slope[r] = 0.25 * gauss * (-2 * p.etaR * x * fc + dfc)
        }
        return true
    }

    // MARK: angular terms

    /// Per-triplet quantities shared by the three products.
    private struct Triplet {
        var c = 0.0                 // damped cosine
        var dcdUj = SIMD3<Double>(), dcdUk = SIMD3<Double>()
        var fc = 0.0                // 2 f_c(d_j) f_c(d_k)
        var dfcdj = 0.0, dfcdk = 0.0
    }

    /// The triplet's cosine, cutoff product and their derivatives; nil when the cutoff
    /// product and its derivatives vanish (a leg beyond the angular cutoff).
    @inline(__always)
    private func triplet(_ a: Int, _ b: Int, _ g: Geometry) -> Triplet? {
        let rc = parameters.angularCutoff
        let dj = g.d[a], dk = g.d[b]
        guard dj <= rc, dk <= rc else { return nil }
        let k = Double.pi / rc
        let fj = 0.5 * cos(k * dj) + 0.5, fk = 0.5 * cos(k * dk) + 0.5
        let dfj = -0.5 * k * sin(k * dj), dfk = -0.5 * k * sin(k * dk)
        let uj = SIMD3(g.u[3 * a], g.u[3 * a + 1], g.u[3 * a + 2])
        let uk = SIMD3(g.u[3 * b], g.u[3 * b + 1], g.u[3 * b + 2])
        let ej = SIMD3(g.unit[3 * a], g.unit[3 * a + 1], g.unit[3 * a + 2])
        let ek = SIMD3(g.unit[3 * b], g.unit[3 * b + 1], g.unit[3 * b + 2])
        let product = dj * dk
        let clamped = product < 1e-10
        let den = clamped ? 1e-10 : product
        var t = Triplet()
        t.c = 0.95 * (uj * uk).sum() / den
        t.dcdUj = 0.95 * uk / den
        t.dcdUk = 0.95 * uj / den
        if !clamped {
            // ∂den/∂u_j = d_k ê_j, ∂c/∂den = −c/den.
            t.dcdUj -= t.c * dk / den * ej
            t.dcdUk -= t.c * dj / den * ek
        }
        t.fc = 2 * fj * fk
        t.dfcdj = 2 * dfj * fk
        t.dfcdk = 2 * fj * dfk
        return t
    }

    /// f1_z and ∂f1_z/∂c for the damped cosine c (`nZ` each).
    @inline(__always)
    private func angleFactors(_ c: Double, _ f1: UnsafeMutablePointer<Double>, _ df1: UnsafeMutablePointer<Double>) {
        let zeta = parameters.zeta
        let s = (1 - c * c).squareRoot()
        for z in 0..<cosZ.count {
            let base = (1 + c * cosZ[z] + s * sinZ[z]) * 0.5
            let value = pow(base, zeta)
            f1[z] = value
            // d base/dc = ½ (cos θ_s − c/s sin θ_s); base > 0 for |c| ≤ 0.95.
            df1[z] = zeta * value / base * 0.5 * (cosZ[z] - c / s * sinZ[z])
        }
    }

    /// f2_a and ∂f2_a/∂m for the mean distance m (`nA` each).
    @inline(__always)
    private func distanceFactors(_ m: Double, _ f2: UnsafeMutablePointer<Double>, _ df2: UnsafeMutablePointer<Double>) {
        let p = parameters
        for a in 0..<p.shfA.count {
            let x = m - p.shfA[a]
            let value = exp(-p.etaA * x * x)
            f2[a] = value
            df2[a] = -2 * p.etaA * x * value
        }
    }

    // MARK: the three products

    /// G `[N, F]` at the geometry `g`.
    func forward(_ g: Geometry) -> [Double] {
        let p = parameters
        let nR = p.shfR.count, nA = p.shfA.count, nZ = p.shfZ.count, f = featureCount
        var out = [Double](repeating: 0, count: atomCount * f)
        withScratch { s in
            out.withUnsafeMutableBufferPointer { o in
                for q in 0..<pairCount where radial(g.d[q], s.value, s.slope) {
                    let row = centers[q] * f + radialColumn[q]
                    for r in 0..<nR { o[row + r] += s.value[r] }
                }
                for q in 0..<tripletCount {
                    let a = tripletFirst[q], b = tripletSecond[q]
                    guard let t = triplet(a, b, g) else { continue }
                    angleFactors(t.c, s.f1, s.df1)
                    distanceFactors(0.5 * (g.d[a] + g.d[b]), s.f2, s.df2)
                    let row = centers[a] * f + angularColumn[q]
                    for x in 0..<nA {
                        let w = s.f2[x] * t.fc
                        for z in 0..<nZ { o[row + x * nZ + z] += w * s.f1[z] }
                    }
                }
            }
        }
        return out
    }

    /// Jᵀ g `[N, 3]` for the cotangent `cotangent` `[N, F]` at the geometry `g`.
    func transposeProduct(_ g: Geometry, _ cotangent: [Double]) -> [Double] {
        precondition(cotangent.count == atomCount * featureCount)
        let p = parameters
        let nR = p.shfR.count, nA = p.shfA.count, nZ = p.shfZ.count, f = featureCount
        var pairGradient = [SIMD3<Double>](repeating: .zero, count: pairCount)   // ∂⟨g, G⟩/∂u_p
        withScratch { s in
            cotangent.withUnsafeBufferPointer { c in
                for q in 0..<pairCount where radial(g.d[q], s.value, s.slope) {
                    let row = centers[q] * f + radialColumn[q]
                    var a = 0.0
                    for r in 0..<nR { a += c[row + r] * s.slope[r] }
                    pairGradient[q] += a * unit(g, q)
                }
                for q in 0..<tripletCount {
                    let a = tripletFirst[q], b = tripletSecond[q]
                    guard let t = triplet(a, b, g) else { continue }
                    angleFactors(t.c, s.f1, s.df1)
                    distanceFactors(0.5 * (g.d[a] + g.d[b]), s.f2, s.df2)
                    let row = centers[a] * f + angularColumn[q]
                    var sum0 = 0.0, sumMean = 0.0, sumCos = 0.0
                    for x in 0..<nA {
                        var h1 = 0.0, h2 = 0.0
                        for z in 0..<nZ {
                            let gz = c[row + x * nZ + z]
                            h1 += gz * s.f1[z]
                            h2 += gz * s.df1[z]
                        }
                        sum0 += s.f2[x] * h1
                        sumMean += s.df2[x] * h1
                        sumCos += s.f2[x] * h2
                    }
                    let gc = t.fc * sumCos
                    let gdj = 0.5 * t.fc * sumMean + sum0 * t.dfcdj
                    let gdk = 0.5 * t.fc * sumMean + sum0 * t.dfcdk
                    pairGradient[a] += gc * t.dcdUj + gdj * unit(g, a)
                    pairGradient[b] += gc * t.dcdUk + gdk * unit(g, b)
                }
            }
        }
        var out = [Double](repeating: 0, count: 3 * atomCount)
        for q in 0..<pairCount {
            let i = centers[q], j = neighbours[q], v = pairGradient[q]
            for x in 0..<3 { out[3 * j + x] += v[x]; out[3 * i + x] -= v[x] }
        }
        return out
    }

    /// J v `[N, F]` for the displacement `v` `[N, 3]` at the geometry `g`.
    func jacobianProduct(_ g: Geometry, _ v: [Double]) -> [Double] {
        precondition(v.count == 3 * atomCount)
        let p = parameters
        let nR = p.shfR.count, nA = p.shfA.count, nZ = p.shfZ.count, f = featureCount
        // δu_p = v_j − v_i and δd_p = ê_p · δu_p.
        var du = [SIMD3<Double>](repeating: .zero, count: pairCount)
        var dd = [Double](repeating: 0, count: pairCount)
        for q in 0..<pairCount {
            let i = centers[q], j = neighbours[q]
            du[q] = SIMD3(v[3 * j] - v[3 * i], v[3 * j + 1] - v[3 * i + 1], v[3 * j + 2] - v[3 * i + 2])
            dd[q] = (unit(g, q) * du[q]).sum()
        }
        var out = [Double](repeating: 0, count: atomCount * f)
        withScratch { s in
            out.withUnsafeMutableBufferPointer { o in
                for q in 0..<pairCount where radial(g.d[q], s.value, s.slope) {
                    let row = centers[q] * f + radialColumn[q]
                    for r in 0..<nR { o[row + r] += s.slope[r] * dd[q] }
                }
                for q in 0..<tripletCount {
                    let a = tripletFirst[q], b = tripletSecond[q]
                    guard let t = triplet(a, b, g) else { continue }
                    angleFactors(t.c, s.f1, s.df1)
                    distanceFactors(0.5 * (g.d[a] + g.d[b]), s.f2, s.df2)
                    let dc = (t.dcdUj * du[a]).sum() + (t.dcdUk * du[b]).sum()
                    let dm = 0.5 * (dd[a] + dd[b])
                    let dfc = t.dfcdj * dd[a] + t.dfcdk * dd[b]
                    let row = centers[a] * f + angularColumn[q]
                    for x in 0..<nA {
                        let wCos = s.f2[x] * t.fc * dc
                        let wRest = s.df2[x] * t.fc * dm + s.f2[x] * dfc
                        for z in 0..<nZ { o[row + x * nZ + z] += wCos * s.df1[z] + wRest * s.f1[z] }
                    }
                }
            }
        }
        return out
    }

    @inline(__always)
    private func unit(_ g: Geometry, _ p: Int) -> SIMD3<Double> {
        SIMD3(g.unit[3 * p], g.unit[3 * p + 1], g.unit[3 * p + 2])
    }

    /// Scratch rows for one call: radial values/slopes, f1/∂f1 and f2/∂f2.
    private struct Scratch {
        let value, slope, f1, df1, f2, df2: UnsafeMutablePointer<Double>
    }

    private func withScratch<R>(_ body: (Scratch) -> R) -> R {
        let p = parameters
        let nR = max(p.shfR.count, 1), nZ = max(p.shfZ.count, 1), nA = max(p.shfA.count, 1)
        let buffer = UnsafeMutablePointer<Double>.allocate(capacity: 2 * (nR + nZ + nA))
        defer { buffer.deallocate() }
        return body(Scratch(value: buffer, slope: buffer + nR, f1: buffer + 2 * nR, df1: buffer + 2 * nR + nZ,
                            f2: buffer + 2 * (nR + nZ), df2: buffer + 2 * (nR + nZ) + nA))
    }
}
