"""A small child index with records that leave some pairs for clerical review.

Built through ``ChildIndex.link`` on hand-made person records (docs/contracts.md §3): 60
children each in a social care register and a school census, plus a few near-duplicates
whose details only partly agree, so the model is unsure and queues them for review.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa

from kinsight.linkage import ChildIndex

FORENAMES = ["Olivia", "Amelia", "Isla", "Noah", "Oliver", "Leo", "Aisha", "Yusuf", "Zofia", "Jakub",
             "Amara", "Kwame", "Ruby", "Harry", "Freya", "Omar", "Maja", "Emeka", "Poppy", "Arjun"]
SURNAMES = ["Smith", "Jones", "Khan", "Patel", "Nowak", "Okafor", "Taylor", "Brown", "Wilson", "Ahmed",
            "Evans", "Mensah", "Walker", "Hughes", "Kowalski", "Begum", "Clarke", "Wright", "Ali", "Green"]


def build_index(folder: Path) -> Path:
    rng = random.Random(7)
    rows = []
    for n in range(60):
        forename, surname = rng.choice(FORENAMES), rng.choice(SURNAMES)
        dob = date(2010, 1, 1) + timedelta(days=rng.randrange(4000))
        postcode = f"MK{rng.randrange(1, 19)} {rng.randrange(1, 9)}{rng.choice('ABDEFGH')}{rng.choice('JLNPQRS')}"
        sex = rng.choice("MF")
        rows.append(dict(source="social_care_persons", record_id=f"C{n:03d}", forename=forename, surname=surname,
                         dob=dob, sex=sex, postcode=postcode))
        # The school spells some names differently and some children have moved.
        school_forename = forename if n % 7 else forename[:-1] + "e"
        school_postcode = postcode if n % 5 else f"MK{rng.randrange(1, 19)} 1AA"
        school_dob = dob if n % 11 else dob.replace(day=min(dob.month, 28), month=min(dob.day, 12))
        rows.append(dict(source="school_census", record_id=f"S{n:03d}", forename=school_forename, surname=surname,
                         dob=school_dob, sex=sex, postcode=school_postcode))
    table = pa.Table.from_pylist(rows)
    path = folder / "index"
    with ChildIndex.open(path) as index:
        index.link(table)
    return path
