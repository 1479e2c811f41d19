"""`agreement show --format html` rendered by a real browser: headless Chromium.

The page is written by Confidant for a person to print and sign (docs/agreements.md). Here
Debian's `chromium` (no Playwright: it cannot fetch browsers on this machine) loads the saved
file (its Content-Security-Policy allows no script) and takes a screenshot; the PNG is checked with Python's own
`struct`/`zlib` (signature, IHDR size, and that the image is not one flat colour), and kept as
a test artifact in `$CONFIDANT_ARTIFACTS` (default `.build/test-artifacts/`).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from conftest import HERE, THERAPISTS

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
ARTIFACTS = Path(os.environ.get("CONFIDANT_ARTIFACTS", HERE / ".." / ".." / ".build" / "test-artifacts")).resolve()

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless rendering needs Debian's chromium (/usr/bin/chromium): apt-get install chromium, "
           "or scripts/ensure-deps.sh --python")


def png_facts(data: bytes) -> tuple[int, int, set[bytes]]:
    """Width, height, and a sample of distinct pixels of an 8-bit RGB(A) PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, width, height, depth, colour, idat = 8, 0, 0, 0, 0, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert depth == 8 and colour in (2, 6), (depth, colour)
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = 1 + width * channels
    # Filter bytes make raw rows differ from pixels, but a flat page gives (nearly) one row value.
    rows = {raw[y * stride + 1:(y + 1) * stride] for y in range(0, height, max(1, height // 200))}
    return width, height, rows


def test_agreement_html_renders_in_headless_chromium(practice, tmp_path):
    therapist = THERAPISTS[0]
    client = practice.add_client(therapist, "Jordan Example", "1990-04-12")
    template = practice.raw(["agreement", "template", "--kind", "safety"])
    assert template.returncode == 0, template.stderr
    # A hostile name must arrive as text, not as markup.
    plan = template.stdout.replace('"name": "Sam"', '"name": "<script>document.title=\'owned\'</script>Sam"')
    (tmp_path / "safety.json").write_text(plan, encoding="utf-8")
    aid = practice.run(therapist, "agreement", "add", client, "--kind", "safety",
                       "--file", tmp_path / "safety.json").stdout.strip()
    html = practice.run(therapist, "agreement", "show", aid, "--purpose", "TREAT", "--format", "html").stdout
    assert "<script" not in html.lower()
    assert "&lt;script&gt;" in html and "Client (or representative) signature" in html

    page = tmp_path / "safety-plan.html"
    page.write_text(html, encoding="utf-8")
    shot = tmp_path / "safety-plan.png"
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         "--hide-scrollbars", "--window-size=1000,2400",
         f"--user-data-dir={tmp_path / 'chromium-profile'}", f"--screenshot={shot}", page.as_uri()],
        capture_output=True, text=True, timeout=120, env={**practice.env, "HOME": str(tmp_path)})
    assert proc.returncode == 0 and shot.is_file(), proc.stderr[-2000:]

    data = shot.read_bytes()
    width, height, rows = png_facts(data)
    assert (width, height) == (1000, 2400)
    assert len(data) > 20_000, f"screenshot is only {len(data)} bytes"
    assert len(rows) > 20, "the screenshot is (nearly) blank"

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, ARTIFACTS / "agreement-safety-plan.png")
    shutil.copyfile(page, ARTIFACTS / "agreement-safety-plan.html")
