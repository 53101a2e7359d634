"""seed_real_samples: the demo's real registers, beside the generated one."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command, get_commands
from django.utils import translation

from orgs.models import Grant, ImportRun, Organization

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not DATA.exists(), reason=f"{DATA} is not there"),
]


def run_command(*args: str) -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("seed_real_samples", *args, stdout=out)
    return out.getvalue()


def test_every_sample_is_imported_with_its_own_importer():
    out = run_command()

    assert Organization.objects.filter(registry="GB-CCNI").count() >= 365
    assert Organization.objects.filter(registry="US-IRS", status="active").count() >= (
        10_231
    )
    assert Grant.objects.count() == 783 + 475
    sources = set(ImportRun.objects.values_list("source", flat=True))
    assert {"ccni", "irs_bmf", "360giving"} <= sources
    if "import_irs990" in get_commands():
        assert "irs990" in sources
    else:
        assert "the import_irs990 command is not installed" in out


def test_a_missing_sample_is_skipped_and_the_others_load(tmp_path):
    (tmp_path / "360giving").mkdir()
    sample = DATA / "360giving" / "a003W000001B7PzQAK.json"
    (tmp_path / "360giving" / sample.name).symlink_to(sample)

    out = run_command("--data", str(tmp_path))

    assert "Skipped import_ccni" in out
    assert "Skipped import_irs_bmf" in out
    assert Grant.objects.count() == 475


def test_dry_run_writes_nothing(tmp_path):
    (tmp_path / "360giving").mkdir()
    sample = DATA / "360giving" / "a001p00000zgyHZAAY.json"
    (tmp_path / "360giving" / sample.name).symlink_to(sample)

    out = run_command("--data", str(tmp_path), "--dry-run")

    assert "Dry run" in out
    assert not Grant.objects.exists()
    assert not ImportRun.objects.exists()


def test_a_folder_that_is_not_there_is_refused(tmp_path):
    with pytest.raises(CommandError, match="not a folder of samples"):
        run_command("--data", str(tmp_path / "nowhere"))
