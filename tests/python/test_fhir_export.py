"""`log export --format fhir` validated with the fhir.resources (pydantic) R4B models.

The export is parsed by an independent FHIR implementation and compared entry by entry with
the access-log rows read straight from the vault file (read-only sqlite3).
"""

import datetime as dt
import json

from fhir.resources.R4B.auditevent import AuditEvent
from fhir.resources.R4B.bundle import Bundle

from conftest import COMPLIANCE, THERAPISTS

ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
ACT_REASON_CODES = {"TREAT", "ETREAT", "HOPERAT", "PATRQT", "HLEGAL", "THREAT", "PUBHLTH"}
OUTCOME = {"success": "0", "denied": "4"}  # FHIR AuditEvent outcome: 0 success, 4 minor failure

CLIENT_NAME = "Zebulon Quixote-Marchetti"
CLIENT_DOB = "1961-07-23"
NOTE_TEXT = "Discussed the xylophone recital; rehearsed opposite action twice.\n"
SECRETS = ["Zebulon", "Quixote", "Marchetti", CLIENT_DOB, "xylophone", "opposite action"]

RIVERA, CHEN = THERAPISTS


def activity(practice):
    cid = practice.add_client(RIVERA, CLIENT_NAME, CLIENT_DOB)
    nid = practice.add_note(RIVERA, cid, NOTE_TEXT)
    assert practice.run_json(RIVERA, "note", "open", nid, "--purpose", "TREAT")["text"] == NOTE_TEXT
    # dr-chen is not on this client's care team: refused and logged as denied.
    proc = practice.run(CHEN, "note", "open", nid, "--purpose", "TREAT", expect=77)
    assert proc.stdout == "" and proc.stderr.startswith("confidant: error: ")
    assert "xylophone" not in proc.stderr
    return cid, nid


def export(practice, name, *filters):
    out = practice.root / name
    proc = practice.run(COMPLIANCE, "log", "export", "--format", "fhir", "--out", out, *filters)
    assert "xylophone" not in proc.stdout
    text = out.read_text(encoding="utf-8")
    return text, Bundle.model_validate_json(text), json.loads(text)


def requestor(resource_json):
    agents = [a for a in resource_json["agent"] if a.get("requestor") is True]
    assert len(agents) == 1, resource_json["agent"]
    ident = agents[0]["who"]["identifier"]
    assert ident["system"] == "urn:confidant:user"
    return ident["value"]


def action_code(resource_json):
    return [c["code"] for c in resource_json["subtype"] if c["system"] == "urn:confidant:action"]


def recorded_ms(resource_json) -> int:
    when = dt.datetime.fromisoformat(resource_json["recorded"].replace("Z", "+00:00"))
    return round(when.timestamp() * 1000)


def test_fhir_export_is_valid_and_matches_the_log(practice):
    cid, nid = activity(practice)
    committed_before = len(practice.log_rows())
    text, bundle, raw = export(practice, "audit.json")
    rows = practice.log_rows()

    assert raw["resourceType"] == "Bundle"
    entries = [e["resource"] for e in raw["entry"]]
    assert len(bundle.entry) == len(entries)
    for e in bundle.entry:
        assert isinstance(e.resource, AuditEvent)
    assert {r["resourceType"] for r in entries} == {"AuditEvent"}

    # The export covers the whole log up to the command (at most plus its own entry),
    # in order, one AuditEvent per row.
    assert len(entries) in (committed_before, committed_before + 1)
    for res, row in zip(entries, rows):
        assert action_code(res) == [row["action"]]
        assert requestor(res) == row["actor"]
        assert res["outcome"] == OUTCOME[row["outcome"]], (row["seq"], row["outcome"])
        assert recorded_ms(res) == row["time"]
        if row["purpose"]:
            codings = [c for p in res["purposeOfEvent"] for c in p["coding"]]
            assert codings == [{"system": ACT_REASON, "code": row["purpose"]}]
        else:
            assert "purposeOfEvent" not in res

    # purposeOfEvent is only ever v3 ActReason, with a catalogue code.
    codings = [c for r in entries for p in r.get("purposeOfEvent", []) for c in p["coding"]]
    assert codings, "no purposeOfEvent at all"
    assert {c["system"] for c in codings} == {ACT_REASON}
    assert {c["code"] for c in codings} <= ACT_REASON_CODES

    # The two note.open events: dr-rivera allowed (0), dr-chen denied (4).
    opens = [(requestor(r), r["outcome"]) for r in entries if action_code(r) == ["note.open"]]
    assert opens == [(RIVERA, "0"), (CHEN, "4")]
    denied = [r for r in entries if action_code(r) == ["note.open"] and requestor(r) == CHEN][0]
    whats = {(e["what"]["identifier"]["system"], e["what"]["identifier"]["value"])
             for e in denied["entity"]}
    assert ("urn:confidant:client", cid) in whats
    assert ("urn:confidant:record", nid) in whats
    assert [c["code"] for p in denied["purposeOfEvent"] for c in p["coding"]] == ["TREAT"]

    # No client name, date of birth or note text anywhere in the export.
    lowered = text.lower()
    for secret in SECRETS:
        assert secret.lower() not in lowered, secret


def test_fhir_export_filtered_by_actor(practice):
    activity(practice)
    rows = practice.log_rows()
    _, bundle, raw = export(practice, "rivera.json", "--actor", RIVERA)
    entries = [e["resource"] for e in raw["entry"]]
    assert all(isinstance(e.resource, AuditEvent) for e in bundle.entry)
    expected = [r["action"] for r in rows if r["actor"] == RIVERA]
    assert expected[:4] == ["user.enrol", "client.add", "note.add", "note.open"]  # rivera enrolled itself first
    assert [action_code(r)[0] for r in entries] == expected
    assert {requestor(r) for r in entries} == {RIVERA}

    _, _, raw_chen = export(practice, "chen.json", "--actor", CHEN)
    chen = [(action_code(r)[0], r["outcome"]) for r in (e["resource"] for e in raw_chen["entry"])]
    assert chen == [("user.enrol", "0"), ("note.open", "4")]  # its enrolment, then a denied open
