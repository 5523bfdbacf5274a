"""Known entities: firms (firms.toml), government and media (orgs.toml), and China's provincial-
and prefecture-level divisions (cn_divisions.tsv, generated from package data by
scripts/build_divisions.py). One canonical record per entity, aliases per language.
"""

from __future__ import annotations

import csv
import hashlib
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
# English names shared by two prefecture-level cities (Suzhou 苏州/宿州, Fuzhou 福州/抚州 ...):
# the English form links to the better-known city, whose adcode is listed here.
PREFERRED_AMBIGUOUS = {
    "Fuzhou": "350100",
    "Suzhou": "320500",
    "Taizhou": "321200",
    "Yichun": "230700",
    "Yulin": "450900",
}


@dataclass
class EntityRecord:
    key: str
    name: str
    kind: str  # company | government | media | province | city
    name_zh: str | None = None
    parent_key: str | None = None
    aliases: list[tuple[str, str]] = field(default_factory=list)  # (alias, lang)
    # subsidiary named through its parent: "<parent>'s fintech subsidiary" (lang, words)
    descriptors: list[tuple[str, str]] = field(default_factory=list)

    def names(self, lang: str) -> list[str]:
        base = [self.name] if lang == "en" else ([self.name_zh] if self.name_zh else [])
        names = base + [a for a, lng in self.aliases if lng == lang]
        if lang == "zh" and self.kind == "company":
            # Chinese reports often keep a foreign firm's Latin name (Unity, HSBC)
            names += [n for n in self.names("en") if n.isascii() and len(n) >= 3]
        return list(dict.fromkeys(names))


@dataclass
class Gazetteer:
    entities: dict[str, EntityRecord]
    fingerprint: str

    def by_alias(self, lang: str) -> dict[str, str]:
        """alias -> entity key. Provinces win over same-named cities (Jilin, Hainan)."""
        order = {"city": 0, "province": 1, "media": 2, "government": 2, "company": 3}
        table: dict[str, str] = {}
        for record in sorted(self.entities.values(), key=lambda r: order.get(r.kind, 9)):
            for name in record.names(lang):
                table[name] = record.key
        return table


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split("|") if v.strip()]


def _load_divisions(path: Path) -> list[EntityRecord]:
    records: list[EntityRecord] = []
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    names = [r["name_en"] for r in rows if r["level"] == "city"]
    for row in rows:
        level = row["level"]
        key = f"{level}:{row['adcode']}"
        aliases = [(a, "en") for a in _split(row["aliases_en"])]
        aliases += [(a, "zh") for a in [row["short_zh"], *_split(row["aliases_zh"])] if a]
        name_en = row["name_en"]
        if (
            level == "city"
            and names.count(name_en) > 1
            and PREFERRED_AMBIGUOUS.get(name_en) != row["adcode"]
        ):
            # ambiguous English name: keep the Chinese forms, use "Name (Province)" in English
            name_en = f"{name_en} ({row['name_zh']})"
            aliases = [(a, lng) for a, lng in aliases if lng == "zh"]
        records.append(
            EntityRecord(
                key=key,
                name=name_en,
                kind=level,
                name_zh=row["name_zh"],
                parent_key=f"province:{row['parent_adcode']}" if row["parent_adcode"] else None,
                aliases=aliases,
            )
        )
    return records


def _load_toml(path: Path, table: str, kind: str | None) -> list[EntityRecord]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    records = []
    for entry in data.get(table, []):
        key = entry["key"] if ":" in entry["key"] else f"firm:{entry['key']}"
        parent = entry.get("parent")
        records.append(
            EntityRecord(
                key=key,
                name=entry["name"],
                kind=kind or entry["kind"],
                name_zh=entry.get("zh"),
                parent_key=f"firm:{parent}" if parent else None,
                aliases=[(a, "en") for a in entry.get("aliases_en", [])]
                + [(a, "zh") for a in entry.get("aliases_zh", [])],
                descriptors=[("en", d) for d in entry.get("descriptors_en", [])]
                + [("zh", d) for d in entry.get("descriptors_zh", [])],
            )
        )
    return records


@lru_cache(maxsize=4)
def load_gazetteer(data_dir: Path = DATA_DIR) -> Gazetteer:
    files = [data_dir / "firms.toml", data_dir / "orgs.toml", data_dir / "cn_divisions.tsv"]
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.read_bytes())
    records = (
        _load_toml(files[0], "firm", "company")
        + _load_toml(files[1], "org", None)
        + _load_divisions(files[2])
    )
    entities: dict[str, EntityRecord] = {}
    for record in records:
        if record.key in entities:
            raise ValueError(f"duplicate entity key {record.key} in {data_dir}")
        entities[record.key] = record
    return Gazetteer(entities, digest.hexdigest()[:10])
