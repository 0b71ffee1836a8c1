#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/) from
the project's test data (docs/fuzzing.md). Re-run after the test data
changes:

    tests/fuzz/make_seeds.py

Seeds it writes are named seed-*; other files in the corpus directories
(inputs that once found a bug, named bug-*) are kept.

Formats (tests/fuzz/fuzz_input.h): pgoutput and wal2json inputs are
length-prefixed messages (4-byte big-endian length, then the XLogData
payload), pgoutput's after one option byte; replication_frame inputs are
one CopyData message; profile and config inputs are the file text.
"""
import pathlib
import struct

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
CORPUS = ROOT / "tests" / "fuzz" / "corpus"
# Seeds stay small so each run executes many inputs per second; a captured
# streaming workload is cut to its first and last messages.
MAX_MESSAGES = 48


def frames(path):
    out = []
    for line in path.read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        lsn, payload = line.split()[:2]
        hi, lo = lsn.split("/")
        out.append(((int(hi, 16) << 32) | int(lo, 16), bytes.fromhex(payload)))
    return out


def chunks(items):
    if len(items) <= MAX_MESSAGES:
        return [items]
    # The head (relations, begin, first changes) and the tail (commit,
    # stream commit or abort), then the middle in windows.
    out = [items[: MAX_MESSAGES // 2] + items[-MAX_MESSAGES // 2 :]]
    for i in range(0, len(items), MAX_MESSAGES):
        out.append(items[i : i + MAX_MESSAGES])
    return out[:6]


def messages(payloads):
    return b"".join(struct.pack(">I", len(p)) + p for p in payloads)


def write(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / ("seed-" + name)).write_bytes(data)


def main():
    for d in CORPUS.glob("*"):
        for f in d.glob("seed-*"):
            f.unlink()
    for path in sorted((DATA / "wal_reader" / "pgoutput").glob("*.frames")):
        fr = frames(path)
        # v1 captures: proto_version 1; v2: proto_version 2 with streaming,
        # and once more with the 256-byte memory limit (spill files).
        options = [0x00] if path.stem.startswith("v1") else [0x05, 0x0D]
        for i, part in enumerate(chunks(fr)):
            for opt in options if i == 0 else options[:1]:
                write("pgoutput", f"{path.stem}-{i}-{opt:02x}", bytes([opt]) + messages(p for _, p in part))
        # The frame parser sees the same payloads inside XLogData headers.
        for j, (lsn, payload) in enumerate(fr[:3]):
            header = b"w" + struct.pack(">QQQ", lsn, lsn + len(payload), 789_000_000_000_000)
            write("replication_frame", f"{path.stem}-{j}", header + payload)
    for path in sorted((DATA / "wal_reader" / "wal2json").glob("*.frames")):
        for i, part in enumerate(chunks(frames(path))):
            write("wal2json", f"{path.stem}-{i}", messages(p for _, p in part))
    write("replication_frame", "keepalive", b"k" + struct.pack(">QQ", 0x16B3748, 789_000_000_000_000) + b"\x01")
    write("replication_frame", "keepalive-no-reply", b"k" + struct.pack(">QQ", 1, 2) + b"\x00")
    for path in sorted((DATA / "profiles").glob("*.json")):
        write("profile", path.name, path.read_bytes())
    for path in sorted((DATA / "config").glob("*.json")):
        write("config", path.name, path.read_bytes())
    write("config", "walcast.properties", (ROOT / "config" / "walcast.properties").read_bytes())


if __name__ == "__main__":
    main()
