"""Every import records where its records came from: the file, its checksum, when."""

import hashlib
import json
from pathlib import Path

import pytest

from orgs.exchange import registry_import
from orgs.importers.ccni import ccni_import
from orgs.models import ImportRun, Organization

from .test_exchange import FIXTURE, import_file, organization, write
from .test_import_ccni import SAMPLE as CCNI_SAMPLE

pytestmark = pytest.mark.django_db


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_import_records_its_run_and_stamps_every_organization_it_writes():
    report = registry_import(path=FIXTURE)

    run = ImportRun.objects.get()
    assert report.import_run == run
    assert (run.source, run.file_name, run.sha256) == (
        "registry_file",
        "registry.jsonl",
        sha256(FIXTURE),
    )
    assert run.outcome == "applied"
    assert run.finished_at >= run.started_at
    assert run.counts["organizations"]["created"] == Organization.objects.count()
    assert set(Organization.objects.values_list("last_import", flat=True)) == {run.pk}


def test_importing_the_same_file_again_records_an_unchanged_run_and_moves_nothing():
    registry_import(path=FIXTURE)
    first = ImportRun.objects.get()

    registry_import(path=FIXTURE)

    second = ImportRun.objects.exclude(pk=first.pk).get()
    assert second.outcome == "unchanged"
    assert second.sha256 == first.sha256
    assert second.counts["organizations"]["created"] == 0
    assert second.counts["organizations"]["updated"] == 0
    assert set(Organization.objects.values_list("last_import", flat=True)) == {first.pk}


def test_a_changed_record_points_at_the_run_that_changed_it(tmp_path):
    registry_import(path=write(tmp_path, organization()))
    first = ImportRun.objects.get()

    renamed = organization(name="广州市示例志愿者联合会")
    registry_import(path=write(tmp_path, renamed, name="second.jsonl"))

    org = Organization.objects.get()
    assert org.last_import != first
    assert org.last_import.file_name == "second.jsonl"
    assert org.last_import.outcome == "applied"


def test_a_changed_filing_alone_also_moves_the_organizations_provenance(tmp_path):
    registry_import(path=write(tmp_path, organization()))
    changed = organization()
    changed["filings"][0]["net_assets"] = "10.00"

    registry_import(path=write(tmp_path, changed, name="filing.jsonl"))

    assert Organization.objects.get().last_import.file_name == "filing.jsonl"


def test_a_dry_run_and_a_rejected_file_leave_no_run(tmp_path):
    registry_import(path=FIXTURE, dry_run=True)
    bad = write(tmp_path, organization(), json.dumps({"org_id": "x"}))
    report = registry_import(path=bad)

    assert report.problem_count
    assert not ImportRun.objects.exists()


@pytest.mark.skipif(not CCNI_SAMPLE.exists(), reason=f"{CCNI_SAMPLE} is not there")
def test_a_source_importer_records_the_source_file_not_its_conversion():
    ccni_import(path=CCNI_SAMPLE)

    run = ImportRun.objects.get()
    assert (run.source, run.file_name, run.sha256) == (
        "ccni",
        CCNI_SAMPLE.name,
        sha256(CCNI_SAMPLE),
    )
    assert run.counts["filings"]["created"] == 309
    # 7 websites that are not URLs, 1 negative amount, 30 overdue returns undated
    assert run.counts["warnings"] == 7 + 1 + 30
    assert Organization.objects.filter(last_import=run).count() == 365

    ccni_import(path=CCNI_SAMPLE)
    assert ImportRun.objects.order_by("started_at", "id").last().outcome == "unchanged"


def test_the_profile_and_the_api_show_the_source(client, api_client):
    registry_import(path=FIXTURE)
    org = Organization.objects.order_by("org_id").first()

    page = client.get(org.get_absolute_url()).content.decode()
    detail = api_client.get(f"/api/v1/orgs/{org.org_id}").json()

    assert "registry.jsonl" in page
    assert detail["provenance"]["file_name"] == "registry.jsonl"
    assert detail["provenance"]["sha256"] == sha256(FIXTURE)
    assert detail["provenance"]["source"] == "registry_file"


def test_the_command_summary_names_the_run_and_its_outcome():
    first = import_file(FIXTURE)
    second = import_file(FIXTURE)

    runs = list(ImportRun.objects.order_by("id"))
    assert f"recorded as import run {runs[0].pk} (Changes applied)" in first
    assert f"recorded as import run {runs[1].pk} (Nothing changed)" in second
    assert sha256(FIXTURE) in second


def test_staff_see_import_runs_in_the_admin_but_nobody_can_change_them(
    client, django_user_model
):
    registry_import(path=FIXTURE)
    run = ImportRun.objects.get()
    admin = django_user_model.objects.create_superuser("boss", "b@example.org", "pw")
    client.force_login(admin)

    listing = client.get("/admin/snippets/orgs/importrun/")
    assert listing.status_code == 200
    assert "registry.jsonl" in listing.content.decode()
    inspect = client.get(f"/admin/snippets/orgs/importrun/inspect/{run.pk}/")
    assert inspect.status_code == 200
    assert run.sha256 in inspect.content.decode()

    # Written only by the import commands: no add, edit or delete, even for a
    # superuser.
    for url in (
        "/admin/snippets/orgs/importrun/add/",
        f"/admin/snippets/orgs/importrun/edit/{run.pk}/",
        f"/admin/snippets/orgs/importrun/delete/{run.pk}/",
    ):
        assert client.get(url).status_code in (302, 403), url
    assert client.post(
        f"/admin/snippets/orgs/importrun/delete/{run.pk}/"
    ).status_code in (
        302,
        403,
    )
    assert ImportRun.objects.filter(pk=run.pk).exists()


def test_a_user_without_admin_access_cannot_see_import_runs(client, django_user_model):
    registry_import(path=FIXTURE)
    user = django_user_model.objects.create_user("someone", "s@example.org", "pw")
    client.force_login(user)
    response = client.get("/admin/snippets/orgs/importrun/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
