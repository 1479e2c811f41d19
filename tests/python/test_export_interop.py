"""Client exports checked with independent tools: the `age` binary, fhir.resources (R4B) and
tools/verify_export.py (hashlib + PyNaCl only)."""
import json
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
from conftest import PRACTICE_NAME
from fhir.resources.R4B.bundle import Bundle

ROOT = Path(__file__).resolve().parents[2]
VERIFY = ROOT / "tools" / "verify_export.py"
SECRET_NOTE = "MARKER-EXPORT-NOTE-2718: practised opposite action"
PSY_NOTE = "MARKER-PSY-4242: my own countertransference"


def setup_client(practice):
    client = practice.add_client("dr-rivera", "Robin Export", dob="1991-02-03")
    note = practice.add_note("dr-rivera", client, SECRET_NOTE)
    psy = practice.run_json("dr-rivera", "note", "add", client, "--kind", "psychotherapy", stdin=PSY_NOTE.encode())["id"]
    conf = practice.root / "conf.json"
    conf.write_text('{"reviewedOn": "2026-11-02", "exceptionsExplained": ["harm-to-self"]}')
    practice.run("dr-rivera", "agreement", "add", client, "--kind", "confidentiality", "--file", conf)
    practice.run("dr-rivera", "note", "open", note, "--purpose", "TREAT")
    practice.run("dr-chen", "note", "open", note, "--purpose", "TREAT", expect=77)
    req = practice.run_json("dr-rivera", "export", "request", client)["id"]
    return client, note, psy, req


def keypair(tmp: Path):
    key = tmp / "client.key"
    subprocess.run(["age-keygen", "-o", str(key)], check=True, capture_output=True)
    recipient = subprocess.run(["age-keygen", "-y", str(key)], check=True, capture_output=True, text=True).stdout.strip()
    return key, recipient


def unzip(data: bytes, dest: Path):
    import io
    import zipfile
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        z.extractall(dest)
        return sorted(z.namelist())


def verify(directory: Path):
    return subprocess.run([sys.executable, str(VERIFY), str(directory)], capture_output=True, text=True)


def test_x25519_export_opens_with_age_and_verifies(practice, tmp_path):
    client, note, psy, req = setup_client(practice)
    key, recipient = keypair(tmp_path)
    out = tmp_path / "export.age"
    practice.run("dr-rivera", "export", "fulfill", req, "--out", out, "--recipient", recipient)
    assert out.stat().st_mode & 0o777 == 0o600
    raw = out.read_bytes()
    assert raw.startswith(b"age-encryption.org/v1\n-> X25519 ")
    assert SECRET_NOTE.encode() not in raw
    dec = subprocess.run(["age", "-d", "-i", str(key), str(out)], capture_output=True)
    assert dec.returncode == 0, dec.stderr
    names = unzip(dec.stdout, tmp_path / "unpacked")
    assert names == ["README.txt", "fhir-bundle.json", "index.html", "manifest.json", f"notes/{note}.txt", "proof.json", "records.json"]
    import io
    import zipfile
    assert zipfile.ZipFile(io.BytesIO(dec.stdout)).namelist()[-2:] == ["manifest.json", "proof.json"]
    unpacked = tmp_path / "unpacked"
    assert (unpacked / "notes" / f"{note}.txt").read_text() == SECRET_NOTE
    records = json.loads((unpacked / "records.json").read_text())
    assert [n["id"] for n in records["notes"]] == [note]
    assert records["withheld"] == [{"id": psy, "kind": "psychotherapy", "author": "dr-rivera",
                                    "reason": f"psychotherapy note withheld by its author (45 CFR 164.524(a)(1)(i)); you may ask {PRACTICE_NAME} for it",
                                    "ground": "psychotherapy-notes", "reviewable": False}]
    assert PSY_NOTE not in (unpacked / "index.html").read_text()
    assert SECRET_NOTE in (unpacked / "index.html").read_text()
    assert "<script" not in (unpacked / "index.html").read_text().lower()
    # The access report holds the denied attempt by dr-chen.
    assert any(a["actor"] == "dr-chen" and a["outcome"] == "denied" for a in records["accessReport"])
    # Independent verification, then a single altered log entry must fail it.
    ok = verify(unpacked)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith(f"verify_export: OK: client {client}, 1 notes, 5 files match the signed manifest, ")
    (tmp_path / "export.zip").write_bytes(dec.stdout)
    assert verify(tmp_path / "export.zip").returncode == 0  # the archive itself, entry by entry
    pinned = subprocess.run([sys.executable, str(VERIFY), str(unpacked), "--log-key", practice.init_json["logPublicKey"]],
                            capture_output=True, text=True)
    assert pinned.returncode == 0, pinned.stderr
    proof = json.loads((unpacked / "proof.json").read_text())
    import base64
    entry = bytearray(base64.b64decode(proof["entries"][0]["entry"]))
    entry[-1] ^= 1
    proof["entries"][0]["entry"] = base64.b64encode(bytes(entry)).decode()
    (unpacked / "proof.json").write_text(json.dumps(proof))
    bad = verify(unpacked)
    assert bad.returncode == 1
    assert "leaf hash mismatch" in bad.stderr


