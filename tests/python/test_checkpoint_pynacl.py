"""`log checkpoint` checked against C2SP signed-note / tlog-checkpoint, PyNaCl and RFC 9162.

The checkpoint file is parsed here from the published formats, not from Confidant's code:
  - C2SP tlog-checkpoint: body lines origin, tree size (decimal), base64 root hash, then
    extension lines (Confidant writes one, "time ...");
  - C2SP signed-note: body, one blank line, then signature lines
    "— <key name> <base64(4-byte key hash ‖ signature)>"; for Ed25519 the key hash is
    SHA-256(key name ‖ "\n" ‖ 0x01 ‖ 32-byte public key)[:4] and the signature is over the
    body bytes (every line including its final "\n").
The signature is verified with PyNaCl against `logPublicKey` printed by `confidant --json init`.
The root is recomputed with hashlib from the entry bytes in the vault file (read-only sqlite3)
using RFC 9162 section 2.1.1 Merkle tree hashes written out below.
"""

import base64
import datetime as dt
import hashlib
import re

import nacl.exceptions
import nacl.signing
import pytest

from conftest import ADMIN, COMPLIANCE, THERAPISTS

EM_DASH = "\u2014"


# ----------------------------------------------------------------- RFC 9162 section 2.1.1

def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def mth(entries: list[bytes]) -> bytes:
    """MTH(D[n]) over the data entries themselves (not their leaf hashes)."""
    n = len(entries)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaf_hash(entries[0])
    k = 1
    while k * 2 < n:  # largest power of two smaller than n
        k *= 2
    return hashlib.sha256(b"\x01" + mth(entries[:k]) + mth(entries[k:])).digest()


# Certificate Transparency reference tree heads (RFC 6962 = RFC 9162 hashing) for the first
# n of these 8 inputs; the same table is in the CT and transparency-dev merkle test suites.
CT_INPUTS = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
             "606162636465666768696a6b6c6d6e6f"]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


@pytest.mark.parametrize("n", range(len(CT_ROOTS)))
def test_our_merkle_tree_hash_matches_ct_reference(n):
    assert mth([bytes.fromhex(x) for x in CT_INPUTS[:n]]).hex() == CT_ROOTS[n]


# ----------------------------------------------------------------- C2SP signed note

def key_hash(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + b"\x01" + public_key).digest()[:4]


def parse_note(data: bytes):
    """Split a signed note into (body bytes, [(key name, key hash, signature)])."""
    text = data.decode("utf-8")  # must be valid UTF-8
    assert text.endswith("\n")
    sep = text.index("\n\n")
    body, sig_block = text[:sep + 1], text[sep + 2:]
    signatures = []
    for line in sig_block.split("\n")[:-1]:
        assert line.startswith(EM_DASH + " "), repr(line)
        name, b64 = line[2:].split(" ")
        # C2SP: a key name is non-empty and has no Unicode spaces and no "+".
        assert name and "+" not in name and not any(c.isspace() for c in name)
        raw = base64.b64decode(b64, validate=True)
        signatures.append((name, raw[:4], raw[4:]))
    return body.encode("utf-8"), signatures


def parse_checkpoint_body(body: bytes):
    lines = body.decode("utf-8").split("\n")
    assert lines[-1] == "" and len(lines) == 5, lines  # 4 lines, each ending in "\n"
    origin, size, root_b64, time_line = lines[:4]
    assert re.fullmatch(r"0|[1-9][0-9]*", size), size
    root = base64.b64decode(root_b64, validate=True)
    assert len(root) == 32
    m = re.fullmatch(r"time (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)", time_line)
    assert m, time_line
    when = dt.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    return origin, int(size), root, when


def verify_note(body: bytes, signatures, name_hash_sig_pk):
    name, khash, sig = signatures[0]
    assert khash == key_hash(name, name_hash_sig_pk)
    nacl.signing.VerifyKey(name_hash_sig_pk).verify(body, sig)


# ----------------------------------------------------------------- tests

def make_activity(practice):
    cid = practice.add_client(THERAPISTS[0], "Checkpoint Client", "1980-04-05")
    nid = practice.add_note(THERAPISTS[0], cid, "progress note for the checkpoint test\n")
    opened = practice.run_json(THERAPISTS[0], "note", "open", nid, "--purpose", "TREAT")
    assert opened["text"] == "progress note for the checkpoint test\n"
    return cid, nid


def write_checkpoint(practice, name="checkpoint.txt"):
    out = practice.root / name
    practice.run(ADMIN, "log", "checkpoint", "--out", out)
    return out


