"""Tagging: spaCy en_core_web_sm NER with the gazetteer ruler in front; blank zh + gazetteer."""

from __future__ import annotations

import pytest

from extract.tagging import get_tagger


@pytest.fixture(scope="module")
def en():
    return get_tagger("en")


def by_surface(mentions):
    return {m.surface: m for m in mentions}


def test_worked_example_firms_linked(en) -> None:
    text = (
        "Tesla was among the first foreign companies to submit an application, along with "
        "Trafigura, Siemens Healthineers, HSBC and Unity, according to the Ministry of Industry "
        "and Information Technology."
    )
    found = by_surface(en.tag(text))
    assert found["Tesla"].entity == "firm:tesla" and found["Tesla"].kind == "company"
    assert found["Trafigura"].entity == "firm:trafigura"
    assert found["Siemens Healthineers"].entity == "firm:siemens-healthineers"
    assert found["HSBC"].entity == "firm:hsbc"
    assert found["Unity"].entity == "firm:unity"
    miit = [m for m in found.values() if m.entity == "gov:miit"]
    assert miit and miit[0].kind == "government"
    assert all(m.sentence == text for m in found.values())


def test_government_and_media_are_never_firms(en) -> None:
    text = "MIIT said on Friday, Xinhua and China Daily reported from Beijing."
    kinds = {m.surface: m.kind for m in en.tag(text)}
    assert kinds["MIIT"] == "government"
    assert kinds["Xinhua"] == "media"
    assert kinds["China Daily"] == "media"
    assert "company" not in {kinds["MIIT"], kinds["Xinhua"], kinds["China Daily"]}


def test_chinese_cities_and_provinces_linked(en) -> None:
    found = by_surface(en.tag("Pilot zones in Beijing, Shanghai, Hainan and Shenzhen, and Urumqi."))
    assert found["Shenzhen"].entity == "city:440300" and found["Shenzhen"].kind == "city"
    assert found["Hainan"].entity == "province:460000" and found["Hainan"].kind == "province"
    assert found["Beijing"].entity == "province:110000"
    assert found["Urumqi"].kind == "city"


def test_offsets_point_at_the_surface(en) -> None:
    text = "Airbus and Deutsche Telekom received approval in Shanghai."
    for m in en.tag(text):
        assert text[m.start : m.end] == m.surface


def test_unknown_company_is_kept_unlinked(en) -> None:
    found = by_surface(en.tag("Zephyrix Technologies Co. applied for a licence in Hefei."))
    unknown = [m for m in found.values() if m.entity is None and m.label == "ORG"]
    assert unknown and unknown[0].kind == "company"
    assert found["Hefei"].entity == "city:340100"


def test_chinese_gazetteer_and_company_patterns() -> None:
    zh = get_tagger("zh")
    text = "特斯拉和汇丰已提交申请，工信部表示。由北京字节跳动科技有限公司在深圳运营。"
    found = by_surface(zh.tag(text))
    assert found["特斯拉"].entity == "firm:tesla"
    assert found["汇丰"].entity == "firm:hsbc"
    assert found["工信部"].kind == "government"
    assert found["深圳"].entity == "city:440300"
    company = found["北京字节跳动科技有限公司"]
    assert company.entity is None and company.kind == "company"


def test_traditional_characters_fold_to_the_same_entities() -> None:
    zh = get_tagger("zh")
    text = "匯豐銀行與特斯拉在深圳市提交申請。西門子醫療也獲批，廣東省表示歡迎。"
    found = by_surface(zh.tag(text))
    assert found["匯豐銀行"].entity == "firm:hsbc"  # surfaces stay as written
    assert found["特斯拉"].entity == "firm:tesla"
    assert found["深圳市"].entity == "city:440300"
    assert found["西門子醫療"].entity == "firm:siemens-healthineers"
    assert found["廣東省"].entity == "province:440000"
    for m in found.values():
        assert text[m.start : m.end] == m.surface


def test_every_division_is_linked_in_both_languages() -> None:
    from extract.gazetteer import load_gazetteer

    entities = load_gazetteer().entities
    provinces = [e for e in entities.values() if e.kind == "province"]
    cities = [e for e in entities.values() if e.kind == "city"]
    assert len(provinces) == 34 and len(cities) == 333
    zh = get_tagger("zh")
    for record in (entities["city:440300"], entities["province:610000"], entities["city:650100"]):
        assert zh.tag(f"{record.name_zh}。")[0].entity == record.key


# hand-written sentences: descriptor forms with and without their trigger words, traps for the
# prefilter (words split by a line break, upper case, the words without the parent)
_RULER_TEXTS = [
    "HSBC's fintech subsidiary applied, as did the fintech subsidiary of HSBC.",
    "HSBC's FINTECH SUBSIDIARY was named; HSBC’s fintech\nsubsidiary too.",
    "Alibaba's cloud arm and Tesla applied in Shanghai.",
    "A fintech subsidiary of an unnamed bank applied; Tesla and HSBC did not.",
    "Tesla, Siemens and HSBC joined the pilot in Beijing.",
]


def test_prefiltered_ruler_matches_as_entity_ruler(en) -> None:
    from spacy.pipeline import EntityRuler

    nlp = en.nlp
    ours = nlp.get_pipe("pw_entity_ruler")
    plain = EntityRuler(nlp, phrase_matcher_attr="ORTH")
    plain.add_patterns(
        [
            {"label": label, "pattern": pattern, **({"id": key} if key else {})}
            for label, pattern, key in _patterns_of(ours)
        ]
    )
    for text in _RULER_TEXTS:
        doc = nlp.make_doc(text)
        assert ours.match(doc) == plain.match(doc), text
    assert any(m for m in ours.match(nlp.make_doc(_RULER_TEXTS[0]))), "no descriptor matched"


def _patterns_of(ruler):
    for p in ruler.patterns:
        label, pattern = p["label"], p["pattern"]
        yield label, pattern, p.get("id")


def test_ner_ops_keep_the_entities(en) -> None:
    from thinc.api import NumpyOps

    from extract.tagging import _MatmulOps, use_matmul_ops, use_ops

    texts = [*_RULER_TEXTS] + [
        "Volkswagen Group China and BMW Brilliance Automotive filed applications with the "
        "Ministry of Industry and Information Technology in Beijing on Monday."
    ]

    def ents(ops):
        use_ops(en.nlp, ops)
        return [[(e.text, e.label_) for e in d.ents] for d in en.nlp.pipe(texts)]

    try:
        blis = ents(NumpyOps())
        assert ents(_MatmulOps()) == blis
        assert any(blis), "the model found no entity"
    finally:
        use_matmul_ops(en.nlp)
