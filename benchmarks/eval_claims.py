"""Accuracy of claims and entity linking on the labelled evaluation sets (tests/eval/).

    .venv/bin/python benchmarks/eval_claims.py [--errors]
    .venv/bin/python benchmarks/eval_claims.py --real [DIR] [--split SPLIT] [--errors]

Without --real: the project-written set (claims_*.jsonl) and the paraphrased construction cases
(paraphrased_*.jsonl), scored by firm and status.

--real: real reporting that nobody on the project wrote. Only URLs and labels are in the
repository (tests/eval/real/labels_*.jsonl); the texts live in a local cache DIR (default
~/.cache/policywatch/real-eval/texts, one <id>.txt per report, checked against the labelled
SHA-256). Scored at group level (a subsidiary counts as its parent), status-sensitive, through
the same code as `policywatch claims`. Claims stated only in a headline are out of scope (a
headline never makes a claim) and neither counted as misses nor as false claims.

Prints precision and recall per language for firm claims (firm, status) and for entity linking
(labelled surfaces -> entity keys). Claims are extracted as the pipeline does for a document
classified as being about a pilot programme (``programme_context`` in the set); items outside a
programme context must yield no claims.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from extract.claims import extract_claims  # noqa: E402
from extract.tagging import fold_traditional, get_tagger  # noqa: E402

EVAL_DIR = Path(__file__).resolve().parent.parent / "tests" / "eval"
TARGETS = {"en": (0.95, 0.90), "zh": (0.90, 0.85)}


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def _firm_id(key: str | None, surface: str) -> str:
    if key:
        return key.removeprefix("firm:")
    return f"unlinked:{surface}".lower()


def load(lang: str) -> list[dict]:
    path = EVAL_DIR / f"claims_{lang}.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def evaluate(lang: str) -> tuple[Score, Score]:
    tagger = get_tagger(lang)
    claims_score, link_score = Score(), Score()
    items = load(lang)
    for item, mentions in zip(items, tagger.pipe(i["text"] for i in items), strict=True):
        predicted = set()
        if item.get("programme_context", True):
            predicted = {
                (_firm_id(c.firm, c.firm_surface), c.status) for c in extract_claims(mentions, lang)
            }
        expected = {
            (c["firm"].lower() if c["firm"].startswith("unlinked:") else c["firm"], c["status"])
            for c in item["claims"]
        }
        claims_score.tp += len(predicted & expected)
        for miss in expected - predicted:
            claims_score.fn += 1
            claims_score.errors.append(f"{item['id']} missed {miss}: {item['text'][:110]}")
        for extra in predicted - expected:
            claims_score.fp += 1
            claims_score.errors.append(f"{item['id']} wrong  {extra}: {item['text'][:110]}")
        by_surface = {m.surface: m for m in mentions}
        for ent in item.get("entities", []):
            m = by_surface.get(ent["surface"]) or next(
                (x for x in mentions if ent["surface"] in x.surface or x.surface in ent["surface"]),
                None,
            )
            if ent["entity"].startswith("firm:unlinked:"):
                # a firm outside the alias file: right when found and left unlinked
                if m is not None and m.entity is None and m.label == "ORG":
                    link_score.tp += 1
                else:
                    link_score.fn += 1
                    link_score.errors.append(
                        f"{item['id']} missed {ent['surface']!r} (an unlinked firm)"
                    )
            elif m is None or m.entity is None:
                link_score.fn += 1
                link_score.errors.append(
                    f"{item['id']} unlinked {ent['surface']!r} (want {ent['entity']})"
                )
            elif m.entity == ent["entity"]:
                link_score.tp += 1
            else:
                link_score.fp += 1
                link_score.fn += 1
                link_score.errors.append(
                    f"{item['id']} linked {ent['surface']!r} to {m.entity} (want {ent['entity']})"
                )
    return claims_score, link_score


REAL_DIR = EVAL_DIR / "real"
DEFAULT_CACHE = Path.home() / ".cache" / "policywatch" / "real-eval" / "texts"
REAL_TARGETS = {"en": (0.90, 0.80), "zh": (0.85, 0.70)}
_SUFFIXES = re.compile(
    r"(?:\b(?:co|company|corp|corporation|inc|ltd|limited|llc|plc|ag|se|gmbh|group|holdings?|"
    r"international|china)\b|有限责任公司|股份有限公司|有限公司|股份|集团|公司|（中国）|\(china\)|中国)",
    re.I,
)


def norm(name: str) -> str:
    name = unicodedata.normalize("NFKC", fold_traditional(name or "")).lower()
    name = re.sub(r"['’]s\b", "", name)
    name = _SUFFIXES.sub(" ", name)
    return re.sub(r"[\W_]+", " ", name).strip()


def names_match(a: set[str], b: set[str]) -> bool:
    for x in a:
        for y in b:
            if not x or not y:
                continue
            if x == y:
                return True
            short, long_ = sorted((x, y), key=len)
            cjk = any("\u4e00" <= ch <= "\u9fff" for ch in short)
            if (cjk and len(short) >= 2 and short in long_) or (
                not cjk and len(short) >= 3 and re.search(rf"\b{re.escape(short)}\b", long_)
            ):
                return True
    return False


def _gold_names(c: dict) -> set[str]:
    raw = [c.get("firm", ""), c.get("group", ""), c.get("firm_zh", ""), *c.get("aliases", [])]
    return {norm(n) for n in raw if n}


SPLIT_FILES = ("", "test_", "test2_", "test3_", "test4_", "test5_")
REAL_SPLITS = ("dev", "holdout", "test", "test2", "test3", "test4", "test5", "all")


def _label_strings(item: dict) -> list[str]:
    out = []
    for c in item.get("claims", []):
        out += [c.get("firm", ""), c.get("cue", ""), *c.get("aliases", [])]
    out += [n.get("firm", "") for n in item.get("negatives", [])]
    return [x for x in out if x]


def load_real(cache: Path, split: str) -> tuple[list[dict], int, list[str]]:
    """The labelled reports of ``split`` whose text is in the cache; returns (items, how many
    are missing, ids whose cached text differs from the labelled bytes but holds every labelled
    string — a text collected again from the search corpus, where invisible characters can
    differ)."""
    items, missing, recovered = [], 0, []
    paths = [
        REAL_DIR / f"labels_{prefix}{lang}.jsonl" for prefix in SPLIT_FILES for lang in ("en", "zh")
    ]
    for path in paths:
        if not path.exists():
            continue
        for line in path.read_text("utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            if split != "all" and item.get("split") != split:
                continue
            text_path = cache / f"{item['id']}.txt"
            if not text_path.exists():
                missing += 1
                continue
            data = text_path.read_bytes()
            text = data.decode("utf-8")
            if hashlib.sha256(data).hexdigest() != item["text_sha256"]:
                folded = text.lower()
                if not all(x.lower() in folded for x in _label_strings(item)):
                    missing += 1
                    continue
                recovered.append(item["id"])
            item["text"] = text
            items.append(item)
    return items, missing, recovered


def load_paraphrased() -> list[dict]:
    items = []
    for lang in ("en", "zh"):
        path = EVAL_DIR / f"paraphrased_{lang}.jsonl"
        if path.exists():
            for line in path.read_text("utf-8").splitlines():
                if line.strip():
                    item = json.loads(line)
                    item.setdefault("lang", lang)
                    items.append(item)
    return items


@dataclass
class GroupScore(Score):
    by_construction: dict[str, list[int]] = field(default_factory=dict)  # class -> [found, all]
    programme_right: int = 0
    programme_checked: int = 0


_PROGRAMME_KEYS = {
    "vats_opening": "vats-opening-pilot",
    "wfoe_hospitals": "wfoe-hospitals-pilot",
    "icv_access": "icv-access-pilot",
    "cell_gene_therapy": "cell-gene-therapy-pilot",
    "qflp": "qflp-pilot",
    "qdlp": "qdlp-pilot",
    "cross_border_data": "cross-border-data",
}


def score_items(items: list[dict], errors: bool) -> dict[str, GroupScore]:
    from extract.text_claims import claims_of_text

    scores = {"en": GroupScore(), "zh": GroupScore()}
    for item in items:
        lang = item.get("lang") or ("zh" if item["id"].startswith(("zh", "pzh")) else "en")
        score = scores[lang]
        predicted = claims_of_text(item["text"], lang)
        gold = [c for c in item.get("claims", [])]
        headline = [c for c in gold if c.get("construction") == "headline"]
        gold = [c for c in gold if c.get("construction") != "headline"]
        # one gold entry per (group, status)
        unique: list[dict] = []
        for c in gold:
            if not any(
                u["status"] == c["status"] and names_match(_gold_names(u), _gold_names(c))
                for u in unique
            ):
                unique.append(c)
        matched: set[int] = set()
        false: list[str] = []
        for p in predicted:
            names = {norm(n) for n in (p.firm, p.firm_zh or "", p.group) if n}
            hit = next(
                (
                    i
                    for i, g in enumerate(unique)
                    if g["status"] == p.status and names_match(names, _gold_names(g))
                ),
                None,
            )
            if hit is not None:
                if hit not in matched:
                    matched.add(hit)
                    want = _PROGRAMME_KEYS.get(unique[hit].get("programme", ""))
                    if want:
                        score.programme_checked += 1
                        score.programme_right += int(p.programme_key == want)
                continue
            if any(names_match(names, _gold_names(h)) for h in headline):
                continue
            label = f"{p.group}/{p.status}"
            if label not in false:
                false.append(label)
                score.fp += 1
                score.errors.append(
                    f"{item['id']} wrong  {label} [{p.stage}, cue {p.cue!r}]: {p.evidence[:120]}"
                )
        for i, g in enumerate(unique):
            cls = g.get("construction", "other")
            found_all = score.by_construction.setdefault(cls, [0, 0])
            found_all[1] += 1
            if i in matched:
                score.tp += 1
                found_all[0] += 1
            else:
                score.fn += 1
                score.errors.append(
                    f"{item['id']} missed {g['group']}/{g['status']} ({cls}, cue {g.get('cue')!r})"
                )
    return scores


def report_groups(
    title: str,
    scores: dict[str, GroupScore],
    counts: dict[str, int],
    targets: dict[str, tuple[float, float]] | None,
    errors: bool,
) -> bool:
    print(f"\n{title}")
    print(
        f"{'lang':<5}{'docs':>5}{'tp':>5}{'fp':>5}{'fn':>5}{'precision':>11}{'recall':>8}"
        f"{'programme':>11}  target"
    )
    ok = True
    for lang, score in scores.items():
        target = ""
        if targets:
            p_t, r_t = targets[lang]
            met = score.precision >= p_t and score.recall >= r_t
            ok &= met
            target = f"P>={p_t} R>={r_t} {'met' if met else 'NOT MET'}"
        prog = (
            f"{score.programme_right}/{score.programme_checked}" if score.programme_checked else "-"
        )
        print(
            f"{lang:<5}{counts.get(lang, 0):>5}{score.tp:>5}{score.fp:>5}{score.fn:>5}"
            f"{score.precision:>11.3f}{score.recall:>8.3f}{prog:>11}  {target}"
        )
    classes = sorted({c for s in scores.values() for c in s.by_construction})
    print(
        "recall by construction: "
        + ", ".join(
            f"{c} {sum(s.by_construction.get(c, [0, 0])[0] for s in scores.values())}/"
            f"{sum(s.by_construction.get(c, [0, 0])[1] for s in scores.values())}"
            for c in classes
        )
    )
    if errors:
        for score in scores.values():
            for line in score.errors:
                print(f"      {line}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list every miss and false claim")
    parser.add_argument(
        "--real",
        nargs="?",
        const=str(DEFAULT_CACHE),
        metavar="DIR",
        help=f"score the real-reporting set with texts from DIR (default {DEFAULT_CACHE})",
    )
    parser.add_argument(
        "--split",
        choices=REAL_SPLITS,
        default="all",
        help="dev and holdout: the development set; test to test4: fresh sets, each scored "
        "and then used for development; test5: the fifth fresh set (a representative draw), "
        "never used for tuning",
    )
    args = parser.parse_args()
    if args.real:
        items, missing, recovered = load_real(Path(args.real).expanduser(), args.split)
        if not items:
            print(
                f"No cached texts in {args.real} match the labels: the real set cannot be "
                "scored here (the texts are not in the repository)."
            )
            return 2
        counts = {lang: sum(1 for i in items if i["lang"] == lang) for lang in ("en", "zh")}
        ok = report_groups(
            f"real reporting, split {args.split} ({missing} labelled reports not in the cache"
            + (
                f"; {len(recovered)} cached texts differ from the labelled bytes but hold every "
                f"labelled string: {', '.join(recovered)}"
                if recovered
                else ""
            )
            + ")",
            score_items(items, args.errors),
            counts,
            REAL_TARGETS,
            args.errors,
        )
        return 0 if ok else 1
    paraphrased = load_paraphrased()
    if paraphrased:
        counts = {
            lang: sum(1 for i in paraphrased if i.get("lang") == lang) for lang in ("en", "zh")
        }
        report_groups(
            "paraphrased construction cases (tests/eval/paraphrased_*.jsonl)",
            score_items(paraphrased, args.errors),
            counts,
            None,
            args.errors,
        )
    print("\nproject-written set (tests/eval/claims_*.jsonl)")
    print(
        f"{'lang':<5}{'what':<16}{'items':>6}{'tp':>5}{'fp':>5}{'fn':>5}"
        f"{'precision':>11}{'recall':>8}  target"
    )
    ok = True
    for lang in ("en", "zh"):
        claims_score, link_score = evaluate(lang)
        n = len(load(lang))
        p_target, r_target = TARGETS[lang]
        met = claims_score.precision >= p_target and claims_score.recall >= r_target
        ok &= met
        for name, score, target in (
            (
                "firm claims",
                claims_score,
                f"P>={p_target} R>={r_target} {'met' if met else 'NOT MET'}",
            ),
            ("entity linking", link_score, ""),
        ):
            print(
                f"{lang:<5}{name:<16}{n:>6}{score.tp:>5}{score.fp:>5}{score.fn:>5}"
                f"{score.precision:>11.3f}{score.recall:>8.3f}  {target}"
            )
            if args.errors:
                for line in score.errors:
                    print(f"      {line}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
