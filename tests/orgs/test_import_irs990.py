"""The IRS Form 990 / 990-EZ / 990-PF e-file importer, on the real returns.

The returns and ``values_as_filed.csv`` are the shared samples (schema versions
2013v4.0 to 2022v5.0); every value the CSV states is compared exactly. The bad-input
payloads (malformed, XXE, billion laughs, an external DTD) are small files in
``tests/fixtures/irs990/``.
"""

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from credit.models import Score
from orgs.importers import irs990_fields
from orgs.importers.irs990 import (
    ReturnRejected,
    filing_record,
    irs990_import,
    return_parse,
    return_read,
)
from orgs.models import Filing, Officer, Organization
from search.models import OutboxEntry

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SAMPLES = DATA / "irs-990-xml"
CONCORDANCE = DATA / "irs-efile-concordance"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "irs990"

needs_samples = pytest.mark.skipif(
    not SAMPLES.exists(), reason=f"{SAMPLES} is not there"
)
pytestmark = [pytest.mark.django_db]

REJECTED_SAMPLES = {
    "edge-cases/ein_missing_ein.xml": "its Filer block has no EIN",
    "edge-cases/ein_missing_filer.xml": "it has no Filer block in its ReturnHeader",
}
AMOUNT_COLUMNS = (
    "total_revenue",
    "total_expenses",
    "program_service_expenses",
    "management_general_expenses",
    "fundraising_expenses",
    "contributions_grants",
    "contributions_paid",
    "disbursements_charitable",
    "qualifying_distributions",
    "distributable_amount",
    "total_assets_eoy",
    "fmv_assets_eoy",
    "total_liabilities_eoy",
    "net_assets_eoy",
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """A media storage of the test's own, so stored documents do not leak."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


def sample_rows() -> list[dict]:
    if not SAMPLES.exists():
        return []
    with (SAMPLES / "values_as_filed.csv").open(encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def claimed(row: dict) -> set[str]:
    """The amount columns the CSV read (``xpaths_used``): it says nothing of others."""
    return {item.split("=", 1)[0] for item in row["xpaths_used"].split(";") if item}


def as_text(value) -> str:
    return "" if value is None else str(Decimal(value).quantize(Decimal(1)))


def total(*values) -> str:
    present = [Decimal(v) for v in values if v is not None]
    return as_text(sum(present)) if present else ""


ROWS = [
    pytest.param(row, id=row["file"])
    for row in sample_rows()
    if row["file"] not in REJECTED_SAMPLES
]


def import_paths(*paths, **options):
    return irs990_import(paths=[str(p) for p in paths], workers=1, **options)


def registry_state() -> tuple:
    return (
        list(Organization.objects.order_by("id").values_list()),
        list(Filing.objects.order_by("id").values_list()),
        list(Officer.objects.order_by("id").values_list()),
    )


def edited(tmp_path: Path, name: str, edit, *, as_name: str | None = None) -> Path:
    text = (SAMPLES / "files" / name).read_text(encoding="utf-8-sig")
    path = tmp_path / (as_name or name)
    path.write_text(edit(text), encoding="utf-8")
    return path


# Every value as filed.


@needs_samples
@pytest.mark.parametrize("row", ROWS)
def test_every_value_as_filed_is_read_from_the_return(row):
    parsed = return_read(SAMPLES / row["file"])

    assert not isinstance(parsed, ReturnRejected), parsed
    assert parsed.ein == row["ein"]
    assert parsed.name_line1 == row["name"]
    assert parsed.return_type == row["return_type"]
    assert parsed.version == row["return_version"]
    assert str(parsed.tax_year) == row["tax_year"]
    assert str(parsed.period_start or "") == row["tax_period_begin"]
    assert str(parsed.period_end or "") == row["tax_period_end"]
    assert parsed.amended == (row["amended"] == "Y")
    if not parsed.has_filing:  # Form 990-T: the CSV states no figure either
        assert not any(row[column] for column in AMOUNT_COLUMNS)
        return
    filing = filing_record(parsed, version=1, superseded=False)
    income, expenses = filing["income"], filing["expenses"]
    figures = filing["figures"] or {}
    read = {
        "total_revenue": as_text(figures.get("total_revenue")),
        "total_expenses": as_text(figures.get("total_expenses")),
        "program_service_expenses": as_text(expenses["programs"]),
        "management_general_expenses": as_text(expenses["management"]),
        "fundraising_expenses": as_text(expenses["fundraising"]),
        "contributions_grants": total(income["donations"], income["government_grants"]),
        "total_assets_eoy": as_text(filing["total_assets"]),
        "total_liabilities_eoy": as_text(filing["total_liabilities"]),
        "net_assets_eoy": as_text(filing["net_assets"]),
        **{
            name: as_text(figures.get(name))
            for name in (
                "contributions_paid",
                "disbursements_charitable",
                "qualifying_distributions",
                "distributable_amount",
                "fmv_assets_eoy",
            )
        },
    }
    for column in claimed(row) & set(AMOUNT_COLUMNS):
        assert read[column] == row[column], column
    # The filing's lines add up to the totals filed (one documented exception).
    assert total(*income.values()) == row["total_revenue"]
    if row["object_id"] != "201632309349200718":
        assert total(*expenses.values()) == row["total_expenses"]


@needs_samples
def test_the_whole_sample_lands_in_the_registry_as_filed():
    report = import_paths(SAMPLES / "files", SAMPLES / "edge-cases")

    assert report.files == 67
    assert report.returns == 65
    assert report.registry.organizations.created == 65
    assert report.registry.filings.created == 63  # two 990-Ts have no filing
    for row in sample_rows():
        if row["file"] in REJECTED_SAMPLES:
            continue
        org = Organization.objects.get(org_id=f"US-EIN-{row['ein']}")
        assert org.registry == "US-IRS"
        assert org.name.startswith(row["name"])
        if row["return_type"] == "990T":
            assert not org.filings.exists()
            continue
        filing = org.filings.get()
        assert filing.form == row["return_type"]
        assert str(filing.fiscal_year) == row["tax_year"]
        assert str(filing.period_end) == row["tax_period_end"]
        assert filing.amended == (row["amended"] == "Y")
        assert filing.currency == "USD"
        assert as_text(filing.total_income) == row["total_revenue"]
        if row["object_id"] != "201632309349200718":
            assert as_text(filing.total_expenses) == row["total_expenses"]
        assert (filing.figures or {}).get("total_expenses", "") == row["total_expenses"]
        if "program_service_expenses" in claimed(row):
            assert as_text(filing.expenses_programs) == row["program_service_expenses"]
        assert as_text(filing.total_assets) == row["total_assets_eoy"]
        assert as_text(filing.net_assets) == row["net_assets_eoy"]
        if "total_liabilities_eoy" in claimed(row):
            assert as_text(filing.total_liabilities) == row["total_liabilities_eoy"]


@needs_samples
def test_imported_organizations_are_queued_for_the_search_index():
    import_paths(SAMPLES / "files")

    queued = set(OutboxEntry.objects.values_list("organization_id", flat=True))
    assert queued == set(Organization.objects.values_list("id", flat=True))
    assert len(queued) == 54


@needs_samples
def test_filer_counts_governance_and_officers_of_a_990():
    import_paths(SAMPLES / "files" / "aha_990_ty2021_genderfair.xml")

    org = Organization.objects.get(org_id="US-EIN-135613797")
    assert org.name == "American Heart Association Inc"
    assert org.org_type == "public_charity" and org.charity
    assert org.address == "7272 Greenville Avenue, Dallas TX 75231"
    assert org.region == "TX"
    filing = org.filings.get()
    assert (filing.period_start, filing.period_end) == (
        dt.date(2021, 7, 1),
        dt.date(2022, 6, 30),
    )
    assert (filing.employees, filing.volunteers) == (3386, 32400000)
    assert filing.governance == {
        "voting_members": 26,
        "independent_voting_members": 26,
        "conflict_of_interest_policy": True,
        "whistleblower_policy": True,
        "document_retention_policy": True,
        "financial_statements_audited": True,
        "material_diversion": False,
    }
    assert filing.income_government_grants == Decimal("16267076")
    president = org.officers.get(name="NANCY BROWN")
    assert president.role == "CEO"
    assert president.compensation == Decimal("3099961")
    assert org.officers.count() == 38
    assert filing.source == (
        "aha_990_ty2021_genderfair.xml sha256:"
        + filing.source_document.name.rsplit("/", 1)[1].removesuffix(".xml")
    )


@needs_samples
def test_a_990pf_keeps_its_distributions_and_a_990ez_its_program_expenses():
    import_paths(
        SAMPLES / "files" / "201642469349100709_public.xml",
        SAMPLES / "files" / "201612379349200706_public.xml",
    )

    galen = Filing.objects.get(organization__org_id="US-EIN-201306111")
    assert galen.form == "990PF"
    assert galen.organization.org_type == "private_foundation"
    # confirmed independently by the GivingTuesday index (SOURCE.md)
    assert galen.total_income == Decimal("285053")
    assert galen.total_expenses == Decimal("707754")
    assert (galen.total_assets, galen.total_liabilities, galen.net_assets) == (
        Decimal("5333012"),
        Decimal("119"),
        Decimal("5332893"),
    )
    assert galen.expenses_programs is None  # a 990-PF has no functional split
    assert set(galen.figures) >= {"contributions_paid", "qualifying_distributions"}
    lead = Filing.objects.get(organization__org_id="US-EIN-462593760")
    assert lead.form == "990EZ"
    assert lead.expenses_programs == Decimal("42628")
    assert lead.expenses_management is None
    assert lead.expenses_other == Decimal("49239") - Decimal("42628")
    # officers of both forms, with titles and pay, in the order filed
    assert list(
        Officer.objects.filter(organization__org_id="US-EIN-201306111").values_list(
            "name", "role", "compensation"
        )
    ) == [
        ("HELENE V GALEN", "PRESIDENT", Decimal("0")),
        ("CHARLES MOSTOV", "TREASURER", Decimal("0")),
    ]
    treasurer = Officer.objects.get(
        organization__org_id="US-EIN-462593760", name="DIANE STERN"
    )
    assert (treasurer.role, treasurer.compensation) == (
        "TREASURER/COMPUTER TEACHER",
        Decimal("4776"),
    )


@needs_samples
def test_the_original_xml_is_kept_as_the_source_document():
    path = SAMPLES / "files" / "201541349349307794_public.xml"
    import_paths(path)

    filing = Filing.objects.get(organization__org_id="US-EIN-201585919")
    with default_storage.open(filing.source_document.name) as stored:
        assert stored.read() == path.read_bytes()


@needs_samples
def test_the_edge_cases_import_and_the_two_without_an_ein_are_rejected():
    report = import_paths(SAMPLES / "edge-cases")

    assert sorted(report.rejected) == sorted(
        f"{Path(name).name}: rejected: {reason}"
        for name, reason in REJECTED_SAMPLES.items()
    )
    assert report.returns == 11
    # ein_contains_ein is a 990-T: the filer is recorded, with a warning.
    assert Organization.objects.filter(org_id="US-EIN-742050021").exists()
    assert any(
        "ein_contains_ein.xml: Form 990-T" in warning for warning in report.warnings
    )
    whistle = Filing.objects.get(organization__org_id="US-EIN-208324406")
    assert whistle.governance["whistleblower_policy"] is True
    amended = Filing.objects.get(organization__org_id="US-EIN-113705864")
    assert amended.amended and not amended.superseded
    assert amended.employees == 38  # Part I line 5, not Part V's EmployeeCnt


# Bad input: rejected, named, nothing written.


@pytest.mark.parametrize(
    ("fixture", "reason"),
    [
        ("malformed.xml", "not well-formed XML (line 10, column 31): mismatched tag"),
        (
            "xxe.xml",
            "it declares the external entity 'secret' ('file:///etc/passwd'): "
            "external entities are refused, nothing was fetched",
        ),
        (
            "billion_laughs.xml",
            "it declares the entity 'lol': entity declarations are refused "
            "(entity expansion), nothing was expanded",
        ),
        (
            "external_dtd.xml",
            "it has a document type declaration (<!DOCTYPE>); IRS returns have none, "
            "and it is refused unread",
        ),
    ],
)
def test_unsafe_or_malformed_xml_is_rejected_and_nothing_is_written(fixture, reason):
    before = registry_state()

    report = import_paths(FIXTURES / fixture)

    assert report.rejected == [f"{fixture}: rejected: {reason}"]
    assert report.returns == 0 and report.registry is None
    assert registry_state() == before


@needs_samples
@pytest.mark.parametrize("name", sorted(REJECTED_SAMPLES))
def test_a_return_without_ein_or_filer_is_rejected_and_nothing_is_written(name):
    before = registry_state()

    report = import_paths(SAMPLES / name)

    assert report.rejected == [f"{Path(name).name}: rejected: {REJECTED_SAMPLES[name]}"]
    assert registry_state() == before


@needs_samples
def test_a_bad_file_among_good_ones_is_skipped_and_the_others_imported(tmp_path):
    good = SAMPLES / "files" / "201541349349307794_public.xml"

    report = import_paths(good, FIXTURES / "xxe.xml")

    assert len(report.rejected) == 1 and report.rejected[0].startswith("xxe.xml:")
    assert Organization.objects.count() == 1
    assert not Organization.objects.filter(org_id="US-EIN-123456789").exists()


@needs_samples
@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (
            lambda text: text.replace("<EIN>201585919</EIN>", "<EIN>20158591</EIN>"),
            "its EIN '20158591' is invalid: ",
        ),
        (
            lambda text: text.replace("<TaxYr>2014</TaxYr>", "").replace(
                "<TaxPeriodBeginDt>2014-01-01</TaxPeriodBeginDt>", ""
            ),
            "it has neither a tax year nor a tax period",
        ),
        (
            lambda text: text.replace(
                "<ReturnTypeCd>990</ReturnTypeCd>", "<ReturnTypeCd>990N</ReturnTypeCd>"
            ),
            "return type '990N' is not one of 990, 990EZ, 990PF, 990T",
        ),
        (
            lambda text: text.replace(
                "<TotalAssetsEOYAmt>866826</TotalAssetsEOYAmt>",
                "<TotalAssetsEOYAmt>-5</TotalAssetsEOYAmt>",
            ),
            'the registry refuses it: filings[0].total_assets: "-5" must not be negative',
        ),
    ],
)
def test_a_return_the_registry_cannot_hold_is_rejected_with_its_reason(
    tmp_path, edit, reason
):
    path = edited(tmp_path, "201541349349307794_public.xml", edit, as_name="bad.xml")
    before = registry_state()

    report = import_paths(path)

    [rejection] = report.rejected
    assert rejection.startswith("bad.xml: rejected: ")
    assert reason in rejection
    assert registry_state() == before


def test_the_command_names_the_rejected_file_and_fails_when_nothing_imports():
    out = io.StringIO()
    with pytest.raises(CommandError, match="none of the 1 files"):
        call_command("import_irs990", str(FIXTURES / "billion_laughs.xml"), stdout=out)
    assert "billion_laughs.xml: rejected: it declares the entity 'lol'" in (
        out.getvalue()
    )
    assert not Organization.objects.exists()


def test_an_unsafe_payload_is_refused_before_expansion():
    # Parsed directly: a billion laughs would take gigabytes if expanded.
    with pytest.raises(ReturnRejected, match="entity declarations are refused"):
        return_parse(
            content=(FIXTURES / "billion_laughs.xml").read_bytes(), name="b.xml"
        )


# Schema versions.


@needs_samples
def test_an_unknown_schema_version_imports_what_it_can_and_warns(tmp_path):
    path = edited(
        tmp_path,
        "201541349349307794_public.xml",
        lambda text: (
            text.replace('returnVersion="2014v5.0"', 'returnVersion="2031v1.0"')
            .replace("<CYTotalRevenueAmt>", "<CYTotalRevenueRenamedAmt>")
            .replace("</CYTotalRevenueAmt>", "</CYTotalRevenueRenamedAmt>")
        ),
    )

    report = import_paths(path)

    assert report.returns == 1 and not report.rejected
    [warning] = report.warnings
    assert "schema version '2031v1.0' is not one the field map knows" in warning
    assert (
        "total_revenue (CYTotalRevenueAmt | TotalRevenueCurrentYear | "
        "Form990PartI/TotalRevenueCurrentYear)"
    ) in warning
    filing = Filing.objects.get()
    assert filing.total_assets == Decimal("866826")
    assert "total_revenue" not in filing.figures


def test_pre_2013_element_names_are_read():
    """A 2010 990 as the 2009-2012 schemas name its elements (no such sample exists,
    so this return is written from the concordance's names)."""
    content = b"""<?xml version="1.0"?>
<Return xmlns="http://www.irs.gov/efile" returnVersion="2010v3.2">
 <ReturnHeader>
  <Timestamp>2011-05-10T10:00:00-05:00</Timestamp>
  <TaxPeriodEndDate>2010-12-31</TaxPeriodEndDate>
  <ReturnType>990</ReturnType>
  <TaxPeriodBeginDate>2010-01-01</TaxPeriodBeginDate>
  <Filer>
   <EIN>123456789</EIN>
   <Name><BusinessNameLine1>OLD SCHEMA CHARITY</BusinessNameLine1></Name>
   <USAddress><AddressLine1>1 MAIN ST</AddressLine1><City>AUSTIN</City>
    <State>TX</State><ZIPCode>78701</ZIPCode></USAddress>
  </Filer>
  <TaxYear>2010</TaxYear>
 </ReturnHeader>
 <ReturnData>
  <IRS990>
   <Organization501c3>X</Organization501c3>
   <NbrVotingMembersGoverningBody>9</NbrVotingMembersGoverningBody>
   <NbrIndependentVotingMembers>8</NbrIndependentVotingMembers>
   <TotalNbrEmployees>4</TotalNbrEmployees>
   <ContributionsGrantsCurrentYear>1000</ContributionsGrantsCurrentYear>
   <TotalRevenueCurrentYear>1500</TotalRevenueCurrentYear>
   <TotalExpensesCurrentYear>1200</TotalExpensesCurrentYear>
   <TotalAssetsEOY>900</TotalAssetsEOY>
   <TotalLiabilitiesEOY>100</TotalLiabilitiesEOY>
   <NetAssetsOrFundBalancesEOY>800</NetAssetsOrFundBalancesEOY>
   <ConflictOfInterestPolicy>true</ConflictOfInterestPolicy>
   <Form990PartVIISectionA><NamePerson>JANE DOE</NamePerson><Title>PRESIDENT</Title>
    <ReportableCompFromOrganization>0</ReportableCompFromOrganization>
   </Form990PartVIISectionA>
   <TotalFunctionalExpenses><Total>1200</Total><ProgramServices>1000</ProgramServices>
    <ManagementAndGeneral>150</ManagementAndGeneral><Fundraising>50</Fundraising>
   </TotalFunctionalExpenses>
  </IRS990>
 </ReturnData>
</Return>"""

    parsed = return_parse(content=content, name="old.xml")
    filing = filing_record(parsed, version=1, superseded=False)

    assert not parsed.warnings
    assert (parsed.ein, parsed.name, parsed.tax_year) == (
        "123456789",
        "OLD SCHEMA CHARITY",
        2010,
    )
    assert parsed.address == "1 MAIN ST, AUSTIN TX 78701"
    assert filing["income"]["donations"] == "1000"
    assert filing["income"]["other"] == "500"
    assert filing["expenses"] == {
        "programs": "1000",
        "management": "150",
        "fundraising": "50",
        "other": "0",
    }
    assert filing["governance"] == {
        "voting_members": 9,
        "independent_voting_members": 8,
        "conflict_of_interest_policy": True,
    }
    assert filing["submitted_on"] == "2011-05-10"
    assert parsed.officers[0].name == "JANE DOE"


@pytest.mark.skipif(not CONCORDANCE.exists(), reason=f"{CONCORDANCE} is not there")
def test_the_field_map_lists_every_concordance_path_of_the_variables_it_reads():
    variables = {
        "F9_01_REV_TOT_CY": ("total_revenue",),
        "F9_01_EXP_TOT_CY": ("total_expenses",),
        "F9_01_REV_CONTR_TOT_CY": ("contributions_grants",),
        "F9_01_REV_CONTR_TOT_CY_2": ("contributions_grants",),
        "F9_01_REV_PROG_TOT_CY": ("program_service_revenue",),
        "F9_01_REV_INVEST_TOT_CY": ("investment_income",),
        "F9_08_REV_CONTR_GOVT_GRANT": ("government_grants",),
        "F9_09_EXP_TOT_PROG": ("program_service_expenses",),
        "F9_09_EXP_TOT_MGMT": ("management_general_expenses",),
        "F9_09_EXP_TOT_FUNDR": ("fundraising_expenses",),
        "F9_01_NAFB_ASSET_TOT_EOY": ("total_assets_eoy",),
        "F9_01_NAFB_LIAB_TOT_EOY": ("total_liabilities_eoy",),
        "F9_01_NAFB_TOT_EOY": ("net_assets_eoy",),
        "F9_01_ACT_GVRN_EMPL_TOT": ("employees",),
        "F9_01_ACT_GVRN_VOL_TOT": ("volunteers",),
        "F9_01_ACT_GVRN_NUM_VOTE_MEMB": ("voting_members",),
        "F9_10_ASSET_TOT_EOY": ("total_assets_eoy",),
        "F9_10_LIAB_TOT_EOY": ("total_liabilities_eoy",),
    }
    forms = {"IRS990": "990", "IRS990EZ": "990EZ"}
    checked = 0
    for part in CONCORDANCE.glob("f990-part-*.csv"):
        with part.open(encoding="utf-8") as stream:
            for row in csv.DictReader(stream):
                if row["variable_name"] not in variables:
                    continue
                _root, _data, form_element, path = row["xpath"].split("/", 4)[1:]
                form = forms[form_element]
                names = variables[row["variable_name"]]
                # Part X totals of a 990 are Part I's in our map (the same figure)
                if row["variable_name"].startswith("F9_10") and form == "990":
                    continue
                assert any(
                    path in irs990_fields.FORMS[form].get(name, ()) for name in names
                ), (row["variable_name"], row["xpath"])
                checked += 1
    assert checked > 50


# Versions, idempotency, dry run.

MAY_CENTER = "201612369349300726_public.xml"  # an amended 990 (TY2014)


def original_of_may_center(text: str) -> str:
    """The original return the amendment replaced: not marked amended, filed earlier,
    with a different revenue."""
    return (
        text.replace("<AmendedReturnInd>X</AmendedReturnInd>", "")
        .replace("2016-08-23T15:12:50-05:00", "2016-01-28T10:00:00-05:00")
        .replace("<CYTotalRevenueAmt>1021624<", "<CYTotalRevenueAmt>1021000<")
        .replace(
            "<PersonNm>AMY MILLER</PersonNm>",
            "<PersonNm>REPLACED BY THE AMENDMENT</PersonNm>",
        )
    )


@needs_samples
def test_an_amended_return_supersedes_the_original_and_both_are_kept(tmp_path):
    original = edited(
        tmp_path, MAY_CENTER, original_of_may_center, as_name="original.xml"
    )
    amended = SAMPLES / "files" / MAY_CENTER

    import_paths(original)
    first = Filing.objects.get()
    assert (first.version, first.amended, first.superseded) == (1, False, False)
    assert Officer.objects.filter(name="REPLACED BY THE AMENDMENT").exists()

    report = import_paths(amended)

    assert (report.registry.filings.created, report.registry.filings.updated) == (1, 1)
    versions = list(
        Filing.objects.order_by("version").values_list(
            "version", "amended", "superseded", "income_other"
        )
    )
    assert [v[:3] for v in versions] == [(1, False, True), (2, True, False)]
    current = Filing.objects.current().get()
    assert current.total_income == Decimal("1021624")
    assert not Officer.objects.filter(name="REPLACED BY THE AMENDMENT").exists()
    assert Officer.objects.filter(name="AMY MILLER").exists()
    assert current.source.startswith(MAY_CENTER)


@needs_samples
def test_an_original_arriving_after_its_amendment_does_not_supersede_it(tmp_path):
    original = edited(
        tmp_path, MAY_CENTER, original_of_may_center, as_name="original.xml"
    )
    import_paths(SAMPLES / "files" / MAY_CENTER)

    import_paths(original)

    assert list(
        Filing.objects.order_by("version").values_list(
            "version", "amended", "superseded"
        )
    ) == [(1, True, False), (2, False, True)]
    # the superseded original does not replace the amendment's officers
    assert Officer.objects.filter(name="REPLACED BY THE AMENDMENT").count() == 0
    # and both together again change nothing
    report = import_paths(original, SAMPLES / "files" / MAY_CENTER)
    assert report.registry.filings.unchanged == 2
    assert report.registry.filings.updated == 0


@needs_samples
def test_importing_the_sample_twice_changes_nothing():
    import_paths(SAMPLES / "files", SAMPLES / "edge-cases")
    before = registry_state()

    report = import_paths(SAMPLES / "files", SAMPLES / "edge-cases")

    assert report.registry.organizations.unchanged == 65
    assert (
        report.registry.organizations.created,
        report.registry.organizations.updated,
    ) == (0, 0)
    assert (report.registry.filings.created, report.registry.filings.updated) == (0, 0)
    assert report.registry.filings.unchanged == 63
    assert report.documents_stored == 0
    assert registry_state() == before


@needs_samples
def test_a_dry_run_reports_what_would_change_and_writes_nothing():
    path = SAMPLES / "files" / "201541349349307794_public.xml"

    report = import_paths(path, dry_run=True)

    assert report.dry_run
    assert report.registry.organizations.created == 1
    assert report.registry.filings.created == 1
    assert report.documents_stored == 0
    assert not Organization.objects.exists()
    assert not default_storage.exists(
        f"filings/irs990/{return_read(path).sha256[:2]}/{return_read(path).sha256}.xml"
    )


@needs_samples
def test_the_command_prints_the_summary_with_rejections_and_warnings():
    out = io.StringIO()
    call_command(
        "import_irs990",
        str(SAMPLES / "edge-cases"),
        "--workers",
        "2",
        stdout=out,
    )
    text = out.getvalue()
    assert "13 files read: 11 returns imported, 2 rejected, 2 warnings" in text
    assert "ein_missing_filer.xml: rejected: it has no Filer block" in text


@needs_samples
def test_the_command_dry_run_says_what_would_be_imported():
    out = io.StringIO()
    call_command("import_irs990", str(SAMPLES / "edge-cases"), "--dry-run", stdout=out)
    text = out.getvalue()
    assert "nothing was written" in text
    assert "11 returns would be imported, 2 rejected, 2 warnings" in text
    assert not Organization.objects.exists()


def test_the_command_refuses_a_missing_path():
    with pytest.raises(CommandError, match="no such file or folder: /nowhere"):
        call_command("import_irs990", "/nowhere")


@needs_samples
def test_parsing_on_several_workers_gives_the_same_returns():
    files = sorted((SAMPLES / "files").glob("*.xml")) * 2
    from orgs.importers.irs990 import returns_read

    single = list(returns_read(files, workers=1))
    parallel = list(returns_read(files, workers=2))

    assert [r.sha256 for r in parallel] == [r.sha256 for r in single]
    assert [r.amounts for r in parallel] == [r.amounts for r in single]


# US scoring on real returns.


@needs_samples
def test_real_returns_are_scored_with_the_us_rules():
    import_paths(
        SAMPLES / "files" / "201602429349200310_public.xml",  # the booster club
        SAMPLES / "files" / "201541349349307794_public.xml",
        SAMPLES / "files" / "201642469349100709_public.xml",
    )

    call_command("score_orgs", "--as-of", "2016-12-31", stdout=io.StringIO())

    score = Score.objects.get(organization__org_id="US-EIN-464201046", is_current=True)
    # Mountain House High School Athletic Booster Club, 990-EZ for TY2013 (July
    # 2013 - June 2014), e-filed 2016-08-16 and its only return. As of 2016-12-31:
    # - FILING_LATE 2013 (-10): due 15 Nov 2014, five months after the period,
    #   and on time until 15 May 2015 with the automatic extension.
    # - FILING_MISSING 2014 and 2015 (-15 each): no return, both due dates past.
    # - IRS_REVOCATION_RISK 2015 (-30): the last two years missing in a row.
    # - PROGRAM_RATIO_LOW 2013 (-15): program expenses 0 of total 3,310.
    # 100 - 85 = 15: grade D (below 50).
    assert sorted(score.reasons.values_list("code", "fiscal_year", "points")) == [
        ("FILING_LATE", 2013, 10),
        ("FILING_MISSING", 2014, 15),
        ("FILING_MISSING", 2015, 15),
        ("IRS_REVOCATION_RISK", 2015, 30),
        ("PROGRAM_RATIO_LOW", 2013, 15),
    ]
    assert (score.score, score.grade) == (15, "D")
    ratio = score.reasons.get(code="PROGRAM_RATIO_LOW").evidence
    assert (ratio["expenses_programs"], ratio["total_expenses"]) == ("0.00", "3310.00")


@needs_samples
def test_governance_answers_of_a_real_return_become_reasons():
    # Downey Symphonic Society, Form 990 for 2015: 18 voting members of whom 4
    # independent, and "no" to all three policies of Part VI lines 12a, 13 and 14.
    import_paths(SAMPLES / "files" / "201612459349300241_public.xml")

    call_command("score_orgs", "--as-of", "2017-12-31", stdout=io.StringIO())

    score = Score.objects.get(organization__org_id="US-EIN-952058103", is_current=True)
    governance = score.reasons.filter(
        code__in=["BOARD_WEAK", "POLICY_MISSING", "ASSET_DIVERSION"]
    )
    assert sorted(
        (r.code, r.fiscal_year, r.evidence.get("policy")) for r in governance
    ) == [
        ("BOARD_WEAK", 2015, None),
        ("POLICY_MISSING", 2015, "conflict_of_interest_policy"),
        ("POLICY_MISSING", 2015, "document_retention_policy"),
        ("POLICY_MISSING", 2015, "whistleblower_policy"),
    ]
    board = governance.get(code="BOARD_WEAK").evidence
    assert (board["voting_members"], board["independent_voting_members"]) == (18, 4)


@needs_samples
def test_the_benchmark_command_parses_every_sample_and_writes_nothing():
    out = io.StringIO()
    call_command(
        "benchmark_irs990",
        str(SAMPLES / "files"),
        "--repeat",
        "1",
        "--workers",
        "1",
        stdout=out,
    )
    assert "1 worker(s): 54 returns in" in out.getvalue()
    assert not Organization.objects.exists()


@needs_samples
def test_an_imported_organization_shows_its_officers_pay_on_profile_and_api(client):
    import_paths(SAMPLES / "files" / "aha_990_ty2021_genderfair.xml")

    page = client.get("/orgs/US-EIN-135613797/")
    api = client.get("/api/v1/orgs/US-EIN-135613797")

    assert page.status_code == 200
    assert "NANCY BROWN, CEO (pay 3,099,961)" in page.content.decode()
    assert {
        "name": "NANCY BROWN",
        "role": "CEO",
        "compensation": "3099961.00",
    } in api.json()["officers"]


@needs_samples
def test_a_refusal_by_the_registry_names_the_files_and_writes_nothing(
    tmp_path, monkeypatch
):
    # Each return is checked alone first; should the merged record still be refused,
    # the exchange importer refuses the whole batch and the command names the files.
    monkeypatch.setattr("orgs.importers.irs990.return_problem", lambda parsed: None)
    bad = edited(
        tmp_path,
        "201541349349307794_public.xml",
        lambda text: text.replace(
            "<TotalAssetsEOYAmt>866826</TotalAssetsEOYAmt>",
            "<TotalAssetsEOYAmt>-5</TotalAssetsEOYAmt>",
        ),
        as_name="bad.xml",
    )
    before = registry_state()

    with pytest.raises(CommandError) as raised:
        call_command("import_irs990", str(bad), stdout=io.StringIO())

    message = str(raised.value)
    assert 'line 1: filings[0].total_assets: "-5" must not be negative' in message
    assert "line 1 is the organization of bad.xml" in message
    assert registry_state() == before


@needs_samples
def test_imported_organizations_are_found_by_name_and_ein(search_backend):
    from search.query import SearchQuery
    from search.selectors import search_organizations
    from search.services import search_sync

    import_paths(
        SAMPLES / "files" / "201541349349307794_public.xml",
        SAMPLES / "files" / "201642469349100709_public.xml",
    )
    search_sync(backend=search_backend)
    search_backend.refresh()

    for text in ("Voice of San Diego", "201585919"):
        hits = search_organizations(SearchQuery(text=text)).hits
        assert [hit.org_id for hit in hits][:1] == ["US-EIN-201585919"], text
