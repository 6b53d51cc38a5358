/// The MetaMLIP release: the one place its version is written.
///
/// `metamlip --version` and the C library's `metamlip_version()` print it, and run
/// fingerprints record it (`Experiments.MetaMLIPVersion.current`).
public enum MetaMLIPRelease {
    /// Semantic version, e.g. "0.9.0".
    public static let version = "0.10.0"
}
