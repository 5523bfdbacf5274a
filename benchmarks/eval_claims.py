"""Accuracy of claims and entity linking on the labelled evaluation set (tests/eval/).

    .venv/bin/python benchmarks/eval_claims.py [--errors]

Prints precision and recall per language for firm claims (firm, status) and for entity linking
(labelled surfaces -> entity keys). Claims are extracted as the pipeline does for a document
classified as being about a pilot programme (``programme_context`` in the set); items outside a
programme context must yield no claims.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from extract.claims import extract_claims  # noqa: E402
from extract.tagging import get_tagger  # noqa: E402

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list every miss and false claim")
    args = parser.parse_args()
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
