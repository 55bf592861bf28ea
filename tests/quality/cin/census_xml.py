"""Building small CIN census XML files from data, for specifying rules by example.

A child is a dict of overrides on a child who passes every child-level rule
(:data:`DEFAULT_CHILD`); ``CINdetails`` is a list of episodes, each overriding
:data:`DEFAULT_EPISODE` and holding its modules as lists: ``Assessments`` (each
with an optional ``Factors`` list), ``CINPlanDates``, ``Section47``,
``ChildProtectionPlans`` (each with an optional ``Reviews`` list of dates) and,
from 2026/27, ``PreProceedingsandFGDM``. ``None`` leaves an element out.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

DEFAULT_HEADER = {
    "Collection": "CIN", "SourceLevel": "L", "LEA": "318", "SoftwareCode": "Kinsight tests",
    "Release": "1", "SerialNo": "001", "DateTime": "2026-04-10T09:00:00",
}
DEFAULT_CHILD = {
    "ChildIdentifiers": {"PersonBirthDate": "2023-06-01", "Sex": "M"},
    "ChildCharacteristics": {"Ethnicity": "WBRI"},
    "Disabilities": ["NONE"],
}
DEFAULT_EPISODE = {
    "CINreferralDate": "2025-06-02", "ReferralSource": "1A", "PrimaryNeedCode": "N1",
    "ReferralNFA": "false",
}
_EPISODE_FIELDS = ("CINreferralDate", "ReferralSource", "PrimaryNeedCode", "CINclosureDate",
                   "ReasonForClosure", "DateOfInitialCPC")
_IDENTIFIERS = ("LAchildID", "UPN", "FormerUPN", "UPNunknown", "PersonBirthDate",
                "ExpectedPersonBirthDate", "GenderCurrent", "Sex", "PersonDeathDate")


def _elements(values: dict, order) -> str:
    return "".join(
        f"<{name}>{escape(str(values[name]))}</{name}>" for name in order
        if values.get(name) is not None
    )


def _assessment(a: dict) -> str:
    fields = _elements(a, ("AssessmentActualStartDate", "AssessmentInternalReviewDate",
                           "AssessmentAuthorisationDate"))
    factors = a.get("Factors")
    if factors is not None:
        fields += ("<FactorsIdentifiedAtAssessment>"
                   + "".join(f"<AssessmentFactors>{escape(str(f))}</AssessmentFactors>" for f in factors)
                   + "</FactorsIdentifiedAtAssessment>")
    return f"<Assessments>{fields}</Assessments>"


def _plan(p: dict) -> str:
    fields = _elements(p, ("CPPstartDate", "CPPendDate", "InitialCategoryOfAbuse",
                           "LatestCategoryOfAbuse", "NumberOfPreviousCPP"))
    reviews = p.get("Reviews")
    if reviews is not None:
        fields += "<Reviews>" + "".join(
            "<CPPreviewDate/>" if r is None else f"<CPPreviewDate>{r}</CPPreviewDate>" for r in reviews
        ) + "</Reviews>"
    return f"<ChildProtectionPlans>{fields}</ChildProtectionPlans>"


def _episode(overrides: dict) -> str:
    e = {**DEFAULT_EPISODE, **overrides}
    parts = [_elements(e, _EPISODE_FIELDS)]
    parts += [_assessment(a) for a in e.get("Assessments", [])]
    parts += ["<CINPlanDates>" + _elements(p, ("CINPlanStartDate", "CINPlanEndDate")) + "</CINPlanDates>"
              for p in e.get("CINPlanDates", [])]
    parts += ["<Section47>" + _elements(s, ("S47ActualStartDate", "InitialCPCtarget", "DateOfInitialCPC",
                                            "ICPCnotRequired")) + "</Section47>"
              for s in e.get("Section47", [])]
    parts.append(_elements(e, ("ReferralNFA",)))
    parts += [_plan(p) for p in e.get("ChildProtectionPlans", [])]
    parts += ["<PreProceedingsandFGDM>" + _elements(p, tuple(p)) + "</PreProceedingsandFGDM>"
              for p in e.get("PreProceedingsandFGDM", [])]
    return "<CINdetails>" + "".join(parts) + "</CINdetails>"


def child_xml(spec: dict | None, position: int) -> str:
    """One ``<Child>``; its LAchildID defaults to ``C<position>``."""
    spec = spec or {}
    identifiers = {"LAchildID": f"C{position}", **DEFAULT_CHILD["ChildIdentifiers"],
                   **spec.get("ChildIdentifiers", {})}
    characteristics = {**DEFAULT_CHILD["ChildCharacteristics"], **spec.get("ChildCharacteristics", {})}
    disabilities = spec.get("Disabilities", DEFAULT_CHILD["Disabilities"])
    disability_xml = "" if disabilities is None else "<Disabilities>" + "".join(
        f"<Disability>{escape(str(d))}</Disability>" for d in disabilities) + "</Disabilities>"
    episodes = spec.get("CINdetails", [{}])
    return (
        "<Child><ChildIdentifiers>" + _elements(identifiers, _IDENTIFIERS) + "</ChildIdentifiers>"
        + "<ChildCharacteristics>" + _elements(characteristics, ("Ethnicity",)) + disability_xml
        + "</ChildCharacteristics>" + "".join(_episode(e or {}) for e in episodes) + "</Child>"
    )


def census_xml(children: list[dict | None], year: int = 2026, header: dict | None = None) -> str:
    """A whole census: Header (ReferenceDate 31 March of ``year``) and the children."""
    values = {**DEFAULT_HEADER, "Year": str(year), "ReferenceDate": f"{year}-03-31", **(header or {})}
    collection = _elements(values, ("Collection", "Year", "ReferenceDate"))
    source = _elements(values, ("SourceLevel", "LEA", "SoftwareCode", "Release", "SerialNo", "DateTime"))
    return (
        '<?xml version="1.0" encoding="UTF-8"?><Message><Header>'
        f"<CollectionDetails>{collection}</CollectionDetails><Source>{source}</Source></Header>"
        "<Children>" + "".join(child_xml(c, i) for i, c in enumerate(children, start=1))
        + "</Children></Message>"
    )


def write_census(folder: Path, children: list[dict | None], year: int = 2026,
                 header: dict | None = None, name: str = "cin.xml") -> Path:
    path = Path(folder) / name
    path.write_text(census_xml(children, year, header), encoding="utf-8")
    return path
