"""Claims that read structure and context (issue 8): lists of any length with appositives and
pre-modifiers, verbless lists and anaphora taking the document's context, selection and licence
wording, Chinese organisations found by the statistical model, headlines and intentions that make
no claim, and the programme of every claim. Sentences are written for the project (the first is
the worked example quoted in the issue), not copied from reporting."""

from __future__ import annotations

import json

from click.testing import CliRunner

from extract.claims import extract_claims
from extract.programmes import programme_at, unlisted_key, unlisted_name
from extract.tagging import get_tagger
from extract.text_claims import claims_of_text
from policywatch.cli import cli


def groups(text: str, lang: str = "en") -> set[tuple[str, str]]:
    return {(c.group, c.status) for c in claims_of_text(text, lang)}


def test_founding_example_gives_all_five_applicants() -> None:
    text = (
        "Tesla is among the first foreign companies to submit an application for the pilot, "
        "along with other firms such as Trafigura, Siemens’ healthcare unit, HSBC’s fintech "
        "subsidiary, and Unity, a US-based game engine developer."
    )
    assert groups(text) == {
        ("Tesla", "applied"),
        ("Trafigura", "applied"),
        ("Siemens", "applied"),
        ("HSBC", "applied"),
        ("Unity", "applied"),
    }


def test_participation_wording_and_premodified_names() -> None:
    text = (
        "Tesla is among the first to participate in the pilot program, along with other "
        "companies such as commodity trader Trafigura, Siemens Healthineers and Unity."
    )
    assert groups(text) == {
        ("Tesla", "approved"),
        ("Trafigura", "approved"),
        ("Siemens", "approved"),
        ("Unity", "approved"),
    }


def test_a_verbless_continuation_takes_the_status_of_its_context() -> None:
    text = (
        "Tesla was among the first foreign firms to apply for the telecom pilot. "
        "The first group also includes commodity firm Trafigura, a fintech subsidiary of HSBC "
        "and game engine developer Unity."
    )
    found = {(c.group, c.status, c.stage) for c in claims_of_text(text, "en")}
    assert ("Tesla", "applied", "attach") in found
    assert {(g, s) for g, s, stage in found if stage == "propagate"} == {
        ("Trafigura", "applied"),
        ("HSBC", "applied"),
        ("Unity", "applied"),
    }


def test_an_anaphor_hands_the_new_status_to_the_firms_of_the_context() -> None:
    en = "HSBC and Unity applied for the QFLP pilot in March. The above applications have been approved."
    assert groups(en) == {
        ("HSBC", "applied"),
        ("Unity", "applied"),
        ("HSBC", "approved"),
        ("Unity", "approved"),
    }
    zh = "特斯拉和托克提交了试点申请。上述申请已获批准。"
    assert groups(zh, "zh") == {
        ("Tesla", "applied"),
        ("Trafigura", "applied"),
        ("Tesla", "approved"),
        ("Trafigura", "approved"),
    }


def test_acronyms_and_names_the_model_takes_for_places_are_firms_inside_a_list() -> None:
    text = (
        "Nine consortia led by Changan, BYD, NIO, FAW, GAC and Yutong were selected for the "
        "intelligent connected vehicle pilot, said analysts at Morgan Stanley."
    )
    found = groups(text)
    for firm in ("Changan", "BYD", "NIO", "FAW", "GAC", "Yutong"):
        assert any(g.startswith(firm) and s == "approved" for g, s in found), (firm, found)
    assert not any("Morgan" in g for g, _ in found)  # the source of the report is no claimant


def test_intentions_denials_headlines_and_programme_names_make_no_claim() -> None:
    assert groups("Apple is preparing to apply for the pilot, while Amazon declined.") == set()
    assert groups("Huawei and Xiaomi are not on the list of pilot firms.") == set()
    headline = "Tesla, HSBC approved for telecom pilot\nThe ministry published the list today."
    assert groups(headline) == set()
    assert groups("The Value-Added Telecom Pilot was approved by the State Council.") == set()


def test_chinese_firms_without_suffix_or_alias_are_found_by_the_model() -> None:
    text = "长安汽车、比亚迪、广汽、上汽、蔚来等企业组成的联合体入选首批智能网联汽车准入和上路通行试点。"
    found = {c.firm for c in claims_of_text(text, "zh") if c.status == "approved"}
    assert {"长安汽车", "广汽", "上汽", "蔚来"} <= found | {c for c in found}, found
    assert "BYD" in found


