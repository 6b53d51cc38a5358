// The git commit this build was made from (generated at build time by GitCommitPlugin).

/// The git commit of the sources this binary was built from, when known.
///
/// Recorded at build time by the `GitCommitPlugin` build command (`scripts/git-commit.sh`),
/// which reruns whenever a source file or git's HEAD, index or branch refs change, and reads
/// the package's own checkout: a binary never reports the commit of a checkout it was not
/// built from. `commit` is the full hash, with `+dirty` when the build's sources
/// (`Package.swift`, `Sources/`, `Tests/`, `Plugins/`) had uncommitted changes or untracked
/// files (the binary may then differ from the commit); it is nil outside a git checkout of the
/// package itself or when git was missing, and ``unknownReason`` then says which.
public enum GitRevision {
    /// Full commit hash, e.g. `7d33d40bb2530c89b6fb2dc9db47b624d1fbd0e3`, or with `+dirty`.
    public static var commit: String? { generatedGitCommit }

    /// Why ``commit`` is nil (nil when it is known).
    public static var unknownReason: String? { generatedGitCommitUnknownReason }

    /// The first 7 hex digits of ``commit``, keeping `+dirty`: `7d33d40`, `7d33d40+dirty`.
    public static var shortCommit: String? {
        guard let commit else { return nil }
        let dirty = commit.hasSuffix("+dirty")
        let hash = dirty ? String(commit.dropLast("+dirty".count)) : commit
        return String(hash.prefix(7)) + (dirty ? "+dirty" : "")
    }

    /// `git 7d33d40` (or `git 7d33d40+dirty`), else `git commit unknown: <reason>`.
    public static var summary: String {
        if let shortCommit { return "git \(shortCommit)" }
        return "git commit unknown: \(unknownReason ?? "not recorded")"
    }
}
