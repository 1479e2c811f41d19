"""Accounting requests (45 CFR 164.528(c)) checked with independent tools: the `age` binary
opens the accounting file, Python's json and hashlib check what it holds and that the signed
`accounting.fulfilled` entry commits to exactly those bytes."""
import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from conftest import Practice, clean_env

NOTE = "MARKER-ACCOUNTING-NOTE-1618: session"


@pytest.fixture
def clock(monkeypatch):
    """A settable test clock (CONFIDANT_TEST_NOW) for every command of the practice; it only
    moves forward, as the vault requires."""
    now = {"value": None}

    def env(self):
        e = clean_env()
        if now["value"]:
            e["CONFIDANT_TEST_NOW"] = now["value"]
        return e

    monkeypatch.setattr(Practice, "env", property(env))
    return now


def keypair(tmp: Path):
    key = tmp / "client.key"
    subprocess.run(["age-keygen", "-o", str(key)], check=True, capture_output=True)
    recipient = subprocess.run(["age-keygen", "-y", str(key)], check=True, capture_output=True, text=True).stdout.strip()
    return key, recipient


def disclose(practice, client, note, to, date, basis="harm-to-self", address="1 Main St", purpose="imminent risk"):
    practice.run("dr-rivera", "disclose", client, "--to", to, "--address", address, "--records", note,
                 "--basis", basis, "--purpose", purpose, "--date", date)


def test_accounting_file_opens_with_age_and_lists_exactly_the_period(practice, clock, tmp_path):
    client = practice.add_client("dr-rivera", "Robin Accounting", dob="1990-04-05")
    note = practice.add_note("dr-rivera", client, NOTE)
    conf = practice.root / "conf.json"
    conf.write_text('{"reviewedOn": "2026-11-02", "exceptionsExplained": ["harm-to-self", "legal-order"]}')
    practice.run("dr-rivera", "agreement", "add", client, "--kind", "confidentiality", "--file", conf)

    clock["value"] = "2027-01-10T10:00:00Z"
    disclose(practice, client, note, "Old Court", "2027-01-10", basis="legal-order", purpose="court order")
    clock["value"] = "2027-02-05T10:00:00Z"
    disclose(practice, client, note, "Crisis Team", "2027-02-05", address="Main St 2")
    disclose(practice, client, note, "State Attorney General", "2027-02-05", basis="legal-order", purpose="court order")
    practice.run("dr-rivera", "disclosures", "suspend", client, "--recipient", "State Attorney General", "--until", "2027-12-31")

    clock["value"] = "2027-02-06T10:00:00Z"
    receipt = practice.run_json("dr-rivera", "accounting", "request", client, "--since", "2027-02-01")
    req = receipt["id"]
    assert req.startswith("q")
    assert (receipt["receivedOn"], receipt["due"], receipt["from"]) == ("2027-02-06", "2027-04-07", "2027-02-01")
    assert (receipt["requestsIn12Months"], receipt["free"]) == (1, True)

    key, recipient = keypair(tmp_path)
    out = tmp_path / "accounting.age"
    clock["value"] = "2027-02-20T10:00:00Z"
    delivery = practice.run_json("dr-rivera", "accounting", "fulfill", req, "--out", out, "--recipient", recipient)
    assert out.stat().st_mode & 0o777 == 0o600
    raw = out.read_bytes()
    assert raw.startswith(b"age-encryption.org/v1\n-> X25519 ")
    assert b"Crisis Team" not in raw

    dec = subprocess.run(["age", "-d", "-i", str(key), str(out)], capture_output=True)
    assert dec.returncode == 0, dec.stderr
    doc = json.loads(dec.stdout)
    assert doc["format"] == "confidant-accounting/v1"
    assert doc["practice"] == "Interop Test Practice"
    assert doc["client"] == {"id": client, "name": "Robin Accounting"}
    assert doc["requestId"] == req
    assert doc["receivedOn"] == "2027-02-06"
    assert doc["period"] == {"from": "2027-02-01", "to": "2027-02-20"}
    assert doc["deliveredAt"].startswith("2027-02-20T10:00:00")
    # Exactly the accountable disclosures of the period: not the one before it, not the suspended one.
    assert doc["disclosures"] == [{
        "date": "2027-02-05", "recipientName": "Crisis Team", "recipientAddress": "Main St 2",
        "description": f"1 progress note ({note})", "purpose": "imminent risk",
    }]
    assert "This accounting covers 2027-02-01 to 2027-02-20." in doc["letter"]
    assert "Interop Test Practice" in doc["letter"]

    digest = hashlib.sha256(dec.stdout).hexdigest()
    assert delivery["sha256"] == digest
    fulfilled = [r for r in practice.log_rows() if r["action"] == "accounting.fulfilled" and r["outcome"] == "success"]
    assert [(r["record_id"], r["detail"]) for r in fulfilled] == [(req, f"sha256:{digest}")]

    clock["value"] = "2027-03-01T10:00:00Z"
    second = practice.run_json("dr-rivera", "accounting", "request", client, "--fee", "USD 12 copying")
    assert (second["requestsIn12Months"], second["free"], second["fee"]) == (2, False, "USD 12 copying")
    listed = practice.run_json("dr-rivera", "accounting", "list", client)
    assert [(r["id"], r["state"]) for r in listed] == [(req, "fulfilled"), (second["id"], "open")]
    assert (listed[0]["from"], listed[0]["to"], listed[0]["sha256"]) == ("2027-02-01", "2027-02-20", digest)
    practice.run(ADMIN_USER, "log", "verify")


ADMIN_USER = "admin"