def test_chinese_licence_and_opening_wording() -> None:
    assert groups("中信证券和易方达基金获得QFLP试点额度。", "zh") == {
        ("中信证券", "approved"),
        ("易方达基金", "approved"),
    }
    found = claims_of_text("上海百汇医院作为外商独资医院昨日正式开业。", "zh")
    assert [(c.firm, c.status, c.programme_key) for c in found] == [
        ("上海百汇医院", "operating", "wfoe-hospitals-pilot")
    ]


def test_chinese_speaker_and_intention() -> None:
    assert groups("据渣打银行分析师表示，中信证券拟申请试点。", "zh") == set()


def test_every_claim_carries_its_programme() -> None:
    text = (
        "BYD joined the intelligent connected vehicle access pilot in June. "
        "Separately, HSBC won a QFLP quota in Shanghai."
    )
    by_firm = {c.group: c.programme_key for c in claims_of_text(text, "en")}
    assert by_firm == {"BYD": "icv-access-pilot", "HSBC": "qflp-pilot"}


def test_unlisted_programmes_are_named_from_the_text_and_grouped() -> None:
    name = unlisted_name("EHang was selected for the low-altitude economy pilot programme.")
    assert name == "low-altitude economy pilot programme"
    assert unlisted_key(name) == unlisted_key("the Low-Altitude Economy pilot program")
    programme, zh_name = programme_at("", "亿航入选低空经济试点城市。")
    assert programme is None and zh_name == "低空经济试点城市"


def test_claims_command_prints_one_json_object_a_line() -> None:
    text = "特斯拉、汇丰金融科技等外资企业已提交增值电信业务试点申请。"
    result = CliRunner().invoke(cli, ["claims", "-"], input=text)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert {(r["firm"], r["group"], r["status"]) for r in rows} == {
        ("Tesla", "Tesla", "applied"),
        ("HSBC Fintech", "HSBC", "applied"),
    }
    assert all(r["programme_key"] == "vats-opening-pilot" and r["evidence"] for r in rows)
    assert set(rows[0]) == {
        "firm",
        "firm_zh",
        "group",
        "status",
        "programme",
        "programme_key",
        "evidence",
        "stage",
        "cue",
    }


def test_oversize_lists_keep_every_member() -> None:
    names = ["Airbus", "Siemens", "Deutsche Telekom", "HSBC", "Tesla", "Unity", "Trafigura"]
    text = "The first batch of approved firms includes " + ", ".join(names[:-1])
    text += f" and {names[-1]}."
    mentions = get_tagger("en").tag(text)
    found = {c.firm_surface for c in extract_claims(mentions, "en", text=text)}
    assert found == set(names)


def test_hostile_inputs_found_by_a_tester() -> None:
    """Cases a hostile tester found (written for the project): an all-caps line once looped
    for ever in the parse walk, denials and failures made claims, a Chinese programme acronym
    was not seen between Chinese characters."""
    assert groups("HSBC APPLIED FOR THE QFLP PILOT.") <= {("HSBC", "applied")}
    for text in (
        "BMW denied that it had applied for the telecom pilot.",
        "None of the applications by Ford were approved.",
        "No foreign bank, including Barclays or Deutsche Bank, has been approved for the pilot.",
        "Tesla failed to secure approval for the pilot.",
        "Mercedes-Benz needs to apply for the pilot before March.",
        "Apple growers in Shaanxi applied for subsidies under the pilot.",
    ):
        assert groups(text) == set(), text
    found = claims_of_text("汇丰已获批QFLP试点。", "zh")
    assert [(c.group, c.status, c.programme_key) for c in found] == [
        ("HSBC", "approved", "qflp-pilot")
    ]
    traditional = claims_of_text("比亞迪入選智能網聯汽車準入和上路通行試點。", "zh")
    assert {c.programme_key for c in traditional} == {"icv-access-pilot"}
    assert unlisted_key("合肥低空经济试点") == "unlisted:合肥低空经济试点"


