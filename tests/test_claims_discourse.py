"""Claims that depend on the document's discourse state: enumerated lists opened by a sentence
ending in a colon, groups counted before they are named ("approved two enterprises. They are
…", "Of these, …"), and the precision guards that go with them (hedged reports, names in
parentheses that are a firm's product or alias, fragments of public bodies' names).

Hand-written: every sentence and firm name below is invented for the project, not taken from
any report."""

from __future__ import annotations

from tests.test_claims_structure import groups


def test_enumerated_list_after_a_colon_takes_its_status_whatever_its_length() -> None:
    # hand-written
    text = (
        "Several regional lenders have been added to the digital yuan pilot.\n"
        "Lenders admitted to the pilot in May:\n"
        "1. Qinghe Commercial Bank\n"
        "2. Bank of Lanshan\n"
        "3. Yuhe Rural Commercial Bank\n"
        "4. Dongpo Commercial Bank\n"
        "The pilot is run by the central bank.\n"
        "1. Kestrel Bank\n"
    )
    found = groups(text)
    for bank in ("Qinghe Commercial Bank", "Bank of Lanshan", "Yuhe Rural Commercial Bank"):
        assert (bank, "approved") in found
    assert ("Dongpo Commercial Bank", "approved") in found
    # the list ends with the first sentence that is not an item
    assert not any(g == "Kestrel Bank" for g, _s in found)


def test_bulleted_items_after_an_application_colon_are_applicants() -> None:
    # hand-written
    text = (
        "Two fund managers submitted applications for the QDLP pilot last week:\n"
        "• Carrow Asset Management\n"
        "• Lumen Capital Partners\n"
    )
    assert groups(text) == {
        ("Carrow Asset Management", "applied"),
        ("Lumen Capital Partners", "applied"),
    }


def test_a_counted_group_is_named_by_the_next_sentence() -> None:
    # hand-written
    text = (
        "The province approved two local companies for duty-free trade last week. "
        "They are Qinghe Duty Free Co Ltd and Lanshan Retail Group."
    )
    found = groups(text)
    assert ("Lanshan Retail Group", "approved") in found
    assert any(g.endswith("Duty Free Co Ltd") and s == "approved" for g, s in found)


def test_of_these_gives_the_counted_status_besides_the_own_one() -> None:
    # hand-written
    text = (
        "Five overseas banks have lodged applications for bond underwriting licences. Of "
        "these, Carrow Bank and Vanta Bank already underwrite panda bonds."
    )
    found = groups(text)
    assert ("Carrow Bank", "applied") in found
    assert ("Vanta Bank", "applied") in found


def test_believed_to_is_a_hedge_not_a_report() -> None:
    # hand-written
    text = (
        "Kestrel AI and Lumen Labs are thought to have received approval for their chatbots, "
        "though neither would confirm it."
    )
    assert groups(text) == set()


def test_names_in_parentheses_after_a_firm_are_its_products() -> None:
    # hand-written
    text = (
        "The regulator approved eight chatbot services on Thursday.\n"
        "The providers are as follows:\n"
        "Beijing providers: Kestrel AI (Kestrel Large Model), Lumen Labs (LumenChat), "
        "Vanta Data (Vanta Writer)."
    )
    found = {g for g, _s in groups(text)}
    assert {"Kestrel AI", "Lumen Labs", "Vanta Data"} <= found
    assert not found & {"Kestrel Large Model", "LumenChat", "Vanta Writer"}


def test_part_of_a_public_bodys_name_is_no_applicant() -> None:
    # hand-written
    text = (
        "A spokesman for the Yuhe Provincial Office of Financial Services said several firms "
        "had lodged applications by March."
    )
    assert not any(g == "Financial Services" for g, _s in groups(text))


def test_a_founders_former_employer_is_no_claimant() -> None:
    # hand-written
    text = (
        "Qinghe Technologies, set up in 2022 by Li Ming, a former Vanta Group engineer, "
        "was granted a licence for its chatbot."
    )
    found = groups(text)
    assert ("Qinghe Technologies", "approved") in found
    assert not any(g == "Vanta Group" for g, _s in found)


def test_places_introduced_by_including_are_not_firms() -> None:
    # hand-written
    text = (
        "Kestrel Robotaxi obtained road-test permits in five cities including Lanshan, Yuhe "
        "and Qinghe."
    )
    found = groups(text)
    assert ("Kestrel Robotaxi", "approved") in found
    assert not any(g in {"Lanshan", "Yuhe", "Qinghe"} for g, _s in found)


