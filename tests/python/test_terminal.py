"""Passphrase entry at a real (pseudo-)terminal, driven by pexpect.

SPEC section 4: with neither --passphrase-file nor --passphrase-fd, the passphrase is read
from the terminal without echo. These tests give the CLI a pty as its controlling terminal
and no passphrase option at all, then look at the pty's termios flags from the outside.
"""

import shlex
import signal
import termios

import pexpect

from conftest import ADMIN, COMPLIANCE, THERAPISTS

PROMPT = f"Passphrase for {ADMIN}:"


def echo_on(child: pexpect.spawn) -> bool:
    """ECHO in the local modes of the pty (the master reports the slave's termios)."""
    return bool(termios.tcgetattr(child.child_fd)[3] & termios.ECHO)


def spawn_user_list(practice, stderr_file=None) -> pexpect.spawn:
    argv = [str(practice.bin), "user", "list", "--vault", str(practice.vault), "--as", ADMIN]
    if stderr_file is None:
        return pexpect.spawn(argv[0], argv[1:], env=practice.env, cwd=str(practice.root),
                             timeout=60)
    # Keep stdout and the terminal on the pty, but send stderr to a file so the error line
    # can be told apart from the prompt (which must go to the terminal, not to stderr).
    cmd = "exec " + " ".join(map(shlex.quote, argv)) + " 2>" + shlex.quote(str(stderr_file))
    return pexpect.spawn("/bin/sh", ["-c", cmd], env=practice.env, cwd=str(practice.root),
                         timeout=60)


def test_prompt_has_echo_off_and_correct_passphrase_lists_users(practice):
    child = spawn_user_list(practice)
    try:
        child.expect_exact(PROMPT)
        assert child.waitnoecho(timeout=10) is True
        assert echo_on(child) is False
        child.sendline(practice.passphrases[ADMIN])
        child.expect(pexpect.EOF)
        output = child.before.decode("utf-8")
        echo_after = echo_on(child)
    finally:
        child.close()
    assert child.signalstatus is None
    assert child.exitstatus == 0, output
    assert echo_after is True
    # The typed passphrase must not have been echoed back.
    assert practice.passphrases[ADMIN] not in output
    lines = [line.split() for line in output.splitlines() if line.strip()]
    assert lines[0][:2] == ["USER", "ROLES"]
    users = {cols[0]: cols[1] for cols in lines[1:]}
    assert users == {ADMIN: "admin", THERAPISTS[0]: "therapist", THERAPISTS[1]: "therapist",
                     COMPLIANCE: "compliance"}


def test_ctrl_c_at_prompt_exits_130_and_restores_echo(practice):
    rows_before = practice.log_rows()
    child = spawn_user_list(practice)
    try:
        child.expect_exact(PROMPT)
        assert child.waitnoecho(timeout=10) is True
        child.sendintr()
        child.expect(pexpect.EOF)
        output = child.before.decode("utf-8")
        echo_after = echo_on(child)
    finally:
        child.close()
    # Either the CLI handles SIGINT and exits 128+2, or it dies of the signal itself.
    assert child.exitstatus == 130 or child.signalstatus == signal.SIGINT, \
        (child.exitstatus, child.signalstatus)
    assert echo_after is True, "terminal left with echo off after Ctrl-C"
    assert "USER" not in output
    # An interrupted unlock must not have recorded anything as a success.
    rows_after = practice.log_rows()
    assert [r["seq"] for r in rows_after[:len(rows_before)]] == [r["seq"] for r in rows_before]
    assert [r["outcome"] for r in rows_after[len(rows_before):] if r["outcome"] == "success"] == []
    # And the vault still opens normally.
    assert practice.run(ADMIN, "user", "list").returncode == 0


def test_wrong_passphrase_at_terminal_exits_77_with_one_error_line(practice, tmp_path):
    """Asked three times in all (SPEC §4); after the third wrong one, 77 and one error line."""
    err = tmp_path / "stderr.txt"
    wrong = "not-" + practice.passphrases[ADMIN]
    rows_before = practice.log_rows()
    child = spawn_user_list(practice, stderr_file=err)
    try:
        for attempt in range(3):
            child.expect_exact(PROMPT)
            assert child.waitnoecho(timeout=10) is True
            child.sendline(wrong)
        child.expect(pexpect.EOF)
        output = child.before.decode("utf-8")
        echo_after = echo_on(child)
    finally:
        child.close()
    assert child.signalstatus is None
    assert child.exitstatus == 77
    assert echo_after is True
    assert "USER" not in output and wrong not in output
    stderr_lines = err.read_text(encoding="utf-8").splitlines()
    assert len(stderr_lines) == 1, stderr_lines
    assert stderr_lines[0].startswith("confidant: error: ")
    assert wrong not in stderr_lines[0]
    # Each refused try is logged: exactly three new entries, unsigned, denied.
    new = practice.log_rows()[len(rows_before):]
    assert [(r["actor"], r["action"], r["outcome"], r["signer"], bytes(r["signature"]))
            for r in new] == [(ADMIN, "session.unlock", "denied", "", b"")] * 3


def test_a_mistyped_passphrase_is_asked_again(practice):
    child = spawn_user_list(practice)
    try:
        child.expect_exact(PROMPT)
        child.sendline("not-" + practice.passphrases[ADMIN])
        child.expect_exact("Wrong passphrase, try again. " + PROMPT)
        child.sendline(practice.passphrases[ADMIN])
        child.expect(pexpect.EOF)
        output = child.before.decode("utf-8")
    finally:
        child.close()
    assert child.exitstatus == 0, output
    assert "USER" in output
