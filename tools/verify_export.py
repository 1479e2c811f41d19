#!/usr/bin/env python3
"""Independent verifier for a Confidant export (Python standard library + PyNaCl).

Usage: verify_export.py PATH [--log-key BASE64]

PATH is the decrypted archive (a .zip file, e.g. from `age -d -i KEY export.age > export.zip`)
or a folder it was unpacked into. Checks, without any Confidant code:
  1. the archive holds only regular files with the names the format defines (no links, devices,
     absolute paths, '..', other or duplicate names);
  2. the checkpoint in proof.json is a C2SP signed note whose Ed25519 signature verifies under
     the log public key (pass --log-key with the key your practice publishes to pin it);
  3. every log entry in proof.json hashes to its leaf (SHA-256(0x00 || entry)), is included in
     the signed tree (RFC 9162 inclusion proof), and is signed by its actor's Ed25519 key;
  4. the access report in records.json is exactly those entries, field by field;
  5. the signed export.fulfilled entry carries manifest:<SHA-256 of manifest.json>, and every
     other file (all but manifest.json and proof.json) has exactly the size and SHA-256 the
     manifest lists, records.json's notes, signed copies and accountings included;
  6. each delivered accounting in accountings/ is the one whose SHA-256 a signed
     accounting.fulfilled entry of the access report names.
Exits 0 and prints a summary when everything holds; exits 1 naming the first failure.
"""
import base64
import hashlib
import json
import os
import re
import stat
import sys
import zipfile

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
    # Format 2: the 12 fields of version 1, then the previous leaf hash, the state statement and
    # the state-map root (docs/access-log.md); format 3 adds the record's kind and its
    # confidentiality code. This checker reads the first 12 and those two.
    v3 = len(fields) == 18 and fields[0] == b"confidant/access-entry/v3"
    if not v3 and (len(fields) != 16 or fields[0] != b"confidant/access-entry/v2"):
        raise Failure("malformed log entry")
    if len(fields[1]) != 8 or len(fields[2]) != 8:
        raise Failure("malformed log entry")
    s = [f.decode("utf-8") for f in fields[3:9]] + [fields[10].decode(), fields[11].decode(), fields[12].decode()]
    return {"seq": int.from_bytes(fields[1], "big", signed=True), "time": int.from_bytes(fields[2], "big", signed=True),
            "actor": s[0], "roles": s[1], "action": s[2], "client": s[3], "record": s[4], "purpose": s[5],
            "outcome": s[6], "detail": s[7], "flags": s[8],
            "recordKind": fields[16].decode() if v3 else "", "confidentiality": fields[17].decode() if v3 else ""}


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


TOP_FILES = {"records.json", "index.html", "fhir-bundle.json", "README.txt", "manifest.json", "proof.json"}
UNLISTED = {"manifest.json", "proof.json"}
NOTE = re.compile(r"notes/[0-9a-z]{1,64}\.txt")
# Signed copies of authorizations and revocations, and the accountings the client was given.
ATTACHMENT = re.compile(r"(signed-copies/[0-9a-z]{1,64}\.(pdf|png|jpg|txt|bin)|accountings/[0-9a-z]{1,64}\.json)")
FOLDERS = {"notes/", "signed-copies/", "accountings/"}
PROOF_FORMAT = "confidant-export-proof/v2"
MANIFEST_FORMAT = "confidant-export-manifest/v1"


def check_name(name, is_folder):
    """The names the format defines; anything else refuses the whole archive."""
    if name.startswith("/"):
        raise Failure("the archive holds an absolute path (%r)" % name)
    if ".." in name.split("/"):
        raise Failure("the archive holds a path with '..' (%r)" % name)
    ok = name in FOLDERS if is_folder else (name in TOP_FILES or NOTE.fullmatch(name) or ATTACHMENT.fullmatch(name))
    if not ok:
        raise Failure("the archive holds a name the format does not define (%r)" % name)


def chunks(f):
    while True:
        b = f.read(1 << 16)
        if not b:
            return
        yield b


