"""Deliberate DfE data-quality faults in the returns, each recorded with the rule it breaks.

Only simple, unambiguous faults are injected (an invalid code, a date in the wrong
format), so each triggers exactly the named DfE validation rule (codes as in the
sector's open validators, data-to-insight/csc-validator-be-903 and -cin).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from lxml import etree

#: 903 faults: (file, field, bad value, fault, DfE rule code).
FAULTS_903 = (
    ("header.csv", "SEX", "X", "invalid sex code", "101"),
    ("header.csv", "DOB", "2011-13-45", "date of birth not a valid date", "102"),
    ("header.csv", "ETHNIC", "WBRX", "invalid ethnicity code", "103"),
    ("episodes.csv", "RNE", "Q", "invalid reason for new episode", "143"),
    ("episodes.csv", "LS", "C9", "invalid legal status", "144"),
    ("episodes.csv", "CIN", "N11", "invalid category of need", "145"),
    ("episodes.csv", "PLACE", "Q9", "invalid placement type", "146"),
)
#: CIN census faults: (element, bad value, fault, DfE rule code).
FAULTS_CIN = (
    ("Ethnicity", "XXXX", "invalid ethnicity code", "4220"),
    ("ReferralSource", "11Z", "invalid referral source", "8866"),
    ("PrimaryNeedCode", "N11", "invalid primary need code", "8650"),
)


def inject_faults(rng: np.random.Generator, tables: dict[str, pd.DataFrame], rate: float,
                  folder: str) -> list[dict]:
    """Corrupt about ``rate`` of the rows of each faulted 903 field, in place; return the log."""
    log = []
    for file, field, bad, fault, rule in FAULTS_903:
        table = tables[file]
        rows = np.flatnonzero(rng.random(len(table)) < rate / len(FAULTS_903) * 3)
        for row in rows:
            table.iat[row, table.columns.get_loc(field)] = bad
            log.append({"source": "ssda903", "file": f"{folder}/{file}", "table": file[:-4],
                        "row_number": row + 1, "record_id": table["CHILD"].iat[row], "field": field,
                        "fault": fault, "rule_code": rule})
    return log


def inject_cin_faults(rng: np.random.Generator, xml: bytes, rate: float, file: str) -> tuple[bytes, list[dict]]:
    """Corrupt about ``rate`` of the coded elements of a CIN census; return it and the log."""
    if rate <= 0:
        return xml, []
    root = etree.fromstring(xml)
    log = []
    for tag, bad, fault, rule in FAULTS_CIN:
        elements = root.findall(f".//{tag}")
        for i in np.flatnonzero(rng.random(len(elements)) < rate / len(FAULTS_CIN) * 3):
            element = elements[i]
            element.text = bad
            child = next(a for a in element.iterancestors() if a.tag == "Child")
            # As the validators number CIN rows: the child's 1-based position in the file.
            log.append({"source": "cin_census", "file": file, "table": element.getparent().tag,
                        "row_number": child.getparent().index(child) + 1,
                        "record_id": child.findtext("ChildIdentifiers/LAchildID"),
                        "field": tag, "fault": fault, "rule_code": rule})
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True), log
