"""The export's index.html as a client reads it, rendered by a real browser (headless Debian
chromium), and the security labels of every exported note in fhir-bundle.json (validated with
fhir.resources). The screenshot and the page are kept as test artifacts in
`$CONFIDANT_ARTIFACTS` (default `.build/test-artifacts/`)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from fhir.resources.R4B.bundle import Bundle

from test_agreement_html import ARTIFACTS, CHROMIUM, png_facts
from test_export_interop import keypair, setup_client, unzip

FORBIDDEN = ["HOPERAT", "PATRQT", "TREAT", "key.rotate", "--include"]


def exported(practice, tmp_path):
    client, note, psy, req = setup_client(practice)
    practice.run("dr-rivera", "key", "rotate", "--client", client)  # routine work, collapsed on the page
    amend = tmp_path / "amend.txt"
    amend.write_text("Correction <b>: the session was on Tuesday.", encoding="utf-8")
    practice.run("dr-rivera", "note", "amend", note, "--file", amend)
    key, recipient = keypair(tmp_path)
    out = tmp_path / "export.age"
    practice.run("dr-rivera", "export", "fulfill", req, "--out", out, "--recipient", recipient)
    dec = subprocess.run(["age", "-d", "-i", str(key), str(out)], capture_output=True, check=True)
    unzip(dec.stdout, tmp_path / "u")
    return note, psy, tmp_path / "u"


def visible_text(html: str) -> str:
    body = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


@pytest.mark.skipif(CHROMIUM is None, reason="headless rendering needs Debian's chromium: scripts/ensure-deps.sh --python")
def test_index_html_is_plain_language_and_renders(practice, tmp_path):
    note, psy, u = exported(practice, tmp_path)
    html = (u / "index.html").read_text(encoding="utf-8")
    text = visible_text(html)
    for word in FORBIDDEN:
        assert word not in text, f"{word!r} is on the page"
    assert not re.search(r"\d\d:\d\d(:\d\d)?Z", html), "a UTC timestamp is on the page"
    assert "<script" not in html.lower()
    assert "Correction &lt;b&gt;: the session was on Tuesday." in html  # stored text arrives escaped
    assert "Session note of " in text and "for your treatment" in text
    assert "Behind-the-scenes work" in text and "www.hhs.gov/ocr/complaints" in text
    assert "To ask for a correction." in text and "To an accounting." in text
    assert "A psychotherapy note by dr-rivera" in text

    shot = tmp_path / "export-index.png"
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1000,3000",
         f"--user-data-dir={tmp_path / 'chromium-profile'}", f"--screenshot={shot}", (u / "index.html").as_uri()],
        capture_output=True, text=True, timeout=120, env={**practice.env, "HOME": str(tmp_path)})
    assert proc.returncode == 0 and shot.is_file(), proc.stderr[-2000:]
    width, height, rows = png_facts(shot.read_bytes())
    assert (width, height) == (1000, 3000)
    assert len(rows) > 20, "the screenshot is (nearly) blank"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, ARTIFACTS / "export-index.png")
    shutil.copyfile(u / "index.html", ARTIFACTS / "export-index.html")


def test_every_exported_note_carries_its_label_in_fhir(practice, tmp_path):
    note, _, u = exported(practice, tmp_path)
    bundle = Bundle.model_validate_json((u / "fhir-bundle.json").read_text())
    docs = [e.resource for e in bundle.entry if e.resource.__class__.__name__ == "DocumentReference"]
    assert len(docs) == 2
    for doc in docs:
        codes = [(c.system, c.code) for c in doc.meta.security]
        assert ("http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "R") in codes
        assert ("http://terminology.hl7.org/CodeSystem/v3-ActCode", "PSY") in codes
    import json
    records = json.loads((u / "records.json").read_text())
    assert [n["labels"] for n in records["notes"]] == [["PSY"]]


def test_sud_labelled_note_carries_sud_in_fhir_and_nowhere_in_the_vault(practice, tmp_path):
    """A note labelled SUD (42 CFR Part 2): the label is in the exported note's meta.security, the
    bundle still validates, and the vault file holds the label nowhere in plaintext."""
    client = practice.add_client("dr-rivera", "Part Two Person", dob="1990-05-05")
    note = practice.run_json("dr-rivera", "note", "add", client, "--label", "SUD", "--label", "ETH",
                             stdin=b"alcohol use reviewed\n")["id"]
    req = practice.run_json("dr-rivera", "export", "request", client)["id"]
    key, recipient = keypair(tmp_path)
    out = tmp_path / "export.age"
    practice.run("dr-rivera", "export", "fulfill", req, "--out", out, "--recipient", recipient)
    dec = subprocess.run(["age", "-d", "-i", str(key), str(out)], capture_output=True, check=True)
    unzip(dec.stdout, tmp_path / "u")
    bundle = Bundle.model_validate_json((tmp_path / "u" / "fhir-bundle.json").read_text())
    docs = [e.resource for e in bundle.entry if e.resource.__class__.__name__ == "DocumentReference"]
    assert [d.id for d in docs] == [note]
    codes = [(c.system, c.code) for c in docs[0].meta.security]
    act = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
    assert codes == [("http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "R"), (act, "PSY"), (act, "ETH"), (act, "SUD")]
    import json
    records = json.loads((tmp_path / "u" / "records.json").read_text())
    assert [n["labels"] for n in records["notes"]] == [["PSY", "ETH", "SUD"]]
    added = [r for r in records["accessReport"] if r["action"] == "note.add"]
    assert [(r["recordKind"], r["confidentiality"]) for r in added] == [("progress", "R")]
    for path in [practice.vault, practice.vault.with_name(practice.vault.name + "-wal")]:
        if path.exists():
            data = path.read_bytes()
            assert b"note-labels" not in data and b"SUD" not in data, path
