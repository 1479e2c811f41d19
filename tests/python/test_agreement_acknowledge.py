"""`agreement acknowledge` at a real terminal (pexpect): the client is shown the text and asked.

docs/agreements.md: on a terminal the command prints the agreement, then asks
`Acknowledge this agreement? [y/N]`; anything but `y` signs nothing (exit 1); without a terminal
`--yes` is needed (64, before the passphrase).
"""

from __future__ import annotations

import pexpect

from conftest import ADMIN, THERAPISTS, write_secret

PROMPT = "Acknowledge this agreement? [y/N]"


def client_with_agreement(practice, tmp_path):
    therapist = THERAPISTS[0]
    client = practice.add_client(therapist, "Jordan Example", "1990-04-12")
    (tmp_path / "conf.json").write_text(
        '{"reviewedOn": "2026-11-02", "exceptionsExplained": ["harm-to-self", "child-abuse"]}', encoding="utf-8")
    aid = practice.run(therapist, "agreement", "add", client, "--kind", "confidentiality",
                       "--file", tmp_path / "conf.json").stdout.strip()
    secret = write_secret(tmp_path / "passphrases" / "jordan", "jordan passphrase 1")
    practice.add_user("jordan", "client", secret, "--client", client, "--recovery-key", practice.recovery_key)
    return aid, secret


def acknowledge_at_terminal(practice, aid, secret, answer: str) -> tuple[int, str]:
    argv = ["agreement", "acknowledge", aid, "--vault", str(practice.vault), "--as", "jordan",
            "--passphrase-file", str(secret)]
    child = pexpect.spawn(str(practice.bin), argv, env=practice.env, cwd=str(practice.root), timeout=60)
    try:
        child.expect_exact("Limits of confidentiality explained")
        child.expect_exact("child-abuse: suspected child abuse or neglect, mandated report")
        child.expect_exact(PROMPT)
        shown = child.before.decode("utf-8")
        child.sendline(answer)
        child.expect(pexpect.EOF)
        rest = child.before.decode("utf-8")
    finally:
        child.close()
    return child.exitstatus, shown + rest


def acknowledgements(practice, aid):
    return practice.run_json(THERAPISTS[0], "agreement", "show", aid, "--purpose", "TREAT")["acknowledgements"]


def test_no_signs_nothing_and_yes_signs(practice, tmp_path):
    aid, secret = client_with_agreement(practice, tmp_path)
    status, out = acknowledge_at_terminal(practice, aid, secret, "n")
    assert status == 1, out
    assert "nothing was signed" in out
    assert acknowledgements(practice, aid) == []

    status, out = acknowledge_at_terminal(practice, aid, secret, "y")
    assert status == 0, out
    assert f"Acknowledged {aid}" in out
    acks = acknowledgements(practice, aid)
    assert [a["user"] for a in acks] == ["jordan"] and acks[0]["signatureValid"] is True


def test_without_a_terminal_yes_is_needed(practice, tmp_path):
    aid, secret = client_with_agreement(practice, tmp_path)
    proc = practice.raw(["agreement", "acknowledge", aid, "--vault", practice.vault, "--as", "jordan",
                         "--passphrase-file", secret])
    assert proc.returncode == 64 and "--yes" in proc.stderr
    assert acknowledgements(practice, aid) == []
    proc = practice.raw(["agreement", "acknowledge", aid, "--yes", "--vault", practice.vault, "--as", "jordan",
                         "--passphrase-file", secret])
    assert proc.returncode == 0, proc.stderr
    assert "harm-to-self: serious and imminent risk of harm to the client" in proc.stdout
    assert PROMPT not in proc.stdout + proc.stderr