def test_a_page_without_sentence_breaks_is_read_in_bounded_pieces() -> None:
    from extract.claims import _split_sentences

    text = "，".join(["特斯拉已提交试点申请"] * 20000)  # 220,000 characters, no full stop
    pieces = _split_sentences(text, "zh")
    assert len(pieces) > 100 and max(len(p) for _, p in pieces) <= 1500
    assert all(text[start : start + len(p)] == p for start, p in pieces)


# --- recall on new wording (branch claims-recall); sentences written for the project ----------


def test_a_dotted_name_inside_a_cue_does_not_end_it() -> None:
    text = "Regulators have issued Kestrel Cloud and Vanta.io with permits to run data centres."
    assert groups(text) == {("Kestrel Cloud", "approved"), ("Vanta.io", "approved")}


def test_a_japanese_kabushiki_kaisha_is_a_firm_not_a_news_agency() -> None:
    text = "据证监会披露,日本星野控股株式会社、华岳资本先后向证监会提交了设立证券公司的申请材料。"
    assert {s for _g, s in groups(text, "zh")} == {"applied"}
    assert len(groups(text, "zh")) == 2


def test_seeking_to_apply_is_an_intention() -> None:
    assert (
        groups("A source said that Kestrel Cloud is seeking to apply for the data pilot.") == set()
    )


def test_these_numbered_firms_are_takes_the_context_but_not_when_negated() -> None:
    text = (
        "Nine carmakers were selected for the L3 pilot, the ministry said. "
        "It is reported that these 9 carmakers are Orbital Motors, Quanta Auto and Feiyu."
    )
    assert {g for g, s in groups(text) if s == "approved"} >= {"Orbital Motors", "Quanta Auto"}
    negated = (
        "Orbital Motors was selected for the L3 pilot. "
        "However, these companies are not on the list: Quanta Auto and Hexa Trucks."
    )
    assert groups(negated) == {("Orbital Motors", "approved")}


def test_a_place_with_a_legal_suffix_or_a_district_is_not_a_firm() -> None:
    text = (
        "Orbital Motors obtained a robotaxi licence, allowing its cars to charge fares in the "
        "city's Lanshan district."
    )
    assert groups(text) == {("Orbital Motors", "approved")}
    listed = "Approved firms include Kestrel Cloud, Vanta Data Co. and Hexa Systems China Ltd."
    assert "China Ltd." not in {g for g, _s in groups(listed)}


def test_a_blocker_word_inside_a_firm_name_does_not_block() -> None:
    text = "随着第二批民营银行开闸，以及星河富民银行和川西希望银行的获批筹建，民资热情高涨。"
    assert {g for g, s in groups(text, "zh") if s == "approved"} == {
        "星河富民银行",
        "川西希望银行",
    }


def test_chinese_selection_lists_and_their_negation() -> None:
    on_list = "包括星辰科技、华岳资本在内都在12家首批转售企业名单中。"
    assert {s for _g, s in groups(on_list, "zh")} == {"approved"}
    assert len(groups(on_list, "zh")) == 2
    assert groups("星辰科技入围首批数据出境试点。", "zh") == {("星辰科技", "approved")}
    assert groups("星辰科技不在首批试点企业名单中。", "zh") == set()
    assert groups("星辰科技与首批试点无缘。", "zh") == set()


def test_the_last_member_of_a_chinese_list_loses_its_verb() -> None:
    text = "银保监会近日批准三家民营银行筹建。这三家银行分别是：腾讯、星辰、华岳为主发起人。"
    assert {g for g, s in groups(text, "zh") if s == "approved"} >= {"Tencent", "星辰", "华岳"}


def test_chinese_operating_wording_and_a_brand_under_its_parent() -> None:
    text = "百度旗下出行服务平台飞驰快跑正式开启无人化出行服务。"
    assert groups(text, "zh") == {("Baidu", "operating")}
    launched = "华岳智行近日在深圳推出无人配送服务。"
    assert groups(launched, "zh") == {("华岳智行", "operating")}


def test_upon_application_by_firms_is_an_application() -> None:
    text = "经星辰科技、华岳资本等企业申请，工业和信息化部于近日批准了相关业务。"
    assert ("星辰科技", "applied") in groups(text, "zh")


