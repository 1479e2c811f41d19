"""Per-entry signatures and leaf hashes of the access log, checked with PyNaCl and hashlib.

The rows are read from the vault file with sqlite3 in read-only mode. The entry bytes are
decoded here from the CanonicalEncoder layout documented in docs/keys.md (each field a 4-byte
big-endian length and its bytes; integers as 8-byte big-endian; the domain label first), so
the test also checks that what is signed is what the columns (and so `log show`) say.
"""

import hashlib
import struct

import nacl.exceptions
import nacl.signing
import pytest

from conftest import ADMIN, COMPLIANCE, THERAPISTS

RIVERA, CHEN = THERAPISTS
LABEL = b"confidant/access-entry/v3"
COLUMNS = ("seq", "time", "actor", "roles", "action", "client_id", "record_id", "purpose",
           "sealed_reason", "outcome", "detail", "flags")
INT_COLUMNS = {"seq", "time"}
BYTES_COLUMNS = {"sealed_reason"}


def decode_fields(entry: bytes) -> list[bytes]:
    fields, i = [], 0
    while i < len(entry):
        assert i + 4 <= len(entry), "truncated length prefix"
        (n,) = struct.unpack(">I", entry[i:i + 4])
        assert i + 4 + n <= len(entry), "field runs past the end"
        fields.append(entry[i + 4:i + 4 + n])
        i += 4 + n
    return fields


def column_bytes(row, column) -> bytes:
    value = row[column]
    if column in INT_COLUMNS:
        return struct.pack(">q", value)
    if column in BYTES_COLUMNS:
        return bytes(value)
    return value.encode("utf-8")


def users(practice) -> dict[str, bytes]:
    con = practice.db()
    try:
        return {name: bytes(pk) for name, pk in con.execute("SELECT name, sign_pk FROM users")}
    finally:
        con.close()


def code_keys(practice) -> dict[str, bytes]:
    """Each user's first generation: the keys its enrolment code gave (they sign its user.enrol)."""
    con = practice.db()
    try:
        return {name: bytes(pk) for name, pk in con.execute(
            "SELECT name, sign_pk FROM user_history WHERE generation = 1")}
    finally:
        con.close()


def activity(practice):
    cid = practice.add_client(RIVERA, "Signature Client", "1975-01-01")
    nid = practice.add_note(RIVERA, cid, "note for the signature test\n")
    practice.run(RIVERA, "note", "open", nid, "--purpose", "TREAT",
                 "--reason", "preparing the next session")  # sealed reason: non-empty bytes
    practice.run(CHEN, "note", "open", nid, "--purpose", "TREAT", expect=77)  # signed denial
    wrong = practice.root / "wrong.pp"
    wrong.write_text("not the passphrase\n")
    wrong.chmod(0o600)  # a passphrase file others can read is refused before it is tried
    practice.run(CHEN, "client", "list", passphrase_file=wrong, expect=77)  # unsigned
    practice.run("mallory", "client", "list", passphrase_file=wrong, expect=77)  # unsigned
    practice.run(COMPLIANCE, "log", "show")
    return cid, nid


def test_every_entry_signature_and_leaf_hash(practice):
    activity(practice)
    rows = practice.log_rows()
    keys = users(practice)
    first = code_keys(practice)
    assert set(keys) == {ADMIN, RIVERA, CHEN, COMPLIANCE}
    assert set(first) == {RIVERA, CHEN, COMPLIANCE}
    assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))

    signed = unsigned = 0
    previous_leaf = b""
    kinds = {}
    no_record = 0
    for row in rows:
        entry = bytes(row["entry"])
        assert bytes(row["leaf_hash"]) == hashlib.sha256(b"\x00" + entry).digest(), row["seq"]

        fields = decode_fields(entry)
        assert fields[0] == LABEL
        assert len(fields) == 18, row["seq"]
        assert fields[1:13] == [column_bytes(row, c) for c in COLUMNS], row["seq"]
        # Format 2: a hash chain (the previous entry's leaf hash), the state statement, the map root.
        assert fields[13] == previous_leaf, row["seq"]
        assert len(fields[15]) == 32, row["seq"]
        # Format 3: the kind of the record the entry names and its confidentiality code.
        kinds[row["action"], row["outcome"]] = (fields[16], fields[17])
        if not row["record_id"]:
            # An entry that names no record carries no kind and no code.
            assert (fields[16], fields[17]) == (b"", b""), row["seq"]
            no_record += 1
        previous_leaf = bytes(row["leaf_hash"])

        signature = bytes(row["signature"])
        if row["signer"]:
            assert row["signer"] == row["actor"]
            assert len(signature) == 64
            # A user.enrol is the last entry the code's keys sign; every other entry, the current key.
            key = first[row["signer"]] if row["action"] == "user.enrol" else keys[row["signer"]]
            nacl.signing.VerifyKey(key).verify(entry, signature)
            signed += 1
        else:
            assert (row["action"], row["outcome"]) == ("session.unlock", "denied"), row["seq"]
            assert signature == b""
            unsigned += 1

    assert unsigned == 2
    assert signed == len(rows) - 2
    assert kinds["note.open", "success"] == (b"progress", b"R")
    assert kinds["note.open", "denied"] == (b"progress", b"R")
    assert no_record > 0
    unsigned_rows = [(r["actor"], r["detail"]) for r in rows if not r["signer"]]
    assert [a for a, _ in unsigned_rows] == [CHEN, "mallory"]
    # The denied note.open by an authenticated user is signed by that user.
    denials = [r for r in rows if r["action"] == "note.open" and r["outcome"] == "denied"]
    assert [(r["actor"], r["signer"]) for r in denials] == [(CHEN, CHEN)]
    # The reason is sealed: present as ciphertext, not as text.
    opened = [r for r in rows if r["action"] == "note.open" and r["outcome"] == "success"]
    assert len(opened) == 1 and len(bytes(opened[0]["sealed_reason"])) > 0
    assert b"preparing the next session" not in bytes(opened[0]["entry"])


