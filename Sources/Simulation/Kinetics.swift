#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Chemistry

/// The unit system of molecular dynamics: positions in Å, time in fs, masses in amu,
/// energies in eV, velocities in Å/fs, temperatures in K.
public enum MDUnits {
    /// Acceleration in Å/fs² of a force of 1 eV/Å on a mass of 1 amu:
    /// 1 eV/(Å·amu) = 1.602176634e-19 J / (1e-10 m · 1.66053906660e-27 kg)
    /// = 9.64853321e17 m/s² = 0.009648533 Å/fs².
    public static let accelerationPerForcePerMass = 0.009648533212

    /// Boltzmann constant k_B in eV/K (CODATA 2018).
    public static let boltzmann = 8.617333262e-5

    /// Kinetic energy Σ ½ m v² in eV of `velocities` (Å/fs) with `masses` (amu).
    public static func kineticEnergy(velocities: [SIMD3<Double>], masses: [Double]) -> Double {
        var sum = 0.0
        for i in velocities.indices { sum += masses[i] * (velocities[i] * velocities[i]).sum() }
        return 0.5 * sum / accelerationPerForcePerMass
    }

    /// The instantaneous temperature T = 2 K / (n_dof k_B) in K of kinetic energy `kinetic`
    /// (eV) over `degreesOfFreedom`.
    public static func temperature(kineticEnergy kinetic: Double, degreesOfFreedom: Int) -> Double {
        degreesOfFreedom > 0 ? 2 * kinetic / (Double(degreesOfFreedom) * boltzmann) : 0
    }

    /// The degrees of freedom of `atomCount` atoms: 3N, less 3 when the centre-of-mass
    /// motion is removed (and N > 1).
    public static func degreesOfFreedom(atomCount: Int, centerOfMassFixed: Bool) -> Int {
        3 * atomCount - (centerOfMassFixed && atomCount > 1 ? 3 : 0)
    }

    /// The centre-of-mass velocity Σ m v / Σ m, Å/fs.
    public static func centerOfMassVelocity(_ velocities: [SIMD3<Double>], masses: [Double]) -> SIMD3<Double> {
        var p = SIMD3<Double>.zero, m = 0.0
        for i in velocities.indices { p += masses[i] * velocities[i]; m += masses[i] }
        return m > 0 ? p / m : .zero
    }

    /// `velocities` less their centre-of-mass velocity (total momentum zero).
    public static func removingCenterOfMassMotion(_ velocities: [SIMD3<Double>], masses: [Double]) -> [SIMD3<Double>] {
        let v = centerOfMassVelocity(velocities, masses: masses)
        return velocities.map { $0 - v }
    }

    /// One standard normal deviate (Box–Muller, fixed by the generator's stream).
    public static func normal(_ generator: inout SeededGenerator) -> Double {
        let u1 = 1 - generator.unitDouble()  // (0, 1]
        let u2 = generator.unitDouble()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Maxwell–Boltzmann velocities (Å/fs) at `temperature` (K) for `masses` (amu):
    /// each component drawn from N(0, k_B T / m), then the centre-of-mass velocity removed,
    /// then (with `exactTemperature`) all velocities scaled so the instantaneous temperature
    /// over 3N − 3 degrees of freedom (3N for one atom) is exactly `temperature`.
    public static func maxwellBoltzmannVelocities(masses: [Double], temperature: Double,
                                                  generator: inout SeededGenerator,
                                                  exactTemperature: Bool = true) -> [SIMD3<Double>] {
        guard temperature > 0, !masses.isEmpty else { return Array(repeating: .zero, count: masses.count) }
        let kT = boltzmann * temperature
        var v = masses.map { m -> SIMD3<Double> in
            let sigma = (kT / m * accelerationPerForcePerMass).squareRoot()
            return SIMD3(normal(&generator), normal(&generator), normal(&generator)) * sigma
        }
        let fixed = masses.count > 1
        if fixed { v = removingCenterOfMassMotion(v, masses: masses) }
        if exactTemperature {
            let t = self.temperature(kineticEnergy: kineticEnergy(velocities: v, masses: masses),
                                     degreesOfFreedom: degreesOfFreedom(atomCount: masses.count, centerOfMassFixed: fixed))
            if t > 0 { v = v.map { $0 * (temperature / t).squareRoot() } }
        }
        return v
    }
}