def test_fhir_bundle_validates(practice, tmp_path):
    client, note, _, req = setup_client(practice)
    key, recipient = keypair(tmp_path)
    out = tmp_path / "export.age"
    practice.run("dr-rivera", "export", "fulfill", req, "--out", out, "--recipient", recipient)
    dec = subprocess.run(["age", "-d", "-i", str(key), str(out)], capture_output=True, check=True)
    unzip(dec.stdout, tmp_path / "u")
    text = (tmp_path / "u" / "fhir-bundle.json").read_text()
    bundle = Bundle.model_validate_json(text)
    types = [e.resource.__class__.__name__ for e in bundle.entry]
    assert types[0] == "Patient"
    assert types.count("DocumentReference") == 2  # the progress note and the agreement
    assert types.count("AuditEvent") == len(json.loads((tmp_path / "u" / "records.json").read_text())["accessReport"])
    doc = [e.resource for e in bundle.entry if e.resource.__class__.__name__ == "DocumentReference"][0]
    assert doc.content[0].attachment.url == f"notes/{note}.txt"
    import base64
    import hashlib
    digest = hashlib.sha1(SECRET_NOTE.encode()).digest()
    assert doc.content[0].attachment.hash in (digest, base64.b64encode(digest))  # fhir.resources decodes base64Binary


def test_passphrase_export_opens_with_age(practice, tmp_path):
    client, note, psy, req = setup_client(practice)
    out, pw = tmp_path / "export.age", tmp_path / "export.pass"
    practice.run("dr-rivera", "export", "fulfill", req, "--out", out, "--passphrase-out", pw, "--include-psychotherapy")
    passphrase = pw.read_text().strip()
    assert pw.stat().st_mode & 0o777 == 0o600
    assert len(passphrase.replace("-", "")) == 26  # 26 base32 characters: 130 bits
    assert out.read_bytes().startswith(b"age-encryption.org/v1\n-> scrypt ")
    zip_path = tmp_path / "e.zip"
    child = pexpect.spawn("age", ["-d", "-o", str(zip_path), str(out)], timeout=60)
    child.expect("passphrase")
    child.sendline(passphrase)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    names = unzip(zip_path.read_bytes(), tmp_path / "u")
    assert f"notes/{psy}.txt" in names  # included by its author
    records = json.loads((tmp_path / "u" / "records.json").read_text())
    assert records["withheld"] == []


def test_confidant_opens_a_file_age_encrypted(practice, tmp_path):
    """`age -e` re-encrypts the archive; `confidant export open` decrypts and verifies it."""
    _, note, _, req = setup_client(practice)
    key, recipient = keypair(tmp_path)
    out = tmp_path / "export.age"
    practice.run("dr-rivera", "export", "fulfill", req, "--out", out, "--recipient", recipient)
    zip_bytes = subprocess.run(["age", "-d", "-i", str(key), str(out)], capture_output=True, check=True).stdout
    (tmp_path / "k2").mkdir()
    key2, recipient2 = keypair(tmp_path / "k2")
    reenc = tmp_path / "by-age.age"
    subprocess.run(["age", "-e", "-r", recipient2, "-o", str(reenc)], input=zip_bytes, check=True)
    r = practice.raw(["export", "open", reenc, "--out", tmp_path / "opened", "--identity", key2])
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "opened" / "notes" / f"{note}.txt").read_text() == SECRET_NOTE


