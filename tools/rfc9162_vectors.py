#!/usr/bin/env python3
"""Merkle tree vectors for Confidant's access log, computed independently from RFC 9162 with hashlib.

Writes Keys/vectors/rfc9162.json: for the eight RFC 6962/9162 test leaves (the data used by the
Certificate Transparency reference implementations) and for larger deterministic trees, the tree
root, every inclusion proof (PATH, RFC 9162 2.1.3.1) and every consistency proof (PROOF,
2.1.4.1). The roots of the 8-leaf test tree are checked against the values the CT
implementations publish before anything is written. `--check` regenerates in memory and fails
unless the committed file matches byte for byte.
"""
import argparse
import hashlib
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# RFC 6962 / certificate-transparency test leaves and published roots of their prefixes.
TEST_LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
PUBLISHED_ROOTS = {
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(leaves):
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = split(n)
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def path(m, leaves):
    n = len(leaves)
    if n <= 1:
        return []
    k = split(n)
    if m < k:
        return path(m, leaves[:k]) + [mth(leaves[k:])]
    return path(m - k, leaves[k:]) + [mth(leaves[:k])]


def subproof(m, leaves, b):
    n = len(leaves)
    if m == n:
        return [] if b else [mth(leaves)]
    k = split(n)
    if m <= k:
        return subproof(m, leaves[:k], b) + [mth(leaves[k:])]
    return subproof(m - k, leaves[k:], False) + [mth(leaves[:k])]


def proof(m, leaves):
    if m == 0 or m >= len(leaves):
        return []
    return subproof(m, leaves, True)


def tree(name, data):
    leaves = [leaf_hash(d) for d in data]
    n = len(leaves)
    return {
        "name": name,
        "leafData": [d.hex() for d in data],
        "leafHashes": [x.hex() for x in leaves],
        "roots": [mth(leaves[:i]).hex() for i in range(0, n + 1)],
        "inclusion": [{"index": i, "treeSize": s, "path": [p.hex() for p in path(i, leaves[:s])]}
                      for s in range(1, n + 1) for i in range(s)],
        "consistency": [{"oldSize": m, "newSize": s, "proof": [p.hex() for p in proof(m, leaves[:s])]}
                        for s in range(1, n + 1) for m in range(1, s)],
    }


def build():
    test = [bytes.fromhex(h) for h in TEST_LEAVES]
    leaves = [leaf_hash(d) for d in test]
    for size, expected in PUBLISHED_ROOTS.items():
        got = mth(leaves[:size]).hex()
        if got != expected:
            sys.exit(f"RFC 6962 test tree of size {size}: computed {got}, published {expected}")
    bigger = [f"confidant-entry-{i}".encode() for i in range(21)]
    return {
        "source": "tools/rfc9162_vectors.py: RFC 9162 MTH, PATH and PROOF in Python with hashlib; "
                  "the 8-leaf tree is the RFC 6962 test data, its roots checked against the published values",
        "trees": [tree("rfc6962-test-leaves", test), tree("21 deterministic entries", bigger)],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    path_out = os.path.join(ROOT, "Keys", "vectors", "rfc9162.json")
    text = json.dumps(build(), indent=1) + "\n"
    if args.check:
        with open(path_out, encoding="ascii") as f:
            if f.read() != text:
                sys.exit("Keys/vectors/rfc9162.json differs from the Python reference")
        print("rfc9162: vectors reproduce with the Python reference")
        return
    with open(path_out, "w", encoding="ascii") as f:
        f.write(text)
    print(f"wrote {os.path.relpath(path_out, ROOT)}")


if __name__ == "__main__":
    main()
