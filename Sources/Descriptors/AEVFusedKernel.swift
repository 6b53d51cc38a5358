// The ANI AEV and its two Jacobian products as fused loops (no tensor graph).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Autodiff

/// The ANI atomic environment vector G(R) of one ``NeighbourTopology`` computed by fused
/// loops over pairs and triplets, together with the two products with its Jacobian
/// J = ∂G/∂R that force training needs:
///
/// - G, `[N, F]`, accumulated while the kernel is made (``init(parameters:topology:positions:values:)``);
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
/// Everything that depends only on R — per pair d, ∂d/∂u and dt_r/dd; per triplet f1, f2,
/// F, c and their derivatives — is computed once when the kernel is made for a geometry (G is
/// summed in the same pass), so the two products cost only multiply–adds. Its arrays come from `BufferPool` (``PooledBuffer``),
/// so a training loop does not map fresh pages every step. ζ is applied by repeated squaring when it is a whole
/// number (ANI-1x: 32), else by `pow`.
///
/// The derivatives follow the composed-graph definition exactly (distances as
/// √max(|u|², 10⁻¹²) and the clamp of the angular denominator have zero derivative where they
/// are active), so the fused and the composed AEV agree to rounding
/// (`Tests/DescriptorsTests/AEVFusedKernelTests.swift`).
struct AEVFusedKernel: Sendable {
    let parameters: AEVParameters
    let atomCount: Int
    let featureCount: Int
    private let nR: Int, nA: Int, nZ: Int
    private let topology: NeighbourTopology
    // Per pair.
    private let unit: PooledBuffer<Double>          // [P, 3]: ∂d/∂u (0 where |u|² < 10⁻¹²)
    private let radialActive: PooledBuffer<Bool>    // d ≤ R_c,R
    private let radialSlope: PooledBuffer<Double>   // [P, nR]: dt_r/dd
    // Per triplet with both legs within the angular cutoff.
    private let tripletCount: Int                   // triplets with both legs within the angular cutoff
    private let tripletPairs: PooledBuffer<Int>     // [T, 2]: the pairs (i, j) and (i, k)
    private let angularRow: PooledBuffer<Int>       // centre · F + first feature of the angular block
    private let cosineSlopes: PooledBuffer<Double>  // [T, 6]: ∂c/∂u_j, ∂c/∂u_k
    private let cutoffTerms: PooledBuffer<Double>   // [T, 3]: F, ∂F/∂d_j, ∂F/∂d_k
    private let angle: PooledBuffer<Double>         // [T, 2 nZ]: f1_z, ∂f1_z/∂c
    private let radius: PooledBuffer<Double>        // [T, 2 nA]: f2_a, ∂f2_a/∂m