class ZipSource:
    """The decrypted archive itself, entry by entry (nothing is extracted)."""

    def __init__(self, path):
        self.zip = zipfile.ZipFile(path)
        self.files, seen = {}, set()
        for info in self.zip.infolist():
            mode = info.external_attr >> 16
            kind = stat.S_IFMT(mode) if info.create_system in (3, 19) and mode else None
            if kind == stat.S_IFLNK:
                raise Failure("the archive holds a symbolic link (%r)" % info.filename)
            if kind not in (None, stat.S_IFREG, stat.S_IFDIR) or (kind == stat.S_IFREG and info.filename.endswith("/")):
                raise Failure("the archive holds an entry that is not a regular file (%r)" % info.filename)
            if info.flag_bits & 1:
                raise Failure("the archive holds an encrypted entry (%r)" % info.filename)
            is_folder = kind == stat.S_IFDIR or (kind is None and (info.filename.endswith("/") or info.external_attr & 0x10 != 0))
            check_name(info.filename, is_folder)
            if info.filename in seen:
                raise Failure("the archive holds %r twice" % info.filename)
            seen.add(info.filename)
            if not is_folder:
                self.files[info.filename] = info

    def names(self):
        return set(self.files)

    def read_chunks(self, name):
        with self.zip.open(self.files[name]) as f:
            yield from chunks(f)


