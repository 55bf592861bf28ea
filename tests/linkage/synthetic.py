"""A small synthetic local authority for linkage tests and benchmarks, with its truth.

Children live in households (siblings share surname and postcode; about 3% are twins,
the hard negatives), appear in several services' records, and each record carries the
faults real records carry: short forms, transliterations, typos, double-barrelled
surnames, forename/surname swaps, day/month swaps, moves, missing and mistyped
identifiers. Every name here is invented or very common; no real person is described.
The linkage tests and benchmarks use it; the project's whole synthetic LA (``kinsight synth``)
is linked in test_synthetic_la.py.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

import pyarrow as pa

from kinsight.linkage.standardise import forename_variants

# Forenames by name origin: (girls, boys). Variants appear via the corruptions below.
FORENAMES = {
    "english": (
        "Olivia Amelia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Freya Evie Florence Poppy Ella "
        "Charlotte Elizabeth Emily Harriet Jessica Katherine Margaret Rebecca Victoria Eleanor Matilda "
        "Phoebe Daisy Ruby Esme Sienna Willow Maisie Erin Holly Megan Chloe Lauren Abigail",
        "Oliver George Noah Arthur Leo Harry Oscar Archie Henry Theodore Freddie Jack Charlie Thomas "
        "Alfie William James Samuel Joseph Edward Benjamin Alexander Daniel Matthew Nicholas Robert "
        "Joshua Jacob Reuben Finley Harrison Louis Tyler Kai Riley Callum Connor Dylan Ethan Lewis",
    ),
    "south_asian": (
        "Aisha Fatima Zainab Maryam Khadija Amina Yasmin Zara Ayesha Hafsa Safiya Inaya Anaya Aleena "
        "Sana Noor Alisha Simran Priya Anika Riya Jasleen Harleen Navneet Sabrina Sumaiya Tasnim",
        "Mohammed Ahmed Ali Yusuf Ibrahim Hamza Omar Hussein Abdullah Rayyan Ayaan Zayn Ismail Bilal "
        "Arjun Rohan Aarav Harjit Gurpreet Imran Tariq Faisal Usman Hassan Idris Sami Rehan Zakariya",
    ),
    "african": (
        "Amara Chioma Adaeze Ngozi Folake Zainab Abena Ama Esi Nia Imani Makena Ayodele Temitope "
        "Oluwaseun Precious Blessing Favour Grace Mercy Deborah Ruth Comfort Adwoa Efua Kemi",
        "Chinedu Emeka Oluwatobi Tunde Kwame Kofi Yaw Kwabena Daniel David Samuel Joseph Emmanuel "
        "Michael Obinna Ikechukwu Babatunde Ayomide Jayden Malachi Elijah Isaiah Nathaniel Caleb",
    ),
    "eastern_european": (
        "Zuzanna Julia Maja Zofia Hanna Lena Alicja Natalia Oliwia Wiktoria Amelia Aleksandra "
        "Anastasia Ekaterina Daria Milena Ioana Andreea Elena Gabriela Patrycja Weronika Karolina",
        "Jakub Antoni Jan Szymon Filip Kacper Aleksander Mikolaj Wojciech Piotr Michal Mateusz "
        "Dawid Ivan Dmitri Andrei Stefan Luca Matei Bogdan Marius Tomasz Krzysztof Lukas",
    ),
}

SURNAMES = {
    "english": (
        "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson "
        "Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson "
        "Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen "
        "James Scott Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell Kelly Cook "
        "Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan Marshall Anderson "
        "Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Ali "
        "Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell "
        "Barker Fisher Stevens Jenkins Murray Dixon Harvey Graham Pearson Ahmed Fletcher Walsh Kaur "
        "Gibson Howard Andrews Stewart Elliott Reynolds Saunders Payne Fox Ford Pearce Day Brooks "
        "West Lawrence Cole Atkinson Bradley Spencer Gill Dawson Ball Burton O'Brien Watts Rose "
        "Booth Perry Ryan Grant Wells Armstrong Francis Rees Hayes Hart Hudson Newman Barrett Webster "
        "Hunter Gregory Carr Lowe Page Marsh Riley Dunn Woods Parsons Berry Stone Reid Holland "
        "Hawkins Harding Porter Robertson Newton Oliver Reed Kennedy Williamson Bird Gardner Shah "
        "Dodd Quinn Kemp Lucas Cole Sutton Fuller Mann Doyle McDonald Connolly Gallagher Doherty"
    ),
    "south_asian": (
        "Khan Ahmed Hussain Ali Begum Shah Patel Singh Kaur Akhtar Iqbal Mahmood Rahman Islam "
        "Uddin Chowdhury Miah Hossain Bibi Aziz Rashid Malik Butt Mirza Sharma Gupta Kumar Mistry "
        "Parmar Chauhan Sandhu Gill Sidhu Dhillon Bains Qureshi Siddiqui Anwar Javed Saleem Yousaf"
    ),
    "african": (
        "Okafor Okeke Adeyemi Mensah Owusu Boateng Asante Osei Adebayo Ogunleye Nwosu Eze Ibrahim "
        "Abdi Mohamed Hassan Yusuf Tesfaye Mwangi Kamau Otieno Banda Phiri Nkosi Dlamini Okoro Afolabi"
    ),
    "eastern_european": (
        "Nowak Kowalski Wisniewski Wojcik Kowalczyk Kaminski Lewandowski Zielinski Szymanski Wozniak "
        "Dabrowski Kozlowski Popescu Ionescu Popa Dumitru Stan Ivanov Petrov Smirnov Horvath Balogh "
        "Kovac Novak Jankowski Mazur Krawczyk Grabowski Pawlowski Michalski"
    ),
}

# Ethnicity (DfE code) → name origin and share of children. GRT and "not recorded" included.
ETHNICITIES = [
    ("WBRI", "english", 0.55), ("WIRI", "english", 0.02), ("WIRT", "english", 0.02),
    ("WROM", "eastern_european", 0.02), ("WOTH", "eastern_european", 0.07),
    ("APKN", "south_asian", 0.06), ("ABAN", "south_asian", 0.04), ("AIND", "south_asian", 0.04),
    ("BAFR", "african", 0.06), ("BCRB", "english", 0.02), ("MWBC", "english", 0.03),
    ("NOBT", "english", 0.07),
]

SHORT_FORMS = {
    "Oliver": "Ollie", "Alfie": "Alfred", "William": "Will", "James": "Jamie", "Samuel": "Sam",
    "Joseph": "Joe", "Edward": "Ted", "Benjamin": "Ben", "Alexander": "Alex", "Daniel": "Danny",
    "Matthew": "Matt", "Nicholas": "Nick", "Robert": "Bobby", "Joshua": "Josh", "Thomas": "Tom",
    "Harry": "Henry", "Charlie": "Charles", "Elizabeth": "Libby", "Katherine": "Katie",
    "Rebecca": "Becky", "Victoria": "Vicky", "Eleanor": "Ellie", "Isabella": "Bella",
    "Jessica": "Jess", "Margaret": "Maggie", "Mohammed": "Muhammad", "Ahmed": "Ahmad",
    "Yusuf": "Yousuf", "Hussein": "Hussain", "Aisha": "Ayesha", "Fatima": "Fatimah",
    "Omar": "Umar", "Ibrahim": "Ebrahim", "Amina": "Aminah", "Zainab": "Zaynab", "Khadija": "Khadijah",
    "Aleksander": "Alexander", "Aleksandra": "Alexandra", "Jakub": "Jacob", "Michal": "Michael",
    "Ekaterina": "Katherine", "Natalia": "Natalie", "Ivan": "John", "Sophia": "Sophie",
}

# Services: (name, share of children present, records per child, NHS share, UPN share, has ethnicity)
SERVICES = [
    ("social_care_persons", 0.35, 1, 0.70, 0.40, True),
    ("health_visiting", 0.45, 1, 0.97, 0.00, False),
    ("school_census", 0.70, 2, 0.05, 0.98, True),
    ("youth_services", 0.20, 1, 0.00, 0.00, False),
    ("homelessness", 0.10, 1, 0.10, 0.00, False),
    ("youth_justice", 0.05, 1, 0.50, 0.60, True),
]

UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


@dataclass
class SyntheticLA:
    """Person records (contract §3 shape) and the truth: record → child, child → attributes."""

    records: pa.Table
    truth: pa.Table  # source, record_id, child_id
    children: pa.Table  # child_id, ethnicity, sex, twin_of, household_id


def nhs_number(serial: int) -> str | None:
    """The valid NHS number in the 999 test range for ``serial`` (None if its check is 10)."""
    body = [9, 9, 9] + [int(c) for c in f"{serial:06d}"]
    check = 11 - sum(d * w for d, w in zip(body, range(10, 1, -1))) % 11
    check = 0 if check == 11 else check
    return None if check == 10 else "".join(map(str, body + [check]))


def upn(serial: int, la: str = "999") -> str:
    """A UPN with a correct check letter, unique per ``serial``."""
    body = la + f"{serial:09d}"
    return UPN_LETTERS[sum(int(c) * w for c, w in zip(body, range(2, 14))) % 23] + body


def _postcode(rng: random.Random) -> str:
    district = rng.choice(["LS1", "LS2", "LS6", "LS7", "LS8", "LS9", "LS11", "LS12", "LS14", "BD3"])
    return f"{district} {rng.randrange(1, 10)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"


def _canonical(name: str) -> str:
    return forename_variants().get(name.lower(), name.lower())


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.random()
    if kind < 0.4:
        return text[:i] + text[i + 1:]
    if kind < 0.7:
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    return text[:i] + rng.choice("aeiourstnl") + text[i + 1:]


def generate(children: int = 2000, *, seed: int = 7, error_rate: float = 1.0) -> SyntheticLA:
    """A synthetic LA of about ``children`` children and their service records."""
    rng = random.Random(seed)
    codes, weights = [e[0] for e in ETHNICITIES], [e[2] for e in ETHNICITIES]
    origin_of = {e[0]: e[1] for e in ETHNICITIES}
    kids = []
    household = 0
    # Unique identifiers: serials drawn without replacement (11/10 as some NHS serials fail).
    nhs_serials = iter(rng.sample(range(1_000_000), min(1_000_000, children * 11 // 10 + 100)))
    upn_serials = iter(rng.sample(range(1_000_000_000), children + 100))
    while len(kids) < children:
        household += 1
        ethnicity = rng.choices(codes, weights)[0]
        origin = origin_of[ethnicity]
        surname = rng.choice(SURNAMES[origin].split())
        if rng.random() < 0.05:
            surname = f"{surname}-{rng.choice(SURNAMES['english'].split())}"
        postcode = _postcode(rng)
        address = f"{rng.randrange(1, 200)} {rng.choice(['High', 'Church', 'Mill', 'Park', 'Victoria', 'Station'])} {rng.choice(['Street', 'Road', 'Lane', 'Avenue'])}"
        mobile = rng.random() < (0.3 if ethnicity in ("WIRT", "WROM") else 0.03)
        base = date(2008, 1, 1) + timedelta(days=rng.randrange(0, 18 * 365))
        n_kids = rng.choice([1, 1, 2, 2, 3])
        # Parents do not give two of their children the same name, nor Harry and Henry.
        given: set[str] = set()
        for k in range(n_kids):
            twins = rng.random() < 0.03
            dob = base + timedelta(days=k * rng.randrange(400, 1200))
            for t in range(2 if twins else 1):
                sex = rng.choice("MF")
                pool = [n for n in FORENAMES[origin][0 if sex == "F" else 1].split()
                        if _canonical(n) not in given]
                number = None
                while number is None:
                    number = nhs_number(next(nhs_serials))
                kids.append(dict(
                    child_id=f"C{len(kids) + 1:07d}", household_id=f"H{household:06d}", ethnicity=ethnicity,
                    origin=origin, sex=sex, forename=rng.choice(pool),
                    middle=rng.choice(pool) if rng.random() < 0.4 else None, surname=surname, dob=dob,
                    postcode=postcode, address=address, mobile=mobile, nhs=number, upn=upn(next(upn_serials)),
                    twin_of=kids[-1]["child_id"] if t == 1 else None,
                ))
                given.add(_canonical(kids[-1]["forename"]))
    kids = kids[:children]
    rows, truth = [], []
    e = error_rate
    for kid in kids:
        for service, share, per_child, nhs_share, upn_share, has_ethnicity in SERVICES:
            if rng.random() > share:
                continue
            for _ in range(rng.randint(1, per_child)):
                record_id = f"{service[:2].upper()}{len(rows) + 1:08d}"
                forename, surname, dob = kid["forename"], kid["surname"], kid["dob"]
                postcode, sex = kid["postcode"], kid["sex"]
                r = rng.random
                if r() < 0.08 * e and forename in SHORT_FORMS:
                    forename = SHORT_FORMS[forename]
                if r() < 0.03 * e:
                    forename = _typo(rng, forename)
                if r() < 0.03 * e:
                    surname = _typo(rng, surname)
                if r() < 0.01 * e and "-" in surname:
                    surname = surname.split("-")[rng.randrange(2)]
                if r() < 0.005 * e:
                    forename, surname = surname, forename
                if r() < 0.01 * e and dob.day <= 12:
                    dob = date(dob.year, dob.day, dob.month)
                elif r() < 0.015 * e:
                    dob = dob + timedelta(days=rng.choice([-1, 1, 10, -10, 365]))
                if r() < (0.6 if kid["mobile"] else 0.1) * e:
                    postcode = _postcode(rng)
                if r() < 0.05 * e:
                    postcode = None
                if r() < 0.005 * e:
                    sex = "M" if sex == "F" else "F"
                nhs = kid["nhs"] if r() < nhs_share else None
                if nhs and r() < 0.01 * e:
                    nhs = nhs[:4] + nhs[5] + nhs[4] + nhs[6:]
                pupil = kid["upn"] if r() < upn_share else None
                rows.append(dict(
                    source=service, record_id=record_id, nhs_number=nhs, upn=pupil, uln=None,
                    forename=forename.upper() if r() < 0.2 else forename,
                    middle_names=kid["middle"] if r() < 0.5 else None, surname=surname, dob=dob,
                    sex=sex if r() > 0.02 else None, postcode=postcode,
                    address=kid["address"] if postcode == kid["postcode"] and r() < 0.5 else None,
                    other_id=None, ethnicity=kid["ethnicity"] if has_ethnicity else None,
                ))
                truth.append(dict(source=service, record_id=record_id, child_id=kid["child_id"]))
    records = pa.Table.from_pylist(rows, schema=pa.schema(
        [(name, pa.date32() if name == "dob" else pa.string()) for name in rows[0]]
    ))
    children_table = pa.Table.from_pylist([
        {k: kid[k] for k in ("child_id", "household_id", "ethnicity", "sex", "twin_of")} for kid in kids
    ])
    return SyntheticLA(records, pa.Table.from_pylist(truth), children_table)