    /// The kernel of `topology` at `positions` (`[N, 3]` row-major, Å). G `[N, F]` is added to
    /// `values` (zeros, N·F of them) as its terms are formed: radial terms in pair order, then
    /// angular terms in triplet order, so no term is stored and read back to form G.
    init(parameters p: AEVParameters, topology: NeighbourTopology, positions r: PooledBuffer<Double>,
         values o: PooledBuffer<Double>) {
        precondition(r.count == 3 * topology.atomCount,
                     "positions hold \(r.count / 3) atoms, topology \(topology.atomCount)")
        precondition(o.count == topology.atomCount * p.featureCount,
                     "values hold \(o.count), G has \(topology.atomCount * p.featureCount)")
        parameters = p
        self.topology = topology
        atomCount = topology.atomCount
        featureCount = p.featureCount
        let (nR, nA, nZ) = (p.shfR.count, p.shfA.count, p.shfZ.count)
        (self.nR, self.nA, self.nZ) = (nR, nA, nZ)
        let pairs = topology.pairCount

        // Pair geometry: u = r_j + shift − r_i, d = √max(|u|², 10⁻¹²).
        let u = PooledBuffer<Double>(uninitialized: 3 * pairs), d = PooledBuffer<Double>(uninitialized: pairs)
        let unit = PooledBuffer<Double>(uninitialized: 3 * pairs)
        topology.centers.withUnsafeBufferPointer { centers in
        topology.neighbours.withUnsafeBufferPointer { neighbours in
        topology.shifts.withUnsafeBufferPointer { shifts in
            for q in 0..<pairs {
                let i = centers[q], j = neighbours[q]
                var s = 0.0
                for x in 0..<3 {
                    let v = r[3 * j + x] - r[3 * i + x] + shifts[3 * q + x]
                    u[3 * q + x] = v
                    s += v * v
                }
                d[q] = max(s, 1e-12).squareRoot()
                let inverse = s >= 1e-12 ? 1 / d[q] : 0
                for x in 0..<3 { unit[3 * q + x] = u[3 * q + x] * inverse }
            }
        }
        }
        }
        self.unit = unit

        // Radial terms t_r = ¼ exp(−η (d − R_s)²) f_c(d) and their slopes.
        let active = PooledBuffer<Bool>(zeros: pairs)
        let slope = PooledBuffer<Double>(uninitialized: pairs * nR)   // read only where active
        let value = PooledBuffer<Double>(uninitialized: nR)            // one pair's t_r, added to G at once
        let kR = Double.pi / p.radialCutoff, etaR = p.etaR
        let gaussians = GaussianLadder(centres: p.shfR, eta: etaR)
        let radialSub = p.radialSublength
        p.shfR.withUnsafeBufferPointer { shfR in
            let shf = shfR.baseAddress!
            for q in 0..<pairs where d[q] <= p.radialCutoff {
                active[q] = true
                let dq = d[q]
                let fc = 0.5 * cos(kR * dq) + 0.5, dfc = -0.5 * kR * sin(kR * dq)
                let v = value.pointer, s = slope.pointer + q * nR
                gaussians.values(at: dq, into: v)
                var k = 0
                while k + 4 <= nR {
                    let gauss = load4(v + k)
                    store4(v + k, 0.25 * gauss * fc)
                    store4(s + k, 0.25 * gauss * (-2 * etaR * (dq - load4(shf + k)) * fc + dfc))
                    k += 4
                }
                while k < nR {
                    let gauss = v[k]
                    v[k] = 0.25 * gauss * fc
                    s[k] = 0.25 * gauss * (-2 * etaR * (dq - shf[k]) * fc + dfc)
                    k += 1
                }
                // G's radial block of the centre for the neighbour's species.
                let row = topology.centers[q] * p.featureCount + topology.speciesIndices[topology.neighbours[q]] * radialSub
                for k in 0..<nR { o[row + k] += v[k] }
            }
        }
        radialActive = active; radialSlope = slope

        // Angular cutoff per pair (only pairs within it take part in triplets).
        let rcA = p.angularCutoff, kA = Double.pi / rcA
        let fcA = PooledBuffer<Double>(zeros: pairs), dfcA = PooledBuffer<Double>(zeros: pairs)
        for q in 0..<pairs where d[q] <= rcA {
            fcA[q] = 0.5 * cos(kA * d[q]) + 0.5
            dfcA[q] = -0.5 * kA * sin(kA * d[q])
        }

        // Triplets whose legs are both within the cutoff (else F and its derivatives vanish).
        let all = topology.tripletCount
        let pairsOfTriplets = PooledBuffer<Int>(uninitialized: 2 * all)
        var t = 0
        topology.tripletFirst.withUnsafeBufferPointer { first in
        topology.tripletSecond.withUnsafeBufferPointer { second in
            for q in 0..<all where d[first[q]] <= rcA && d[second[q]] <= rcA {
                pairsOfTriplets[2 * t] = first[q]; pairsOfTriplets[2 * t + 1] = second[q]
                t += 1
            }
        }
        }
        tripletCount = t
        tripletPairs = pairsOfTriplets
        let rows = PooledBuffer<Int>(uninitialized: t)
        let slopes = PooledBuffer<Double>(uninitialized: 6 * t), cutoff = PooledBuffer<Double>(uninitialized: 3 * t)
        let angle = PooledBuffer<Double>(uninitialized: 2 * nZ * t), radius = PooledBuffer<Double>(uninitialized: 2 * nA * t)
        // cos θ_s,z, sin θ_s,z and R_s,a side by side, read through plain pointers.
        let shifts = PooledBuffer<Double>(uninitialized: 2 * nZ + nA)
        for (z, theta) in p.shfZ.enumerated() { shifts[z] = cos(theta); shifts[nZ + z] = sin(theta) }
        for (x, r) in p.shfA.enumerated() { shifts[2 * nZ + x] = r }
        let cosZ = shifts.pointer, sinZ = cosZ + nZ, shfA = sinZ + nZ
        let zeta = p.zeta, etaA = p.etaA
        let radialLadder = GaussianLadder(centres: p.shfA, eta: etaA)
        let wholeZeta: Int? = zeta == zeta.rounded() && zeta >= 1 && zeta <= 1024 ? Int(zeta) : nil
        for n in 0..<t {
            let a = pairsOfTriplets[2 * n], b = pairsOfTriplets[2 * n + 1]
            let dj = d[a], dk = d[b]
            let sj = topology.speciesIndices[topology.neighbours[a]]
            let sk = topology.speciesIndices[topology.neighbours[b]]
            rows[n] = topology.centers[a] * p.featureCount + p.radialLength + p.pairIndex(sj, sk) * p.angularSublength

            // c = 0.95 u_j·u_k / max(d_j d_k, 10⁻¹⁰); ∂den/∂u_j = d_k ê_j unless clamped.
            let uj = SIMD3<Double>(u[3 * a], u[3 * a + 1], u[3 * a + 2])
            let uk = SIMD3<Double>(u[3 * b], u[3 * b + 1], u[3 * b + 2])
            let product = dj * dk
            let clamped = product < 1e-10
            let den = clamped ? 1e-10 : product
            let c = 0.95 * (uj * uk).sum() / den
            var dcdUj = 0.95 * uk / den, dcdUk = 0.95 * uj / den
            if !clamped {
                let ej = SIMD3<Double>(unit[3 * a], unit[3 * a + 1], unit[3 * a + 2])
                let ek = SIMD3<Double>(unit[3 * b], unit[3 * b + 1], unit[3 * b + 2])
                let scale = c / den
                dcdUj -= (scale * dk) * ej
                dcdUk -= (scale * dj) * ek
            }
            for x in 0..<3 { slopes[6 * n + x] = dcdUj[x]; slopes[6 * n + 3 + x] = dcdUk[x] }
            cutoff[3 * n] = 2 * fcA[a] * fcA[b]
            cutoff[3 * n + 1] = 2 * dfcA[a] * fcA[b]
            cutoff[3 * n + 2] = 2 * fcA[a] * dfcA[b]

            // f1_z = base^ζ, base = (1 + c cos θ_s + s sin θ_s)/2 > 0 for |c| ≤ 0.95.
            // Four z at a time; each lane does the scalar loop's operations (bitwise the same).
            let sine = (1 - c * c).squareRoot(), cOverSine = c / sine
            let f1 = angle.pointer + 2 * nZ * n
            var z = 0
            while z + 4 <= nZ {
                let cz = load4(cosZ + z), sz = load4(sinZ + z)
                let base = (1 + c * cz + sine * sz) * 0.5
                let value = wholeZeta.map { Self.power(base, $0) } ?? D4(pow(base[0], zeta), pow(base[1], zeta), pow(base[2], zeta), pow(base[3], zeta))
                store4(f1 + z, value)
                store4(f1 + nZ + z, zeta * value / base * 0.5 * (cz - cOverSine * sz))
                z += 4
            }
            while z < nZ {
                let base = (1 + c * cosZ[z] + sine * sinZ[z]) * 0.5
                let value = wholeZeta.map { Self.power(base, $0) } ?? pow(base, zeta)
                f1[z] = value
                f1[nZ + z] = zeta * value / base * 0.5 * (cosZ[z] - cOverSine * sinZ[z])
                z += 1
            }
            // f2_a = exp(−η_A (m − R_s,a)²), m = (d_j + d_k)/2.
            let m = 0.5 * (dj + dk)
            let f2 = radius.pointer + 2 * nA * n
            radialLadder.values(at: m, into: f2)
            for x in 0..<nA { f2[nA + x] = -2 * etaA * (m - shfA[x]) * f2[x] }
            // G's angular block: T_az = (f2_a F) f1_z.
            let fc = cutoff[3 * n], g = o.pointer + rows[n]
            for x in 0..<nA { DoubleLanes.addScaled(f2[x] * fc, f1, into: g + x * nZ, count: nZ) }
        }
        angularRow = rows; cosineSlopes = slopes; cutoffTerms = cutoff; self.angle = angle; self.radius = radius
    }