@pytest.mark.parametrize("damage", ["truncate", "flip-payload", "flip-header"])
def test_damaged_exports_are_refused_with_65(practice, tmp_path, damage):
    _, _, _, req = setup_client(practice)
    key, recipient = keypair(tmp_path)
    out = tmp_path / "export.age"
    practice.run("dr-rivera", "export", "fulfill", req, "--out", out, "--recipient", recipient)
    data = bytearray(out.read_bytes())
    if damage == "truncate":
        data = data[: len(data) - 100]
    elif damage == "flip-payload":
        data[len(data) // 2] ^= 0x01
    else:
        mac = bytes(data).index(b"\n--- ") + 6  # the header MAC
        data[mac] = ord("A") if data[mac] != ord("A") else ord("B")
    bad = tmp_path / "bad.age"
    bad.write_bytes(bytes(data))
    r = practice.raw(["export", "open", bad, "--out", tmp_path / "opened", "--identity", key])
    assert r.returncode == 65, r.stderr
    assert r.stderr.startswith("confidant: error: ")
    assert list((tmp_path / "opened").iterdir()) == []


def _export_peak_mib(practice, tmp_path, client, name, recipient):
    """Exports `client` in a child process; returns (its peak RSS in MiB, the archive's size)."""
    import os
    req = practice.run_json("dr-rivera", "export", "request", client)["id"]
    out = tmp_path / f"{name}.age"
    proc = subprocess.Popen([str(practice.bin), "export", "fulfill", req, "--out", str(out), "--recipient", recipient,
                             *practice.auth("dr-rivera")], env=practice.env, cwd=practice.root,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    return usage.ru_maxrss / 1024, out.stat().st_size


def test_export_memory_stays_flat(practice, tmp_path):
    """64 MiB of notes export with a peak RSS that grows far less than the notes' size over the
    same binary's export of one small note (the floor: the binary, its libraries and one
    transaction; the 1 GiB figure is in the release benchmark): notes are decrypted and streamed
    one at a time."""
    import os
    small = practice.add_client("dr-rivera", "Small Client")
    practice.run("dr-rivera", "note", "add", small, stdin=b"one short note")
    _, recipient = keypair(tmp_path)
    floor_mib, _ = _export_peak_mib(practice, tmp_path, small, "small", recipient)
    client = practice.add_client("dr-rivera", "Large Client")
    chunk = os.urandom(1 << 20).hex()[: 1 << 20]  # 1 MiB of text
    for i in range(64):
        practice.run("dr-rivera", "note", "add", client, stdin=(f"{i:04d}" + chunk[4:]).encode())
    peak_mib, size = _export_peak_mib(practice, tmp_path, client, "big", recipient)
    assert size > 2 * 64 * (1 << 20)  # notes twice (files and index.html) plus the rest
    print(f"export peak RSS: {peak_mib:.1f} MiB for 64 MiB of notes, {floor_mib:.1f} MiB for one note")
    assert peak_mib - floor_mib < 32, f"peak RSS {peak_mib:.1f} MiB, {floor_mib:.1f} MiB for one note"


def fulfilled_zip(practice, tmp_path):
    """An export fulfilled to a fresh identity, decrypted with `age`: (zip entries, key, recipient, note id)."""
    import io
    import zipfile
    _, note, _, req = setup_client(practice)
    key, recipient = keypair(tmp_path)
    out = tmp_path / "export.age"
    practice.run("dr-rivera", "export", "fulfill", req, "--out", out, "--recipient", recipient)
    data = subprocess.run(["age", "-d", "-i", str(key), str(out)], capture_output=True, check=True).stdout
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        entries = [(i.filename, z.read(i)) for i in z.infolist()]
    return entries, key, recipient, note


def rezip(entries, path: Path, links=(), compression=0, folders=()):
    """Writes `entries` (name, bytes) as a STORE archive; `links` (name, target) as symlinks."""
    import zipfile
    with zipfile.ZipFile(path, "w", compression) as z:
        for name in folders:
            z.mkdir(name, mode=0o700)
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.create_system, info.external_attr = 3, 0o100600 << 16
            z.writestr(info, data)
        for name, target in links:
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.create_system, info.external_attr = 3, 0o120777 << 16
            z.writestr(info, target)


def test_rezipped_export_with_deflate_and_a_folder_entry_still_opens(practice, tmp_path):
    """Another ZIP tool may compress and store `notes/`: the signed manifest still holds."""
    import zipfile
    entries, key, recipient, note = fulfilled_zip(practice, tmp_path)
    zip_path = tmp_path / "rezipped.zip"
    rezip(entries, zip_path, compression=zipfile.ZIP_DEFLATED, folders=["notes"])
    assert verify(zip_path).returncode == 0
    reenc = tmp_path / "rezipped.age"
    subprocess.run(["age", "-e", "-r", recipient, "-o", str(reenc), str(zip_path)], check=True)
    r = practice.raw(["export", "open", reenc, "--out", tmp_path / "opened", "--identity", key])
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "opened" / "notes" / f"{note}.txt").read_text() == SECRET_NOTE


@pytest.mark.parametrize("forge", ["note-and-records", "note-records-and-manifest"])
def test_forged_export_is_refused(practice, tmp_path, forge):
    """One note's text and its hash in records.json changed (and, the second time, the manifest
    recomputed), re-zipped and re-encrypted: `export open` exits 65, verify_export.py fails."""
    import hashlib
    entries, key, recipient, note = fulfilled_zip(practice, tmp_path)
    files = dict(entries)
    forged = b"MARKER-FORGED: nothing happened in session"
    files[f"notes/{note}.txt"] = forged
    records = json.loads(files["records.json"])
    records["notes"][0].update(sha256=hashlib.sha256(forged).hexdigest(), bytes=len(forged))
    files["records.json"] = json.dumps(records, indent=2, sort_keys=True).encode()
    if forge == "note-records-and-manifest":
        manifest = json.loads(files["manifest.json"])
        for f in manifest["files"]:
            f.update(size=len(files[f["name"]]), sha256=hashlib.sha256(files[f["name"]]).hexdigest())
        files["manifest.json"] = json.dumps(manifest, separators=(",", ":"), sort_keys=True).encode() + b"\n"
    zip_path = tmp_path / "forged.zip"
    rezip([(name, files[name]) for name, _ in entries], zip_path)
    forged_age = tmp_path / "forged.age"
    subprocess.run(["age", "-e", "-r", recipient, "-o", str(forged_age), str(zip_path)], check=True)
    opened = tmp_path / "opened"
    r = practice.raw(["export", "open", forged_age, "--out", opened, "--identity", key])
    assert r.returncode == 65, r.stderr
    assert r.stderr.startswith("confidant: error: ") and r.stderr.count("\n") == 1
    assert list(opened.iterdir()) == []
    bad = verify(zip_path)
    assert bad.returncode == 1
    assert "signed manifest" in bad.stderr or "manifest.json is not the manifest signed" in bad.stderr
    unpacked = tmp_path / "unpacked"
    unzip(zip_path.read_bytes(), unpacked)
    assert verify(unpacked).returncode == 1


@pytest.mark.parametrize("odd", ["symlink", "dotdot", "absolute", "undefined", "duplicate"])
def test_verify_export_refuses_odd_archives(practice, tmp_path, odd):
    entries, _, _, _ = fulfilled_zip(practice, tmp_path)
    links = [("notes/x.txt", "/etc/passwd")] if odd == "symlink" else []
    extra = {"dotdot": [("../evil", b"x")], "absolute": [("/abs", b"x")], "undefined": [("notes/run.sh", b"x")],
             "duplicate": [entries[0]]}.get(odd, [])
    zip_path = tmp_path / "odd.zip"
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        rezip(entries + extra, zip_path, links)
    bad = verify(zip_path)
    assert bad.returncode == 1
    assert "verify_export: FAILED: the archive holds" in bad.stderr
    if odd == "symlink":  # and an unpacked folder holding a link
        folder = tmp_path / "folder"
        folder.mkdir()
        for name, data in entries:
            (folder / name).parent.mkdir(exist_ok=True)
            (folder / name).write_bytes(data)
        (folder / "notes" / "x.txt").symlink_to("/etc/passwd")
        bad = verify(folder)
        assert bad.returncode == 1 and "symbolic link" in bad.stderr
