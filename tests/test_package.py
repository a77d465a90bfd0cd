"""The evidence package of the demo's planted network, exported from a real crawl and
checked offline: every byte-level tamper is named by `lantern case verify`."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from demo.boards.generator import PLANTED_PHONE
from lantern.jobs.scoring import score_batch
from leads.cases import add, new_case, promote
from leads.linking import link
from leads.package import FILE_MODE, FIXED_TIME, verify, verify_wacz
from leads.settings import Settings
from leads.store import scan
from tests.conftest import CrawlResult, lantern

PHONE = f"phone:+1{PLANTED_PHONE}"


@pytest.fixture(scope="module")
def package(
    classifieds_crawl: CrawlResult, es: Any, settings: Settings, tmp_path_factory: Any
) -> Path:
    raws = scan(es, settings, "raw", {"match_all": {}}, source=["provenance.batch_id"])
    for batch in {d["provenance"]["batch_id"] for d in raws}:
        score_batch(es, settings, batch)
        link(es, settings, batch)
    case = new_case(es, settings, "Planted network", "Package Test Unit", "ana.test")
    add(es, settings, case, PHONE, "ana.test", why="one phone, six names")
    promote(
        es, settings, case, PHONE, "Six ads for six women in five states, one phone.", "ana.test"
    )
    out = tmp_path_factory.mktemp("package") / "case.zip"
    made = lantern("case", "export", case.id, "--out", str(out))
    assert made.returncode == 0, made.stderr.decode()
    assert b"6 ads" in made.stdout
    return out


def rezip(src: Path, dst: Path, change: dict[str, bytes | None]) -> Path:
    """The package with members replaced (bytes), removed (None) or added, written the
    way Lantern writes (so only the change differs)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        names = [*zin.namelist(), *(n for n in change if n not in zin.namelist())]
        for name in sorted(names):
            data = change.get(name, zin.read(name) if name in zin.namelist() else None)
            if data is None:
                continue
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type, info.external_attr, info.create_system = (
                zipfile.ZIP_DEFLATED, FILE_MODE, 3)  # fmt: skip
            zout.writestr(info, data)
    return dst


def test_the_package_holds_what_the_issue_names_and_verifies(package: Path) -> None:
    assert verify(package) == []
    with zipfile.ZipFile(package) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
        assert {"archive.wacz", "case.json", "money.json", "worksheet.json", "custody.jsonl",
                "report.html", "report.pdf", "manifest.json"} <= names  # fmt: skip
        ads = [n for n in names if n.startswith("ads/")]
        assert len(ads) == 6
        one = json.loads(zf.read(ads[0]))
        assert one["text"] and one["indicators"] and one["provenance"]["warc"]["record_id"]
        assert all(i["text"] == one["text"][i["start"] : i["end"]] for i in one["indicators"])
        assert manifest["lantern_version"] and manifest["snapshot_time"]
        assert set(manifest["files"]) == names - {"manifest.json"}
        assert manifest["missing_evidence"] == []
        wacz = zf.read("archive.wacz")
        assert verify_wacz(wacz) == []
        with zipfile.ZipFile(io.BytesIO(wacz)) as wz:
            assert any(n.startswith("archive/") for n in wz.namelist())
        custody = [json.loads(line) for line in zf.read("custody.jsonl").splitlines()]
        assert [e["action"] for e in custody] == [
            "case.new",
            "case.add",
            "case.promote",
            "case.export",
        ]
        assert zf.read("report.pdf").startswith(b"%PDF")
        html = zf.read("report.html").decode()
        assert "Six ads for six women" in html and "<svg" in html and "<script" not in html


