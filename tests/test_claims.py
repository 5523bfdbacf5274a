"""Claims (who applied / was approved) and pilot classification, offline."""

from __future__ import annotations

import pytest

from extract.claims import extract_claims, extract_counts
from extract.programmes import classify
from extract.tagging import get_tagger


def claims_of(text: str, lang: str = "en") -> set[tuple[str | None, str]]:
    return {(c.firm, c.status) for c in extract_claims(get_tagger(lang).tag(text), lang)}


def test_coordinated_list_and_subsidiaries_through_parents() -> None:
    text = (
        "Tesla was among the first foreign companies to submit an application, along with "
        "other firms such as Trafigura, Siemens' healthcare unit, HSBC's fintech subsidiary, "
        "and Unity, China Daily reported."
    )
    assert claims_of(text) == {
        ("firm:tesla", "applied"),
        ("firm:trafigura", "applied"),
        ("firm:siemens-healthineers", "applied"),
        ("firm:hsbc-fintech", "applied"),
        ("firm:unity", "applied"),
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Airbus and Deutsche Telekom were granted licences on Monday.",
            {("firm:airbus", "approved"), ("firm:deutsche-telekom", "approved")},
        ),
        (
            "HSBC filed applications in April and received approval in July.",
            {("firm:hsbc", "applied"), ("firm:hsbc", "approved")},
        ),
        (
            "Siemens began operating its data centre in Beijing in November.",
            {("firm:siemens", "operating")},
        ),
        ("Unity withdrew its application for a CDN licence.", {("firm:unity", "withdrawn")}),
        ("Tesla plans to apply for an ISP licence next year.", set()),
        ("Apple said it has not applied under the pilot.", set()),
        ("Will Microsoft seek approval under the pilot?", set()),
        ("If approved, Tesla would store vehicle data in Shanghai.", set()),
        ("The MIIT approved the applications, Xinhua reported.", set()),
        ("Thirteen foreign-invested firms were approved in the first batch.", set()),
        (
            "The first batch includes Airbus, Siemens, Deutsche Telekom and HSBC.",
            {
                ("firm:airbus", "approved"),
                ("firm:siemens", "approved"),
                ("firm:deutsche-telekom", "approved"),
                ("firm:hsbc", "approved"),
            },
        ),
        (
            "The first batch of applications came from Tesla and Unity.",
            {("firm:tesla", "applied"), ("firm:unity", "applied")},
        ),
    ],
)
def test_english_reporting_verbs(text: str, expected: set) -> None:
    assert claims_of(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "特斯拉、汇丰金融科技等外资企业已提交申请。",
            {("firm:tesla", "applied"), ("firm:hsbc-fintech", "applied")},
        ),
        (
            "空客、西门子、德国电信获批开展增值电信业务。",
            {
                ("firm:airbus", "approved"),
                ("firm:siemens", "approved"),
                ("firm:deutsche-telekom", "approved"),
            },
        ),
        ("匯豐已獲批在上海開展在線數據處理業務。", {("firm:hsbc", "approved")}),
        (
            "西门子医疗和空客在第二批中获批，Unity中国的申请则被驳回。",
            {
                ("firm:siemens-healthineers", "approved"),
                ("firm:airbus", "approved"),
                ("firm:unity", "withdrawn"),
            },
        ),
        ("特斯拉计划申请试点。", set()),
        (
            "空客、西门子成为首批试点企业。",
            {("firm:airbus", "approved"), ("firm:siemens", "approved")},
        ),
        ("工信部批复首批13家外资企业开展试点，新华社报道。", set()),
    ],
)
def test_chinese_patterns(text: str, expected: set) -> None:
    assert claims_of(text, "zh") == expected


def test_counts_are_not_claims() -> None:
    counts = extract_counts("13 foreign-invested firms were approved in the first batch.", "en")
    assert [(c.number, c.status) for c in counts] == [("13", "approved")]
    zh = extract_counts("首批13家外资企业获批。", "zh")
    assert [(c.number, c.status) for c in zh] == [("13", "approved")]


def test_classification() -> None:
    notice = classify(
        "关于开展增值电信业务扩大对外开放试点工作的通告",
        "工业和信息化部决定在北京、上海、海南、深圳开展试点。",
    )
    assert notice.is_pilot and notice.programme == "vats-opening-pilot"
    assert notice.kind == "new_programme"
    approvals = classify(
        "China approves first batch of foreign firms for telecom pilot",
        "The MIIT approved Airbus and Siemens under the value-added telecom pilot.",
    )
    assert approvals.programme == "vats-opening-pilot" and approvals.kind == "approvals"
    other = classify(
        "Shenzhen expands low-altitude economy pilot to more districts",
        "Drone delivery pilot zones now cover five districts; the pilot started in 2023.",
    )
    assert other.is_pilot and other.programme is None and other.kind == "expansion"
    assert other.programme_name == "Shenzhen expands low-altitude economy pilot to more districts"
    robotaxi = classify(
        "Shanghai expands autonomous driving pilot to more districts",
        "Robotaxi pilot zones now cover five districts; the pilot started in 2023.",
    )
    assert robotaxi.programme == "autonomous-driving-licences"  # on the watch-list now
    assert not classify("BYD opens a factory in Hefei", "BYD said output will rise.").is_pilot


def test_labelled_evaluation_set_meets_the_targets() -> None:
    """The numbers printed by benchmarks/eval_claims.py, held to the issue's targets."""
    from benchmarks import eval_claims as module

    for lang, (p_target, r_target) in module.TARGETS.items():
        claims, links = module.evaluate(lang)
        assert claims.precision >= p_target, (lang, claims.errors)
        assert claims.recall >= r_target, (lang, claims.errors)
        assert links.precision >= 0.95 and links.recall >= 0.9, (lang, links.errors)
