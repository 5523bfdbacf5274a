"""Mentions -> claims: which firm was reported applying to, approved for, operating under or
withdrawn / rejected from a pilot programme, with the sentence as evidence.

Sentence by sentence: status cues (reporting verbs, English and Chinese) are found and every firm
named in the sentence takes the status of its nearest cue, so coordinated lists ("along with
other firms such as Trafigura, Siemens' healthcare unit, HSBC's fintech subsidiary, and Unity")
all get the verb's status. Intentions, questions, conditionals and denials ("plans to apply",
"whether", "has not applied") make no claim. Numbers without names ("13 foreign-invested firms
approved") are counts, not claims. Government bodies and media are never claimants.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from extract.tagging import TaggedMention, fold_traditional

CLAIMS_VERSION = "claims-1"
STATUSES = ("applied", "approved", "operating", "withdrawn")
STATUS_RANK = {"applied": 0, "approved": 1, "operating": 2, "withdrawn": 3}

_LIC = r"(?:licen[cs]es?|permits?|permission|approvals?|nod|green light|go-ahead|clearance)"
_SVC = r"(?:services?|operations?|business(?:es)?|platforms?|clouds?|centres?|centers?)"
# (status, pattern, blockable), most specific first; a matched span is masked for later patterns.
# An unblockable cue states a fact even after "expected"/"will" ("the outcome of their
# applications" says they applied).
_EN_CUES: list[tuple[str, str, bool]] = [
    # conditional forms: masked and dropped
    (
        "none",
        r"\b(?:if|once|unless|until|when) (?:it is |they are |it was )?"
        r"(?:approved|granted|cleared)\b",
        False,
    ),
    (
        "withdrawn",
        r"\bwithdr(?:ew|awn|awing|aws)\b"
        r"|\bpulled (?:out|its application|their application)"
        r"|\b(?:rejected|turned down|denied|refused)\b"
        r"(?! (?:a |the )?(?:media |press )?report)",
        True,
    ),
    (
        "operating",
        r"\b(?:began|begun|begins|started|starts|commenced|has started|have started)\s+"
        r"(?:operating|operations|to operate|offering|providing|running|serving)\b"
        r"|\blaunch(?:ed|es)\b[^.;]{0,40}?\b" + _SVC + r"\b"
        r"|\b(?:now|already) (?:operates|operating|running|offering)\b|\bup and running\b"
        r"|\bwent live\b|\b(?:is|are|has been|have been) (?:operating|running|offering)\b"
        r"|\bcommenced operations\b|\binto operation\b|\bopened to\b|\brolled out\b"
        r"|\bcontinues? (?:to operate|operating|to run)\b",
        True,
    ),
    (
        "applied",
        r"\b(?:pending|outstanding) applications?\b"
        r"|\boutcome of (?:its|their|the) applications?\b"
        r"|\bapplications?\b[^.;]{0,50}?\b(?:is|are|was|were|remains?) (?:still )?"
        r"(?:pending|under review)\b|\bawaiting\b|\baccepted for review\b"
        r"|\bresubmitted\b",
        False,
    ),
    (
        "approved",
        r"\bapproved\b|\bapproval (?:of|for)\b"
        r"|\b(?:received|won|gained|got|obtained|secured|was given|were given|"
        r"been given|given|winning|receiving|obtaining|securing|awarded)\b[^.;,]{0,25}?\b"
        + _LIC
        + r"\b"
        r"|\bgranted\b|\bcleared\b|\blicensed\b|\blicen[cs]es? (?:was |were )?issued to\b"
        r"|\bissued (?:a |the )?licen[cs]es?\b|\bgot the nod\b"
        r"|\b(?:included|named|listed) (?:in|among) the first batch\b"
        r"|\bfirst batch (?:of (?:\w+[- ])?(?:firms|companies|enterprises) )?"
        r"(?:includes?|including|comprises?|are|were)\b",
        True,
    ),
    (
        "applied",
        r"\bsought\b|\bseeking\b|\bseeks\b|\bappl(?:ied|ying|ies)\b|\bto apply\b"
        r"|\b(?:submit|submits|submitted|submitting|file|files|filed|filing|lodge|lodged|"
        r"lodging|sent|send|made|make|put in)\b[^.;]{0,30}?\bapplications?\b"
        r"|\bapplications?\b[^.;]{0,20}?\b(?:submitted|filed|lodged|came from|were received from)\b"
        r"|\b(?:early|first|other|among (?:the )?(?:first )?)\s*applicants\b"
        r"|\bapplicants (?=include|including|such as|were|are|named)"
        r"|\bsigned up\b|\bline[sd]? up\b|\bbid(?:s|ding)? for\b",
        True,
    ),
]
_ZH_CUES: list[tuple[str, str, bool]] = [
    ("none", r"如获批准?|若获批准?|一旦获批|待获批|如果获批|有望获批|能否获批", False),
    (
        "withdrawn",
        r"撤回(?:了)?(?:其)?(?:[^，。]{0,10})?申请|撤回|未获批准|未获批|未获通过|被驳回|驳回|"
        r"不予批准|退出(?:了)?试点|被拒",
        True,
    ),
    (
        "operating",
        r"正式(?:开展|运营|上线|开业|营业|投入运营|开通)|开始运营|投入运营|已开展(?:相关)?业务|"
        r"(?:已在|已于|起在)[^，。；]{0,12}开展[^，。；]{0,14}业务|上线[^，。；]{0,10}服务|"
        r"开始[^，。；]{0,15}(?:提供|运营|服务)|持续运营|继续运营",
        True,
    ),
    (
        "applied",
        r"等待[^，。；]{0,8}审批|审核中|获知申请结果|申请结果|申请仍在|重新提交|已受理|受理了",
        False,
    ),
    (
        "approved",
        r"申请(?:已)?获批|获批|获得(?:了)?[^，。；]{0,24}批复|批复同意|获准|获得(?:了)?"
        r"[^，。；]{0,24}(?:许可|牌照|资质)|拿到(?:了)?[^，。；]{0,6}(?:许可|牌照)|"
        r"取得(?:了)?[^，。；]{0,6}(?:许可|牌照)|获颁[^，。；]{0,6}(?:许可|牌照)?|"
        r"通过(?:了)?审[批核]|批准(?:了)?|(?:成为|列入|入选)[^，。；]{0,6}首批|"
        r"首批(?:获批|试点|入选)[^，。；申]{0,8}(?:企业|公司)",
        True,
    ),
    (
        "applied",
        r"(?:提交|递交|提出)(?:了)?[^，。；]{0,24}申请|申请[^，。；]{0,8}?(?:提交|递交)|已申请|"
        r"申请(?:加入|参与|参加)|申请试点|报名",
        True,
    ),
]
_EN_RE = [(s, re.compile(p, re.I), b) for s, p, b in _EN_CUES]
_ZH_RE = [(s, re.compile(p), b) for s, p, b in _ZH_CUES]

# words before a cue (same clause) that make it an intention, a question or a denial
_EN_BLOCKERS = re.compile(
    r"\b(?:plans?|planned|planning|intends?|intended|intending|considering|considers?|mulling|"
    r"weighing|may|might|could|would|will|shall|expects?|expected|hopes?|hoping|aims?|wants?|"
    r"likely|set to|poised|whether|if|unless|yet to|not|never|no|nor|denied|deny|denies|"
    r"declined to|ready to|prepar(?:es|ing|ed) to|eligible|can|should|must|invited|"
    r"encouraged|welcome[sd]?|rumou?red|reportedly considering)\b|\?|n't\b",
    re.I,
)
_ZH_BLOCKERS = re.compile(
    r"计划|拟|将|准备|考虑|是否|如果|如获|若|假如|未(?!来)|没有|否认|有望|可能|可以|欢迎|鼓励|能否|吗|？|传闻"
)
_CLAUSE_BREAK_EN = re.compile(r"[,;:()\"“”]|\b(?:and|but|while|whereas|which|who|after|as)\b", re.I)
_CLAUSE_BREAK_ZH = re.compile(r"[，；：（）“”]")
# text allowed between two names of one coordinated list
_LIST_GAP_EN = re.compile(
    r"^[\s,;]*(?:(?:and|or|as well as|plus|along with|together with|&)\s+)?"
    r"(?:(?:the|a|an|its|their)\s+)?(?:[\w'’-]+\s+){0,8}$",
    re.I,
)
_LIST_GAP_ZH = re.compile(r"^[、，,\s]*(?:和|与|及|以及|、|同)?[、，,\s]*$")
_COUNT_EN = re.compile(
    r"\b(\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|dozens?|several)"
    r"\s+(?:more\s+)?(?:foreign(?:-invested|-funded|-owned)?\s+|overseas\s+|international\s+)?"
    r"(?:firms|companies|enterprises|businesses|applicants)\b",
    re.I,
)
_COUNT_ZH = re.compile(r"(\d+|[一二三四五六七八九十百]+)\s*家(?:外资|外商投资)?(?:企业|公司)")
_GOV_OR_MEDIA = re.compile(
    r"\b(?:Ministry|Commission|Bureau|Administration|Council|Committee|Department|Office|"
    r"Government|Agency|Authority|University|Association|Party|Court|Congress|News|Daily|Times|"
    r"Post|Television|TV|Radio|Xinhua|Reuters|Bloomberg|Zone|Port|Park|Municipal|Provincial|"
    r"Weibo|WeChat|Academy|Institute|Institution|Centre|Center|Chamber|Federation|Forum|"
    r"Society|Alliance|Union|Foundation|People's Bank|State Grid Corporation of China)\b"
    r"|(?:部|委|局|办|厅|政府|协会|大学|报|社|网|电视台|管委会)$"
)
_ACRONYM = re.compile(r"^(?:[A-Z]{2,5}s?|IDCs?|CDNs?|ISPs?)$")


@dataclass(frozen=True)
class Claim:
    firm: str | None  # gazetteer key, or None for a firm not in the alias file
    firm_surface: str
    status: str
    evidence: str
    cue: str


@dataclass(frozen=True)
class Count:
    number: str
    status: str
    evidence: str


def _cues(sentence: str, lang: str) -> list[tuple[int, int, str, str, bool]]:
    masked = sentence
    found: list[tuple[int, int, str, str, bool]] = []
    for status, pattern, blockable in _ZH_RE if lang == "zh" else _EN_RE:
        for m in pattern.finditer(masked):
            if status != "none":  # conditional forms ("if approved"): masked and dropped
                found.append((m.start(), m.end(), status, sentence[m.start() : m.end()], blockable))
            masked = masked[: m.start()] + "\0" * (m.end() - m.start()) + masked[m.end() :]
    return sorted(found)


def _blocked(sentence: str, cue_start: int, lang: str) -> bool:
    """Is the cue an intention / question / denial? Look back to the start of its clause."""
    breaks = _CLAUSE_BREAK_ZH if lang == "zh" else _CLAUSE_BREAK_EN
    before = sentence[:cue_start]
    starts = [m.end() for m in breaks.finditer(before)]
    window = before[starts[-1] if starts else 0 :][-40:]
    if sentence.rstrip().endswith(("吗？", "？", "?")):
        return True
    blockers = _ZH_BLOCKERS if lang == "zh" else _EN_BLOCKERS
    return bool(blockers.search(window))


def _is_firm(m: TaggedMention) -> bool:
    if m.kind == "company":
        return True
    if m.kind == "organisation" and m.entity is None:
        return (
            not _GOV_OR_MEDIA.search(m.surface)
            and not _ACRONYM.match(m.surface)
            and len(m.surface) <= 60
        )
    return False


def _list_groups(sentence: str, spans: list[tuple[int, int]], lang: str) -> list[int]:
    """Group index per firm: names joined only by list punctuation share a group."""
    gap_re = _LIST_GAP_ZH if lang == "zh" else _LIST_GAP_EN
    groups = list(range(len(spans)))
    for i in range(1, len(spans)):
        gap = sentence[spans[i - 1][1] : spans[i][0]]
        if gap_re.match(gap):
            groups[i] = groups[i - 1]
    return groups


def _distance(span: tuple[int, int], cue: tuple[int, int, str, str, bool]) -> int:
    if span[1] <= cue[0]:
        return cue[0] - span[1]
    if cue[1] <= span[0]:
        return span[0] - cue[1]
    return 0


_BETWEEN_CLAUSES = re.compile(r"[，；;]|\b(?:while|but|whereas|though)\b")


def _reach(sentence: str, span: tuple[int, int], cue: tuple[int, int, str, str, bool]) -> int:
    """Distance from a name to a cue, plus a penalty for each clause boundary between them."""
    lo, hi = (span[1], cue[0]) if span[1] <= cue[0] else (cue[1], span[0])
    breaks = len(_BETWEEN_CLAUSES.findall(sentence[lo:hi])) if hi > lo else 0
    return _distance(span, cue) + 40 * breaks


def _firm_key(m: TaggedMention) -> str:
    return m.entity or f"unlinked:{m.surface}"


def extract_claims(
    mentions: list[TaggedMention], lang: str, parents_of: dict[str, str] | None = None
) -> list[Claim]:
    """Claims from the tagged mentions of one document, sentence by sentence.

    ``parents_of`` maps a subsidiary's key to its parent's (from the gazetteer)."""
    if parents_of is None:
        from extract.gazetteer import load_gazetteer

        parents_of = {k: r.parent_key for k, r in load_gazetteer().entities.items() if r.parent_key}
    by_sentence: dict[tuple[int, str], list[TaggedMention]] = defaultdict(list)
    for m in mentions:
        by_sentence[(m.sentence_start, m.sentence)].append(m)
    claims: dict[tuple[str, str, str], Claim] = {}
    for (sent_start, original), sent_mentions in sorted(by_sentence.items()):
        # cues are read on simplified characters (same offsets); evidence keeps the original
        sentence = fold_traditional(original) if lang == "zh" else original
        cues = [c for c in _cues(sentence, lang) if not (c[4] and _blocked(sentence, c[0], lang))]
        firms = sorted((m for m in sent_mentions if _is_firm(m)), key=lambda m: m.start)
        if not cues or not firms:
            continue
        spans = [(m.start - sent_start, m.end - sent_start) for m in firms]
        attached: dict[int, list[tuple[int, int, str, str, bool]]] = defaultdict(list)
        # 1. each cue belongs to its nearest firm (on a tie, the one before it: the subject)
        for cue in cues:
            nearest = min(
                range(len(firms)),
                key=lambda i: (
                    _reach(sentence, spans[i], cue),
                    0 if spans[i][1] <= cue[0] else 1,
                ),
            )
            attached[nearest].append(cue)
        # 2. names of one coordinated list share their statuses
        groups = _list_groups(sentence, spans, lang)
        by_group: dict[int, list[tuple[int, int, str, str, bool]]] = defaultdict(list)
        for i, cue_list in attached.items():
            by_group[groups[i]].extend(cue_list)
        for i, m in enumerate(firms):
            own = by_group.get(groups[i], [])
            if not own:
                # 3. a name with no verb of its own takes the nearest one within reach
                near = min(cues, key=lambda c: _reach(sentence, spans[i], c))
                own = [near] if _reach(sentence, spans[i], near) <= 80 else []
            for cue in own:
                claim = Claim(m.entity, m.surface, cue[2], original, cue[3])
                claims.setdefault((_firm_key(m), claim.status, original), claim)
        # a parent named beside its own subsidiary is context ("Siemens Healthineers, the medical
        # business of Siemens"): the claim belongs to the subsidiary
        children = {m.entity for m in firms if m.entity}
        parents = {p for c in children if (p := parents_of.get(c))}
        for key in [k for k in claims if k[2] == original and k[0] in parents]:
            del claims[key]
    return list(claims.values())


_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s*")


def extract_counts(text: str, lang: str) -> list[Count]:
    """Numbers of firms without names ("13 foreign-invested firms were approved"): counts."""
    counts = []
    count_re = _COUNT_ZH if lang == "zh" else _COUNT_EN
    for sentence in _SENTENCE_END.split(text):
        matches = list(count_re.finditer(sentence))
        if not matches:
            continue
        sentence = fold_traditional(sentence) if lang == "zh" else sentence
        cues = [c for c in _cues(sentence, lang) if not (c[4] and _blocked(sentence, c[0], lang))]
        for match in matches:
            if cues:
                status = min(cues, key=lambda c: abs(c[0] - match.end()))[2]
                counts.append(Count(match.group(1), status, sentence.strip()))
    return counts
