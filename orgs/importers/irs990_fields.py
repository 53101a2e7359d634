"""Where each figure sits in an IRS e-file return, in every schema version 2009-2025.

The IRS renamed most elements of Forms 990 and 990-EZ with the 2013 schemas
(``TotalRevenueCurrentYear`` became ``CYTotalRevenueAmt``) and has only added
elements since. Each field below lists the element paths that carried it, newest
first, relative to the form's element (``ReturnData/IRS990``) or, for the header, to
``ReturnHeader``. The first path present in a return is the one read.

For Forms 990 and 990-EZ the paths are those of the Nonprofit Open Data Collective's
concordance (``../shared/data/irs-efile-concordance/``, Parts I, VIII, IX and X;
``tests/orgs/test_import_irs990.py`` checks that every path of the variables used
here is listed). The concordance does not cover Part VI (governance), Part VII
(officers) or Form 990-PF: their 2013+ names are those of the sample returns, their
2009-2012 names those used by published parsers (irsx, the Urban Institute's
scripts); no pre-2013 sample is at hand to check those.
"""

from __future__ import annotations

import re

# The schema versions the map was built for. Another version (a later year, or a
# malformed attribute) is read with the same names, with a warning.
KNOWN_VERSION_RE = re.compile(r"(20(?:09|1\d|2[0-5]))v\d+\.\d+")

HEADER = {
    "ein": ("Filer/EIN",),
    "name": (
        "Filer/BusinessName/BusinessNameLine1Txt",
        "Filer/BusinessName/BusinessNameLine1",
        "Filer/Name/BusinessNameLine1",
    ),
    "name_line2": (
        "Filer/BusinessName/BusinessNameLine2Txt",
        "Filer/BusinessName/BusinessNameLine2",
        "Filer/Name/BusinessNameLine2",
    ),
    "street": (
        "Filer/USAddress/AddressLine1Txt",
        "Filer/USAddress/AddressLine1",
        "Filer/ForeignAddress/AddressLine1Txt",
        "Filer/ForeignAddress/AddressLine1",
    ),
    "street2": (
        "Filer/USAddress/AddressLine2Txt",
        "Filer/USAddress/AddressLine2",
        "Filer/ForeignAddress/AddressLine2Txt",
        "Filer/ForeignAddress/AddressLine2",
    ),
    "city": (
        "Filer/USAddress/CityNm",
        "Filer/USAddress/City",
        "Filer/ForeignAddress/CityNm",
        "Filer/ForeignAddress/City",
    ),
    "state": (
        "Filer/USAddress/StateAbbreviationCd",
        "Filer/USAddress/State",
        "Filer/ForeignAddress/ProvinceOrStateNm",
        "Filer/ForeignAddress/ProvinceOrState",
    ),
    "zip": (
        "Filer/USAddress/ZIPCd",
        "Filer/USAddress/ZIPCode",
        "Filer/ForeignAddress/ForeignPostalCd",
        "Filer/ForeignAddress/PostalCode",
    ),
    "country": ("Filer/ForeignAddress/CountryCd", "Filer/ForeignAddress/Country"),
    "return_type": ("ReturnTypeCd", "ReturnType"),
    "tax_year": ("TaxYr", "TaxYear"),
    "period_start": ("TaxPeriodBeginDt", "TaxPeriodBeginDate"),
    "period_end": ("TaxPeriodEndDt", "TaxPeriodEndDate"),
    "timestamp": ("ReturnTs", "Timestamp"),
}

