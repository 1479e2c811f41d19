"""`note add` at a terminal without --file: the editor runs on a private file in RAM-backed
storage (/dev/shm, 0700 folder, 0600 file) that is gone afterwards; --template, --title and
--date shape the note; `note open` on a terminal shows a header, `--raw` only the text."""

import os
import stat
import subprocess

import pexpect

from conftest import THERAPISTS

RIVERA = THERAPISTS[0]


def test_editor_in_ram_with_template_title_and_date(practice, tmp_path):
    client = practice.add_client(RIVERA, "Editor Client")
    seen = tmp_path / "seen.txt"
    editor = tmp_path / "fake-editor.sh"
    editor.write_text(
        "#!/bin/sh\n"
        f"stat -c '%a %n' \"$(dirname \"$1\")\" \"$1\" > '{seen}'\n"
        "printf 'Prompting event: argument at home\\n' >> \"$1\"\n")
    editor.chmod(0o700)
    env = dict(practice.env, EDITOR=str(editor))
    child = pexpect.spawn(str(practice.bin), ["note", "add", client, "--template", "chain-analysis", "--title", "Chain 1",
                                              "--date", "2026-11-27", *practice.auth(RIVERA)], env=env, cwd=str(practice.root),
                          timeout=60)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    note = child.before.decode().strip().splitlines()[-1]
    modes = seen.read_text().split("\n")
    folder_mode, folder = modes[0].split(" ", 1)
    file_mode, _ = modes[1].split(" ", 1)
    assert folder.startswith("/dev/shm/confidant-") and folder_mode == "700" and file_mode == "600"
    assert not os.path.exists(folder), "the editor's folder was left behind"
    text = practice.run(RIVERA, "note", "open", note).stdout
    assert text.startswith("Title: Chain 1\nSession date: 2026-11-27\n\nChain analysis\n")
    assert "Prompting event: argument at home" in text

    shown = pexpect.spawn(str(practice.bin), ["note", "open", note, *practice.auth(RIVERA)], env=practice.env,
                          cwd=str(practice.root), timeout=60)
    shown.expect(pexpect.EOF)
    shown.close()
    out = shown.before.decode()
    assert f"progress note {note}" in out and f"client {client}" in out
    raw = pexpect.spawn(str(practice.bin), ["note", "open", note, "--raw", *practice.auth(RIVERA)], env=practice.env,
                        cwd=str(practice.root), timeout=60)
    raw.expect(pexpect.EOF)
    raw.close()
    assert raw.before.decode().startswith("Title: Chain 1")