def test_chinese_subjects_the_model_missed() -> None:
    pair = "4月1日，证监会官网公示，贝瑞德与路博安已提交基金管理公司设立申请。"
    assert groups(pair, "zh") == {("贝瑞德", "applied"), ("路博安", "applied")}
    suffixed = "星湾基金成为首家参与理财通试点的外资基金公司。"
    assert groups(suffixed, "zh") == {("星湾基金", "approved")}
    generic_subjects = (
        "监管部门和地方政府已提交申请。",
        "两款车型获准开展试点。",
        "合资公司已获批。",
    )
    for generic in generic_subjects:
        assert groups(generic, "zh") == set()


def test_waiting_for_approval_is_an_application() -> None:
    text = "Kestrel Cloud and Vanta Data are waiting for approval from the central bank."
    assert groups(text) == {("Kestrel Cloud", "applied"), ("Vanta Data", "applied")}


def test_a_permit_issued_jointly_to_two_firms() -> None:
    text = "The permit, issued jointly to Orbital Motors and Hexa Group, allows driverless rides."
    assert groups(text) == {("Orbital Motors", "approved"), ("Hexa Group", "approved")}


def test_partners_products_places_and_prerequisites_make_no_claim() -> None:
    venture = (
        "Kestrel Cloud received a business licence for a venture with a unit of the country's "
        "third largest lender, Vanta Bank Corp, and state investor Hexa Holdings."
    )
    assert groups(venture) == {("Kestrel Cloud", "approved")}
    product = "FSD is the most advanced version of Skyway software and was rolled out in 2021."
    assert groups(product) == set()
    place = "The licence was awarded to run 50 robotaxis in the Lanzhou city district of Hexi."
    assert groups(place) == set()
    prerequisite = (
        "Resellers must sign an agreement with one of the carriers -- Vanta Mobile, Hexa "
        "Telecom -- before filing an application."
    )
    assert groups(prerequisite) == set()


def test_an_ellipsis_ends_a_sentence_and_a_colon_list_belongs_to_its_colon() -> None:
    text = (
        "Kestrel Pay and Vanta Card have been kept waiting for licence approvals… "
        "Orbital Pay is entering a market dominated by two giants: Hexa Pay and Lumen Pay."
    )
    assert groups(text) == {("Kestrel Pay", "applied"), ("Vanta Card", "applied")}
    entry = (
        "Nine carmakers were selected for the pilot. "
        "Orbital Motors: the Shanghai-based company that overtook Hexa Motors in sales."
    )
    assert groups(entry) == {("Orbital Motors", "approved")}


def test_a_list_run_that_cuts_a_firm_away_is_no_list_of_names() -> None:
    text = "从获批企业看，星辰科技相关公司将围绕芯片制造和运维提供数据服务。"
    assert "运维提供数据服务" not in {g for g, _s in groups(text, "zh")}


def test_names_after_a_list_opening_that_the_model_missed() -> None:
    text = (
        "Nine carmakers were chosen for the pilot. "
        "Participating manufacturers include heavy-duty truckmaker Lanshan Hexa and Yuhe Bus."
    )
    assert groups(text) == {("Lanshan Hexa", "approved"), ("Yuhe Bus", "approved")}
    context = (
        "The ministry granted a second batch of licences to eight private enterprises. "
        "The move enables the firms, including e-commerce giants Lumen and Ravel, to compete "
        "with the carriers."
    )
    assert groups(context) == {("Lumen", "approved"), ("Ravel", "approved")}
    cities = (
        "Seven cities were approved, including the biggest cities like Beijing, Shanghai and "
        "Shenzhen."
    )
    assert groups(cities) == set()


def test_the_parse_reads_verbs_without_a_lemmatizer() -> None:
    passive = (
        "Two models were approved: the Orbital X1 sedan, applied for by Lanshan Orbital, and the "
        "Hexa H7 sedan, applied for by Hexamotor."
    )
    assert {("Lanshan Orbital", "applied"), ("Hexamotor", "applied")} <= groups(passive)
    speaker = "Kestrel Group, which won approval in the first batch, said its cloud unit had also applied."
    assert ("Kestrel Group", "approved") in groups(speaker)
    added = (
        "Vanta Capital and Hexa Partners added 200 million dollars each and were granted a quota "
        "totalling 400 million dollars."
    )
    assert groups(added) == {("Vanta Capital", "approved"), ("Hexa Partners", "approved")}