def test_a_list_of_pilot_institutions_and_the_pilot_carried_out() -> None:
    # hand-written
    text = (
        "The pension product pilot was widened on Monday. The pilot institutions now include "
        '"Qinghe Wealth Management Co., Ltd., Lanshan Wealth Management Co., Ltd. and Yuhe '
        'Wealth Management Co., Ltd." Dongpo Wealth Management Co., Ltd. has carried out the '
        "pilot in Lanshan since March."
    )
    found = groups(text)
    assert any(g.startswith("Qinghe Wealth") and s == "approved" for g, s in found)
    assert any(g.startswith("Yuhe Wealth") and s == "approved" for g, s in found)
    assert any(g.startswith("Dongpo Wealth") and s == "operating" for g, s in found)


def test_also_in_the_new_round_takes_the_rounds_status() -> None:
    # hand-written
    text = (
        "Carrow Asset Management got the go ahead for a QDLP fund in March. "
        "Lumen Capital and Vanta Investors are also among the latest batch."
    )
    assert groups(text) == {
        ("Carrow Asset Management", "approved"),
        ("Lumen Capital", "approved"),
        ("Vanta Investors", "approved"),
    }


def test_zh_descriptors_before_names_in_a_list_and_bad_assets_are_no_negation() -> None:
    # hand-written; 不良资产 holds 不 without negating anything
    text = (
        "截至去年底，已有二十余家海外资管公司拿到试点额度，包括业内领先的对冲基金机构青禾资本、"
        "专注不良资产的投资机构蓝山投资、保险集团禹禾保险等。"
    )
    found = {g for g, s in groups(text, "zh") if s == "approved"}
    assert {"青禾资本", "蓝山投资"} <= found
    assert not any("机构" in g for g in found)


def test_zh_products_in_quotes_after_a_firm_are_not_firms() -> None:
    # hand-written
    text = "本周一起，青禾理财“禾悦”五年期养老理财产品与蓝山理财“安禾”稳健型养老理财产品正式发售。"
    found = groups(text, "zh")
    assert not any(g in {"禾悦", "安禾"} for g, _s in found)
    assert not any(g.endswith("产品") for g, _s in found)


def test_zh_a_permission_is_no_operation() -> None:
    # hand-written
    text = "青禾科技、蓝山科技等公司的对话模型已完成备案，此后可正式上线向用户开放。"
    found = groups(text, "zh")
    assert ("青禾科技", "approved") in found
    assert not any(s == "operating" for _g, s in found)


def test_a_line_of_names_keeps_going_past_a_public_body_and_legal_suffixes() -> None:
    # hand-written
    text = (
        "Six chatbot providers were cleared in the first round, as follows:\n"
        "Lanshan providers: Kestrel AI (Kestrel Chat), Lanshan Academy of Sciences (Lanshan "
        "Model), Vanta Data (Vanta Writer).\n"
    )
    found = groups(text)
    assert ("Kestrel AI", "approved") in found
    assert ("Vanta Data", "approved") in found
    assert not any("Academy" in g for g, _s in found)
    quoted = (
        "The pension pilot grew again. The pilot institutions now include "
        '"Qinghe Wealth Management Co., Ltd., Yuhe Wealth Management Co., Ltd. and Dongpo '
        'Wealth Management Co., Ltd."'
    )
    assert not any(g.strip(". ") in {"Ltd", "Co"} for g, _s in groups(quoted))


def test_added_to_the_list_counts_a_group_that_a_later_such_as_names() -> None:
    # hand-written
    text = (
        "A notice on Friday adds nine lenders to the list of e-CNY operators. "
        "The newcomers include Qinghe Commercial Bank and Lanshan Rural Bank."
    )
    found = groups(text)
    assert ("Qinghe Commercial Bank", "approved") in found
    assert ("Lanshan Rural Bank", "approved") in found


def test_zh_a_list_followed_by_its_count_names_firms() -> None:
    # hand-written
    text = (
        "上周，青禾智途、蓝山未来、禹禾智行三家企业拿到了无人驾驶测试牌照。"
        "同时，蓝山新区东坡公交、西岭捷运两家企业提交申请并获得了公交示范运营牌照。"
    )
    found = groups(text, "zh")
    for firm in ("青禾智途", "蓝山未来", "禹禾智行", "东坡公交", "西岭捷运"):
        assert (firm, "approved") in found
    assert ("东坡公交", "applied") in found