class FolderSource:
    """A folder the archive was unpacked into: lstat only, never following a link."""

    def __init__(self, path):
        self.root = path
        self.files = set()
        for entry in sorted(os.listdir(path)):
            self._visit(entry)

    def _visit(self, name):
        st = os.lstat(os.path.join(self.root, name))
        if stat.S_ISLNK(st.st_mode):
            raise Failure("the folder holds a symbolic link (%r)" % name)
        if stat.S_ISDIR(st.st_mode):
            check_name(name + "/", True)
            for child in sorted(os.listdir(os.path.join(self.root, name))):
                self._visit(name + "/" + child)
        elif stat.S_ISREG(st.st_mode):
            check_name(name, False)
            self.files.add(name)
        else:
            raise Failure("the folder holds an entry that is not a regular file (%r)" % name)

    def names(self):
        return set(self.files)

    def read_chunks(self, name):
        fd = os.open(os.path.join(self.root, name), os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as f:
            yield from chunks(f)


def read_all(source, name):
    if name not in source.names():
        raise Failure("the export has no %s" % name)
    return b"".join(source.read_chunks(name))


def proven_entry(p, proof, size, root):
    """One proof entry: leaf hash, inclusion in the signed tree, its actor's signature."""
    entry = b64(p["entry"])
    leaf = hashlib.sha256(b"\x00" + entry).digest()
    if leaf.hex() != p["leafHash"]:
        raise Failure("entry %d: leaf hash mismatch" % p["seq"])
    if p["seq"] < 1 or not verify_inclusion(leaf, p["seq"] - 1, size, [bytes.fromhex(h) for h in p["inclusionProof"]], root):
        raise Failure("entry %d: inclusion proof does not verify" % p["seq"])
    e = decode_entry(entry)
    ok = False
    for k in (b64(k) for k in proof["signingKeys"].get(p["signer"], [])):
        try:
            nacl.signing.VerifyKey(k).verify(entry, b64(p["signature"]))
            ok = True
            break
        except nacl.exceptions.BadSignatureError:
            pass
    if not ok or p["signer"] != e["actor"] or e["seq"] != p["seq"]:
        raise Failure("entry %d: signature does not verify" % p["seq"])
    return e


def verify_report(records, proof, size, root):
    report = records["accessReport"]
    if len(report) != len(proof["entries"]):
        raise Failure("access report and proofs differ in length")
    proven = []
    for p, row in zip(proof["entries"], report):
        e = proven_entry(p, proof, size, root)
        proven.append(e)
        expected = {"seq": e["seq"], "time": iso(e["time"]), "actor": e["actor"], "action": e["action"],
                    "record": e["record"], "purpose": e["purpose"], "outcome": e["outcome"],
                    "recordKind": e["recordKind"], "confidentiality": e["confidentiality"]}
        if e["client"] != records["client"]["id"] or {k: row.get(k, "") for k in expected} != expected:
            raise Failure("access report row %d does not match its signed log entry" % row["seq"])
    return proven


def verify_manifest(source, records, proof, manifest_bytes, size, root):
    """The signed export.fulfilled entry commits to manifest.json; it lists every other file."""
    e = proven_entry(proof["manifestEntry"], proof, size, root)
    if (e["action"], e["outcome"], e["client"], e["record"], e["actor"]) != (
            "export.fulfilled", "success", records["client"]["id"], records["requestId"], records["exportedBy"]):
        raise Failure("the manifest entry %d is not the signed fulfilment of this request" % e["seq"])
    if e["detail"] != "manifest:" + hashlib.sha256(manifest_bytes).hexdigest():
        raise Failure("manifest.json is not the manifest signed in log entry %d" % e["seq"])
    if not any(r["action"] == "export.fulfill" and r["record"] == records["requestId"] and r["outcome"] == "success"
               and r["actor"] == e["actor"] and r["seq"] < e["seq"] for r in records["accessReport"]):
        raise Failure("the access report does not reach this export's export.fulfill entry")
    manifest = json.loads(manifest_bytes)
    if manifest.get("format") != MANIFEST_FORMAT:
        raise Failure("manifest.json is not format %s" % MANIFEST_FORMAT)
    listed = {}
    for f in manifest["files"]:
        if f["name"] in listed or f["name"] in UNLISTED:
            raise Failure("manifest.json lists %r twice or lists itself" % f["name"])
        check_name(f["name"], False)
        listed[f["name"]] = f
    if source.names() != set(listed) | UNLISTED:
        raise Failure("the archive's files are not exactly those the signed manifest lists")
    for name, f in listed.items():
        h, n = hashlib.sha256(), 0
        for b in source.read_chunks(name):
            h.update(b)
            n += len(b)
        if n != f["size"] or h.hexdigest() != f["sha256"]:
            raise Failure("%s does not match its size and SHA-256 in the signed manifest" % name)
    for n in records["notes"]:
        f = listed.get(n["file"])
        if n["file"] != "notes/%s.txt" % n["id"] or f is None or f["sha256"] != n["sha256"] or f["size"] != n["bytes"]:
            raise Failure("note %s in records.json does not match the signed manifest" % n["id"])
    if {k for k in listed if k.startswith("notes/")} != {n["file"] for n in records["notes"]}:
        raise Failure("the signed manifest and records.json list different notes")
    attachments = attachments_of(records)
    for a in attachments:
        f = listed.get(a["file"])
        if f is None or f["sha256"] != a["sha256"] or f["size"] != a["bytes"]:
            raise Failure("%s in records.json does not match the signed manifest" % a["file"])
    if {k for k in listed if ATTACHMENT.fullmatch(k)} != {a["file"] for a in attachments}:
        raise Failure("the signed manifest and records.json list different signed copies or accountings")
    return len(listed)


def attachments_of(records):
    """The files records.json points to besides notes: signed copies, delivered accountings."""
    out = []
    for a in records.get("authorizations") or []:
        out += [a["signedCopy"]] if a.get("signedCopy") else []
        out += [r["signedCopy"] for r in a["revocations"] if r.get("signedCopy")]
    return out + [a["document"] for a in records.get("accountings") or []]


def verify_accountings(records, proven):
    """Each delivered accounting is the one whose SHA-256 a signed accounting.fulfilled entry names."""
    for a in records.get("accountings") or []:
        if not any(e["action"] == "accounting.fulfilled" and e["outcome"] == "success" and e["record"] == a["requestId"]
                   and e["detail"] == "sha256:" + a["document"]["sha256"] for e in proven):
            raise Failure("the accounting of request %s is not the one the practice's log says it delivered" % a["requestId"])


def verify(path, pinned_key=None):
    source = FolderSource(path) if os.path.isdir(path) else ZipSource(path)
    records = json.loads(read_all(source, "records.json"))
    proof = json.loads(read_all(source, "proof.json"))
    manifest_bytes = read_all(source, "manifest.json")
    if proof.get("format") != PROOF_FORMAT:
        raise Failure("proof.json is not format %s" % PROOF_FORMAT)
    log_key = b64(proof["logPublicKey"])
    if pinned_key is not None and log_key != b64(pinned_key):
        raise Failure("the export's log key is not the pinned one")
    size, root = parse_checkpoint(proof["checkpoint"], log_key, records["vaultId"])
    if size != proof["treeSize"] or base64.b64encode(root).decode() != proof["rootHash"]:
        raise Failure("proof.json tree size or root differs from the signed checkpoint")
    verify_accountings(records, verify_report(records, proof, size, root))
    files = verify_manifest(source, records, proof, manifest_bytes, size, root)
    return {"client": records["client"]["id"], "notes": len(records["notes"]), "files": files,
            "entries": len(records["accessReport"]), "treeSize": size}


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
    except (Failure, AttributeError, KeyError, TypeError, ValueError, OSError, zipfile.BadZipFile) as e:
        print("verify_export: FAILED: %s" % e, file=sys.stderr)
        sys.exit(1)
    print("verify_export: OK: client %(client)s, %(notes)d notes, %(files)d files match the signed manifest, "
          "%(entries)d log entries proven in a signed log of %(treeSize)d" % r)


if __name__ == "__main__":
    main()
