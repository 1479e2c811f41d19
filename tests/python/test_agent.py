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


def test_another_uid_cannot_use_the_agent(practice, tmp_path):
    """A process of another uid (setpriv to nobody) reaches neither the 0700 folder nor the
    0600 socket; even with the folder opened up, the agent's SO_PEERCRED check refuses it."""
    import shutil
    import socket as sk
    import pytest
    if os.getuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to act as a second uid")
    runtime = tempfile.mkdtemp(prefix="cr-", dir="/tmp")
    env = dict(practice.env, XDG_RUNTIME_DIR=runtime)
    base = ["--vault", str(practice.vault), "--as", RIVERA]
    r = subprocess.run([str(practice.bin), "unlock", *practice.auth(RIVERA)], capture_output=True, env=env, cwd=practice.root)
    assert r.returncode == 0, r.stderr
    sock = os.path.join(runtime, "confidant", practice.vault_id + ".sock")
    try:
        probe = ("import socket,sys\ns=socket.socket(socket.AF_UNIX)\n"
                 "try:\n s.connect(sys.argv[1]); print('connected')\nexcept OSError as e:\n print('refused', e.errno)\n")
        as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "python3", "-c", probe, sock]
        out = subprocess.run(as_nobody, capture_output=True, text=True, timeout=30)
        assert out.stdout.startswith("refused"), out.stdout + out.stderr
        # Open the folder and the socket to everyone: the agent itself still refuses the peer.
        os.chmod(runtime, 0o755)
        os.chmod(os.path.dirname(sock), 0o755)
        os.chmod(sock, 0o666)
        client = ("import socket,struct,sys,json\ns=socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1])\n"
                  "b=json.dumps({'user':'dr-rivera','arguments':['client','list'],'directory':'/','lock':False}).encode()\n"
                  "try:\n s.sendall(struct.pack('>I',len(b))+b); print('answer' if s.recv(4) else 'closed')\n"
                  "except OSError:\n print('closed')\n")
        out = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "python3", "-c", client, sock],
                             capture_output=True, text=True, timeout=30)
        assert out.stdout.strip() == "closed", out.stdout + out.stderr
    finally:
        os.chmod(os.path.dirname(sock), 0o700)
        subprocess.run([str(practice.bin), "lock", *base], capture_output=True, env=env, cwd=practice.root)


def _spawn_with_stdin_file(practice, env, args, stdin_path):
    """`confidant ARGS < FILE` at a pseudo-terminal: the note comes from the file, while a
    passphrase prompt (on /dev/tty) still reaches the terminal."""
    import shlex
    line = " ".join(shlex.quote(a) for a in [str(practice.bin), *args])
    return pexpect.spawn("/bin/bash", ["-c", f"exec {line} < {shlex.quote(str(stdin_path))}"], env=env,
                         cwd=str(practice.root), timeout=60)


def test_another_users_agent_leaves_the_piped_note_for_the_prompted_command(practice, tmp_path):
    """With dr-rivera's agent running, dr-chen's `note add < file` is declined by the agent
    before the note is read: dr-chen is asked its own passphrase and the note arrives whole."""
    chen = THERAPISTS[1]
    runtime = tempfile.mkdtemp(prefix="cr-", dir="/tmp")
    env = dict(practice.env, XDG_RUNTIME_DIR=runtime)
    client = practice.add_client(chen, "Chen Client")
    r = subprocess.run([str(practice.bin), "unlock", *practice.auth(RIVERA)], capture_output=True, env=env, cwd=practice.root)
    assert r.returncode == 0, r.stderr
    try:
        text = "dr-chen's note, written once\n"
        draft = tmp_path / "draft.txt"
        draft.write_text(text)
        child = _spawn_with_stdin_file(practice, env, ["note", "add", client, "--vault", str(practice.vault), "--as", chen], draft)
        child.expect_exact(f"Passphrase for {chen}:")
        child.sendline(practice.passphrases[chen])
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0, child.before
        note = child.before.decode().strip().splitlines()[-1]
        opened = practice.run(chen, "note", "open", note, "--purpose", "TREAT")
        assert opened.stdout == text
    finally:
        subprocess.run([str(practice.bin), "lock", "--vault", str(practice.vault), "--as", RIVERA], capture_output=True, env=env,
                       cwd=practice.root)


def test_an_agent_that_ends_after_the_ping_loses_no_note(practice, tmp_path):
    """A stand-in agent answers the ping, then drops the request that carries the note (as an
    agent reaching its deadline would): the CLI runs the command itself, asks the passphrase,
    and the note it had already read is the one stored."""
    import base64
    import json
    import socket as sk
    import struct
    import threading

    runtime = tempfile.mkdtemp(prefix="cr-", dir="/tmp")
    env = dict(practice.env, XDG_RUNTIME_DIR=runtime)
    client = practice.add_client(RIVERA, "Replay Client")
    folder = os.path.join(runtime, "confidant")
    os.mkdir(folder, 0o700)
    server = sk.socket(sk.AF_UNIX)
    server.bind(os.path.join(folder, practice.vault_id + ".sock"))
    server.listen(4)
    seen = []

    def read_message(conn):
        head = conn.recv(4, sk.MSG_WAITALL)
        return json.loads(conn.recv(struct.unpack(">I", head)[0], sk.MSG_WAITALL))

    def fake_agent():
        conn, _ = server.accept()
        seen.append(read_message(conn))
        answer = json.dumps({"status": 0, "stdout": "", "stderr": ""}).encode()
        conn.sendall(struct.pack(">I", len(answer)) + answer)
        conn.close()
        conn, _ = server.accept()
        seen.append(read_message(conn))
        conn.close()  # gone without an answer
        server.close()

    thread = threading.Thread(target=fake_agent, daemon=True)
    thread.start()
    text = "a note typed before the agent went away\n"
    draft = tmp_path / "draft.txt"
    draft.write_text(text)
    child = _spawn_with_stdin_file(practice, env, ["note", "add", client, "--vault", str(practice.vault), "--as", RIVERA], draft)
    child.expect_exact(f"Passphrase for {RIVERA}:")
    child.sendline(practice.passphrases[RIVERA])
    child.expect(pexpect.EOF)
    child.close()
    thread.join(timeout=10)
    assert child.exitstatus == 0, child.before
    assert [m.get("ping") for m in seen] == [True, None]
    assert base64.b64decode(seen[1]["stdin"]).decode() == text
    note = child.before.decode().strip().splitlines()[-1]
    assert practice.run(RIVERA, "note", "open", note, "--purpose", "TREAT").stdout == text
