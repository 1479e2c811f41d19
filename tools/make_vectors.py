#!/usr/bin/env python3
"""Generate the known-answer vectors in Keys/vectors/ for Tests/VaultCryptoTests.

The vectors come from implementations independent of VaultCrypto's Swift code: PyNaCl (its
own bundled libsodium) and Python's hashlib. Every input is fixed, so a rerun writes the same
bytes. The one exception is the sealed box, whose ephemeral key pair libsodium draws at random
inside crypto_box_seal; to keep reruns stable, an existing sealed ciphertext is kept as long as
it still opens to the expected message under the recorded recipient key.

Where a published value exists (FIPS 180-2 SHA-256, RFC 8032 Ed25519, RFC 7693 and the BLAKE2
reference KAT, draft-irtf-cfrg-xchacha A.3.1) the script asserts that the library reproduces
it before writing anything.

Usage: python3 tools/make_vectors.py [--out DIR]   (default DIR: Keys/vectors beside tools/)
"""

import argparse
import hashlib
import json
import os
import sys

import nacl
import nacl.bindings
import nacl.exceptions
import nacl.public
import nacl.pwhash.argon2id
import nacl.signing

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GENERATOR = "tools/make_vectors.py"


def fixed(label: str, length: int) -> bytes:
    """Deterministic bytes for an input: SHA-256 in counter mode over a label."""
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(f"confidant-vectors/{label}/{counter}".encode()).digest()
        counter += 1
    return out[:length]


def hx(b: bytes) -> str:
    return b.hex()


def source(text: str) -> str:
    return f"{GENERATOR} with PyNaCl {nacl.__version__} and Python {sys.version.split()[0]} hashlib: {text}"


# --------------------------------------------------------------------------- XChaCha20-Poly1305

XCHACHA_DRAFT = {
    "key": bytes(range(0x80, 0xA0)),
    "nonce": bytes(range(0x40, 0x58)),
    "ad": bytes.fromhex("50515253c0c1c2c3c4c5c6c7"),
    "plaintext": b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip "
                 b"for the future, sunscreen would be it.",
    "ciphertext": bytes.fromhex(
        "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
        "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"
        "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
        "21f9664c97637da9768812f615c68b13b52e"
        "c0875924c1c7987947deafd8780acf49"),
}


def xchacha_vectors():
    cases = [
        ("draft-irtf-cfrg-xchacha-03 A.3.1", XCHACHA_DRAFT["key"], XCHACHA_DRAFT["nonce"],
         XCHACHA_DRAFT["ad"], XCHACHA_DRAFT["plaintext"]),
        ("empty plaintext, empty AD", fixed("aead/k1", 32), fixed("aead/n1", 24), b"", b""),
        ("empty plaintext with AD", fixed("aead/k2", 32), fixed("aead/n2", 24), b"record-id:42", b""),
        ("one byte, empty AD", fixed("aead/k3", 32), fixed("aead/n3", 24), b"", b"\x00"),
        ("one block (64 bytes) with AD", fixed("aead/k4", 32), fixed("aead/n4", 24),
         b"vault:v1|record", fixed("aead/p4", 64)),
        ("block plus one (65 bytes)", fixed("aead/k5", 32), fixed("aead/n5", 24),
         fixed("aead/a5", 33), fixed("aead/p5", 65)),
        ("1000-byte note, all-zero key and nonce", bytes(32), bytes(24), b"",
         b"Session note: client reports improved sleep. " * 22 + b"0123456789"),
        ("UTF-8 text with long AD", fixed("aead/k7", 32), fixed("aead/n7", 24), fixed("aead/a7", 300),
         "Notizen über Sitzung №7 — vertraulich".encode("utf-8")),
    ]
    vectors = []
    for comment, key, nonce, ad, pt in cases:
        ct = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(pt, ad, nonce, key)
        back = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(ct, ad, nonce, key)
        assert back == pt and len(ct) == len(pt) + 16
        vectors.append({"comment": comment, "key": hx(key), "nonce": hx(nonce), "ad": hx(ad),
                        "plaintext": hx(pt), "ciphertext": hx(ct)})
    assert bytes.fromhex(vectors[0]["ciphertext"]) == XCHACHA_DRAFT["ciphertext"], "draft vector mismatch"
    return {
        "source": source("nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, nonce, key); "
                         "ciphertext is libsodium's combined form (ciphertext || 16-byte tag), without the "
                         "nonce. The first case is draft-irtf-cfrg-xchacha-03 A.3.1."),
        "vectors": vectors,
    }