def test_signature_check_rejects_altered_entries(practice):
    """Negative control: the same checks fail on a changed byte or the wrong key."""
    activity(practice)
    keys = users(practice)
    row = next(r for r in practice.log_rows() if r["action"] == "note.open" and r["signer"])
    entry, sig = bytes(row["entry"]), bytes(row["signature"])
    verify = nacl.signing.VerifyKey(keys[row["signer"]]).verify
    verify(entry, sig)
    altered = entry.replace(b"TREAT", b"PATRQ")  # same length, different purpose
    assert altered != entry
    with pytest.raises(nacl.exceptions.BadSignatureError):
        verify(altered, sig)
    assert hashlib.sha256(b"\x00" + altered).digest() != bytes(row["leaf_hash"])
    with pytest.raises(nacl.exceptions.BadSignatureError):
        nacl.signing.VerifyKey(keys[COMPLIANCE]).verify(entry, sig)


def test_user_certificates_chain_to_the_root_key(practice):
    """The sign_pk values used above are the ones the admin certified (docs/keys.md)."""
    con = practice.db()
    try:
        vault_id, root_pk = con.execute("SELECT vault_id, root_sign_pk FROM vault").fetchone()
        rows = con.execute("SELECT name, roles, box_pk, sign_pk, enrolled_by, enrolled_at, "
                           "certificate, client_id FROM users").fetchall()
    finally:
        con.close()
    assert bytes(root_pk) == practice.root_public_key
    assert bytes(vault_id).hex() == practice.vault_id
    by_name = {r[0]: r for r in rows}

    def enc(*fields):
        out = b""
        for f in fields:
            f = struct.pack(">q", f) if isinstance(f, int) else (
                f.encode() if isinstance(f, str) else bytes(f))
            out += struct.pack(">I", len(f)) + f
        return out

    con = practice.db()
    try:
        history = {r[0]: r for r in con.execute(
            "SELECT name, roles, box_pk, sign_pk, enrolled_by, enrolled_at, certificate, client_id "
            "FROM user_history WHERE generation = 1")}
    finally:
        con.close()

    def check(row, signer_pk):
        name, roles, box_pk, sign_pk, enrolled_by, enrolled_at, cert, client_id = row
        message = enc("confidant/user-certificate/v1", vault_id, name, roles, box_pk, sign_pk,
                      enrolled_by, enrolled_at, client_id)
        nacl.signing.VerifyKey(signer_pk).verify(message, bytes(cert))

    for row in rows:
        name, enrolled_by = row[0], row[4]
        if name == ADMIN:  # the root: self-signed
            check(row, bytes(row[3]))
            continue
        # Enrolled with a code: the current keys are certified by the code's keys (the user
        # itself), and those by the admin, within the code's 72 hours.
        assert enrolled_by == name
        code_gen = history[name]
        check(row, bytes(code_gen[3]))
        assert code_gen[4] == ADMIN
        check(code_gen, bytes(by_name[ADMIN][3]))
        assert row[5] - code_gen[5] < 72 * 3600 * 1000
    assert bytes(by_name[ADMIN][3]) == practice.root_public_key
    assert {r[0]: r[1] for r in rows} == {ADMIN: "admin", RIVERA: "therapist",
                                          CHEN: "therapist", COMPLIANCE: "compliance"}