def test_every_flipped_byte_is_caught(package: Path, tmp_path: Path) -> None:
    data = package.read_bytes()
    # Every byte of the zip's headers and directory, and a spread across the contents.
    positions = sorted(
        {*range(0, len(data), max(len(data) // 400, 1)), *range(len(data) - 600, len(data))}
    )
    bad = tmp_path / "flipped.zip"
    missed = []
    for at in positions:
        changed = bytearray(data)
        changed[at] ^= 0x01
        bad.write_bytes(bytes(changed))
        if not verify(bad):
            missed.append(at)
    assert missed == [], f"{len(missed)} of {len(positions)} flips passed: {missed[:10]}"


def test_missing_extra_and_changed_files_are_named(package: Path, tmp_path: Path) -> None:
    gone = rezip(package, tmp_path / "gone.zip", {"report.pdf": None})
    assert verify(gone) == ["report.pdf: missing"]
    extra = rezip(package, tmp_path / "extra.zip", {"notes.txt": b"added later"})
    assert verify(extra) == ["notes.txt: extra (not in the manifest)"]
    with zipfile.ZipFile(package) as zf:
        money = zf.read("money.json").replace(b'"revenue_high"', b'"revenue_HIGH"')
    changed = rezip(package, tmp_path / "changed.zip", {"money.json": money})
    assert verify(changed)[0].startswith("money.json: changed (sha256 ")


def test_a_forged_wacz_is_caught_even_with_a_rewritten_manifest(
    package: Path, tmp_path: Path
) -> None:
    import hashlib

    with zipfile.ZipFile(package) as zf:
        wacz = zf.read("archive.wacz")
        manifest = json.loads(zf.read("manifest.json"))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(wacz)) as wz, zipfile.ZipFile(out, "w") as wout:
        for name in wz.namelist():
            body = wz.read(name)
            if name.startswith("archive/"):
                body = body + b"\x00"  # a record appended after the fact
            wout.writestr(name, body)
    forged = out.getvalue()
    manifest["files"]["archive.wacz"]["sha256"] = hashlib.sha256(forged).hexdigest()
    rewritten = json.dumps(manifest, indent=1, sort_keys=True).encode()
    bad = rezip(
        package, tmp_path / "forged.zip", {"archive.wacz": forged, "manifest.json": rewritten}
    )
    problems = verify(bad)
    assert (
        problems
        and problems[0].startswith("archive.wacz: archive/")
        and "datapackage" in problems[0]
    )


def test_verify_on_the_command_line(package: Path, tmp_path: Path) -> None:
    ok = lantern("case", "verify", str(package))
    assert ok.returncode == 0 and b"intact" in ok.stdout
    gone = rezip(package, tmp_path / "gone.zip", {"case.json": None})
    bad = lantern("case", "verify", str(gone))
    assert bad.returncode == 1 and b"case.json: missing" in bad.stdout


def test_a_timestamped_package_verifies_under_its_authority_only(
    package: Path, es: Any, settings: Settings, tmp_path: Path
) -> None:
    from tests.tsa import local_tsa

    case = new_case(es, settings, "Timestamped", "Stamp Test Unit", "ana.test")
    add(es, settings, case, PHONE, "ana.test")
    out = tmp_path / "stamped.zip"
    with local_tsa() as tsa:
        made = lantern(
            "case", "export", case.id, "--out", str(out), env={"LANTERN_TSA_URL": tsa.url}
        )
        assert made.returncode == 0 and b"; timestamped" in made.stdout, made.stderr.decode()
        good = lantern("case", "verify", str(out), "--tsa-ca", str(tsa.root))
        assert good.returncode == 0, good.stdout.decode()
        wrong = lantern("case", "verify", str(out), "--tsa-ca", str(tsa.other_root))
        assert wrong.returncode == 1 and b"manifest.tsr: does not verify" in wrong.stdout
        with zipfile.ZipFile(out) as zf:
            token = zf.read("manifest.tsr")
        with zipfile.ZipFile(package) as zf:
            manifest = zf.read("manifest.json")
        # A token over other bytes (this package's manifest) does not verify that one.
        moved = rezip(
            package, tmp_path / "moved.zip", {"manifest.tsr": token, "manifest.json": manifest}
        )
        swapped = lantern("case", "verify", str(moved), "--tsa-ca", str(tsa.root))
        assert swapped.returncode == 1 and b"manifest.tsr: does not verify" in swapped.stdout


def test_a_second_entry_with_a_used_name_is_named(package: Path, tmp_path: Path) -> None:
    import shutil
    import warnings

    copy = tmp_path / "dupe.zip"
    shutil.copy(package, copy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name: the point
        with zipfile.ZipFile(copy, "a") as zf:
            zf.writestr("report.html", b"<p>forged</p>")
    assert any("two entries named report.html" in p for p in verify(copy))
