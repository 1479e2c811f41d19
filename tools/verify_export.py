#!/usr/bin/env python3
"""Independent verifier for an unpacked Confidant export (Python standard library + PyNaCl).

Usage: verify_export.py DIR [--log-key BASE64]

Checks, without any Confidant code:
  1. every note file matches the SHA-256 in records.json;
  2. the checkpoint in proof.json is a C2SP signed note whose Ed25519 signature verifies under
     the log public key (pass --log-key with the key your practice publishes to pin it);
  3. every log entry in proof.json hashes to its leaf (SHA-256(0x00 || entry)), is included in
     the signed tree (RFC 9162 inclusion proof), and is signed by its actor's Ed25519 key;
  4. the access report in records.json is exactly those entries, field by field.
Exits 0 and prints a summary when everything holds; exits 1 naming the first failure.
"""
import base64
import hashlib
import json
import os
import sys

import nacl.exceptions
import nacl.signing


class Failure(Exception):
    pass


def b64(s):
    return base64.b64decode(s + "=" * (-len(s) % 4), validate=True)


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(leaf, index, size, proof, root):
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def decode_entry(data):
    """The canonical access-entry encoding (docs/access-log.md): length-prefixed fields."""
    fields, i = [], 0
    while i < len(data):
        if i + 4 > len(data):
            raise Failure("malformed log entry")
        n = int.from_bytes(data[i:i + 4], "big")
        i += 4
        if i + n > len(data):
            raise Failure("malformed log entry")
        fields.append(data[i:i + n])
        i += n
    if len(fields) != 13 or fields[0] != b"confidant/access-entry/v1" or len(fields[1]) != 8 or len(fields[2]) != 8:
        raise Failure("malformed log entry")
    s = [f.decode("utf-8") for f in fields[3:9]] + [fields[10].decode(), fields[11].decode(), fields[12].decode()]
    return {"seq": int.from_bytes(fields[1], "big", signed=True), "time": int.from_bytes(fields[2], "big", signed=True),
            "actor": s[0], "roles": s[1], "action": s[2], "client": s[3], "record": s[4], "purpose": s[5],
            "outcome": s[6], "detail": s[7], "flags": s[8]}


def iso(ms):
    import datetime
    return datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_checkpoint(text, public_key, vault_id):
    body, sep, sigs = text.partition("\n\n")
    if not sep:
        raise Failure("checkpoint is not a signed note")
    lines = body.split("\n")
    if len(lines) != 4 or not lines[3].startswith("time "):
        raise Failure("checkpoint body is malformed")
    origin, size, root = lines[0], int(lines[1]), b64(lines[2])
    if origin != "confidant/" + vault_id:
        raise Failure("checkpoint is for another vault")
    name = "confidant-log/" + vault_id
    key_hash = hashlib.sha256(name.encode() + b"\n\x01" + public_key).digest()[:4]
    for line in sigs.split("\n"):
        parts = line.split(" ")
        if len(parts) == 3 and parts[0] == "\u2014" and parts[1] == name:
            raw = b64(parts[2])
            if len(raw) == 68 and raw[:4] == key_hash:
                try:
                    nacl.signing.VerifyKey(public_key).verify((body + "\n").encode(), raw[4:])
                except nacl.exceptions.BadSignatureError:
                    raise Failure("checkpoint signature does not verify")
                return size, root
    raise Failure("checkpoint carries no signature by the log key")


def verify(directory, pinned_key=None):
    with open(os.path.join(directory, "records.json"), encoding="utf-8") as f:
        records = json.load(f)
    with open(os.path.join(directory, "proof.json"), encoding="utf-8") as f:
        proof = json.load(f)
    for n in records["notes"]:
        if ".." in n["file"]:
            raise Failure("note path escapes the export")
        with open(os.path.join(directory, n["file"]), "rb") as f:
            if hashlib.sha256(f.read()).hexdigest() != n["sha256"]:
                raise Failure("note %s does not match its hash" % n["id"])
    log_key = b64(proof["logPublicKey"])
    if pinned_key is not None and log_key != b64(pinned_key):
        raise Failure("the export's log key is not the pinned one")
    size, root = parse_checkpoint(proof["checkpoint"], log_key, records["vaultId"])
    if size != proof["treeSize"] or base64.b64encode(root).decode() != proof["rootHash"]:
        raise Failure("proof.json tree size or root differs from the signed checkpoint")
    report = records["accessReport"]
    if len(report) != len(proof["entries"]):
        raise Failure("access report and proofs differ in length")
    for p, row in zip(proof["entries"], report):
        entry = b64(p["entry"])
        leaf = hashlib.sha256(b"\x00" + entry).digest()
        if leaf.hex() != p["leafHash"]:
            raise Failure("entry %d: leaf hash mismatch" % p["seq"])
        if not verify_inclusion(leaf, p["seq"] - 1, size, [bytes.fromhex(h) for h in p["inclusionProof"]], root):
            raise Failure("entry %d: inclusion proof does not verify" % p["seq"])
        e = decode_entry(entry)
        keys = [b64(k) for k in proof["signingKeys"].get(p["signer"], [])]
        ok = False
        for k in keys:
            try:
                nacl.signing.VerifyKey(k).verify(entry, b64(p["signature"]))
                ok = True
                break
            except nacl.exceptions.BadSignatureError:
                pass
        if not ok or p["signer"] != e["actor"]:
            raise Failure("entry %d: signature does not verify" % p["seq"])
        expected = {"seq": e["seq"], "time": iso(e["time"]), "actor": e["actor"], "action": e["action"],
                    "record": e["record"], "purpose": e["purpose"], "outcome": e["outcome"]}
        if e["seq"] != p["seq"] or e["client"] != records["client"]["id"] or {k: row[k] for k in expected} != expected:
            raise Failure("access report row %d does not match its signed log entry" % row["seq"])
    return {"client": records["client"]["id"], "notes": len(records["notes"]), "entries": len(report), "treeSize": size}


def main():
    args = sys.argv[1:]
    pinned = None
    if "--log-key" in args:
        i = args.index("--log-key")
        pinned = args[i + 1]
        del args[i:i + 2]
    if len(args) != 1:
        sys.exit(__doc__)
    try:
        r = verify(args[0], pinned)
    except (Failure, KeyError, ValueError, OSError) as e:
        print("verify_export: FAILED: %s" % e, file=sys.stderr)
        sys.exit(1)
    print("verify_export: OK: client %(client)s, %(notes)d notes, %(entries)d log entries proven in a signed log of %(treeSize)d" % r)


if __name__ == "__main__":
    main()
