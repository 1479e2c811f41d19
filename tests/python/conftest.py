"""Shared fixtures for the independent interop tests of the Confidant CLI.

Everything here drives the built `confidant` binary as a black box through its command line
(SPEC.md section 4). The checks in the test files use implementations that share no code with
Confidant: PyNaCl's bundled libsodium, Python's hashlib and sqlite3, pexpect, and the
fhir.resources FHIR models.

Passphrases are only ever written to files (mode 0600) and passed as `--passphrase-file`, or
typed at a pseudo-terminal; never on argv and never as the value of an environment variable.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import sqlite3
import subprocess
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
DEFAULT_BIN = HERE / ".." / ".." / ".build" / "debug" / "confidant"
TIMEOUT = 120  # seconds per CLI call; interactive Argon2id takes well under a second

ADMIN = "admin"
THERAPISTS = ("dr-rivera", "dr-chen")
COMPLIANCE = "morgan"
PRACTICE_NAME = "Interop Test Practice"


def clean_env() -> dict[str, str]:
    """The inherited environment without any CONFIDANT_* setting, so only argv counts."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFIDANT_")}
    env["CONFIDANT_CONFIG"] = "/dev/null"  # a developer's own config never leaks into a test
    return env


def write_secret(path: Path, text: str) -> Path:
    """Write a passphrase file the way a user would (`echo pass > file`), mode 0600."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    return path


@pytest.fixture(scope="session")
def confidant_bin() -> Path:
    """The binary under test: $CONFIDANT_BIN, else ../../.build/debug/confidant from here."""
    configured = os.environ.get("CONFIDANT_BIN")
    path = Path(configured) if configured else DEFAULT_BIN
    path = path.resolve()
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"confidant binary not found or not executable at {path} "
                    "(build it, or set CONFIDANT_BIN)")
    return path


@dataclass
class Practice:
    """A fresh vault made through the CLI, with helpers to act as its users."""

    bin: Path
    root: Path
    vault: Path
    recovery_key: Path
    init_json: dict
    passphrases: dict[str, str] = field(default_factory=dict)
    passphrase_files: dict[str, Path] = field(default_factory=dict)

    # ---- facts printed by `confidant --json init`
    @property
    def vault_id(self) -> str:
        return self.init_json["id"]

    @property
    def log_public_key(self) -> bytes:
        return base64.b64decode(self.init_json["logPublicKey"], validate=True)

    @property
    def root_public_key(self) -> bytes:
        return base64.b64decode(self.init_json["rootPublicKey"], validate=True)

    @property
    def env(self) -> dict[str, str]:
        return clean_env()

    # ---- running commands
    def raw(self, args, *, stdin: bytes | None = None) -> subprocess.CompletedProcess:
        """Run the binary with exactly these arguments (bytes in, text out)."""
        proc = subprocess.run(
            [str(self.bin), *map(str, args)],
            input=stdin if stdin is not None else b"",
            capture_output=True, env=self.env, cwd=self.root, timeout=TIMEOUT,
        )
        return subprocess.CompletedProcess(
            proc.args, proc.returncode,
            proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8"))

    def auth(self, user: str, passphrase_file: Path | None = None) -> list[str]:
        return ["--vault", str(self.vault), "--as", user,
                "--passphrase-file", str(passphrase_file or self.passphrase_files[user])]

    def run(self, user: str, *args, stdin: bytes | None = None, expect: int | None = 0,
            passphrase_file: Path | None = None) -> subprocess.CompletedProcess:
        """Run `confidant ARGS --vault V --as USER --passphrase-file F`; check the exit code."""
        proc = self.raw([*args, *self.auth(user, passphrase_file)], stdin=stdin)
        if expect is not None:
            assert proc.returncode == expect, (
                f"`confidant {' '.join(map(str, args))}` as {user}: exit {proc.returncode}, "
                f"expected {expect}\nstdout: {proc.stdout}\nstderr: {proc.stderr}")
        return proc

    def run_json(self, user: str, *args, stdin: bytes | None = None):
        proc = self.run(user, "--json", *args, stdin=stdin)
        return json.loads(proc.stdout)

    # ---- common actions
    def add_user(self, name: str, role: str, passphrase_file: Path, *extra) -> None:
        """`user add` by the admin (the code to a 0600 file), then `user enrol` by the new user."""
        code = passphrase_file.parent / f"code-{name}-{secrets.token_hex(4)}"
        self.run(ADMIN, "user", "add", name, "--role", role, "--code-file", code, *extra)
        proc = self.raw(["user", "enrol", name, "--code-file", code, "--vault", self.vault,
                         "--passphrase-file", passphrase_file])
        assert proc.returncode == 0, proc.stderr
        code.unlink()

    def add_client(self, therapist: str, name: str, dob: str | None = None) -> str:
        args = ["client", "add", "--name", name] + (["--dob", dob] if dob else [])
        cid = self.run_json(therapist, *args)["id"]
        assert isinstance(cid, str) and cid.startswith("c"), cid
        return cid

    def add_note(self, therapist: str, client_id: str, text: str) -> str:
        nid = self.run_json(therapist, "note", "add", client_id, stdin=text.encode())["id"]
        assert isinstance(nid, str) and nid.startswith("n"), nid
        return nid

    # ---- read-only look at the vault file (SQLite) without the CLI
    def db(self) -> sqlite3.Connection:
        uri = "file:" + urllib.parse.quote(str(self.vault)) + "?mode=ro"
        return sqlite3.connect(uri, uri=True)

    def log_rows(self) -> list[sqlite3.Row]:
        con = self.db()
        try:
            con.row_factory = sqlite3.Row
            return con.execute(
                "SELECT seq, time, actor, roles, action, client_id, record_id, purpose, "
                "sealed_reason, outcome, detail, flags, entry, leaf_hash, signer, signature "
                "FROM access_log ORDER BY seq").fetchall()
        finally:
            con.close()


@pytest.fixture
def practice(confidant_bin: Path, tmp_path: Path) -> Practice:
    """A new practice: admin `admin`, therapists dr-rivera and dr-chen, compliance morgan."""
    secrets_dir = tmp_path / "passphrases"
    secrets_dir.mkdir(mode=0o700)
    users = [ADMIN, *THERAPISTS, COMPLIANCE]
    passphrases = {u: "pp-" + secrets.token_urlsafe(18) for u in users}
    files = {u: write_secret(secrets_dir / u, passphrases[u]) for u in users}

    vault = tmp_path / "practice.vault"
    recovery = tmp_path / "recovery.key"
    proc = subprocess.run(
        [str(confidant_bin), "--json", "init", "--vault", str(vault),
         "--practice", PRACTICE_NAME, "--admin", ADMIN, "--roles", "admin",
         "--recovery-out", str(recovery), "--kdf", "interactive",
         "--passphrase-file", str(files[ADMIN])],
        capture_output=True, env=clean_env(), cwd=tmp_path, timeout=TIMEOUT, text=True)
    assert proc.returncode == 0, proc.stderr
    init_json = json.loads(proc.stdout)
    assert len(init_json["id"]) == 32 and int(init_json["id"], 16) >= 0, init_json
    assert recovery.is_file() and (recovery.stat().st_mode & 0o777) == 0o600

    p = Practice(bin=confidant_bin, root=tmp_path, vault=vault, recovery_key=recovery,
                 init_json=init_json, passphrases=passphrases, passphrase_files=files)
    assert len(p.log_public_key) == 32 and len(p.root_public_key) == 32

    for t in THERAPISTS:
        p.add_user(t, "therapist", files[t])
    # --recovery-key lets the compliance user read sealed reasons at once.
    p.add_user(COMPLIANCE, "compliance", files[COMPLIANCE], "--recovery-key", recovery)
    return p
