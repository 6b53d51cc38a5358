import BuildInfo

/// The MetaMLIP release: the one place its version is written.
///
/// `metamlip --version` and the C library's `metamlip_version()` print it, and run
/// fingerprints record it (`Experiments.MetaMLIPVersion.current`).
public enum MetaMLIPRelease {
    /// Semantic version, e.g. "0.9.0".
    public static let version = "0.10.0"

    /// The git commit this build was made from (full hash, `+dirty` when the work tree had
    /// changes), or nil when it is not known (``gitCommitUnknownReason`` says why). Recorded at
    /// build time (`BuildInfo.GitRevision`), never looked up at run time.
    public static var gitCommit: String? { GitRevision.commit }

    /// Why ``gitCommit`` is nil: not built from a git checkout of MetaMLIP, git missing, …
    public static var gitCommitUnknownReason: String? { GitRevision.unknownReason }

    /// `0.10.0 (git 7d33d40)`, `0.10.0 (git 7d33d40+dirty)` or `0.10.0 (git commit unknown: <reason>)`.
    public static var versionDescription: String { "\(version) (\(GitRevision.summary))" }
}