def test_chinese_partners_sources_and_hoaxes_make_no_claim() -> None:
    partners = "首批11家获牌企业均为星辰通信集团和华岳网络公司的合作伙伴。"
    assert "华岳网络公司" not in {g for g, _s in groups(partners, "zh")}
    signed = "工信部于近日向与星辰电信首批签约的15家企业发放了经营许可证。"
    assert "星辰电信" not in {g for g, _s in groups(signed, "zh")}
    hoax = "“首批颁发蓝海数据VPN许可证签约会”的照片为伪造。"
    assert groups(hoax, "zh") == set()
    assert groups("Rumours claimed that the ministry had granted Kestrel Cloud a permit.") == set()


def test_a_list_after_including_does_not_take_the_subject_before_it() -> None:
    text = (
        "星辰科技获得了首批试点资格。同日，记者从华岳物流方面了解到，华岳物流的无人机开展了飞行测试，"
        "包括夜航和转场两项科目。"
    )
    assert groups(text, "zh") == {("星辰科技", "approved")}


def test_first_to_be_approved_in_the_process_of_and_a_possessive_programme() -> None:
    first = "A project by Kestrel Health has become the first case in the city to be approved by the regulator."
    assert groups(first) == {("Kestrel Health", "approved")}
    forecast = "Kestrel Health is expected to be the first to be approved by the regulator."
    assert groups(forecast) == set()
    process = "Vanta Motors is still in the process of obtaining its test permit."
    assert groups(process) == {("Vanta Motors", "applied")}
    joined = (
        "Hexa Cloud was among the first foreign companies to join the ministry’s telecom pilot."
    )
    assert groups(joined) == {("Hexa Cloud", "approved")}


def test_chinese_received_certificate_and_passed_assessment() -> None:
    received = "星湾航空表示，前日收到由民航局颁发的运营合格证。"
    assert ("星湾航空", "approved") in groups(received, "zh")
    passed = "北京星辰医院已通过数据出境安全评估。"
    assert groups(passed, "zh") == {("北京星辰医院", "approved")}


def test_a_name_with_a_legal_or_trade_suffix_is_a_firm_in_a_claim_sentence() -> None:
    text = (
        "Singapore’s Lanmere Holdings Pte. said it has secured the first licence to run a hospital."
    )
    assert {(g.rstrip("."), s) for g, s in groups(text)} == {("Lanmere Holdings Pte", "approved")}
    gov = "The Ministry of Industry and Information Technology has granted licences to the firms."
    assert groups(gov) == set()


def test_a_chinese_list_opened_by_a_colon_runs_across_semicolons() -> None:
    text = (
        "银保监会近日批准三家民营银行筹建。这三家银行分别是：腾讯、星辰为主发起人，在深圳设立前海星辰银行；"
        "正泰、华岳为主发起人，在温州设立温州华岳银行。"
    )
    found = {g for g, s in groups(text, "zh") if s == "approved"}
    assert {"Tencent", "温州华岳银行"} <= found


def test_a_sector_is_not_a_firm() -> None:
    text = "中国银行卡清算市场开放大门开启，央行颁发了许可证。"
    assert groups(text, "zh") == set()


def test_conducted_testing_is_operating() -> None:
    text = (
        "As of now, 12 companies including Kestrel Auto, Vanta Drive and Hexa Motors have "
        "conducted development and testing in the demonstration zone."
    )
    assert {s for _g, s in groups(text)} == {"operating"}
    assert groups("Lumen Express has been testing drone deliveries in the city.") == {
        ("Lumen Express", "operating")
    }


def test_an_unnamed_unit_stands_for_its_parent_but_a_named_one_does_not() -> None:
    unnamed = (
        "Eleven companies, including an internet subsidiary of Kestrel Group, received licences."
    )
    assert ("Kestrel Group", "approved") in groups(unnamed)
    named = "Vanta Cloud, a subsidiary of Kestrel Group, received a licence."
    assert ("Kestrel Group", "approved") not in groups(named)


def test_the_owner_named_inside_an_application_cue_is_a_firm() -> None:
    text = "On the same day, the association announced the approval of K&V Ratings’s registration application."
    assert ("K&V Ratings", "applied") in {(g.removesuffix("’s"), s) for g, s in groups(text)}


def test_withdrawn_and_resubmitted_gives_both_statuses() -> None:
    text = "此外，Kestrel最近撤回并重新提交申请，准备在内地成立一家全资企业。"
    statuses = {s for _g, s in groups(text, "zh")}
    assert statuses == {"withdrawn", "applied"}


