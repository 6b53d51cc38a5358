/// The MetaMLIP release: the one place its version is written.
///
/// `metamlip --version` and the C library's `metamlip_version()` print it.
/// (`Experiments.MetaMLIPVersion.current`, recorded in run fingerprints, must equal it;
/// `ExperimentsTests` checks that.)
public enum MetaMLIPRelease {
    /// Semantic version, e.g. "0.9.0".
    public static let version = "0.9.0"
}
