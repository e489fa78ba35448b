"""Writes for places: loading the reference data shipped in hoviat/places/data/."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from django.db import models, transaction

from hoviat.core.text import fold_digits, normalize_text
from hoviat.places.models import City, County, NationalCodePrefix, Province

DATA_DIR = Path(__file__).resolve().parent / "data"
CENSUS_1395_TOTAL = 79_926_270
PROVINCE_COUNT = 31


class PlacesDataError(ValueError):
    """The shipped data files contradict themselves; nothing is written."""


@dataclass
class _Tally:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return [
            {key: (value or "").strip() for key, value in row.items()}
            for row in csv.DictReader(handle)
        ]


def _read_data() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The three files, normalised and checked against each other before anything is written."""
    provinces: list[dict[str, Any]] = [
        {
            "code": row["code"].upper(),
            "name_fa": normalize_text(row["name_fa"]),
            "name_en": row["name_en"],
            "population_1395": int(fold_digits(row["population_1395"])),
        }
        for row in _rows("provinces.csv")
    ]
    counties: list[dict[str, Any]] = [
        {
            "province": row["province"].upper(),
            "name_fa": normalize_text(row["name_fa"]),
            "name_en": row["name_en"],
            "prefixes": [fold_digits(p) for p in row["prefixes"].split()],
        }
        for row in _rows("counties.csv")
    ]
    cities: list[dict[str, Any]] = [
        {
            "province": row["province"].upper(),
            "county_en": row["county_en"],
            "name_fa": normalize_text(row["name_fa"]),
            "name_en": row["name_en"],
            "is_provincial_capital": row["is_provincial_capital"] == "1",
        }
        for row in _rows("cities.csv")
    ]

    codes = [p["code"] for p in provinces]
    if len(set(codes)) != PROVINCE_COUNT or len(codes) != PROVINCE_COUNT:
        raise PlacesDataError(f"provinces.csv must list {PROVINCE_COUNT} distinct provinces")
    total = sum(p["population_1395"] for p in provinces)
    if total != CENSUS_1395_TOTAL:
        raise PlacesDataError(f"1395 populations add up to {total}, not {CENSUS_1395_TOTAL}")

    county_keys = Counter((c["province"], c["name_en"]) for c in counties)
    if twice := [key for key, n in county_keys.items() if n > 1]:
        raise PlacesDataError(f"counties listed twice: {twice}")
    if strays := {c["province"] for c in counties} - set(codes):
        raise PlacesDataError(f"counties in unknown provinces: {sorted(strays)}")
    prefixes = Counter(p for c in counties for p in c["prefixes"])
    if bad := [p for p in prefixes if len(p) != 3 or not p.isdigit()]:
        raise PlacesDataError(f"prefixes must be three digits: {bad}")
    if twice := [p for p, n in prefixes.items() if n > 1]:
        raise PlacesDataError(f"prefixes given to two counties: {twice}")

    if lost := [
        (c["province"], c["county_en"])
        for c in cities
        if (c["province"], c["county_en"]) not in county_keys
    ]:
        raise PlacesDataError(f"cities in unknown counties: {lost}")
    capitals = Counter(c["province"] for c in cities if c["is_provincial_capital"])
    if wrong := [code for code in codes if capitals[code] != 1]:
        raise PlacesDataError(f"provinces without exactly one capital: {wrong}")
    return provinces, counties, cities


def _sync(obj: models.Model, values: dict[str, Any]) -> bool:
    """Save only the fields that differ, so a second load is read-only."""
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    if changed:
        obj.save(update_fields=changed)
    return bool(changed)


def _upsert(model, existing: dict, key, lookup: dict, values: dict, kind: str, tally: _Tally):
    obj = existing.get(key)
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        existing[key] = obj
        tally.created[kind] += 1
    elif _sync(obj, values):
        tally.updated[kind] += 1
    return obj


def places_load(*, stdout: TextIO | None = None) -> dict[str, Any]:
    """Load or update provinces, counties, national-code prefixes and cities from the data files.

    Idempotent: rows are matched on province code, (province, English county name), prefix and
    (county, English city name), and only differing fields are written. Nothing is deleted.
    """
    provinces, counties, cities = _read_data()
    tally = _Tally()
    with transaction.atomic():
        province_by_code = {p.code: p for p in Province.objects.all()}
        for row in provinces:
            _upsert(
                Province,
                province_by_code,
                row["code"],
                {"code": row["code"]},
                {k: row[k] for k in ("name_fa", "name_en", "population_1395")},
                "provinces",
                tally,
            )

        county_by_key = {(c.province_id, c.name_en): c for c in County.objects.all()}
        prefix_by_code = {p.prefix: p for p in NationalCodePrefix.objects.all()}
        county_by_name: dict[tuple[str, str], County] = {}
        for row in counties:
            province = province_by_code[row["province"]]
            county = _upsert(
                County,
                county_by_key,
                (province.pk, row["name_en"]),
                {"province": province, "name_en": row["name_en"]},
                {"name_fa": row["name_fa"]},
                "counties",
                tally,
            )
            county_by_name[(row["province"], row["name_en"])] = county
            for prefix in row["prefixes"]:
                _upsert(
                    NationalCodePrefix,
                    prefix_by_code,
                    prefix,
                    {"prefix": prefix},
                    {"county_id": county.pk},
                    "prefixes",
                    tally,
                )

        city_by_key = {(c.county_id, c.name_en): c for c in City.objects.all()}
        for row in cities:
            county = county_by_name[(row["province"], row["county_en"])]
            _upsert(
                City,
                city_by_key,
                (county.pk, row["name_en"]),
                {"county": county, "name_en": row["name_en"]},
                {
                    "province_id": county.province_id,
                    "name_fa": row["name_fa"],
                    "is_provincial_capital": row["is_provincial_capital"],
                },
                "cities",
                tally,
            )

    result = {
        "provinces": len(provinces),
        "counties": len(counties),
        "prefixes": sum(len(row["prefixes"]) for row in counties),
        "cities": len(cities),
        "created": sum(tally.created.values()),
        "updated": sum(tally.updated.values()),
    }
    if stdout is not None:
        stdout.write(
            f"{result['provinces']} provinces, {result['counties']} counties, "
            f"{result['prefixes']} national-code prefixes, {result['cities']} cities "
            f"({result['created']} created, {result['updated']} updated)\n"
        )
    return result