def test_filing_paperwork_plans_and_a_filing_by() -> None:
    assert groups("Kestrel Auto and Vanta Trucks both submitted their L3 access plans in May.") == {
        ("Kestrel Auto", "applied"),
        ("Vanta Trucks", "applied"),
    }
    assert ("Hexa Capital", "applied") in groups("Hexa Capital filed its QFLP paperwork in June.")
    reviewing = (
        "The regulator is reviewing a filing by Lumen Pay; Ravel Card said it may file later."
    )
    assert groups(reviewing) == {("Lumen Pay", "applied")}
    first = "Orbit Games was among the first to seek a wholly owned CDN permit."
    assert groups(first) == {("Orbit Games", "applied")}


def test_whose_application_was_approved_and_now_runs() -> None:
    text = "Hexa Payments, whose application was approved in June, is now hiring."
    assert groups(text) >= {("Hexa Payments", "applied"), ("Hexa Payments", "approved")}
    runs = "With the new quota, Greyfield Funds now runs its first outbound fund under the pilot."
    assert groups(runs) == {("Greyfield Funds", "operating")}


def test_chinese_started_working_and_production() -> None:
    assert groups("星湾基金已于上周完成募集并开始运作。", "zh") == {("星湾基金", "operating")}


def test_model_span_errors_are_trimmed() -> None:
    text = "Besides Hexa Payments, whose application was approved in June, nothing changed."
    assert {g for g, _s in groups(text)} == {"Hexa Payments"}


def test_the_new_wording_keeps_intentions_forecasts_denials_and_hearsay_out() -> None:
    english = [
        "Kestrel Cloud plans to submit its application documents next month.",
        "Analysts at Vanta Securities said Hexa Motors could be among the first to be approved.",
        "Lumen Pay denied that it had filed paperwork with the central bank.",
        "Orbit Holdings Ltd. is expected to be waiting for approval until next year.",
        "The ministry has not granted licences to firms including Kestrel Cloud and Vanta Data.",
        "Kestrel Cloud hopes to become the first to seek a permit.",
    ]
    for text in english:
        assert groups(text) == set(), text
    chinese = [
        "星辰科技计划于下月提交申请。",
        "分析人士认为，华岳资本有望入围首批试点名单。",
        "星辰科技否认已向监管部门提交申请。",
        "据传贝瑞德与路博安已提交申请。",
    ]
    for text in chinese:
        assert groups(text, "zh") == set(), text


def test_what_a_chinese_licence_allows_is_no_operation() -> None:
    text = "活动现场，百度获颁道路运输试运营许可证，可在示范区内（首期）28公里道路试运营。"
    assert groups(text, "zh") == {("Baidu", "approved")}


def test_names_after_include_in_a_sentence_with_its_own_cue() -> None:
    text = "Participating manufacturers include heavy-duty truckmaker Lanshan Hexa and Yuhe Bus."
    assert groups(text) == {("Lanshan Hexa", "approved"), ("Yuhe Bus", "approved")}


def test_two_names_the_model_ran_together_are_two_firms() -> None:
    text = (
        "At present, the subsidiaries of Kestrel Capital and Vanta Agricole CIB have been "
        "authorized to participate in the QDLP pilot."
    )
    found = groups(text)
    if any(" and " in g for g, _s in found):  # only when the model ran them together
        raise AssertionError(found)
    assert ("Procter and Gamble", "approved") in groups("Procter and Gamble was granted a licence.")


def test_the_company_continues_the_one_firm_of_the_context() -> None:
    one = (
        "Carrow Capital filed its QFLP paperwork in Hainan in May. "
        "The company was cleared by the provincial regulators three weeks later."
    )
    assert groups(one) == {("Carrow Capital", "applied"), ("Carrow Capital", "approved")}
    two = (
        "Carrow Capital and Lumen Partners filed their QFLP paperwork in May. "
        "The company was cleared by the provincial regulators three weeks later."
    )
    assert ("Carrow Capital", "approved") not in groups(two)
    hoped = (
        "Carrow Capital filed its paperwork in May. The company is awaiting approval, with "
        "expectations of receiving the green light in June."
    )
    assert ("Carrow Capital", "approved") not in groups(hoped)
