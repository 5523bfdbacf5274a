"""How many labelled claimant firms the tagger offers as candidates at all: the share of gold firm
groups (per report) that some ORG mention of the report matches, by the claims evaluation's own
name matching (surface or linked entity key). Recall of any claim decision built on the tagged
mentions is bounded by it (list rules that read untagged names can exceed it).

    .venv/bin/python benchmarks/eval_candidates.py [--real DIR] SPLIT [SPLIT ...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import eval_claims as ev  # noqa: E402

from extract.tagging import TaggedMention, get_tagger  # noqa: E402


def _names(mention: TaggedMention) -> set[str]:
    """The names a mention offers: its surface and, when linked, its entity key's words."""
    out = {ev.norm(mention.surface)}
    if mention.entity:
        out.add(ev.norm(mention.entity.split(":", 1)[1].replace("-", " ")))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("splits", nargs="+", choices=ev.REAL_SPLITS)
    parser.add_argument("--real", default=str(ev.DEFAULT_CACHE), help="the texts' cache folder")
    args = parser.parse_args()
    for split in args.splits:
        items, missing, _recovered = ev.load_real(Path(args.real).expanduser(), split)
        print(f"split {split}: {len(items)} reports in the cache, {missing} labelled ones not")
        for lang in ("en", "zh"):
            docs = [i for i in items if i["lang"] == lang]
            gold = found = 0
            tagged = get_tagger(lang).pipe(i["text"] for i in docs)
            for item, mentions in zip(docs, tagged, strict=True):
                names = [_names(m) for m in mentions if m.label == "ORG"]
                groups: dict[str, set[str]] = {}
                for c in item["claims"]:
                    groups.setdefault(ev.norm(c.get("group") or c["firm"]), set()).update(
                        ev._gold_names(c)
                    )
                gold += len(groups)
                found += sum(any(ev.names_match(g, n) for n in names) for g in groups.values())
            share = found / gold if gold else 0.0
            print(
                f"{split} {lang}: {len(docs)} reports, gold firm groups {gold}, offered as an ORG "
                f"mention {found} ({share:.2f})"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
