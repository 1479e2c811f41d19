"""`confidant unlock` at a real terminal (pexpect): one passphrase, then commands run by the
agent without any prompt; `confidant lock` ends it and the next command prompts again.
The socket is 0600 in a 0700 folder, and after `lock` no agent process is left."""

import os
import stat
import subprocess
import tempfile
import time

import pexpect

from conftest import THERAPISTS

RIVERA = THERAPISTS[0]


def test_unlock_once_then_no_prompts_until_lock(practice):
    runtime = tempfile.mkdtemp(prefix="cr-", dir="/tmp")  # short: socket paths are limited to 108 bytes
    env = dict(practice.env, XDG_RUNTIME_DIR=runtime)
    client = practice.add_client(RIVERA, "Agent Client")
    notes = [practice.add_note(RIVERA, client, f"note {i}") for i in range(3)]
    base = ["--vault", str(practice.vault), "--as", RIVERA]

    child = pexpect.spawn(str(practice.bin), ["unlock", "--for", "2m", *base], env=env, cwd=str(practice.root), timeout=60)
    child.expect_exact(f"Passphrase for {RIVERA}:")
    child.sendline(practice.passphrases[RIVERA])
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before

    folder = os.path.join(runtime, "confidant")
    sock = os.path.join(folder, practice.vault_id + ".sock")
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert stat.S_ISSOCK(os.lstat(sock).st_mode) and stat.S_IMODE(os.lstat(sock).st_mode) == 0o600

    def run(*args, stdin=b""):
        # No passphrase option and no terminal: only the agent can make this succeed.
        return subprocess.run([str(practice.bin), *args, *base], input=stdin, capture_output=True, env=env,
                              cwd=practice.root, timeout=60)

    for i, note in enumerate(notes):
        r = run("note", "open", note, "--purpose", "TREAT")
        assert r.returncode == 0, r.stderr
        assert r.stdout.decode() == f"note {i}\n"
    assert run("note", "add", client, stdin=b"written through the agent").returncode == 0
    assert run("client", "list").returncode == 0
    # A grant always asks the passphrase: with no terminal, the usual usage error (64).
    assert run("careteam", "grant", client, THERAPISTS[1]).returncode == 64

    rows = practice.log_rows()
    opens = [r for r in rows if r["action"] == "note.open" and r["actor"] == RIVERA and r["outcome"] == "success"]
    assert len(opens) == 3 and all(r["signature"] for r in opens)

    lock = run("lock")
    assert lock.returncode == 0, lock.stderr
    assert not os.path.exists(sock)
    # The agent process has exited (it answers `lock`, then wipes its keys and ends).
    for _ in range(40):
        procs = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
        if not any("agent-serve" in line and str(practice.vault) in line for line in procs.splitlines()):
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the agent is still running after lock")

    prompt = pexpect.spawn(str(practice.bin), ["note", "open", notes[0], "--purpose", "TREAT", *base], env=env,
                           cwd=str(practice.root), timeout=60)
    prompt.expect_exact(f"Passphrase for {RIVERA}:")
    prompt.sendline(practice.passphrases[RIVERA])
    prompt.expect(pexpect.EOF)
    prompt.close()
    assert prompt.exitstatus == 0
