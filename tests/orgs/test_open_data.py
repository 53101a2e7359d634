"""The bulk downloads (export_open_data) and the /data/ page that serves them.

The export must hold only what the public may see, re-import with the exchange
importer into an empty database as the same records, describe every column, and
never publish half a release.
"""

import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from credit.models import Flag, ListEntry, Reason, Score
from orgs.exchange import registry_export, registry_import
from orgs.models import (
    Filing,
    FormerName,
    Membership,
    Officer,
    Organization,
    RegulatoryEvent,
    ReviewState,
    UnregisteredName,
)
from orgs.opendata import export
from orgs.opendata.dictionary import CSV_FILES
from tests.factories import FilingFactory, OrganizationFactory, RegulatoryEventFactory

ROOT = Path(__file__).resolve().parent.parent.parent
SECRET_NOTE = "internal-note-never-public"
SECRET_EMAIL = "member-contact@example.org"
DRAFT_DONATIONS = Decimal("424242.42")
MODELS = (Organization, Filing, RegulatoryEvent, FormerName, Officer)


def read_csv(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def export_dir(tmp_path) -> Path:
    return tmp_path / "open-data"


@pytest.fixture
def registry(db):
    """Two organizations with public facts, and private things beside them."""
    today = timezone.localdate()
    first = OrganizationFactory(
        name="深圳市阳光公益促进会", causes=["education", "elderly"]
    )
    second = OrganizationFactory(name='=HYPERLINK("x")', name_en="Second & Co")
    FilingFactory(organization=first, fiscal_year=2023)
    FilingFactory(
        organization=first,
        fiscal_year=2024,
        governance={"board_meetings": 4},
    )
    FilingFactory(
        organization=second,
        fiscal_year=2024,
        live=False,
        review_state=ReviewState.DRAFT,
        income_donations=DRAFT_DONATIONS,
    )
    RegulatoryEventFactory(organization=second)
    FormerName.objects.create(organization=first, name="深圳市旧名促进会")
    Officer.objects.create(organization=first, name="张三", role="理事长")
    old = Score.objects.create(
        organization=first,
        methodology_version="2025.1",
        as_of=dt.date(2025, 1, 1),
        score=40,
        grade="D",
        fingerprint="old",
        is_current=False,
    )
    Reason.objects.create(score=old, position=0, code="PENALTY_MAJOR", points=40)
    current = Score.objects.create(
        organization=first,
        methodology_version="2025.1",
        as_of=dt.date(2025, 6, 1),
        score=85,
        grade="B",
        fingerprint="new",
    )
    Reason.objects.create(
        score=current, position=0, code="FILING_LATE", points=10, fiscal_year=2023
    )
    Reason.objects.create(
        score=current, position=1, code="FILING_MISSING", points=5, fiscal_year=2022
    )
    flag = Flag.objects.create(
        organization=second,
        kind="abnormal",
        raised_on=today,
        source="test",
        decision_note=SECRET_NOTE,
    )
    ListEntry.objects.create(
        list="abnormal",
        organization=second,
        entered_on=today - dt.timedelta(days=3),
        reason="未按规定报送年度报告",
        legal_basis="《社会组织信用信息管理办法》第十条",
        exit_conditions="补报年度报告",
        flag=flag,
    )
    ListEntry.objects.create(
        list="serious-dishonest",
        organization=first,
        entered_on=today + dt.timedelta(days=10),  # decided, not yet in force
        reason="not yet public",
        legal_basis="x",
        exit_conditions="y",
    )
    unregistered = UnregisteredName.objects.create(
        name="深圳市假冒慈善会", region="440300", source="regulator"
    )
    ListEntry.objects.create(
        list="illegal",
        unregistered_name=unregistered,
        entered_on=today - dt.timedelta(days=30),
        reason="非法社会组织",
        legal_basis="《取缔非法民间组织暂行办法》",
        exit_conditions="—",
    )
    user = get_user_model().objects.create_user("member", SECRET_EMAIL, "x")
    Membership.objects.create(user=user, organization=first, role="preparer")
    return {"first": first, "second": second}


def run_export(tmp_path, *args) -> str:
    out = io.StringIO()
    call_command(
        "export_open_data", "--dir", str(export_dir(tmp_path)), *args, stdout=out
    )
    return out.getvalue()


def current(tmp_path) -> Path:
    return export_dir(tmp_path) / "current"


def test_export_writes_every_file_with_the_public_rows(registry, tmp_path):
    output = run_export(tmp_path)
    assert "Published" in output and "peak memory" in output
    folder = current(tmp_path)
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(
        ["registry.jsonl.gz", *(f.name for f in CSV_FILES), "dictionary.json",
         "LICENSE.txt", "manifest.json"]
    )  # fmt: skip

    organizations = {
        row["org_id"]: row for row in read_csv(folder / "organizations.csv.gz")
    }
    first = organizations[registry["first"].org_id]
    assert first["grade"] == "B" and first["score"] == "85"
    assert first["grade_as_of"] == "2025-06-01"
    assert first["causes"] == "education;elderly"
    assert first["charity"] == "false"
    assert organizations[registry["second"].org_id]["grade"] == ""
    # A spreadsheet must not run a name as a formula.
    assert organizations[registry["second"].org_id]["name"] == '\'=HYPERLINK("x")'

    filings = read_csv(folder / "filings.csv.gz")
    assert [(f["org_id"], f["fiscal_year"]) for f in filings] == [
        (registry["first"].org_id, "2023"),
        (registry["first"].org_id, "2024"),
    ]
    assert filings[1]["governance"] == '{"board_meetings": 4}'
    assert filings[0]["income_donations"] == "800000.00"

    reasons = read_csv(folder / "reasons.csv.gz")
    assert [(r["code"], r["points"], r["fiscal_year"]) for r in reasons] == [
        ("FILING_LATE", "10", "2023"),
        ("FILING_MISSING", "5", "2022"),
    ]
    assert all(r["title"] for r in reasons)

    entries = read_csv(folder / "list_entries.csv.gz")
    assert sorted((e["list"], e["org_id"], e["name"]) for e in entries) == [
        ("abnormal", registry["second"].org_id, '\'=HYPERLINK("x")'),
        ("illegal", "", "深圳市假冒慈善会"),
    ]
    illegal = next(e for e in entries if e["list"] == "illegal")
    assert illegal["region"] == "440300"


def test_export_never_holds_drafts_contacts_or_internal_notes(registry, tmp_path):
    run_export(tmp_path)
    everything = b"".join(
        gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()
        for p in current(tmp_path).iterdir()
    ).decode("utf-8")
    assert str(DRAFT_DONATIONS) not in everything
    assert SECRET_NOTE not in everything
    assert SECRET_EMAIL not in everything
    assert "PENALTY_MAJOR" not in everything  # a reason of a past score
    assert "not yet public" not in everything  # a list entry not in force yet
    lines = gzip.decompress((current(tmp_path) / "registry.jsonl.gz").read_bytes())
    second = next(
        json.loads(line)
        for line in lines.splitlines()
        if json.loads(line)["org_id"] == registry["second"].org_id
    )
    assert second["filings"] == []


def test_registry_file_reimports_into_an_empty_database_as_the_same_records(
    registry, tmp_path
):
    run_export(tmp_path)
    lines = gzip.decompress((current(tmp_path) / "registry.jsonl.gz").read_bytes())
    direct = tmp_path / "direct.jsonl"
    registry_export(path=direct)
    # The same serialisation as export_registry: the two cannot drift.
    assert lines == direct.read_bytes()
    before = {
        model.__name__: model.objects.filter(
            **({"live": True} if model is Filing else {})
        ).count()
        for model in MODELS
    }

    for model in MODELS:
        model.objects.all().delete()
    assert not Organization.objects.exists()
    source = tmp_path / "registry.jsonl"
    source.write_bytes(lines)
    report = registry_import(path=source)
    assert not report.problems

    after = {model.__name__: model.objects.count() for model in MODELS}
    assert after == before
    again = tmp_path / "again.jsonl"
    registry_export(path=again)
    assert again.read_bytes() == lines


def test_manifest_counts_rows_and_checksums_every_file(registry, tmp_path):
    run_export(tmp_path)
    folder = current(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["licence"]["name"] == "CC BY 4.0"
    generated = dt.datetime.fromisoformat(manifest["generated_at"])
    assert abs(generated - timezone.now()) < dt.timedelta(minutes=5)
    files = {f["name"]: f for f in manifest["files"]}
    assert set(files) == {p.name for p in folder.iterdir()} - {"manifest.json"}
    for name, described in files.items():
        data = (folder / name).read_bytes()
        assert described["bytes"] == len(data)
        assert described["sha256"] == hashlib.sha256(data).hexdigest()
    assert files["registry.jsonl.gz"]["rows"] == 2
    assert files["organizations.csv.gz"]["rows"] == 2
    assert files["filings.csv.gz"]["rows"] == 2
    assert files["reasons.csv.gz"]["rows"] == 2
    assert files["list_entries.csv.gz"]["rows"] == 2
    assert files["LICENSE.txt"]["rows"] is None
    assert "CC BY 4.0" in (folder / "LICENSE.txt").read_text(encoding="utf-8") or (
        "Attribution 4.0" in (folder / "LICENSE.txt").read_text(encoding="utf-8")
    )


def test_dictionary_describes_every_column_in_the_json_and_the_docs(registry, tmp_path):
    run_export(tmp_path)
    folder = current(tmp_path)
    dictionary = json.loads((folder / "dictionary.json").read_text(encoding="utf-8"))
    docs = (ROOT / "docs" / "open-data.md").read_text(encoding="utf-8")
    for csv_file in CSV_FILES:
        with gzip.open(folder / csv_file.name, "rt", encoding="utf-8") as stream:
            header = next(csv.reader(stream))
        described = dictionary[csv_file.name]["columns"]
        assert [c["name"] for c in described] == header
        for column in described:
            assert column["type"] in {
                "string",
                "boolean",
                "date",
                "decimal",
                "integer",
                "json",
            }
            assert column["meaning"].strip()
            assert f"`{column['name']}`" in docs, (csv_file.name, column["name"])
    assert "registry.jsonl.gz" in dictionary


def test_same_registry_exports_the_same_bytes(registry, tmp_path):
    run_export(tmp_path)
    first = {p.name: p.read_bytes() for p in current(tmp_path).iterdir()}
    run_export(tmp_path)
    second = {p.name: p.read_bytes() for p in current(tmp_path).iterdir()}
    for name in first:
        if name != "manifest.json":  # it holds the generation time
            assert first[name] == second[name], name


def test_failed_export_leaves_the_published_release_untouched(
    registry, tmp_path, monkeypatch
):
    run_export(tmp_path)
    published = os.readlink(current(tmp_path))
    before = {p.name: p.read_bytes() for p in current(tmp_path).iterdir()}

    def broken(csv_file, rows):
        yield "org_id\n"
        raise OSError("disk full")

    monkeypatch.setattr(export, "_csv_lines", broken)
    with pytest.raises(OSError, match="disk full"):
        run_export(tmp_path)

    assert os.readlink(current(tmp_path)) == published
    assert {p.name: p.read_bytes() for p in current(tmp_path).iterdir()} == before
    leftovers = [
        p.name for p in export_dir(tmp_path).iterdir() if p.name.startswith(".")
    ]
    assert leftovers == []


def test_new_release_replaces_the_old_and_old_releases_are_pruned(registry, tmp_path):
    for _ in range(4):
        run_export(tmp_path)
    releases = [
        p for p in export_dir(tmp_path).iterdir() if p.name.startswith("release-")
    ]
    assert len(releases) == 2
    assert (export_dir(tmp_path) / os.readlink(current(tmp_path))).is_dir()


def test_dry_run_publishes_nothing_and_leaves_nothing(registry, tmp_path):
    output = run_export(tmp_path, "--dry-run")
    assert "Dry run" in output
    assert "organizations.csv.gz: 2 rows" in output
    assert list(export_dir(tmp_path).iterdir()) == []


def test_unwritable_folder_is_a_clear_error(registry, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="cannot be written"):
        call_command(
            "export_open_data", "--dir", str(blocker / "sub"), stdout=io.StringIO()
        )


# The /data/ page and its files.


@pytest.fixture
def published(registry, tmp_path, settings):
    settings.OPEN_DATA_DIR = export_dir(tmp_path)
    run_export(tmp_path)
    return current(tmp_path)


def test_data_page_without_an_export_says_so(db, client, settings, tmp_path):
    settings.OPEN_DATA_DIR = tmp_path / "nothing"
    response = client.get("/data/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "No download has been generated yet" in response.content.decode()


def test_data_page_lists_files_with_sizes_dates_and_the_dictionary(published, client):
    response = client.get("/data/", HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    manifest = json.loads((published / "manifest.json").read_text(encoding="utf-8"))
    for described in manifest["files"]:
        assert f'href="/data/{described["name"]}"' in page
        assert described["sha256"] in page
    generated = manifest["generated_at"]
    assert f"{generated[:10]} {generated[11:16]} UTC" in page
    assert "CC BY 4.0" in page
    assert "<code>grade_as_of</code>" in page  # the dictionary
    assert "<code>legal_basis</code>" in page


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("organizations.csv.gz", "application/gzip"),
        ("registry.jsonl.gz", "application/gzip"),
        ("dictionary.json", "application/json"),
        ("manifest.json", "application/json"),
        ("LICENSE.txt", "text/plain; charset=utf-8"),
    ],
)
def test_data_files_are_served_as_downloads(published, client, name, content_type):
    response = client.get(f"/data/{name}")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert "Content-Encoding" not in response
    assert b"".join(response.streaming_content) == (published / name).read_bytes()
    again = client.get(f"/data/{name}", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


@pytest.mark.parametrize(
    "path",
    [
        "/data/..",
        "/data/../manifest.json",
        "/data/..%2Fmanifest.json",
        "/data/%2e%2e%2f%2e%2e%2fsettings.py",
        "/data/..%5Cmanifest.json",
        "/data/current",
        "/data/%2Fetc%2Fpasswd",
        "/data/extra.txt",  # in the release folder, not in the manifest
        "/data/.hidden",
        "/data/organizations.csv",
    ],
)
def test_only_files_named_in_the_manifest_are_served(published, client, path):
    (published / "extra.txt").write_text("not published")
    (published / ".hidden").write_text("not published")
    release = published.resolve().name
    assert client.get(path).status_code == 404
    assert client.get(f"/data/{release}").status_code == 404


def test_data_files_refuse_writes(published, client):
    assert client.post("/data/manifest.json").status_code == 405
