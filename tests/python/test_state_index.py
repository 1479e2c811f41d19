"""The state index, recomputed independently with hashlib from the rows, as docs/access-log.md
("The state index") describes it: table digests, aggregate digests, the 2^16-bucket Merkle map,
and its root, which must equal the map root in the newest signed entry. A row edited with
sqlite3 must then no longer match.
"""

import hashlib
import sqlite3
import struct

from conftest import ADMIN, THERAPISTS

RIVERA, CHEN = THERAPISTS


def field(b: bytes) -> bytes:
    return struct.pack(">I", len(b)) + b


def canon(*fields) -> bytes:
    out = b""
    for f in fields:
        if isinstance(f, int):
            f = struct.pack(">q", f)
        elif isinstance(f, str):
            f = f.encode()
        out += field(f)
    return out


def split_fields(data: bytes) -> list[bytes]:
    out, i = [], 0
    while i < len(data):
        (n,) = struct.unpack(">I", data[i:i + 4])
        out.append(data[i + 4:i + 4 + n])
        i += 4 + n
    return out


def encode_row(row) -> bytes:
    out = struct.pack(">I", len(row))
    for v in row:
        if v is None:
            out += b"\x00"
        elif isinstance(v, int):
            out += b"\x01" + struct.pack(">q", v)
        elif isinstance(v, float):
            out += b"\x02" + struct.pack(">d", v)
        elif isinstance(v, str):
            out += b"\x03" + field(v.encode())
        else:
            out += b"\x04" + field(bytes(v))
    return out


CLIENT_TABLES = [
    ("clients", "SELECT * FROM clients WHERE id = ?"),
    ("care_team", "SELECT * FROM care_team WHERE client_id = ? ORDER BY user"),
    ("data_keys", "SELECT * FROM data_keys WHERE client_id = ? ORDER BY id"),
    ("key_wraps", "SELECT w.* FROM key_wraps w JOIN data_keys k ON k.id = w.key_id WHERE k.client_id = ? "
                  "ORDER BY w.key_id, w.recipient"),
    ("records", "SELECT id, client_id, kind, subkind, author, key_id, key_version, format_version, created_at, "
                "sequence, content_hash FROM records WHERE client_id = ? ORDER BY id"),
    ("acknowledgements", "SELECT a.* FROM acknowledgements a JOIN records r ON r.id = a.record_id "
                         "WHERE r.client_id = ? ORDER BY a.record_id, a.user"),
    ("export_requests", "SELECT * FROM export_requests WHERE client_id = ? ORDER BY id"),
    ("rotation_jobs", "SELECT * FROM rotation_jobs WHERE client_id = ? ORDER BY id"),
]


def client_digest(con, client_id: str) -> bytes:
    parts = [canon("confidant/state/v1", "client:" + client_id)]
    for name, sql in CLIENT_TABLES:
        rows = con.execute(sql, (client_id,)).fetchall()
        digest = hashlib.sha256(f"confidant/table/v1\0{name}\0".encode() + b"".join(encode_row(r) for r in rows)).digest()
        parts.append(canon(name, len(rows), digest))
    return hashlib.sha256(b"".join(parts)).digest()


def bucket(name: str) -> int:
    h = hashlib.sha256(name.encode()).digest()
    return h[0] << 8 | h[1]


def map_root(heads) -> bytes:
    zero = bytes(32)
    level = {}
    by_bucket = {}
    for name, seq, digest in heads:
        by_bucket.setdefault(bucket(name), []).append((name, seq, digest))
    for b, hs in by_bucket.items():
        body = canon("confidant/state-bucket/v1")
        for name, seq, digest in sorted(hs):
            body += canon(name, seq, digest)
        level[b] = hashlib.sha256(b"\x00" + body).digest()
    for _ in range(16):
        nxt = {}
        for idx in {k >> 1 for k in level}:
            left, right = level.get(idx << 1, zero), level.get(idx << 1 | 1, zero)
            nxt[idx] = zero if left == zero and right == zero else hashlib.sha256(b"\x01" + left + right).digest()
        level = nxt
    return level.get(0, zero)


def test_index_root_and_client_digest_recomputed_independently(practice):
    cid = practice.add_client(RIVERA, "Index Client", "1980-02-02")
    practice.add_note(RIVERA, cid, "a note for the index\n")
    practice.run(RIVERA, "careteam", "grant", cid, CHEN)
    con = practice.db()
    try:
        heads = [(a, s, bytes(d)) for a, s, d in con.execute("SELECT aggregate, seq, digest FROM state_heads")]
        last = con.execute("SELECT entry FROM access_log WHERE signer != '' ORDER BY seq DESC LIMIT 1").fetchone()
        fields = split_fields(bytes(last[0]))
        assert fields[0] == b"confidant/access-entry/v3"
        assert map_root(heads) == fields[15]
        by_name = {a: d for a, _, d in heads}
        assert client_digest(con, cid) == by_name["client:" + cid]
    finally:
        con.close()

    # A keyless writer flips the care-team row back: the rows no longer hash to the index.
    con = sqlite3.connect(str(practice.vault))
    try:
        con.execute("UPDATE care_team SET state = 'revoked' WHERE user = ?", (CHEN,))
        con.commit()
        assert client_digest(con, cid) != by_name["client:" + cid]
    finally:
        con.close()
    practice.run(ADMIN, "log", "verify", expect=65)