    /// xⁿ (n ≥ 1) of one number: lane 0 of the four-lane ``power(_:_:)-(D4,Int)``.
    @inline(__always)
    private static func power(_ x: Double, _ n: Int) -> Double { power(D4(repeating: x), n)[0] }

    /// xⁿ lane by lane (n ≥ 1) by repeated squaring; for n = 2ᵏ (ANI-1x: ζ = 32) k squarings,
    /// the same products the general loop forms.
    @inline(__always)
    private static func power(_ x: D4, _ n: Int) -> D4 {
        if n & (n - 1) == 0 {
            var result = x
            for _ in 0..<n.trailingZeroBitCount { result *= result }
            return result
        }
        var result = D4(repeating: 1), base = x, e = n
        while e > 0 {
            if e & 1 == 1 { result *= base }
            base *= base
            e >>= 1
        }
        return result
    }

    var pairCount: Int { topology.pairCount }

    // MARK: the two Jacobian products

    /// Jᵀ g `[N, 3]` for the cotangent `c` `[N, F]`.
    func transposeProduct(_ c: PooledBuffer<Double>) -> PooledBuffer<Double> {
        precondition(c.count == atomCount * featureCount)
        let f = featureCount, nR = nR, nA = nA, nZ = nZ, sub = parameters.radialSublength
        let pg = PooledBuffer<Double>(zeros: 3 * pairCount)   // ∂⟨g, G⟩/∂u_p
        let species = topology.speciesIndices
        for q in 0..<pairCount where radialActive[q] {
            let row = topology.centers[q] * f + species[topology.neighbours[q]] * sub
            let slope = radialSlope.pointer + q * nR
            var a = 0.0
            for k in 0..<nR { a += c[row + k] * slope[k] }
            for x in 0..<3 { pg[3 * q + x] += a * unit[3 * q + x] }
        }
        let h1 = UnsafeMutablePointer<Double>.allocate(capacity: 2 * nA), h2 = h1 + nA   // per-x sums over z
        defer { h1.deallocate() }
        for t in 0..<tripletCount {
            let a = tripletPairs[2 * t], b = tripletPairs[2 * t + 1]
            let row = angularRow[t]
            let f1 = angle.pointer + 2 * nZ * t, df1 = f1 + nZ
            let f2 = radius.pointer + 2 * nA * t, df2 = f2 + nA
            // h1_x = Σ_z g_xz f1_z, h2_x = Σ_z g_xz ∂f1_z/∂c.
            DoubleLanes.rowDots(c.pointer + row, rows: nA, columns: nZ, f1, df1, into: h1, h2)
            var sum0 = 0.0, sumMean = 0.0, sumCos = 0.0
            for x in 0..<nA {
                sum0 += f2[x] * h1[x]
                sumMean += df2[x] * h1[x]
                sumCos += f2[x] * h2[x]
            }
            let fc = cutoffTerms[3 * t]
            let gc = fc * sumCos
            let gdj = 0.5 * fc * sumMean + sum0 * cutoffTerms[3 * t + 1]
            let gdk = 0.5 * fc * sumMean + sum0 * cutoffTerms[3 * t + 2]
            for x in 0..<3 {
                pg[3 * a + x] += gc * cosineSlopes[6 * t + x] + gdj * unit[3 * a + x]
                pg[3 * b + x] += gc * cosineSlopes[6 * t + 3 + x] + gdk * unit[3 * b + x]
            }
        }
        let out = PooledBuffer<Double>(zeros: 3 * atomCount)
        for q in 0..<pairCount {
            let i = topology.centers[q], j = topology.neighbours[q]
            for x in 0..<3 { out[3 * j + x] += pg[3 * q + x]; out[3 * i + x] -= pg[3 * q + x] }
        }
        return out
    }

