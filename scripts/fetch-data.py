#!/usr/bin/env python3
"""Fetch the public QM data files MetaMLIP reads into the data root, and verify them.

The files, their SHA-256 sums, sizes and download URLs are listed in datasets/files.tsv
(origins, licences and units: datasets/README.md). Files go to $METAMLIP_DATA, else
../shared/datasets (relative to the working directory, the project's default data root),
under the same relative paths the recipes use, e.g. 3bpa/train_300K.xyz.

    python3 scripts/fetch-data.py                  # download what is missing or wrong
    python3 scripts/fetch-data.py --verify-only    # check the data root, download nothing
    python3 scripts/fetch-data.py --root DIR       # another data root

A file already present with the right SHA-256 is skipped. A download is written to a
temporary file beside its target and moved into place only when its SHA-256 matches, so an
interrupted or corrupted download never leaves a wrong file under the right name. Files that
no public repository holds (the generated xTB sets) are listed with how they were made.

Exit status: 0 when every downloadable file is present and verified, 1 otherwise (a file
missing or wrong after the run, a download that failed); files that cannot be downloaded
are reported but do not fail the run. Needs only the Python 3 standard library.
"""
import argparse
import hashlib
import os
import sys
import tempfile
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_LIST = os.path.join(HERE, "..", "datasets", "files.tsv")


class Entry:
    """One line of files.tsv: a path under the data root, its SHA-256 and size, and its source."""

    def __init__(self, line, number):
        fields = line.rstrip("\n").split("\t")
        if len(fields) != 4:
            raise ValueError(f"line {number}: expected 4 tab-separated fields, got {len(fields)}")
        self.path, self.sha256, size, source = fields
        self.size = int(size)
        self.generated = source.startswith("generated:")
        self.note = source[len("generated:"):].strip() if self.generated else ""
        self.urls = [] if self.generated else source.split()


def read_list(path):
    entries = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip() and not line.startswith("#"):
                entries.append(Entry(line, number))
    return entries


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def state_of(entry, root):
    """'ok', 'missing', or 'wrong (...)' for the copy of `entry` under `root`."""
    target = os.path.join(root, entry.path)
    if not os.path.isfile(target):
        return "missing"
    size = os.path.getsize(target)
    if size != entry.size:
        return f"wrong size ({size} bytes, expected {entry.size})"
    actual = sha256_of(target)
    if actual != entry.sha256:
        return f"wrong SHA-256 ({actual})"
    return "ok"


def download(entry, root, timeout):
    """Tries each URL in turn; returns None on success, else the reasons the URLs failed."""
    target = os.path.join(root, entry.path)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    reasons = []
    for url in entry.urls:
        handle, temporary = tempfile.mkstemp(prefix="." + os.path.basename(target) + ".", dir=os.path.dirname(target))
        try:
            digest = hashlib.sha256()
            with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
                for chunk in iter(lambda: response.read(1 << 20), b""):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != entry.sha256:
                reasons.append(f"{url}: SHA-256 {digest.hexdigest()} does not match")
                continue
            os.replace(temporary, target)
            return None
        except Exception as error:  # network, HTTP or disk errors: try the next URL
            reasons.append(f"{url}: {error}")
        finally:
            if os.path.exists(temporary):
                os.remove(temporary)
    return reasons


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=os.environ.get("METAMLIP_DATA", os.path.join("..", "shared", "datasets")),
                        help="data root (default: $METAMLIP_DATA, else ../shared/datasets)")
    parser.add_argument("--list", default=DEFAULT_LIST, help="the file list (default: datasets/files.tsv)")
    parser.add_argument("--verify-only", action="store_true", help="check the files under the root; download nothing")
    parser.add_argument("--timeout", type=float, default=60, help="seconds per download request (default 60)")
    args = parser.parse_args(argv)

    entries = read_list(args.list)
    root = args.root
    print(f"data root {os.path.abspath(root)}: {len(entries)} files listed in {os.path.relpath(args.list)}")
    failures, not_downloadable = [], []
    for entry in entries:
        state = state_of(entry, root)
        if state == "ok":
            print(f"  ok        {entry.path}")
            continue
        if entry.generated:
            not_downloadable.append(entry)
            print(f"  {state:<9} {entry.path} (cannot be downloaded; see below)")
            continue
        if args.verify_only:
            failures.append(entry.path)
            print(f"  {state:<9} {entry.path}")
            continue
        print(f"  fetching  {entry.path} ({state}, {entry.size} bytes)", flush=True)
        reasons = download(entry, root, args.timeout)
        if reasons:
            failures.append(entry.path)
            print(f"  FAILED    {entry.path}:\n      " + "\n      ".join(reasons))
        else:
            print(f"  fetched   {entry.path}")
    if not_downloadable:
        print("\nNot downloadable (no public repository holds them; the recipes and tests that need them say so):")
        for entry in not_downloadable:
            print(f"  {entry.path}: {entry.note}")
    downloadable = [e for e in entries if not e.generated]
    if failures:
        verb = "missing or wrong" if args.verify_only else "could not be fetched"
        print(f"\n{len(failures)} of {len(downloadable)} downloadable files {verb}: {', '.join(failures)}")
        return 1
    print(f"\nall {len(downloadable)} downloadable files present with the right SHA-256")
    return 0


if __name__ == "__main__":
    sys.exit(main())