# form element -> field -> paths. Amount fields end in the figure's name; the
# organization's own answers are under "governance".
FORMS: dict[str, dict[str, tuple[str, ...]]] = {
    "990": {
        "amended": ("AmendedReturnInd", "AmendedReturn"),
        "organization_501c3": ("Organization501c3Ind", "Organization501c3"),
        "website": ("WebsiteAddressTxt", "WebSite"),
        "mission": ("ActivityOrMissionDesc", "ActivityOrMissionDescription"),
        # Part I, lines 8-12: revenue
        "total_revenue": (
            "CYTotalRevenueAmt",
            "TotalRevenueCurrentYear",
            "Form990PartI/TotalRevenueCurrentYear",
        ),
        "contributions_grants": (
            "CYContributionsGrantsAmt",
            "ContributionsGrantsCurrentYear",
            "Form990PartI/ContributionsGrantsCurrentYear",
        ),
        "program_service_revenue": (
            "CYProgramServiceRevenueAmt",
            "ProgramServiceRevenueCY",
            "Form990PartI/ProgramServiceRevenueCurrYear",
        ),
        "investment_income": (
            "CYInvestmentIncomeAmt",
            "InvestmentIncomeCurrentYear",
            "Form990PartI/InvestmentIncomeCurrentYear",
        ),
        # Part VIII line 1e: the government's share of the contributions
        "government_grants": (
            "GovernmentGrantsAmt",
            "GovernmentGrants",
            "Form990PartVIII/GovernmentGrants",
        ),
        # Part I line 18 and Part IX line 25
        "total_expenses": (
            "CYTotalExpensesAmt",
            "TotalExpensesCurrentYear",
            "Form990PartI/TotalExpensesCurrentYear",
        ),
        "program_service_expenses": (
            "TotalFunctionalExpensesGrp/ProgramServicesAmt",
            "TotalFunctionalExpenses/ProgramServices",
            "Form990PartIX/TotalFunctionalExpenses/ProgramServices",
        ),
        "management_general_expenses": (
            "TotalFunctionalExpensesGrp/ManagementAndGeneralAmt",
            "TotalFunctionalExpenses/ManagementAndGeneral",
            "Form990PartIX/TotalFunctionalExpenses/ManagementAndGeneral",
        ),
        "fundraising_expenses": (
            "TotalFunctionalExpensesGrp/FundraisingAmt",
            "TotalFunctionalExpenses/Fundraising",
            "Form990PartIX/TotalFunctionalExpenses/Fundraising",
        ),
        # Part I lines 20-22 (end of year)
        "total_assets_eoy": (
            "TotalAssetsEOYAmt",
            "TotalAssetsEOY",
            "Form990PartI/TotalAssetsEOY",
        ),
        "total_liabilities_eoy": (
            "TotalLiabilitiesEOYAmt",
            "TotalLiabilitiesEOY",
            "Form990PartI/TotalLiabilitiesEOY",
        ),
        "net_assets_eoy": (
            "NetAssetsOrFundBalancesEOYAmt",
            "NetAssetsOrFundBalancesEOY",
            "Form990PartI/NetAssetsOrFundBalancesEOY",
        ),
        # Part I lines 5-6
        "employees": (
            "TotalEmployeeCnt",
            "TotalNbrEmployees",
            "Form990PartI/TotalNbrEmployees",
        ),
        "volunteers": (
            "TotalVolunteersCnt",
            "TotalNbrVolunteers",
            "Form990PartI/TotalNbrVolunteers",
        ),
        # Part VI lines 1a, 1b, 5, 12a, 13, 14; Part XII line 2b
        "voting_members": (
            "VotingMembersGoverningBodyCnt",
            "GoverningBodyVotingMembersCnt",
            "NbrVotingMembersGoverningBody",
            "Form990PartI/NbrVotingMembersGoverningBody",
        ),
        "independent_voting_members": (
            "VotingMembersIndependentCnt",
            "IndependentVotingMemberCnt",
            "NbrIndependentVotingMembers",
            "Form990PartI/NbrIndependentVotingMembers",
        ),
        "material_diversion": (
            "MaterialDiversionOrMisuseInd",
            "MaterialDiversionOrMisuse",
        ),
        "conflict_of_interest_policy": (
            "ConflictOfInterestPolicyInd",
            "ConflictOfInterestPolicy",
        ),
        "whistleblower_policy": ("WhistleblowerPolicyInd", "WhistleblowerPolicy"),
        "document_retention_policy": (
            "DocumentRetentionPolicyInd",
            "DocumentRetentionPolicy",
        ),
        "financial_statements_audited": ("FSAuditedInd", "FSAudited"),
        # Part VII Section A: one group per person
        "officers": ("Form990PartVIISectionAGrp", "Form990PartVIISectionA"),
    },
    "990EZ": {
        "amended": ("AmendedReturnInd", "AmendedReturn"),
        "organization_501c3": ("Organization501c3Ind", "Organization501c3"),
        "website": ("WebsiteAddressTxt", "WebSite"),
        "mission": ("PrimaryExemptPurposeTxt", "PrimaryExemptPurpose"),
        "total_revenue": (
            "TotalRevenueAmt",
            "TotalRevenue",
            "TotalRevenueCurrentYear",
        ),
        "contributions_grants": (
            "ContributionsGiftsGrantsEtcAmt",
            "ContributionsGiftsGrantsEtc",
        ),
        "program_service_revenue": (
            "ProgramServiceRevenueAmt",
            "ProgramServiceRevenue",
            "ProgramServiceRevenueCY",
        ),
        "investment_income": (
            "InvestmentIncomeAmt",
            "InvestmentIncome",
            "InvestmentIncomeGrp/TotalRevenueColumnAmt",
            "InvestmentIncome/TotalRevenueColumn",
            "InvestmentIncomeCurrentYear",
        ),
        "total_expenses": (
            "TotalExpensesAmt",
            "TotalExpenses",
            "TotalExpensesCurrentYear",
        ),
        # Part III line 32 (990-EZ has no management / fundraising columns)
        "program_service_expenses": (
            "TotalProgramServiceExpensesAmt",
            "TotalProgramServiceExpenses",
        ),
        "total_assets_eoy": (
            "Form990TotalAssetsGrp/EOYAmt",
            "TotalAssets/EOY",
            "TotalAssetsGrp/EOYAmt",
        ),
        "total_liabilities_eoy": (
            "SumOfTotalLiabilitiesGrp/EOYAmt",
            "SumOfTotalLiabilities/EOY",
            "TotalLiabilities/EOY",
            "TotalLiabilitiesGrp/EOYAmt",
        ),
        "net_assets_eoy": (
            "NetAssetsOrFundBalancesEOYAmt",
            "NetAssetsOrFundBalancesEOY",
        ),
        # Part IV: officers, directors, trustees and key employees
        "officers": ("OfficerDirectorTrusteeEmplGrp", "OfficerDirectorTrusteeKeyEmpl"),
    },
    "990PF": {
        "amended": ("AmendedReturnInd", "AmendedReturn"),
        # Part I column (a)
        "total_revenue": (
            "AnalysisOfRevenueAndExpenses/TotalRevAndExpnssAmt",
            "AnalysisOfRevenueAndExpenses/TotalRevAndExpnss",
        ),
        "contributions_grants": (
            "AnalysisOfRevenueAndExpenses/ContriRcvdRevAndExpnssAmt",
            "AnalysisOfRevenueAndExpenses/ContriReceivedRevAndExpnss",
        ),
        # line 3 is interest income; InterestRevAndExpnssAmt is line 17, an expense
        "interest_income": (
            "AnalysisOfRevenueAndExpenses/InterestOnSavRevAndExpnssAmt",
            "AnalysisOfRevenueAndExpenses/InterestOnSavRevAndExpnss",
        ),
        "dividends": (
            "AnalysisOfRevenueAndExpenses/DividendsRevAndExpnssAmt",
            "AnalysisOfRevenueAndExpenses/DividendsRevAndExpnss",
        ),
        "net_gain_sale_assets": (
            "AnalysisOfRevenueAndExpenses/NetGainSaleAstRevAndExpnssAmt",
            "AnalysisOfRevenueAndExpenses/NetGainSaleAstRevAndExpnss",
        ),
        "total_expenses": (
            "AnalysisOfRevenueAndExpenses/TotalExpensesRevAndExpnssAmt",
            "AnalysisOfRevenueAndExpenses/TotalExpensesRevAndExpnss",
        ),
        "contributions_paid": (
            "AnalysisOfRevenueAndExpenses/ContriPaidRevAndExpnssAmt",
            "AnalysisOfRevenueAndExpenses/ContriGiftsPaidRevAndExpnss",
        ),
        # column (d): disbursements for charitable purposes
        "disbursements_charitable": (
            "AnalysisOfRevenueAndExpenses/TotalExpensesDsbrsChrtblAmt",
            "AnalysisOfRevenueAndExpenses/TotalExpensesDsbrsChrtblPrps",
        ),
        # Part II
        "total_assets_eoy": (
            "Form990PFBalanceSheetsGrp/TotalAssetsEOYAmt",
            "Form990PFBalanceSheets/TotalAssetsEOY",
        ),
        "total_liabilities_eoy": (
            "Form990PFBalanceSheetsGrp/TotalLiabilitiesEOYAmt",
            "Form990PFBalanceSheets/TotalLiabilitiesEOY",
        ),
        "net_assets_eoy": (
            "Form990PFBalanceSheetsGrp/TotNetAstOrFundBalancesEOYAmt",
            "Form990PFBalanceSheets/TotNetAstOrFundBalancesEOY",
        ),
        "fmv_assets_eoy": ("FMVAssetsEOYAmt", "FMVAssetsEOY"),
        # Parts XI and XII
        "qualifying_distributions": (
            "QualifyingDistriPartXIIGrp/QualifyingDistributionsAmt",
            "QualifyingDistriPartXII/QualifyingDistributions",
        ),
        "distributable_amount": (
            "DistributableAmountGrp/DistributableAsAdjustedAmt",
            "DistributableAmount/DistributableAsAdjusted",
            # Part XIII line 1 repeats it (a foundation exempt from Part XI)
            "UndistributedIncomeGrp/DistributableAsAdjustedAmt",
            "UndistributedIncome/DistributableAsAdjusted",
        ),
        # Part VIII line 1
        "officers": (
            "OfficerDirTrstKeyEmplInfoGrp/OfficerDirTrstKeyEmplGrp",
            "OfficerDirTrstKeyEmplInfo/OfficerDirTrstKeyEmpl",
        ),
    },
    # Form 990-T reports unrelated business income, not the organization's finances:
    # only its header (the filer) is read.
    "990T": {},
}