# --------------------------------------------------------------------------- Ed25519

RFC8032 = [
    ("RFC 8032 7.1 TEST 1",
     "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
     "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
    ("RFC 8032 7.1 TEST 2",
     "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
     "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
    ("RFC 8032 7.1 TEST 3",
     "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
     "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
]


def ed25519_vectors():
    cases = [(c, bytes.fromhex(s), bytes.fromhex(m)) for c, s, _, m, _ in RFC8032]
    cases += [
        ("fixed seed, audit-log line", fixed("ed25519/s1", 32),
         b'{"at":"2024-05-01T09:00:00Z","who":"dr.ames","did":"open","record":"r-17"}'),
        ("fixed seed, 1000-byte message", fixed("ed25519/s2", 32), fixed("ed25519/m2", 1000)),
        ("all-zero seed, empty message", bytes(32), b""),
    ]
    vectors = []
    for comment, seed, msg in cases:
        sk = nacl.signing.SigningKey(seed)
        pk = bytes(sk.verify_key)
        sig = sk.sign(msg).signature
        sk.verify_key.verify(msg, sig)
        vectors.append({"comment": comment, "seed": hx(seed), "public_key": hx(pk),
                        "message": hx(msg), "signature": hx(sig)})
    for (c, _, pk, _, sig), v in zip(RFC8032, vectors):
        assert v["public_key"] == pk and v["signature"] == sig, f"{c} mismatch"
    return {
        "source": source("nacl.signing.SigningKey(seed); public_key = bytes(verify_key); "
                         "signature = sign(message).signature (64-byte detached). "
                         "The first three cases are RFC 8032 section 7.1 TEST 1-3."),
        "vectors": vectors,
    }


# --------------------------------------------------------------------------- SHA-256

FIPS_SHA256 = {
    b"": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    b"abc": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq":
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
}


def sha256_vectors():
    cases = [
        ("FIPS 180-2: empty string", b""),
        ("FIPS 180-2: \"abc\"", b"abc"),
        ("FIPS 180-2: 448-bit message", b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
        ("55 bytes (longest single-block padding)", b"a" * 55),
        ("56 bytes (padding spills into a second block)", b"a" * 56),
        ("64 bytes (exactly one block)", b"a" * 64),
        ("1000 fixed bytes", fixed("sha256/m1", 1000)),
    ]
    vectors = []
    for comment, msg in cases:
        digest = hashlib.sha256(msg).hexdigest()
        if msg in FIPS_SHA256:
            assert digest == FIPS_SHA256[msg], f"{comment} mismatch"
        vectors.append({"comment": comment, "message": hx(msg), "digest": digest})
    return {
        "source": source("hashlib.sha256(message).hexdigest(); the first three are FIPS 180-2 examples."),
        "vectors": vectors,
    }


# --------------------------------------------------------------------------- BLAKE2b

KNOWN_BLAKE2B = [
    # (message, key, output length, digest): RFC 7693 appendix A and the reference blake2b-kat.txt.
    (b"abc", b"", 64,
     "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
     "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923"),
    (b"", b"", 64,
     "786a02f742015903c6c6fd852552d272912f4740e15847618a86e217f71f5419"
     "d25e1031afee585313896444934eb04b903a685b1448b755d56f701afe9be2ce"),
    (b"", bytes(range(64)), 64,
     "10ebb67700b1868efb4417987acf4690ae9d972fb7a590c2f02871799aaa4786"
     "b5e996e8f0f4eb981fc214b005f42d2ff4233499391653df7aefcbc13fc51568"),
]


def blake2b_vectors():
    cases = [
        ("RFC 7693 appendix A: BLAKE2b-512(\"abc\")", b"abc", b"", 64),
        ("unkeyed, empty message, 64 bytes", b"", b"", 64),
        ("reference KAT: key 00..3f, empty message", b"", bytes(range(64)), 64),
        ("unkeyed, empty message, 32 bytes (libsodium default length)", b"", b"", 32),
        ("unkeyed, minimum length 16", b"record fingerprint", b"", 16),
        ("unkeyed, 20 bytes", b"record fingerprint", b"", 20),
        ("unkeyed, 32 bytes", b"record fingerprint", b"", 32),
        ("unkeyed, 48 bytes", fixed("blake2b/m1", 200), b"", 48),
        ("unkeyed, 64 bytes, 128-byte message (one block)", fixed("blake2b/m2", 128), b"", 64),
        ("unkeyed, 32 bytes, 129-byte message", fixed("blake2b/m3", 129), b"", 32),
        ("keyed, 16-byte key (libsodium minimum), 32 bytes", b"access-log entry", fixed("blake2b/k1", 16), 32),
        ("keyed, 32-byte key, 32 bytes", b"access-log entry", fixed("blake2b/k2", 32), 32),
        ("keyed, 32-byte key, 16 bytes", b"access-log entry", fixed("blake2b/k2", 32), 16),
        ("keyed, 64-byte key (maximum), 64 bytes", fixed("blake2b/m4", 300), fixed("blake2b/k3", 64), 64),
        ("keyed, 32-byte key, empty message, 48 bytes", b"", fixed("blake2b/k4", 32), 48),
        ("reference KAT: key 00..3f, message 00..ff", bytes(range(256)), bytes(range(64)), 64),
    ]
    vectors = []
    for comment, msg, key, n in cases:
        digest = hashlib.blake2b(msg, digest_size=n, key=key).hexdigest()
        vectors.append({"comment": comment, "message": hx(msg), "key": hx(key),
                        "output_length": n, "digest": digest})
    for msg, key, n, want in KNOWN_BLAKE2B:
        assert hashlib.blake2b(msg, digest_size=n, key=key).hexdigest() == want, "BLAKE2b KAT mismatch"
    return {
        "source": source("hashlib.blake2b(message, digest_size=output_length, key=key).hexdigest(); "
                         "an empty key means unkeyed. Includes RFC 7693 appendix A and entries of the "
                         "reference blake2b-kat.txt."),
        "vectors": vectors,
    }


# --------------------------------------------------------------------------- Argon2id

def argon2id_vectors():
    ops = nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE
    mem = nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE
    assert (ops, mem) == (2, 67108864), "unexpected INTERACTIVE limits"
    cases = [
        ("ASCII passphrase", b"correct horse battery staple", bytes(range(16))),
        ("same passphrase, different salt", b"correct horse battery staple", fixed("argon2id/s1", 16)),
        ("UTF-8 passphrase", "Geheimnis über alles — 2024".encode("utf-8"), fixed("argon2id/s2", 16)),
        ("empty passphrase", b"", fixed("argon2id/s3", 16)),
        ("128-byte binary passphrase", fixed("argon2id/p4", 128), fixed("argon2id/s4", 16)),
    ]
    vectors = []
    for comment, pw, salt in cases:
        out = nacl.pwhash.argon2id.kdf(32, pw, salt, opslimit=ops, memlimit=mem)
        vectors.append({"comment": comment, "passphrase": hx(pw), "salt": hx(salt),
                        "opslimit": ops, "memlimit": mem, "output_length": 32, "output": hx(out)})
    return {
        "source": source("nacl.pwhash.argon2id.kdf(output_length, passphrase, salt, opslimit, memlimit) "
                         "= crypto_pwhash with crypto_pwhash_ALG_ARGON2ID13 (v1.3, parallelism 1) at "
                         "libsodium's INTERACTIVE limits (opslimit 2, memlimit 67108864)."),
        "vectors": vectors,
    }


# --------------------------------------------------------------------------- Sealed boxes

def sealedbox_vectors(previous):
    cases = [
        ("32-byte data key", fixed("sealedbox/sk1", 32), fixed("sealedbox/m1", 32)),
        ("empty message", fixed("sealedbox/sk2", 32), b""),
        ("text message", fixed("sealedbox/sk3", 32), b"recovery key wraps this vault's master key"),
        ("1000-byte message", fixed("sealedbox/sk4", 32), fixed("sealedbox/m4", 1000)),
    ]
    kept = {}
    for v in (previous or {}).get("vectors", []):
        kept[(v.get("recipient_secret_key"), v.get("message"))] = v.get("sealed")
    vectors = []
    for comment, skb, msg in cases:
        sk = nacl.public.PrivateKey(skb)
        pk = bytes(sk.public_key)
        assert pk == nacl.bindings.crypto_scalarmult_base(skb)
        sealed = None
        old = kept.get((hx(skb), hx(msg)))
        if old:
            try:
                if nacl.public.SealedBox(sk).decrypt(bytes.fromhex(old)) == msg:
                    sealed = bytes.fromhex(old)
            except (nacl.exceptions.CryptoError, ValueError):
                sealed = None
        if sealed is None:
            sealed = nacl.public.SealedBox(sk.public_key).encrypt(msg)
        assert nacl.public.SealedBox(sk).decrypt(sealed) == msg and len(sealed) == len(msg) + 48
        vectors.append({"comment": comment, "recipient_secret_key": hx(skb), "recipient_public_key": hx(pk),
                        "message": hx(msg), "sealed": hx(sealed)})
    return {
        "source": source("nacl.public.SealedBox(PrivateKey(recipient_secret_key).public_key).encrypt(message) "
                         "= crypto_box_seal (ephemeral X25519 key || XSalsa20-Poly1305 box, 48 bytes "
                         "overhead). The ephemeral key is random, so sealed differs per run; an existing "
                         "sealed value is kept while it still opens. recipient_public_key = "
                         "crypto_scalarmult_base(recipient_secret_key)."),
        "vectors": vectors,
    }


# --------------------------------------------------------------------------- main

def write(out_dir: str, name: str, doc: dict) -> None:
    path = os.path.join(out_dir, name)
    text = json.dumps(doc, indent=2, ensure_ascii=True) + "\n"
    with open(path, "w", encoding="ascii") as f:
        f.write(text)
    print(f"wrote {os.path.relpath(path, ROOT)}: {len(doc['vectors'])} vectors")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(ROOT, "Keys", "vectors"))
    parser.add_argument("--check", action="store_true",
                        help="regenerate in memory and fail unless the committed files match byte for byte")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    previous_sealed = None
    sealed_path = os.path.join(args.out, "sealedbox.json")
    if os.path.exists(sealed_path):
        with open(sealed_path, encoding="ascii") as f:
            previous_sealed = json.load(f)

    # Build everything first so that a failed cross-check leaves no file half-updated.
    docs = {
        "xchacha20poly1305.json": xchacha_vectors(),
        "ed25519.json": ed25519_vectors(),
        "sha256.json": sha256_vectors(),
        "blake2b.json": blake2b_vectors(),
        "argon2id.json": argon2id_vectors(),
        "sealedbox.json": sealedbox_vectors(previous_sealed),
    }
    if args.check:
        # Compare the vectors, not the "source" note (it names the PyNaCl and Python versions).
        bad = []
        for name, doc in docs.items():
            with open(os.path.join(args.out, name), encoding="ascii") as f:
                committed = json.load(f)
            if committed.get("vectors") != doc["vectors"]:
                bad.append(name)
        if bad:
            sys.exit("vectors differ from PyNaCl/hashlib output: " + ", ".join(bad))
        print(f"vectors: {len(docs)} files reproduce with PyNaCl and hashlib")
        return
    for name, doc in docs.items():
        write(args.out, name, doc)


if __name__ == "__main__":
    main()