    /// J v `[N, F]` for the displacement `v` `[N, 3]`.
    func jacobianProduct(_ v: PooledBuffer<Double>) -> PooledBuffer<Double> {
        precondition(v.count == 3 * atomCount)
        let f = featureCount, nR = nR, nA = nA, nZ = nZ, sub = parameters.radialSublength
        // δu_p = v_j − v_i and δd_p = ê_p · δu_p.
        let du = PooledBuffer<Double>(uninitialized: 3 * pairCount), dd = PooledBuffer<Double>(uninitialized: pairCount)
        for q in 0..<pairCount {
            let i = topology.centers[q], j = topology.neighbours[q]
            var s = 0.0
            for x in 0..<3 {
                du[3 * q + x] = v[3 * j + x] - v[3 * i + x]
                s += unit[3 * q + x] * du[3 * q + x]
            }
            dd[q] = s
        }
        let out = PooledBuffer<Double>(zeros: atomCount * f), o = out.pointer
        let species = topology.speciesIndices
        for q in 0..<pairCount where radialActive[q] {
            let row = topology.centers[q] * f + species[topology.neighbours[q]] * sub
            let slope = radialSlope.pointer + q * nR
            for k in 0..<nR { o[row + k] += slope[k] * dd[q] }
        }
        for t in 0..<tripletCount {
            let a = tripletPairs[2 * t], b = tripletPairs[2 * t + 1]
            var dc = 0.0
            for x in 0..<3 { dc += cosineSlopes[6 * t + x] * du[3 * a + x] + cosineSlopes[6 * t + 3 + x] * du[3 * b + x] }
            let dm = 0.5 * (dd[a] + dd[b])
            let fc = cutoffTerms[3 * t]
            let dfc = cutoffTerms[3 * t + 1] * dd[a] + cutoffTerms[3 * t + 2] * dd[b]
            let row = angularRow[t]
            let f1 = angle.pointer + 2 * nZ * t, df1 = f1 + nZ
            let f2 = radius.pointer + 2 * nA * t, df2 = f2 + nA
            for x in 0..<nA {
                let wCos = f2[x] * fc * dc
                let wRest = df2[x] * fc * dm + f2[x] * dfc
                DoubleLanes.addScaled(wCos, df1, wRest, f1, into: o + row + x * nZ, count: nZ)
            }
        }
        return out
    }
}