# Inside one officer group, whatever the form.
OFFICER = {
    "name": (
        "PersonNm",
        "PersonName",
        "NamePerson",
        "BusinessName/BusinessNameLine1Txt",
        "BusinessName/BusinessNameLine1",
        "NameBusiness/BusinessNameLine1",
    ),
    "title": ("TitleTxt", "Title"),
    "compensation": (
        "ReportableCompFromOrgAmt",
        "ReportableCompFromOrganization",
        "CompensationAmt",
        "Compensation",
    ),
}

# The form element under ReturnData for each return type.
FORM_ELEMENTS = {
    "990": "IRS990",
    "990EZ": "IRS990EZ",
    "990PF": "IRS990PF",
    "990T": "IRS990T",
}

AMOUNTS = (
    "total_revenue",
    "contributions_grants",
    "program_service_revenue",
    "investment_income",
    "government_grants",
    "interest_income",
    "dividends",
    "net_gain_sale_assets",
    "total_expenses",
    "program_service_expenses",
    "management_general_expenses",
    "fundraising_expenses",
    "total_assets_eoy",
    "total_liabilities_eoy",
    "net_assets_eoy",
    "contributions_paid",
    "disbursements_charitable",
    "fmv_assets_eoy",
    "qualifying_distributions",
    "distributable_amount",
)
COUNTS = ("employees", "volunteers", "voting_members", "independent_voting_members")
INDICATORS = (
    "amended",
    "organization_501c3",
    "material_diversion",
    "conflict_of_interest_policy",
    "whistleblower_policy",
    "document_retention_policy",
    "financial_statements_audited",
)
TEXTS = ("website", "mission")
GOVERNANCE = (
    "voting_members",
    "independent_voting_members",
    "conflict_of_interest_policy",
    "whistleblower_policy",
    "document_retention_policy",
    "financial_statements_audited",
    "material_diversion",
)
# Amounts kept in Filing.figures: they have no column of their own. The totals are
# kept as filed too: the columns add up to them except when a return's own columns
# exceed its total.
FIGURES = (
    "total_revenue",
    "total_expenses",
    "contributions_paid",
    "disbursements_charitable",
    "fmv_assets_eoy",
    "qualifying_distributions",
    "distributable_amount",
)
