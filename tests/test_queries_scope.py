"""Queries say what they leave out ("showing N of M") and --entity means whole names: aliases,
Chinese and traditional-character names resolve to one entity (匯豐 = 汇丰 = HSBC)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from storage.db import Database
from storage.models import Entity, EntityAlias, Mention
from storage.sources import ensure_source
from tests.conftest import CLI
from tests.seeding import stored_document


def seed(db_url: str) -> None:
    db = Database(db_url)
    now = datetime(2024, 11, 6, 2, 0, tzinfo=UTC)
    with db.session() as s:
        source = ensure_source(s, "chinadaily")
        hsbc = Entity(key="firm:hsbc", name="HSBC", name_zh="汇丰", kind="company")
        hsbc.aliases.append(EntityAlias(alias="HSBC Holdings", lang="en"))
        tesla = Entity(key="firm:tesla", name="Tesla", name_zh="特斯拉", kind="company")
        s.add_all([hsbc, tesla])
        s.flush()
        fintech = Entity(key="firm:hsbc-fintech", name="HSBC Fintech", kind="company")
        fintech.parent_id = hsbc.id
        s.add(fintech)
        s.flush()
        mentions = [
            (hsbc.id, "HSBC"),
            (hsbc.id, "匯豐"),
            (fintech.id, "HSBC's fintech unit"),
            (tesla.id, "Tesla"),
            (None, "Teslagrad Games"),
            (None, "Unity"),
        ]
        for i, (entity_id, surface) in enumerate(mentions):
            url = f"https://www.chinadaily.com.cn/a/202411/06/WS{i:024x}.html"
            doc = stored_document(
                s, source.id, url, title=f"Doc {i}", published_at=now, text=surface, at=now
            )
            s.add(
                Mention(
                    document_id=doc.id,
                    document_version=1,
                    entity_id=entity_id,
                    surface=surface,
                    label="ORG",
                    kind="company",
                    start_char=0,
                    end_char=len(surface),
                    sentence=f"{surface} applied.",
                    tagger_version="t",
                )
            )
    db.dispose()


def surfaces(cli: CLI, *args: str) -> set[str]:
    out = cli("mentions", "--format", "json", *args).stdout
    return {row["surface"] for row in json.loads(out)}


def test_entity_resolves_aliases_and_traditional_names(db_url: str, cli: CLI) -> None:
    seed(db_url)
    hsbc = {"HSBC", "匯豐", "HSBC's fintech unit"}
    for name in ("HSBC", "hsbc", "汇丰", "匯豐", "HSBC Holdings", "firm:hsbc"):
        assert surfaces(cli, "--entity", name) == hsbc, name
    assert surfaces(cli, "--entity", "HSBC Fintech") == {"HSBC's fintech unit"}


def test_entity_matches_whole_names_not_substrings(db_url: str, cli: CLI) -> None:
    seed(db_url)
    assert surfaces(cli, "--entity", "Tesla") == {"Tesla"}  # not "Teslagrad Games"
    assert surfaces(cli, "--entity", "Tes") == set()
    assert surfaces(cli, "--entity", "SBC") == set()
    assert surfaces(cli, "--entity", "unity") == {"Unity"}  # unlinked: the whole surface


def test_capped_queries_say_what_they_leave_out(db_url: str, cli: CLI) -> None:
    seed(db_url)
    result = cli("mentions", "--limit", "2")
    assert "showing 2 of 6; use --limit 6" in result.stderr
    result = cli("mentions", "--limit", "2", "--format", "json")
    assert len(json.loads(result.stdout)) == 2 and "showing 2 of 6" in result.stderr
    result = cli("documents", "--limit", "4")
    assert "showing 4 of 6" in result.stderr
    assert "showing" not in cli("documents").stderr
    assert "showing" not in cli("mentions", "--limit", "6").stderr