/// exp(−η (x − μ_k)²) for centres μ_k, k = 0…K−1: with equally spaced centres
/// (μ_k = μ_0 + kΔ, as ANI's ShfR and ShfA) by the recurrence
///
///     e_{k+1} = e_k q_k,   q_k = exp(2ηΔ (x − μ_k) − ηΔ²),   q_{k+1} = q_k exp(−2ηΔ²),
///
/// two `exp` calls instead of K (relative error ≲ K ulps); where e_0 would leave the normal
/// range of `Double`, or the centres are not equally spaced, each value by its own `exp`.
struct GaussianLadder: Sendable {
    let centres: [Double]
    let eta: Double
    private let spacing: Double?
    private let ratioStep: Double

    init(centres: [Double], eta: Double) {
        self.centres = centres; self.eta = eta
        var spacing: Double? = nil
        if centres.count >= 3 {
            let delta = centres[1] - centres[0]
            let even = zip(centres.dropFirst(), centres).allSatisfy { abs(($0 - $1) - delta) <= 1e-12 * max(1, abs(delta)) }
            if even && delta != 0 { spacing = delta }
        }
        self.spacing = spacing
        ratioStep = spacing.map { exp(-2 * eta * $0 * $0) } ?? 1
    }

    /// Writes the K values at `x` to `out`.
    @inline(__always)
    func values(at x: Double, into out: UnsafeMutablePointer<Double>) {
        let y0 = x - centres[0]
        if let delta = spacing {
            let exponent0 = -eta * y0 * y0, exponentQ = 2 * eta * delta * y0 - eta * delta * delta
            if exponent0 > -700, abs(exponentQ) < 700, abs(exponentQ) + Double(centres.count) * 2 * eta * delta * delta < 700 {
                var e = exp(exponent0), q = exp(exponentQ)
                for k in 0..<centres.count {
                    out[k] = e
                    e *= q
                    q *= ratioStep
                }
                return
            }
        }
        for k in 0..<centres.count {
            let y = x - centres[k]
            out[k] = exp(-eta * y * y)
        }
    }
}