def test_checkpoint_signature_and_root_verify_independently(practice):
    make_activity(practice)
    shown = practice.run_json(COMPLIANCE, "log", "show")
    committed_before = len(practice.log_rows())
    start = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    cp = write_checkpoint(practice)
    end = dt.datetime.now(dt.timezone.utc)
    rows = practice.log_rows()

    body, signatures = parse_note(cp.read_bytes())
    origin, size, root, when = parse_checkpoint_body(body)

    assert origin == f"confidant/{practice.vault_id}"
    assert start - dt.timedelta(seconds=1) <= when <= end + dt.timedelta(seconds=1)

    # One signature, by the log key printed at init, valid over the exact body bytes.
    assert len(signatures) == 1
    name, khash, sig = signatures[0]
    assert len(sig) == 64
    assert khash == key_hash(name, practice.log_public_key)
    nacl.signing.VerifyKey(practice.log_public_key).verify(body, sig)

    # Size: every entry that existed before the command (including those `log show` listed);
    # at most also the checkpoint's own entry.
    assert size >= len(shown) and len(shown) > 0
    assert size in (committed_before, committed_before + 1), (size, committed_before)
    if size == committed_before + 1:
        assert rows[size - 1]["action"] == "log.checkpoint"

    # Root: RFC 9162 MTH over the first `size` entries read straight from the vault file.
    assert [r["seq"] for r in rows[:size]] == list(range(1, size + 1))
    assert root == mth([bytes(r["entry"]) for r in rows[:size]])
    assert root != mth([bytes(r["entry"]) for r in rows[:size - 1]])

    # The CLI accepts its own checkpoint as a prefix of the current log.
    practice.run(ADMIN, "log", "verify", "--checkpoint", cp)


def test_tampered_checkpoint_fails_pynacl_and_cli(practice):
    make_activity(practice)
    cp = write_checkpoint(practice)
    body, signatures = parse_note(cp.read_bytes())
    origin, size, root, _ = parse_checkpoint_body(body)
    verify_note(body, signatures, practice.log_public_key)  # the genuine one is fine
    _, _, sig = signatures[0]

    lines = body.decode().split("\n")
    smaller = "\n".join([lines[0], str(size - 1), *lines[2:]]).encode()
    other_root = "\n".join([lines[0], lines[1], base64.b64encode(bytes(32)).decode(),
                            *lines[3:]]).encode()
    for forged in (smaller, other_root):
        assert forged != body
        with pytest.raises(nacl.exceptions.BadSignatureError):
            nacl.signing.VerifyKey(practice.log_public_key).verify(forged, sig)

    # The CLI must refuse the same forgery (size changed, signature kept).
    text = cp.read_text(encoding="utf-8")
    forged_file = practice.root / "forged-size.txt"
    forged_file.write_text(smaller.decode() + text[len(body):], encoding="utf-8")
    proc = practice.run(ADMIN, "log", "verify", "--checkpoint", forged_file, expect=65)
    assert proc.stderr.startswith("confidant: error: ")


def test_checkpoint_signed_by_another_key_is_refused_by_cli(practice):
    """A well-formed note for the true tree head, signed by a key that is not the log key."""
    make_activity(practice)
    cp = write_checkpoint(practice)
    body, signatures = parse_note(cp.read_bytes())
    name = signatures[0][0]
    impostor = nacl.signing.SigningKey.generate()
    pk = bytes(impostor.verify_key)
    sig = impostor.sign(body).signature
    line = f"{EM_DASH} {name} {base64.b64encode(key_hash(name, pk) + sig).decode()}\n"
    forged_file = practice.root / "impostor.txt"
    forged_file.write_bytes(body + b"\n" + line.encode())
    # Our own parser accepts it and PyNaCl verifies it under the impostor key ...
    b2, s2 = parse_note(forged_file.read_bytes())
    verify_note(b2, s2, pk)
    # ... but not under the vault's log key, and neither does the CLI.
    with pytest.raises(nacl.exceptions.BadSignatureError):
        nacl.signing.VerifyKey(practice.log_public_key).verify(b2, s2[0][2])
    proc = practice.run(ADMIN, "log", "verify", "--checkpoint", forged_file, expect=65)
    assert proc.stderr.startswith("confidant: error: ")


def test_log_verify_root_matches_independent_merkle_root(practice):
    make_activity(practice)
    # A refused unlock adds an unsigned entry, which must still be in the tree.
    bad = practice.root / "wrong.pp"
    bad.write_text("definitely wrong\n")
    bad.chmod(0o600)  # a passphrase file others can read is refused before it is tried
    practice.run(THERAPISTS[1], "client", "list", passphrase_file=bad, expect=77)
    committed_before = len(practice.log_rows())
    report = practice.run_json(ADMIN, "log", "verify")
    rows = practice.log_rows()
    size = report["size"]
    # Every entry committed before the command; at most also `log verify`'s own entry.
    assert size in (committed_before, committed_before + 1), (size, committed_before)
    assert rows[committed_before]["action"] == "log.verify"
    assert base64.b64decode(report["root"]) == mth([bytes(r["entry"]) for r in rows[:size]])
    unsigned = [r for r in rows[:size] if r["signer"] == ""]
    assert report["unsignedEntries"] == len(unsigned) == 1
    assert report["signedEntries"] == size - 1
