#!/bin/sh
# Writes a Swift file recording the git commit a build is made from (used at build time by
# the GitCommitPlugin build-tool plugin, Plugins/GitCommitPlugin; see Sources/BuildInfo).
#
#   scripts/git-commit.sh PACKAGE_DIR GIT OUTPUT.swift
#
# PACKAGE_DIR  the package's root directory (the directory with Package.swift)
# GIT          the git executable to use, or "" when none was found
# OUTPUT.swift the file to write; it is rewritten only when its content changes, so an
#              unchanged commit recompiles nothing
#
# The commit is recorded only when it is certainly the one the sources come from:
# PACKAGE_DIR must be the top level of its own git work tree (not a folder of some other
# repository, e.g. a source tarball unpacked inside one). "+dirty" is appended when
# `git status --porcelain` lists anything among the build's sources (Package.swift, Sources/,
# Tests/, Plugins/ and this script: changed, added, deleted or untracked, non-ignored files):
# the binary may then differ from the commit. Otherwise the commit is absent and the file
# says why (no git, not a checkout, git refused to read it, ...). The plugin reruns this
# script whenever one of those files or git's HEAD, index or branch refs change.
set -u
pkg=$1
git=$2
out=$3
commit=""
reason=""
mkdir -p "$(dirname "$out")"
err="$(dirname "$out")/.git-commit-stderr.$$"

# First line of git's complaint, without characters a Swift string literal cannot hold as is.
clean() { printf '%s' "$1" | head -n 1 | tr -d '"\\' | tr -c '[:print:]' ' '; }

if [ -z "$git" ] || [ ! -x "$git" ]; then
  reason="git was not found when this binary was built"
elif ! top=$(GIT_OPTIONAL_LOCKS=0 "$git" -C "$pkg" rev-parse --show-toplevel 2>"$err"); then
  why=$(cat "$err")
  case "$why" in
    *"not a git repository"*) reason="not built from a git checkout" ;;
    *) reason="git could not read the checkout: $(clean "$why")" ;;
  esac
elif [ "$(cd "$top" && pwd -P)" != "$(cd "$pkg" && pwd -P)" ]; then
  reason="the package directory is not the top of its own git checkout (it lies inside $(clean "$top"))"
elif ! head=$(GIT_OPTIONAL_LOCKS=0 "$git" -C "$pkg" rev-parse --verify -q HEAD 2>/dev/null); then
  reason="the git checkout has no commit yet"
elif ! status=$(GIT_OPTIONAL_LOCKS=0 "$git" -C "$pkg" status --porcelain --untracked-files=normal -- Package.swift Sources Tests Plugins scripts/git-commit.sh 2>"$err"); then
  reason="git status failed: $(clean "$(cat "$err")")"
else
  commit=$head
  [ -n "$status" ] && commit="$head+dirty"
fi
rm -f "$err"

if [ -n "$commit" ]; then
  value="\"$commit\""; why="nil"
else
  value="nil"; why="\"$reason\""
fi
tmp="$out.tmp.$$"
cat > "$tmp" <<SWIFT
// Generated at build time by scripts/git-commit.sh (GitCommitPlugin); do not edit.
let generatedGitCommit: String? = $value
let generatedGitCommitUnknownReason: String? = $why
SWIFT
if cmp -s "$tmp" "$out"; then rm -f "$tmp"; else mv "$tmp" "$out"; fi
