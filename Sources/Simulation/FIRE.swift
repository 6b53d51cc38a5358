/// The fast inertial relaxation engine: Bitzek, Koskinen, Gähler, Moseler & Gumbsch,
/// *Phys. Rev. Lett.* 97, 170201 (2006), doi:10.1103/PhysRevLett.97.170201, as ASE's
/// `ase.optimize.FIRE` implements it (same defaults, same step).
///
/// A fictitious dynamics with unit masses: each step mixes the velocity towards the
/// force direction, v ← (1 − α) v + α |v| F̂ when P = F · v > 0 (and after `nMin` such
/// steps grows Δt by `fInc` up to `maxTimeStep` and shrinks α by `fAlpha`), or on P ≤ 0
/// stops (v ← 0, Δt ← `fDec` Δt, α ← `alphaStart`); then v ← v + Δt F and the whole
/// displacement Δx = Δt v is scaled down to at most `maxStep` Å in norm.
///
/// Units: as in ASE, Δt is in ASE's time unit with unit mass, Å·(amu/eV)^½ ≈ 10.18 fs
/// (Δt² · F in eV/Å gives Å); the default 0.1 is ≈ 1 fs for a 1 amu particle. Only the
/// product matters for an optimiser; the name keeps ASE's numbers recognisable.
public struct FIRE: GeometryOptimizer {
    /// Initial time step (ASE units, see above); ASE default 0.1.
    public var timeStep: Double
    /// Largest time step; ASE default 1.0.
    public var maxTimeStep: Double
    /// Largest displacement norm of one step, Å; ASE default 0.2.
    public var maxStep: Double
    /// Downhill steps before Δt may grow; 5.
    public var nMin: Int
    /// Δt growth factor; 1.1.
    public var fInc: Double
    /// Δt shrink factor on an uphill step; 0.5.
    public var fDec: Double
    /// Initial mixing α; 0.1.
    public var alphaStart: Double
    /// α shrink factor; 0.99.
    public var fAlpha: Double

    public init(timeStep: Double = 0.1, maxTimeStep: Double = 1.0, maxStep: Double = 0.2, nMin: Int = 5,
                fInc: Double = 1.1, fDec: Double = 0.5, alphaStart: Double = 0.1, fAlpha: Double = 0.99) {
        self.timeStep = timeStep
        self.maxTimeStep = maxTimeStep
        self.maxStep = maxStep
        self.nMin = nMin
        self.fInc = fInc
        self.fDec = fDec
        self.alphaStart = alphaStart
        self.fAlpha = fAlpha
    }

    public func makeStepper(dimension: Int) -> Stepper { Stepper(options: self) }

    /// FIRE's state: velocity, Δt, α and the count of downhill steps.
    public struct Stepper: OptimizerStepper {
        let options: FIRE
        var velocity: [Double]? = nil
        var dt: Double
        var alpha: Double
        var downhillSteps = 0

        init(options: FIRE) {
            self.options = options
            dt = options.timeStep
            alpha = options.alphaStart
        }

        public mutating func nextPositions(_ x: [Double], forces f: [Double], energy: Double) -> [Double] {
            var v = velocity ?? Array(repeating: 0, count: x.count)
            if velocity != nil {
                let power = _dot(f, v)
                if power > 0 {
                    let scale = (_dot(v, v) / max(_dot(f, f), .leastNormalMagnitude)).squareRoot()
                    for i in v.indices { v[i] = (1 - alpha) * v[i] + alpha * f[i] * scale }
                    if downhillSteps > options.nMin {
                        dt = min(dt * options.fInc, options.maxTimeStep)
                        alpha *= options.fAlpha
                    }
                    downhillSteps += 1
                } else {
                    for i in v.indices { v[i] = 0 }
                    alpha = options.alphaStart
                    dt *= options.fDec
                    downhillSteps = 0
                }
            }
            for i in v.indices { v[i] += dt * f[i] }
            velocity = v
            var dr = v.map { dt * $0 }
            let norm = _dot(dr, dr).squareRoot()
            if norm > options.maxStep { dr = dr.map { $0 * options.maxStep / norm } }
            return zip(x, dr).map { $0 + $1 }
        }
    }
}
