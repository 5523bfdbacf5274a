"""Mentions -> claims: which firm was reported applying to, approved for, operating under or
withdrawn / rejected from a pilot programme, with the sentence as evidence.

Three stages, each testable alone (every claim records the stage that produced it):

1. **recognise** (``firm_candidates``): which tagged spans are firms. Gazetteer firms, unlinked
   organisations that are not government bodies, media or programme names, acronyms (FAW, GAC,
   NIO) and, inside a list of firms, names the English model took for places (Changan, Yutong).
   In English the dependency parse (run on claim sentences only) adds list members the NER
   missed, through coordination and appositions.
2. **attach** (``attach``): which status cue governs which firm in a sentence. A cue governs the
   firms of its clause and of the coordinated list that clause holds ("along with other firms such
   as …", "Unity, a US-based developer"); strong boundaries ("while", "but", ";", 而, 但) end
   its reach. Intentions, forecasts, conditionals, questions and denials block a cue. Speakers
   and sources ("said analysts at X", "according to X", 据X, X表示) are never claimants.
3. **propagate** (``propagate``): a sentence that lists firms with no verb of its own ("The first
   group also includes A, B and C", "名单如下：…") takes the status of the document's context;
   an anaphoric sentence ("the above applications have been approved", 上述企业…获批) gives its
   status to the firms of the context.

Numbers without names ("13 foreign-invested firms approved") are counts, not claims. A headline
(a first line without sentence-final punctuation) never makes a claim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from extract.tagging import TaggedMention, fold_traditional

CLAIMS_VERSION = "claims-2"
STATUSES = ("applied", "approved", "operating", "withdrawn")
STATUS_RANK = {"applied": 0, "approved": 1, "operating": 2, "withdrawn": 3}
STAGES = ("attach", "attach-parse", "propagate")
CONTEXT = "context"  # a cue whose status comes from the document's context ("also includes")

_LIC = (
    r"(?:licen[cs]es?|permits?|permission|approvals?|nod|green light|go[- ]ahead|clearance|"
    r"quotas?|qualifications?|certificates?|plates?)"
)
# a gap inside one sentence: a dot only inside a name or abbreviation (Pony.ai, Co. Ltd.)
_GAP = r"(?:[^.;]|\.(?=\S)|\b(?:Co|Ltd|Inc|Corp|Bhd|Pte|Pty)\.)"
_SVC = (
    r"(?:services?|operations?|business(?:es)?|platforms?|clouds?|centres?|centers?|hospitals?|"
    r"offerings?)"
)
# (status, pattern, blockable), most specific first; a matched span is masked for later patterns.
# An unblockable cue states a fact even after "expected"/"will" ("the outcome of their
# applications" says they applied).
_EN_CUES: list[tuple[str, str, bool]] = [
    (
        CONTEXT,  # "are also in the latest round": the context's status
        r"\balso (?:on|in|among) the (?:[\w-]+ ){0,3}?(?:list|round|batch|group|cohort)\b"
        r"|\balso named\b",
        False,
    ),
    (
        "approved",  # "the pilot lenders grew to …", "the pilot banks include …"
        r"\b(?:pilot|participating|selected|approved) (?:institutions|firms|companies|"
        r"enterprises|banks|members|operators)\b(?: (?:now|also|will))?"
        r" (?:include[sd]?|are|were|(?:expanded|extended|increased|grew) to)\b",
        False,
    ),
    # conditional forms: masked and dropped
    (
        "none",
        r"\b(?:if|once|unless|until|when) (?:it is |they are |it was |its application is )?"
        r"(?:approved|granted|cleared|selected)\b",
        False,
    ),
    (
        "approved",  # "the first … to be approved": the "to be" is no forecast here
        r"\b(?:first|second|third|only|latest)\b" + _GAP + r"{0,60}?\bto be "
        r"(?:approved|granted|licensed|selected|cleared|admitted)\b"
        # "among the first automakers to receive approval", "the first to win control of"
        r"|\b(?:first|second|third|only|latest)\b" + _GAP + r"{0,60}?\bto (?:receive|win|obtain|"
        r"get|gain|secure|be (?:granted|given|issued|awarded))\b" + _GAP + r"{0,30}?"
        r"\b(?:" + _LIC[3:-1] + r"|control|ownership|majority)\b",
        True,
    ),
    (
        "applied",
        r"\bin the (?:process|midst) of (?:obtaining|applying|seeking|securing)\b",
        True,
    ),
    (
        "applied",  # "applied to join the pilot": the application, not the participation
        r"\b(?:appl(?:ied|y|ying|ies)|applications?|seek(?:s|ing)?|sought|signed up|filed) to "
        r"(?:join|participate|take part|enter)\b(?: in)?(?: the| a)?",
        True,
    ),
    (
        "withdrawn",
        r"\bwithdr(?:ew|awn|awing|aws)\b"
        r"|\bpulled (?:out|its application|their application)"
        r"|\b(?:rejected|turned down|refused)\b(?! (?:a |the )?(?:media |press )?report)"
        r"|\b(?:was|were|been|is|are) denied\b"
        r"|\bdenied (?:its |their |the |a )?(?:[\w-]+ ){0,2}"
        r"(?:application|licen[cs]e|approval|permit)",
        True,
    ),
    (
        "operating",
        r"\b(?:has|have|had) (?:been )?(?:conducted|conducting|carried out|carrying out)\b"
        + _GAP
        + r"{0,40}?\b(?:testing|tests|trials?|trial operations|deliveries|operations|pilots?)\b"
        r"|\b(?:has|have|had) been testing\b"
        r"|\b(?:began|begun|begins|started|starts|commenced|has started|have started)\s+"
        r"(?:operating|operations|to operate|offering|providing|running|serving|trial operations|"
        r"accepting|receiving|testing|commercial)\b"
        r"|\blaunch(?:ed|es)\b" + _GAP + r"{0,40}?\b" + _SVC + r"\b"
        r"|\b(?:now|already) (?:operates|operating|running|offering)\b"
        r"|\bnow (?:runs|manages|provides|serves)\b"
        r"|\bup and running\b"
        r"|\bwent live\b|\b(?:is|are|has been|have been) (?:operating|running|offering)\b"
        r"|\bcommenced operations\b|\binto (?:operation|service|use)\b|\bopened to\b"
        r"|\brolled out\b|\bcontinues? (?:to operate|operating|to run)\b"
        r"|\b(?:began|begun|begins|started|starts|commenced|kicked off) (?:its|their|the) "
        r"(?:[\w-]+ ){0,3}?(?:roll-?out|commercial operations?)\b"
        r"|\b(?:officially |formally )?opened (?:its|their|a|the|for)\b|\bopened in\b"
        r"|\bopened (?:on )?(?:last |this )?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|"
        r"Sunday|week|month|year|yesterday|today)\b"
        r"|\b(?:has|have|had) (?:been )?operat(?:ed|ing)\b|\b(?:began|started|been) charging\b"
        r"|\b(?:issued|launched|raised) (?:its |their |the |a )?(?:first |second )?"
        r"(?:[\w-]+ ){0,2}?(?:products?|funds?)\b",
        True,
    ),
    (
        "applied",
        r"\b(?:pending|outstanding) applications?\b"
        r"|\boutcome of (?:its|their|the) applications?\b"
        r"|\bapplications?\b" + _GAP + r"{0,50}?\b(?:is|are|was|were|remains?|has been|have been) "
        r"(?:still )?(?:pending|under review|accepted)\b|\bawaiting\b|\baccepted for review\b"
        r"|\bresubmitted\b"
        r"|(?:(?<=approved )|(?<=accepted )|(?<=received )|(?<=reviewing )|(?<=processing )|"
        r"(?<=considering )|(?<=rejected )|(?<=approval of ))"
        r"(?:[A-Z][\w&.-]*\s+){0,3}[A-Z][\w&.-]*['’]s? (?:[\w-]+ ){0,3}?"
        r"(?:application|bid|request)s?\b"
        r"|\b(?:its|their|whose) (?:[\w-]+ ){0,3}?applications?\b"
        r"(?= (?:was|were|has been|had been|have been) (?:approved|accepted|granted|cleared))"
        r"|\b(?:its|their) (?:[\w-]+ ){0,3}?applications?\b"
        r"(?= (?:would|will|could|may|might|is|are)\b)",
        False,
    ),
    (
        "approved",
        r"\bapproved\b|\bapproval (?:of|for)\b"
        r"|\b(?:received|won|gained|gaining|got|gets|get|getting|obtained|obtains|obtain|secured|"
        r"secures|"
        r"was given|"
        r"were given|been given|given|winning|receiving|obtaining|securing|awarded|"
        r"acquired|issued|became)\b" + _GAP + r"{0,40}?\b" + _LIC + r"\b"
        r"|\bgranted\b|\bcleared\b|\blicensed\b|\blicen[cs]es? (?:was |were )?issued to\b"
        r"|\bpermitted\b|\b(?:preliminary|final|formal|official|regulatory) approval\b"
        r"|\bgot the nod\b|\bshort-?listed\b"
        r"|\b(?:greenlit|green-lit|greenlighted|green-lighted)\b"
        r"|\b(?:gave|give|gives|giving|handed) (?:the |a |its |their )?(?:final |formal )?"
        r"(?:nod|green light|go-ahead|approval|permission)\b"
        r"|\b(?:selected|chosen|picked|named|listed|included|admitted|approved|appointed)\b"
        r"(?= (?:as|for|in|into|to|on|among|under)\b)"
        r"|\b(?:was|were|been|being) (?:selected|chosen|picked)\b"
        r"|\b(?:made|make|makes|on) the (?:first |initial )?(?:list|cut|batch)\b"
        r"|\bwon (?:a |the )?(?:spot|place)\b"
        r"|\b(?:enter(?:ed|ing|s)?|admitted (?:to|into)|accepted into|(?:are|is|were|was) on) "
        r"(?:the |this |its )?(?:[\w-]+ ){0,3}?(?:pilot|list|programme|program|project|batch)\b"
        r"|\b(?:been |are |were |is |was )(?:included|allowed to|permitted to|cleared to)\b"
        r"|\binvolved in (?:\w+ ){0,3}?(?:pilot|projects?)\b|\b(?:was|were) issued\b"
        r"|\b(?:expanded|broadened|widened|changed) (?:its|their) business scope\b"
        r"|\bauthori[sz]ed (?:[\w-]+ ){0,5}?to\b"
        r"|\badd(?:s|ed|ing)?\b"
        + _GAP
        + r"{0,40}?\bto the (?:[\w-]+ ){0,3}?(?:list|pilot|programme|program|batch|scheme)\b"
        r"|\b(?:licen[cs]es?|permits?|plates?|quotas?) (?:were |was |have been )?"
        r"(?:offered|issued|granted|awarded|given|allocated) (?:jointly |separately )?to\b"
        r"|\b(?:licen[cs]es?|permits?|plates?|quotas?|certificates?)\b" + _GAP + r"{0,30}?"
        r"\bissued (?:jointly |separately )?to\b"
        r"|\b(?:taken|took|take|gained|gain|won|secured|obtained) (?:majority|full|a controlling|"
        r"controlling) (?:control|ownership|stakes?)\b"
        r"|\bown(?:s|ing)? (?:a )?(?:majority|controlling) stakes?\b"
        r"|\b(?:has|have|had|holds?|held) (?:(?:a|an|the|its|their|partial|full|conditional|"
        r"preliminary|final|formal|official|regulatory|initial)\s+){1,3}" + _LIC + r"\b",
        True,
    ),
    (
        "approved",  # participating is taking part with the regulator's approval
        r"\b(?:participat(?:e|es|ed|ing)|took part|take part|takes part|taking part|"
        r"join(?:s|ed|ing)? (?:the |this |a )?(?:[\w’'-]+ ){0,5}?(?:pilot|programme|program|scheme|"
        r"list|batch|trial|tests?|testing)|(?:is|are|was|were|become|became) (?:among )?(?:the )?"
        r"(?:first )?(?:participants|members|pilot (?:firms|companies|enterprises)))\b",
        True,
    ),
    (
        "applied",
        r"\bsought\b(?! to)|\bseeking\b(?! to)|\bseeks\b(?! to)"
        r"|\bappl(?:ied|ying)\b(?! \w+ speeds?)"
        r"(?! for (?:subsid|loans?|fund|grants?|visas?|patents?|trademarks?|bankruptcy|listing"
        r"|IPO))"
        r"(?! to (?:the|all|foreign|its|their|both|these|those|such|other|any|every|each|them|"
        r"it)\b)"
        r"|\bapplies (?=for\b)"
        r"|\bto apply\b(?! \w+ speeds?)"
        r"|\b(?:submit|submits|submitted|submitting|file|files|filed|filing|lodge|lodged|"
        r"lodging|sent|send|made|make|put in)\b" + _GAP + r"{0,30}?\bapplications?\b"
        r"|\b(?:submit|submits|submitted|submitting|filed|lodged)\b" + _GAP + r"{0,30}?"
        r"\b(?:plans?|paperwork|materials|documents|filings?|dossiers?|proposals?)\b"
        r"|\b(?:reviewing|considering|processing|received) (?:a|an|the) "
        r"(?:filing|application|request)s? (?:by|from)\b"
        r"|\b(?:first|earliest)\b[^,;]{0,30}? to (?:seek|apply|file|submit|request)\b"
        r"|\bapplications?\b" + _GAP + r"{0,20}?\b"
        r"(?:submitted|filed|lodged|came from|were received from)\b"
        r"|\b(?:early|first|other|among (?:the )?(?:first )?)\s*applicants\b"
        r"|\bapplicants (?=include|including|such as|were|are|named)"
        r"|\bsigned up\b|\bsign(?:s|ing)? up\b|\bline[sd]? up\b|\bbid(?:s|ding)? for\b"
        r"|\bregistered (?:for|to)\b"
        r"|\b(?:waiting|waited|wait) (?:for|on) (?:the |a |final |formal |regulatory |licen[cs]e )*"
        r"(?:approvals?|licen[cs]es?|permits?|green light|go-ahead|nod)\b",
        True,
    ),
    (
        CONTEXT,  # a list whose status is the document's ("the first group also includes")
        r"\b(?:first|second|third|initial|latest|new|next) (?:batch|group|cohort|round|wave|list)"
        r"\b" + _GAP + r"{0,90}?\b"
        r"(?:includes?|including|comprises?|consists? of|features?|are|were|is)\b"
        r"|\b(?:the (?:list|companies|firms|enterprises|applicants|participants) "
        r"(?:also )?(?:includes?|including|are|were))\b|\balso includes?\b|\bothers? include\b"
        r"|\b(?:licen[cs]es?|approvals?|permits?|quotas?|batch) included\b"
        r"|\bnamely\b"
        r"|\b(?:the|(?:these|those) (?:\d+|two|three|four|five|six|seven|eight|nine|ten))"
        r" (?:\w+ ){0,2}(?:companies|firms|carmakers|automakers|enterprises|"
        r"applicants|participants|consortia|members)(?:, [^,.;]{1,40},)? (?:are|were|include)\b"
        r"|\blist of (?:participants|applicants|pilot \w+|approved \w+|\w+ firms|\w+ companies)\b"
        r"|\b(?:other )?participants (?:in|of) the (?:[\w-]+ ){0,3}?"
        r"(?:pilot|programme|program|scheme)(?: (?:include|are|were))?\b"
        r"|\bparticipating (?:[\w-]+ ){0,2}?include\b",
        False,
    ),
]
_ZH_CUES: list[tuple[str, str, bool]] = [
    (
        "none",
        r"如获批准?|若获批准?|一旦获批|待获批|如果获批|有望获批|能否获批|如能入选|若入选",
        False,
    ),
    (
        "withdrawn",
        r"撤回(?:了)?(?:其)?(?:(?!并|再|重新|又)[^，。]){0,10}申请|撤回|未获批准|未获批|未获通过|被驳回|驳回|"
        r"不予批准|退出(?:了)?试点|被拒|落选",
        True,
    ),
    (
        "operating",
        r"正式(?:开展|运营|上线|开业|营业|投入运营|开通|开诊|启用|投用|开启|开售|发售)|开始运营|"
        r"推出[^，。；]{0,24}(?:服务|业务)|(?:服务|业务)[^，。；]{0,16}落地(?!运营)|投入运营|已开展(?:相关)?业务|"
        r"(?:已在|已于|起在)[^，。；]{0,12}开展[^，。；]{0,14}业务|上线[^，。；]{0,10}服务|"
        r"开始[^，。；]{0,15}(?:提供|运营|服务|接诊|运作)|投入运作|投产|持续运营|继续运营|(?<!首次)开诊(?!许可|运营的|仪式)|开业(?!许可|申请|审批|批复|条件|验收)|试运营(?!许可|牌照|资格)|落地运营|"
        r"(?:目前|现已|现正|已)在[^，。；]{0,12}(?:城市|地区|区域|市|省|区)(?:开展)?运营|"
        r"投入使用|启动运营|开通运营|商业化运营|开通[^，。；]{0,10}(?:服务|线路|运营)|发行(?:了)?[^，。；]{0,16}(?:产品|基金)|(?:首单|首只|首支)[^，。；]{0,12}落地",
        True,
    ),
    (
        "applied",
        r"等待[^，。；]{0,8}审批|审核中|获知申请结果|申请结果|申请仍在|重新提交|已受理|受理了|正在审批",
        False,
    ),
    (
        "approved",
        r"申请(?:已)?获批|获批|获得(?:了)?[^，。；]{0,24}批复|批复同意|获准|获得(?:了)?"
        r"[^，。；]{0,24}(?:许可|牌照|资质|资格|额度|批准|核准|备案)|拿到(?:了)?[^，。；]{0,12}(?:许可|牌照|额度)|"
        r"取得(?:了)?[^，。；]{0,12}(?:许可|牌照|资质|资格|额度)|获颁[^，。；]{0,6}(?:许可|牌照)?|"
        r"通过(?:了)?[^，。；]{0,12}?(?:审批|审核|评估|评审|审查)|批准(?:了)?|"
        r"(?:收到|领到|获发|领取)(?:了)?[^，。；]{0,30}(?:许可证|合格证|批复|牌照|经营证)|同意[^，。；]{0,30}(?:开展|设立|试点)|"
        r"入选|进入[^，。；]{0,16}名单|进入(?:了)?[^，。；]{0,24}试点|获得[^，。；]{0,20}首批|核准(?:设立)?|新获|颁发|发放|批出|"
        r"获[^，。；]{0,4}(?:牌照|许可|资格|额度)|列入[^，。；]{0,16}(?:名单|首批|试点)|纳入[^，。；]{0,16}试点|"
        r"(?:成为|确定为|确定)[^，。；]{0,16}(?:首批|首家|试点)|经营范围变更|变更经营范围|准予备案|(?:审查|审核|评审|评估)通过|"
        r"首批(?:获批|试点|入选)[^，。；申]{0,8}(?:企业|公司|机构|单位)|获得[^，。；]{0,8}资格|入围|"
        r"位列[^，。；]{0,30}名单|(?:通过|完成)(?:了)?[^，。；]{0,30}备案|"
        r"(?:等|[\d一二三四五六七八九十两]+家)(?:首批)?试点(?:机构|企业|公司|银行|单位)|"
        r"(?<![不未没])在[^，。；]{0,24}(?<!申报)(?<!申请)(?<!候选)名单(?:中|之列|内|里|上)",
        True,
    ),
    (
        "approved",
        r"参与(?:了)?[^，。；]{0,16}试点|参加(?:了)?[^，。；]{0,16}试点|加入(?:了)?[^，。；]{0,16}试点",
        True,
    ),
    (
        "applied",
        r"(?:提交|递交|提出)(?:了)?[^，。；]{0,24}申请(?!要求|条件)|(?<=经)[^，。；]{2,80}?申请(?=[，。；])|"
        r"等(?:企业|公司|机构|单位)(?:的)?申请|申请[^，。；]{0,8}?(?:提交|递交)|已申请|"
        r"申请(?:加入|参与|参加|开展|设立|试点)|(?<![的在])申请(?=[^，。；]{0,20}(?:试点|牌照|许可|资格|额度))|向[^，。；]{0,12}申请(?!要求|条件|贷款|融资|补贴)|报名|(?<!集中|试点)申报(?!的|阶段|工作|方案|材料|条件|要求)|提出申请|申请了",
        True,
    ),
    (
        CONTEXT,
        r"(?:首批|第一批|第二批|第三批|本批|该批)[^，。；：]{0,40}(?:包括|有|为|是|如下)|名单如下|分别(?:是|为)|还包括|也包括|其中包括|"
        r"(?<!申报)(?<!申请)(?<!候选)名单(?:中|里)?(?:包括|包含|有(?!限|望))",
        False,
    ),
]
_EN_RE = [(s, re.compile(p, re.I), b) for s, p, b in _EN_CUES]
_ZH_RE = [(s, re.compile(p), b) for s, p, b in _ZH_CUES]

# words before a cue (same clause) that make it an intention, a forecast, a question or a denial
_EN_BLOCKERS = re.compile(
    r"\b(?:plans?|planned|planning|intends?|intended|intending|considering|considers?|mulling|"
    r"weighing|may|might|could|would|will|shall|expects?|expected|expectations?|hopes?|hoping|aims?|wants?|"
    r"likely|set to|poised|whether|if|unless|yet to|not|never|no|nor|denied|deny|denies|"
    r"declined to|ready to|prepar(?:es|ing|ed) to|preparing|eligible|can|should|must|invited|"
    r"before|encouraged|welcome[sd]?|rumou?red|reportedly considering|seek to|looking to|in talks|"
    r"eyeing|keen|interested|would like|forecast|predicted|anticipated|once|when it|to be|"
    r"imminent|touting|touted|possible|potential|speculat\w*|rumors?|rumours?|needs? to|"
    r"has to|have to|required to|seek(?:s|ing)? to|sought to|trying to|tries to|looking to|"
    r"moving toward|moving towards|working toward|working towards|on track to|anticipat\w*|"
    r"eagerly|none|failed to|fails? to|failing to|unable to|needs?|needed|allegedly|reportedly|"
    r"(?:is|are|was|were) said to|(?:believed|thought|understood|rumou?red|tipped) to)\b"
    r"|\?|n't\b",
    re.I,
)
_ZH_BLOCKERS = re.compile(
    r"计划|拟|将(?![^，。；]{0,10}(?:纳入|列入|确定))|准备|考虑|是否|如果|如获|若|假如|未(?!来)|没有|否认|有望|可能|可以|欢迎|"
    r"期待|期望|盼望|(?:宣布|表示|声称|称|说|承诺|透露|也|还|就)会(?:在|于)|"
    r"鼓励|能否|吗|？|传闻|预计|或将|筹备|筹划|意向|希望|争取|有意|打算|正在洽谈|不排除|需要|必须|须|应当|据传|"
    r"有消息称|未获证实|未经证实|不(?:在|属于|包括|含)|无缘"
)
# boundaries a cue does not reach across
_STRONG_EN = re.compile(
    r";|\b(?:while|whereas|but|although|though|however|meanwhile|unlike|in contrast)\b", re.I
)
_STRONG_ZH = re.compile(r"[；;]|而(?=[^且])|但(?:是)?|不过|同时|此外|另外|与此同时|相比之下")
# speakers, sources and bystanders: never claimants
_ROLE_BEFORE_EN = re.compile(
    r"(?:according to|analysts? (?:at|from|with)|than|unlike|partner(?:ed|ing|s)? "
    r"with|rivals?|competitors?|suppliers? to|clients? of|customers? of|reported by|cited by|"
    r"from research firm|research firm|consultancy|law firm|backing from|backed by|"
    r"invested by|investors? (?:include|including|such as)|shareholders?|"
    r"rivals?,? (?:including|such as|like)|competitors?,? (?:including|such as|like)|"
    r"(?:joint venture|venture|JV|partnership|tie-up|alliance|cooperation|deal) (?:with|between)|"
    r"partner(?:ed|ing|s)? (?:with)?|stake in|stakes in|with (?:its )?(?:local )?partners?|"
    r"(?:NYSE|NASDAQ|Nasdaq|HKEX|HKG|SSE|SZSE)\s*:|unit of|subsidiary of|former|ex-|"
    r"(?:boss|chief executive|CEO|founder|co-founder|chairman|chairwoman|president|head|"
    r"employees?|staff) of(?:\s+[\w’'-]+){0,5}?)"
    r"\s+(?:the\s+)?$",
    re.I,
)
# "a venture with a unit of the country's second largest bank, CCB, and Temasek": partners up to
# the next verb or clause boundary
_PARTNER_SPAN_EN = re.compile(
    r"\b(?:joint venture|venture|JV|partnership|tie-up|alliance|cooperation agreement) "
    r"(?:with|between)\b(?:(?!\b(?:has|have|had|was|were|is|are|received|obtained|won|got|applied|"
    r"said|says|will|would|which|who|that|while|but|after)\b)[^;:.])*$",
    re.I,
)
_UNNAMED_UNIT_OF_EN = re.compile(
    r"([,(]\s*)?\b(?:the|a|an)\s+[^,;()]{0,60}?\b"
    r"(?:units?|subsidiary|subsidiaries|arms?|affiliates?) of\s+(?:the\s+)?$",
    re.I,
)
_ROLE_AFTER_EN = re.compile(
    r"^\s*(?:analysts?|estimates?|research|report|reported|(?:senior |executive )?"
    r"vice[- ]president|co-?founder|founder|veteran|alumn\w*|employees?|engineers?)\b",
    re.I,
)
# a speaker reports on itself unless the sentence names another firm ("Tesla applied, HSBC said")
_SPEAKER_AFTER_EN = re.compile(
    r"^['’]?s?\s*(?:said|says|told|noted|confirmed|spokes(?:person|man|woman)|executive|official|"
    r"chairman|CEO|chief|president|representative)\b",
    re.I,
)
_SAID_BEFORE = re.compile(r"\b(?:said|says|told|according to)\s+(?:the\s+)?$", re.I)
_SPEAKER_AFTER_ZH = re.compile(
    r"^(?:表示|称|证实|透露|宣布|发言人|负责人|相关负责人|董事长|总裁|总经理|首席)"
)
_ROLE_BEFORE_ZH = re.compile(r"(?:据|根据|援引|携手|相比|比|不同于|分析师|记者|从)$")
_ROLE_AFTER_ZH = re.compile(
    r"^(?:认为|指出|介绍|分析|报道|研究|数据|预计|预测|分析师|人士|方面|\d{1,2}月\d{1,2}日(?:消息|讯|电))"
)
_CLAUSE_BREAK_EN = re.compile(r"[,;:()\"“”]|\b(?:and|but|while|whereas|which|who|after|as)\b", re.I)
_CLAUSE_BREAK_ZH = re.compile(r"[，；：（）“”]")
_LIST_GAP_EN = re.compile(
    r"^[\s,;]*(?:(?:and|or|as well as|plus|along with|together with|&)\s+)?"
    r"(?:(?:the|a|an|its|their)\s+)?(?:[\w'’-]+\s+){0,8}$",
    re.I,
)
_LIST_GAP_ZH = re.compile(r"^[、，,\s]*(?:和|与|及|以及|、|同)?[、，,\s]*$")
# anaphors that hand a cue to the firms of the context ("the above applications", 上述企业)
_ANAPHOR_EN = re.compile(
    r"\b(?:the above|these|those|both|all (?:of )?(?:them|the)|the (?:two|three|four|five|six|"
    r"seven|eight|nine|ten|\d+)|they|the (?:companies|firms|enterprises|applicants|applications|"
    r"participants|consortia)|their applications?|its application|the latter(?: two| three)?|"
    r"the former)\b",
    re.I,
)
# "The company currently operates …", "The U.S.-based bank originally applied …": the one firm of
# the context, as the subject of the sentence
_SINGULAR_ANAPHOR_EN = re.compile(
    r"^\W*The (?:[\w.-]+ ){0,2}(?:company|firm|bank|carmaker|automaker|group|insurer|lender|"
    r"manager|operator|startup|developer|hospital|fund|brokerage|venture)\b(?![-’'])",
)
# negation that stops a list from inheriting the context ("are not on the list")
_NEGATION_EN = re.compile(
    r"\b(?:not|no|never|excluded|except|absent|missing|neither|nor)\b|n't\b", re.I
)
# 不良 (bad assets), 不断, 不少, 未来 …: the characters of a negation inside other words
_NEGATION_ZH = re.compile(
    r"未(?!来)|不(?!良|断|少|同|仅|久|到|低于|超过|过|论|管|但|光|只|止)|没有|排除|除外|落选|无缘"
)
_ANAPHOR_ZH = re.compile(
    r"上述|以上|这些|这[两三四五六七八九十\d]+家|[两三四五六七八九十\d]+家企业|该(?:公司|企业|集团|机构)|它们|其申请|均"
)
# a firm-bearing sentence without its own cue continues the context's list
_LIST_CONTEXT_EN = re.compile(
    r"\b(?:also include[sd]?|includes?|including|such as|among them|others? (?:are|were|include)|"
    r"namely)\b|^\W*(?:and|plus)\b|:\s"
    r"|^\W*(?:they|these|those|the (?:two|three|four|five|six|seven|eight|nine|ten|\d+)"
    r"(?: [\w-]+){0,2}) (?:are|were|include[sd]?)\b|^\W*(?:of|among) (?:these|them|those)\b"
    r"|\b(?:first|second|third|next|same) (?:group|batch|list|cohort|round)\b",
    re.I,
)
_LIST_CONTEXT_ZH = re.compile(r"包括|还有|其中|名单|分别(?:是|为)|如下|：")
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
    r"Society|Alliance|Union|Foundation|People's Bank|State Grid Corporation of China|"
    r"Regulatory|Regulator|Exchange|Customs|Police|Army|Court|NPC|CPPCC|Press|Magazine|Journal|"
    r"Newswire|Wire|Agency|Area|Conference|Expo|Summit|Exhibition|Mobile)\b"
    r"|(?:部|委|局|办|厅|政府|协会|大学|学院|报|(?<!会)社|网|电视台|管委会|委员会|办公室|中心|研究院|研究所|法院|海关|新区|自贸区|自由贸易试验区|试验区|示范区|园区|交易所|监会|总局|署|联合会|商会)$"
    r"|^(?:国务院|商务部|工信部|工业和信息化部|国家|中国人民银行|央行|证监会|银保监会|金融监管总局|外汇局|网信办)"
    r"|大学(?!.*医院)"
)
# programme names and other non-firms that NER labels ORG ("Value-Added Telecom Pilot")
_NOT_A_FIRM = re.compile(
    r"\b(?:pilot|program(?:me)?s?|scheme|initiative|project|plan|policy|zone|FTZ|list|"
    r"measures?|regulations?|rules?|law|act|catalogue|negative list|opening-up|belt and road|"
    r"GDP|CPI|PMI|RMB|yuan|internet data cent(?:re|er)s?|content delivery)\b"
    r"|\brenminbi\b|\bconnect\b|\bmodel [A-Z0-9]\b|^(?:bank|group|company|corp|fund|state)$"
    r"|^(?:P\.?R\.?\s+)?(?:China|Chinese|Asia|Asia Pacific|Hong Kong|Shanghai|Beijing|Shenzhen)"
    r"\s+(?:Co\.?,?\s*)?(?:Ltd|Limited|Inc|Corp|Co)\.?$"
    r"|\bqualified (?:foreign|domestic)\b|\bfull self-driving\b"
    r"|\bdemonstration area\b"
    r"|\blimited partner(?:ship)?\b|\binstitut(?:es|ions)\b"
    r"|^(?:Co\.?,?\s*)?(?:Ltd|Limited|Inc|Corp|LLC|PLC|Plc)\.?$|^[)）]|[(（]$|\bLaboratory\b"
    r"|\bcurrenc(?:y|ies)\b|\bCOVID\b|\b(?:large|language|large-scale) models?\b|^Photo\b|/VCG\b"
    r"|新一批|首批|第[一二三四五六七八九十\d]批|记者|报讯$|最大|知名|领先|龙头"
    r"|^(?:保险|金融|金融控股|资管|资产管理|投资|控股|科技|汽车)(?:集团|公司|机构)$|产品$"
    r"|^(?:合资|外资|中资|民营|国有|股份制|头部|大型|中小)[\u4e00-\u9fff]{0,4}(?:公司|企业|机构|银行)$"
    r"|试点|计划|方案|政策|办法|规定|清单|目录|名单|工程|项目|行动|战略|示范|条例|通知|意见|评估|申报|审批|"
    r"许可|支持下|试运营|载人|^(?:一|两|三|该|这|那|某)家|仪式"
    r"|^(?:[两三四五六七八九十\d]+家)?(?:民营|外资|中资|合资|国有|股份制|城商|农商|地方|境外|境内|公募|私募|"
    r"国内|国外)?(?:银行|券商|证券公司|基金公司|保险公司|支付机构|企业|公司|机构|合作伙伴|伙伴|主发起人|发起人|"
    r"运营商|银行卡|资)$|^(?:美国|中国)?银行卡$|^中资$"
    r"|^(?:中国|我国|全国|国内|深圳经济特区|[\u4e00-\u9fff]{2,4}[市区])?(?:智能网联|新能源|自动驾驶|无人驾驶|网联|"
    r"电信|通信|金融|医疗|互联网|数据|外资|外商|汽车|增值电信)[\u4e00-\u9fff]{0,4}$"
    r"|(?:行业|产业|业)$",
    re.I,
)
# domain acronyms that are not firms; other short upper-case names (FAW, GAC, NIO) may be
_NOT_FIRM_ACRONYMS = frozenset(
    "IDC IDCS CDN CDNS ISP ISPS VATS ICV ICVS QFLP QDLP QFII RQFII FTZ FTZS EV EVS NEV NEVS AI "
    "GDP CPI PMI RMB CEO CFO CTO CIO US USA UK EU UN WTO APEC ASEAN G20 SAR PRC CPC NPC CPPCC "
    "MIIT MOFCOM NDRC CAC CSRC CBIRC NFRA SAFE PBOC PBC SASAC NHC CCTV CGTN CNS 5G 4G L2 L3 L4 VPN "
    "L5 V2G V2X C-V2X OTA ADAS IPO ETF ESG FDI WFOE WFOES JV JVS SEZ SEZS GBA R&D IT ICT IOT "
    "API SDK OS CAR CNY USD HKD FSD NOA FMC BJHAD NYSE NASDAQ HKEX SSE SZSE CBRC CIRC CAAC NAFMII "
    "QDIE AOC UAM SAMR MPS MOT MOF SAT SFC HKMA MAS FCA SEC PBC PBOC MIIT NFRA CBDC CBDT LLM LLMS "
    "AIGC GENAI".split()
)
_HEADLINE_END = re.compile(r"[.!?。！？:：”\"』」)]\s*$")
_SENTENCE_SPLIT_EN = re.compile(r"(?<=[.!?…])[\"”’']?\s+(?=[\"“‘']?[A-Z0-9(])|\n+")
_SENTENCE_SPLIT_ZH = re.compile(r"(?<=[。！？!?])[”」』]?|\n+")


@dataclass(frozen=True)
class Claim:
    firm: str | None  # gazetteer key, or None for a firm not in the alias file
    firm_surface: str
    status: str
    evidence: str
    cue: str
    stage: str = "attach"  # attach | attach-parse | propagate
    offset: int = -1  # where the evidence sentence starts in the text (-1: unknown)


@dataclass(frozen=True)
class Count:
    number: str
    status: str
    evidence: str


@dataclass
class _Cue:
    start: int
    end: int
    status: str
    text: str
    blocked: bool


@dataclass
class _Sentence:
    start: int
    text: str  # original characters
    folded: str  # simplified characters (zh), same offsets
    mentions: list[TaggedMention] = field(default_factory=list)


@dataclass
class _Firm:
    mention: TaggedMention
    start: int  # offset in the sentence
    end: int


# --------------------------------------------------------------------------------------------
# cues


def _cues(sentence: str, lang: str, names: list[tuple[int, int]] | None = None) -> list[_Cue]:
    """The status cues of a sentence; ``names`` (spans of firm names) are masked when looking for
    blockers (四川希望银行 holds 希望, "Hope Bank" holds "hope")."""
    if (_HOAX_ZH if lang == "zh" else _HOAX_EN).search(sentence):
        return []  # "照片为伪造", "rumours claimed that …": a story told only to be denied
    masked = sentence
    plain = sentence
    for a, b in names or []:
        plain = plain[:a] + "\0" * (b - a) + plain[b:]
    found: list[_Cue] = []
    for status, pattern, blockable in _ZH_RE if lang == "zh" else _EN_RE:
        for m in pattern.finditer(masked):
            if status != "none":  # conditional forms ("if approved"): masked and dropped
                blocked = blockable and _blocked(plain, m.start(), lang)
                found.append(
                    _Cue(m.start(), m.end(), status, sentence[m.start() : m.end()], blocked)
                )
            masked = masked[: m.start()] + "\0" * (m.end() - m.start()) + masked[m.end() :]
    found = [
        c
        for c in found
        if not _purpose_of_application(sentence, c)
        and not (c.status == CONTEXT and _NOT_AFTER.match(sentence[c.end :]))
        and not (c.status == "operating" and _facility_opened(sentence, c, lang))
    ]
    return sorted(found, key=lambda c: c.start)


# a building opened or put into use ("a data center opened in 2021", "投入使用的研发中心"): the
# firm's facility, not its operation under a programme
_FACILITY_BEFORE_EN = re.compile(
    r"\b(?:data|research|R&D|innovation|training|design|development|service|customer) "
    r"(?:cent(?:er|re)s?|hubs?|campus(?:es)?|labs?)\s+"
    r"(?:(?:was|were|has been|had been|which|that)\s+)?$"
    r"|\b(?:factory|factories|plants?|gigafactory|offices?|headquarters|showrooms?|stores?|"
    r"warehouses?)\s+(?:(?:was|were|has been|had been|which|that)\s+)?$",
    re.I,
)
_FACILITY_AFTER_ZH = re.compile(
    r"^的?[^，。；]{0,8}(?:研发中心|数据中心|创新中心|研究院|研究中心|工厂|超级工厂|基地|厂房|办公室|总部|门店|展厅)"
)


def _facility_opened(sentence: str, cue: _Cue, lang: str) -> bool:
    if lang == "zh":
        return bool(_FACILITY_AFTER_ZH.match(sentence[cue.end :]))
    # "a data center opened in 2021": the building is the subject of "opened" (but "put its
    # data centre into operation" under a data-centre licence is the firm's operation)
    return cue.text.lower().startswith("opened") and bool(
        _FACILITY_BEFORE_EN.search(sentence[max(0, cue.start - 60) : cue.start])
    )


_NOT_AFTER = re.compile(r"^\s*(?:not|never|no longer)\b|^\s*不", re.I)
_PARTICIPATE = re.compile(
    r"^(?:participat|join|take part|took part|taking part|参与|参加|加入)", re.I
)
_PURPOSE_BEFORE = re.compile(
    r"\b(?:appl\w*|request\w*|seek\w*|sought|bid\w*|fil(?:e|ed|ing))\b[^.;]{0,80}\bto\s+$|"
    r"申请[^，。；]{0,20}$",
    re.I,
)


def _purpose_of_application(sentence: str, cue: _Cue) -> bool:
    """ "filed an application with the PBOC to participate …": the purpose, not a status."""
    return bool(_PARTICIPATE.match(cue.text) and _PURPOSE_BEFORE.search(sentence[: cue.start]))


_NEGATED_SUBJECT = re.compile(r"^\W*(?:no|none|neither|not a single|not one)\b", re.I)


_HOAX_EN = re.compile(r"\b(?:rumou?rs?|hoax|fake|fabricated|untrue|falsely)\b", re.I)
_HOAX_ZH = re.compile(r"谣言|传言|不实|辟谣|伪造|虚假")


_ZH_PERMISSION_CLAUSE = re.compile(
    r"^(?:此后|随后|之后|今后|届时)?(?:并|且|还|即|均|都)?(?:可|可以|能够|允许|准许)(?:在|于|开展|进行|正式|上线|提供|面向|向)"
)


_GERUND_SUBJECT_EN = re.compile(
    r"(?:gaining|obtaining|winning|securing|receiving|getting)\b[^,;.]{0,60}?"
    r"\b(?:is|was|would be|will be|remains|could be|may be)\b",
    re.I,
)
_ZH_INSERTION = re.compile(
    r"^(?:(?:即|也就是|亦即|也即)[^，；。]{0,15}|[\d〇一二三四五六七八九十年月日号底初中旬上下个本今明该周季度]{1,12})[，,]$"
)


def _blocked(sentence: str, cue_start: int, lang: str) -> bool:
    """Is the cue an intention / forecast / question / denial? Look back to its clause start."""
    if sentence.rstrip().endswith(("吗？", "？", "?")):
        return True
    if lang != "zh" and _NEGATED_SUBJECT.match(sentence):
        return True  # "No foreign bank, including Barclays, has been approved."
    breaks = _CLAUSE_BREAK_ZH if lang == "zh" else _CLAUSE_BREAK_EN
    before = sentence[:cue_start]
    starts = [m.end() for m in breaks.finditer(before)]
    if lang == "zh":
        # an inserted clause ("…有望在下个月，即2026年2月，获得…", "…，最快下月，…") belongs to the
        # clause before it: the modal before the insertion still governs the cue
        inserted = False
        while len(starts) >= 2 and _ZH_INSERTION.match(before[starts[-2] : starts[-1]]):
            starts.pop()
            inserted = True
        if inserted:
            starts.pop()  # and the clause before the insertion
    window = before[starts[-1] if starts else 0 :][-40:]
    if lang != "zh" and not window.strip() and _GERUND_SUBJECT_EN.match(sentence, cue_start):
        return True  # "Gaining approval in China is key to …": the act named, not reported
    if lang != "zh" and sentence[cue_start : cue_start + 3].lower() == "to ":
        window += "to"  # "is seeking to apply": the cue's own "to" completes the blocker
    if lang == "zh":
        clause_start = max((m.end() for m in re.finditer(r"[，；。]", before)), default=0)
        if _ZH_PERMISSION_CLAUSE.match(before[clause_start:] + sentence[cue_start : cue_start + 4]):
            return True  # "…许可证，可在示范区内道路试运营": what a licence allows, not a fact
    rest = re.split(r"[，；。]", sentence[cue_start:], maxsplit=1)[0]
    if lang == "zh" and _foreign_issuer_zh(window, rest):
        return True  # "美国某州为某公司颁发了路测牌照": another country's licence
    blockers = _ZH_BLOCKERS if lang == "zh" else _EN_BLOCKERS
    return bool(blockers.search(window))


@lru_cache(maxsize=1)
def _foreign_countries_zh() -> re.Pattern[str]:
    from babel import Locale

    names = {
        n
        for n in Locale.parse("zh").territories.values()
        if len(n) >= 2 and not re.search(r"中国|香港|澳门|台湾|世界|联合国|欧盟|地区|群岛", n)
    }
    return re.compile("|".join(sorted(map(re.escape, names), key=len, reverse=True)))


_CHINA_HERE_ZH = re.compile(r"中国|我国|(?<![美英德法韩泰俄])国内|境内|内地|大陆|本市|全国")


@lru_cache(maxsize=1)
def _chinese_places_zh() -> frozenset[str]:
    from extract.gazetteer import load_gazetteer

    return frozenset(
        n
        for record in load_gazetteer().entities.values()
        if record.kind in {"city", "province"}
        for n in record.names("zh")
        if len(n) >= 2
    )


def _foreign_issuer_zh(window: str, rest: str) -> bool:
    """The cue's clause names another country and neither China nor a Chinese place: a licence
    abroad (one a US state gave), not the Chinese programme."""
    before = fold_traditional(window)
    country = _foreign_countries_zh().search(before)
    # the country is the giver: "美国某州(就)为/向X颁发…" (not "来自德国的X获批")
    giver = r"^[^，。；的]{0,8}?(?:就|已|曾|先后)?(?:为|向|给)"
    if not country or not re.search(giver, before[country.end() :]):
        return False
    after = fold_traditional(rest)
    # a Chinese place after the cue ("…颁发了上海的牌照"); before it, 内华达州 holds 达州
    return not (
        _CHINA_HERE_ZH.search(before + after) or any(p in after for p in _chinese_places_zh())
    )


# --------------------------------------------------------------------------------------------
# recognise


@lru_cache(maxsize=1)
def _country_names() -> frozenset[str]:
    """Country and territory names in English and Chinese, from Babel's CLDR data."""
    from babel import Locale

    names: set[str] = set()
    for locale in ("en", "zh"):
        names.update(Locale.parse(locale).territories.values())
    names.update({"US", "U.S.", "UK", "EU", "Europe", "Asia", "America", "Hong Kong", "Macao"})
    return frozenset(names)


# a kind of firm, not a name ("对冲基金公司", "境外大型资管机构", the "对冲" left of one)
_GENERIC_ZH = re.compile(
    r"^(?:境外|境内|海外|外资|中资|外国|大型|中小|国际|全球|知名|头部|对冲|私募|公募|基金|资产管理|资管|"
    r"证券|银行|保险|科技|投资|金融|互联网|汽车|车企|医药|管理)+(?:公司|机构|集团|企业)?$"
)


def _is_firm_name(m: TaggedMention) -> bool:
    surface = fold_traditional(m.surface.strip()).replace("’", "'")
    if m.entity is None and _GENERIC_ZH.match(surface):
        return False
    if m.kind == "company":
        if m.entity is not None:
            return True
        return not (_NOT_A_FIRM.search(surface) or _GOV_OR_MEDIA.search(surface))
    if m.kind != "organisation" or m.entity is not None or _is_place_name(surface):
        return False
    if len(surface) > 60 or _GOV_OR_MEDIA.search(surface) or _NOT_A_FIRM.search(surface):
        return False
    return surface.upper() not in _NOT_FIRM_ACRONYMS


@lru_cache(maxsize=1)
def _place_names() -> frozenset[str]:
    """Places by name: countries (CLDR) and China's divisions (the gazetteer), any language."""
    from extract.gazetteer import load_gazetteer

    names = set(_country_names())
    for record in load_gazetteer().entities.values():
        if record.kind in {"city", "province"}:
            names.update(record.names("en") + record.names("zh"))
    return frozenset(names)


def _is_place_name(surface: str) -> bool:
    name = re.sub(r"^(?:the|The)\s+|['’]s?$", "", surface.strip())
    return name in _place_names() or (name.isupper() and name.title() in _place_names())


def _maybe_firm_place(m: TaggedMention) -> bool:
    """A name the model took for a place but no gazetteer knows (Changan, Yutong)."""
    return (
        m.label in {"GPE", "LOC"}
        and m.entity is None
        and m.surface not in _country_names()
        and m.surface.upper() not in _NOT_FIRM_ACRONYMS
    )


_GOV_ACRONYM_INTRO = re.compile(
    r"(?:Ministry|Commission|Bureau|Administration|Council|Committee|Authority|Regulator|Office|"
    r"Association|Agency|Department|Exchange|Bank of China)[^()]{0,80}\(([A-Z]{2,8})\)"
)


def gov_acronyms(text: str) -> frozenset[str]:
    """Acronyms a text introduces for a government body: "… Administration of China (CAAC)"."""
    return frozenset(m.group(1) for m in _GOV_ACRONYM_INTRO.finditer(text))


# "Nansha district", "the district of Nansha": a place the model took for an organisation;
# "Autopilot software": a product
_PLACE_AFTER_EN = re.compile(
    r"^['’]?s?\s+(?:district|county|city|province|prefecture|township|municipality|new area|"
    r"software|app|apps|sedans?|SUVs?|chips?|bonds?|wallets?)\b",
    re.I,
)
_PLACE_BEFORE_EN = re.compile(
    r"\b(?:district|county|city|province|prefecture|township|municipality) of\s+(?:the\s+)?$", re.I
)


_TRAILING_CONJUNCTION = re.compile(r"(?:\s+(?:and|or|&)|,)$")


_LEADING_FUNCTION_WORD = re.compile(
    r"^(?:Besides|Unlike|Like|Including|With|After|Before|While|Although|Except|Apart from)\s+"
)


def _trim_conjunction(m: TaggedMention) -> TaggedMention:
    """ "Kestrel Auto and", "Besides Hexa Payments" (a span the model ran into the list's "and"
    or the sentence's first word): the name alone."""
    if m.entity is not None:
        return m
    cut = _TRAILING_CONJUNCTION.search(m.surface)
    if cut:
        m = replace(m, surface=m.surface[: cut.start()], end=m.end - (len(m.surface) - cut.start()))
    if m.surface.startswith(("the ", "The ")) and len(m.surface) > 8:
        m = replace(m, surface=m.surface[4:], start=m.start + 4)
    lead = _LEADING_FUNCTION_WORD.match(m.surface)
    if lead and len(m.surface) > lead.end():
        m = replace(m, surface=m.surface[lead.end() :], start=m.start + lead.end())
    return m


_CAPITALISED_NAME = r"(?:[A-Z][\w&.'’-]*\s+)+[A-Z][\w&.'’-]*"
_NAME_PAIR = re.compile(rf"^({_CAPITALISED_NAME}) and ({_CAPITALISED_NAME})$")


def _split_pair(m: TaggedMention) -> list[TaggedMention]:
    """ "Oaktree Capital and Crédit Agricole CIB" as one span: two names of two words or more
    each are two firms ("Procter and Gamble" stays one)."""
    pair = _NAME_PAIR.match(m.surface) if m.entity is None and m.label == "ORG" else None
    if not pair:
        return [m]
    left, right = pair.group(1), pair.group(2)
    return [
        replace(m, surface=left, end=m.start + len(left)),
        replace(m, surface=right, start=m.start + pair.start(2)),
    ]


# a name used as a compound modifier ("Munich-based", "Nordwind-backed start-up"): a place or a
# backer describing another noun, never the claimant itself
_MODIFIER_AFTER_EN = re.compile(
    r"^['’]?s?-(?:based|backed|owned|funded|financed|led|listed|headquartered|born|controlled|"
    r"affiliated|supported|invested|registered)\b",
    re.I,
)
# a dateline ("LONDON (Reuters) –", "HONG KONG, March 1 (AFP) -"): a place and an agency
_DATELINE_EN = re.compile(
    r"^\s*[A-Z][A-Z.'-]+(?:\s+[A-Z][A-Z.'-]+){0,3}(?:,\s*[\w .]{2,20})?\s*\([A-Za-z .]{2,20}\)"
    r"\s*[-–—:]"
)
# a span of legal suffixes only ("Co Ltd's", the tail of a name the model cut at "(China)")
_SUFFIX_ONLY_EN = re.compile(
    r"^(?:(?:Co|Company|Corp|Corporation|Ltd|Limited|Inc|LLC|PLC|Plc|AG|SE|SA|NV|GmbH|Holdings?|"
    r"Group)\.?,?\s*)+(?:['’]s?)?$"
)


def _not_a_claimant_en(sentence: str, m: TaggedMention, base: int) -> bool:
    """English names that are no claimant whatever the cue: compound modifiers, datelines,
    bare legal suffixes, a line's bullet with its first word ("• Responsibility, …") and a
    term's abbreviation ("operating design domains (ODD)")."""
    if _MODIFIER_AFTER_EN.match(sentence[m.end - base :]):
        return True
    if m.entity is None and re.match(r"^[•·▪◦●]\s*\S+$", m.surface.strip()):
        return True
    if (
        m.entity is None
        and m.surface.isupper()
        and re.search(r"\b[a-z][\w-]*\s+\($", sentence[: m.start - base])
        and sentence[m.end - base : m.end - base + 1] == ")"
    ):
        return True
    if _SUFFIX_ONLY_EN.match(m.surface.strip()):
        return True
    dateline = _DATELINE_EN.match(sentence)
    return bool(dateline and m.end - base <= dateline.end())


def firm_candidates(sentence: str, mentions: list[TaggedMention], lang: str) -> list[_Firm]:
    """Stage 1: the firms of one sentence, in order (offsets relative to the sentence)."""
    ordered = sorted(mentions, key=lambda m: m.start)
    base = ordered[0].sentence_start if ordered else 0
    if lang != "zh":
        ordered = [m for m in ordered if not _not_a_claimant_en(sentence, m, base)]
    firms = [
        part for m in ordered if _is_firm_name(m) for part in _split_pair(_trim_conjunction(m))
    ]
    places = [m for m in ordered if _maybe_firm_place(m)]
    if places and firms:
        gap_re = _LIST_GAP_ZH if lang == "zh" else _LIST_GAP_EN
        chosen = list(firms)
        changed = True
        while changed:  # an unknown "place" standing in a list with firms is a firm
            changed = False
            for p in places:
                if p in chosen:
                    continue
                for f in chosen:
                    lo, hi = (p.end, f.start) if p.end <= f.start else (f.end, p.start)
                    gap = sentence[lo - base : hi - base] if hi >= lo else "x"
                    if gap.strip() and gap_re.match(gap) and len(gap) < 12:
                        chosen.append(p)
                        changed = True
                        break
        firms = sorted(chosen, key=lambda m: m.start)
    out = [
        _Firm(m, m.start - base, m.end - base)
        for m in firms
        if m.entity
        or not (
            _PLACE_AFTER_EN.match(sentence[m.end - base :])
            or _PLACE_BEFORE_EN.search(sentence[: m.start - base])
        )
    ]
    if lang == "zh" and out:
        out = _expand_zh_lists(sentence, out, base)
        out = _units_of_parents_zh(sentence, out)
        out = [
            f
            for f in out
            if f.mention.entity
            or not re.match(
                r"(?:试点|项目|计划|市场|行业|领域|产业|板块|大会|会议|论坛|峰会|博览会|展会|"
                r"道路测试|测试资格|示范应用|资格|牌照)",
                sentence[f.end :],
            )
        ]
    elif out:
        out = _expand_en_lists(sentence, out, base)
    return out


_EN_NAME = (
    r"(?:[A-Z][\w.&'’-]*)(?:\s+(?:[A-Z][\w.&'’-]*|\(\w+\)|\d+|of|de|du|la|"
    r"&)){0,5}"
)
_EN_LIST_RUN = re.compile(rf"{_EN_NAME}(?:(?:,\s+|,?\s+and\s+|,?\s+as well as\s+){_EN_NAME}){{1,}}")
_EN_ITEM_SPLIT = re.compile(
    r",\s+(?!(?:Ltd|Inc|LLC|Limited|Co|Corp|PLC|Plc)\b)(?:and\s+|as well as\s+)?|\s+and\s+"
    r"|\s+as well as\s+"
)
_EN_NOT_NAME = re.compile(
    r"^(?:The|A|An|In|On|At|By|For|From|With|And|But|Its|Their|This|That|These|Those|It|They|"
    r"He|She|We|January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Mr|Ms|Dr)\b"
)


_EN_INTRODUCED = re.compile(
    rf"\b(?:including|such as|include[sd]?|namely|among them)\s+(?:[a-z][\w-]*\s+){{0,4}}"
    rf"({_EN_NAME}(?:(?:,\s+|,?\s+and\s+)(?:[a-z][\w-]*\s+){{0,3}}{_EN_NAME})*)"
)
_EN_INTRODUCED_SPLIT = re.compile(
    r",\s+(?:and\s+)?(?:[a-z][\w-]*\s+){0,3}|,?\s+and\s+(?:[a-z][\w-]*\s+){0,3}"
)


_EN_SUFFIXED = re.compile(
    r"\b(?:[A-Z][\w&.'’-]*\s+){1,4}(?:Holdings|Group|Pte|Ltd|Limited|Inc|Corp|Corporation|Co|PLC|Plc|"
    r"AG|SE|LLC|GmbH|Securities|Capital|Motors|Technologies|Technology|Aviation|Airlines|Hospital|"
    r"Insurance|Fund Management|Asset Management|Investments|Bank)\b(?:\.(?=\s|$))?"
)


_CUE_OWNER_EN = re.compile(r"((?:[A-Z][\w&.-]*\s+){0,3}[A-Z][\w&.-]*)['’]s? ")


_NAME_AFTER_CUE_EN = re.compile(rf"\s+((by|from)\s+)?(?:the\s+)?({_EN_NAME})")


def _suffixed_names_en(sentence: str, base: int) -> list[_Firm]:
    """Capitalised names ending in a legal or trade suffix (Holdings, Pte, Aviation, Bank …),
    without a place's possessive before them ("Singapore’s") and passing the firm tests."""
    out = []
    for m in _EN_SUFFIXED.finditer(sentence):
        a, surface = m.start(), m.group()
        if re.search(r"(?:[A-Z][\w&.'’-]*|of|and|&|the)\s+$", sentence[:a]) or re.match(
            r"\s+(?:[A-Z]|of\b|&)", sentence[m.end() :]
        ):
            continue  # part of a longer name ("Ministry of … Information Technology")
        first = re.match(r"(\S+?)['’]s\s+", surface)
        if first and (_is_place_name(first.group(1)) or first.group(1).upper() == first.group(1)):
            a += first.end()
            surface = surface[first.end() :]
        if _EN_NOT_NAME.match(surface) or len(surface.split()) < 2:
            continue
        firm = _structural_firm(sentence, a, a + len(surface), base, surface)
        if firm:
            out.append(firm)
    return out


# what follows a whole list item: a delimiter, the end, or the list's verb
_ITEM_END_EN = re.compile(
    r"^(?:\s*(?:[,;.:)]|—|--|$)|\s+(?:and|or|as well as|to|have|has|are|were|was|is|which|who)\b)"
)


_PLACE_NOUN_BEFORE = re.compile(
    r"\b(?:cities|provinces|regions|countries|districts|areas|zones|places|locations|markets|"
    r"municipalities|counties)\W*$",
    re.I,
)


def _introduced_names_en(sentence: str, base: int) -> list[_Firm]:
    """Capitalised names after "including", "such as", "include" (with a lower-case descriptor
    before each: "heavy-duty truckmaker Hexa Trucks and Lumen Bus"), kept when they pass the
    firm tests; for list sentences with no recognised firm."""
    out: list[_Firm] = []
    for m in _EN_INTRODUCED.finditer(sentence):
        if _PLACE_NOUN_BEFORE.search(sentence, 0, m.start()):
            continue  # "five cities including Lanshan and Yuhe": places
        pos = m.start(1)
        for piece in _EN_INTRODUCED_SPLIT.split(m.group(1)):
            a = sentence.find(piece, pos)
            if a < 0 or not piece:
                continue
            pos = a + len(piece)
            a += len(piece) - len(piece.lstrip())
            surface = piece.strip()
            if surface.endswith(".") and not _ABBREVIATION_END.search(surface):
                surface = surface[:-1]
            if (
                _EN_NOT_NAME.match(surface)
                or re.search(r"['’]s?$", surface)
                or not _ITEM_END_EN.match(sentence[a + len(surface) :])
            ):
                continue
            firm = _structural_firm(sentence, a, a + len(surface), base, surface)
            if firm:
                out.append(firm)
    return out


def _structural_firm(sentence: str, a: int, b: int, base: int, surface: str) -> _Firm | None:
    """A name found through the sentence's structure (a list, the parse) rather than by a
    model, kept when it passes the same firm tests as a tagged one."""
    m = TaggedMention(
        surface=surface,
        label="ORG",
        entity=None,
        kind="organisation",
        start=base + a,
        end=base + b,
        sentence=sentence,
        sentence_start=base,
    )
    if not _is_firm_name(m) or _is_place_name(surface) or _not_a_claimant_en(sentence, m, base):
        return None
    return _Firm(m, a, b)


def _expand_en_lists(sentence: str, firms: list[_Firm], base: int) -> list[_Firm]:
    """Names in a comma/"and" list beside a recognised firm are firms too (Hamilton Lane, CDH
    Investments and JAFCO next to China Construction Bank): the model misses many fund managers,
    carmakers and short names, the list does not."""
    out = list(firms)
    for run in _EN_LIST_RUN.finditer(sentence):
        items = []
        pos = run.start()
        for piece in _EN_ITEM_SPLIT.split(run.group()):
            start = sentence.find(piece, pos)
            if start < 0:
                break
            items.append((start, start + len(piece)))
            pos = start + len(piece)
        known = [it for it in items if any(f.start < it[1] and it[0] < f.end for f in out)]
        if len(items) < 3 or not known:
            continue
        for a, b in items:
            surface = sentence[a:b].strip()
            if any(f.start < b and a < f.end for f in out) or _EN_NOT_NAME.match(surface):
                continue
            firm = _structural_firm(sentence, a, b, base, surface)
            if firm:
                out.append(firm)
    # "SAIC Motor, BMW and local car-hailing giant Didi Chuxing": the last item named after a
    # lower-case description of its trade
    for f in sorted(out, key=lambda f: f.start):
        nxt = _DESCRIBED_ITEM_EN.match(sentence, f.end)
        if nxt is None or _EN_NOT_NAME.match(nxt.group(1)):
            continue
        a, b = nxt.start(1), nxt.end(1)
        if any(g.start < b and a < g.end for g in out):
            continue
        firm = _structural_firm(sentence, a, b, base, nxt.group(1))
        if firm:
            out.append(firm)
    return sorted(out, key=lambda f: f.start)


_DESCRIBED_ITEM_EN = re.compile(
    rf"(?:,\s+|,?\s+and\s+|,?\s+as well as\s+)(?:[a-z][\w-]*\s+){{0,3}}"
    rf"(?:giant|maker|carmaker|automaker|truckmaker|start-?up|firm|company|operator|platform|"
    rf"lender|insurer|developer|provider|champion|leader|manufacturer|supplier|bank)\s+({_EN_NAME})"
)


_ZH_LIST_RUN = re.compile(
    r"(?:[^\s、，。；：！？“”《》等和与及]{2,20}(?:、|和|与|及|以及)){1,}[^\s、，。；：！？“”《》等和与及]{2,20}"
)
_ZH_ITEM_LEAD = re.compile(
    r"^.*(?:包括|分别是|分别为|如下|为|是|有(?!限)|了|的|向|对|给|由|在|将|把|同意)"
)
_ZH_ITEM_TAIL = re.compile(
    r"(?:颁发|颁|发放|授予|批准|获得|获批|获颁|入选|进入|提交|组成|参与|共|均|已|等|合资|共同|联合|出资|发起)"
    r".*$"
)


_ZH_LAST_ITEM_TAIL = re.compile(
    r"(?:为|是|成为|作为|分别|先后|相继|颁发|颁|发放|授予|批准|获得|获批|获颁|入选|入围|进入|提交|组成|参与|"
    r"共|均|已|等|都|在内).*$"
)
_NOT_A_ZH_ITEM = re.compile(
    r"\d+(?:万|亿|多|余)|超过|高达|累计|达到|数百|数千|\d+家|[部委局]$|^(?:首批|第.批|本批|其中)|申请|获|提交|表示|预计|将|已|的|了|于"
)


_ZH_DESCRIPTOR = re.compile(r"^(.*(?:机构|公司|集团|巨头|之一的|的|”|」))([^的”」]{2,6})$")
_ZH_NOT_A_REMAINDER = re.compile(
    r"^(?:有限|股份|控股|集团|公司|理财|基金|证券|银行|保险|旗下|子公司)"
)
_UNIT_OF_ZH = re.compile(r"^\s*(?:旗下|下属|控股的|的子公司|子公司|全资子公司)[^，。；、]{0,20}$")


def _units_of_parents_zh(sentence: str, firms: list[_Firm]) -> list[_Firm]:
    """ "百度旗下出行服务平台萝卜快跑": an unlinked unit or brand named after 旗下 stands for the
    recognised firm before it (the claim is the group's)."""
    out = list(firms)
    for i, f in enumerate(out):
        if f.mention.entity or i == 0:
            continue
        parent = out[i - 1]
        if parent.mention.entity and _UNIT_OF_ZH.match(sentence[parent.end : f.start]):
            out[i] = _Firm(parent.mention, f.start, f.end)
    return out


_ZH_CLAUSE_START = re.compile(r"[，。；：！？（）“”《》]")
_ZH_SUBJECT_LEAD = re.compile(
    r"^(?:\d{1,4}年)?(?:\d{1,2}月)?(?:\d{1,2}日)?(?:近日|日前|此前|目前|随后|同时|其中|今年|去年|当天|"
    r"昨天|今天|此外|另外|据悉|据了解|同年\d*月份?)?"
)
_ZH_SUBJECT_TAIL = re.compile(
    r"(?:已经|已|均|都|也|先后|相继|分别|正式|率先|首先|此前|近日|日前|共同|联合|还|则|亦|主动|"
    r"(?:在|于)[^，。；、与和]{1,12})+$"
)
_ZH_SUBJECT_SPLIT = re.compile(r"、|与|和|及|以及")
# words of a clause that is no list of names (generic nouns, pronouns, verbs, measure words)
_NOT_A_ZH_NAME = re.compile(
    r"[的了在将对向被把从由以其该这那此各每我你他她它们吗呢吧个款辆项家位名批次是为有]|部门|政府|监管|机构|企业|"
    r"^.{0,2}(?:公司|银行)$|^公司|外资|内资|民营|国有|车企|券商|平台|用户|市场|行业|双方|各方|多家|申请|项目|产品|车型|"
    r"方案|业务|资格|牌照|许可|试点|城市|地区|省|市|区|县|国|记者|专家|人士|消息|报道|数据|文件|通知"
)
_ZH_FIRM_SUFFIX = re.compile(
    r"(?:基金|银行|证券|集团|公司|科技|汽车|资本|控股|保险|航空|医院|智行|智驾|出行|物流|支付|资管|投资|"
    r"网络|通信|能源|药业|医药|生物|动力|电子|信息|数科|金融)$"
)
_GIVER_CUE_ZH = re.compile(r"^(?:批准|核准|颁发|发放|批出|同意|准予|颁)")


def _zh_cue_subjects(sentence: str, firms: list[_Firm], cues: list[_Cue], base: int) -> list[_Firm]:
    """Names the model missed (贝莱德与路博迈已提交…申请, 贝莱德基金成为首家…): the subject of a
    live cue, when its clause holds no recognised firm. A list of two or more short names, or one
    name with a firm's suffix (基金, 银行, 科技 …); generic nouns, pronouns and verbs rule a clause
    out, and a giver's cue (批准, 颁发) has the authority as its subject."""
    out: list[_Firm] = []
    for cue in cues:
        if cue.blocked or cue.status == CONTEXT or _GIVER_CUE_ZH.match(cue.text):
            continue
        starts = [m.end() for m in _ZH_CLAUSE_START.finditer(sentence, 0, cue.start)]
        a = starts[-1] if starts else 0
        if any(a <= f.start < cue.start for f in firms + out):
            continue
        clause = sentence[a : cue.start]
        lead = _ZH_SUBJECT_LEAD.match(clause)
        a += lead.end() if lead else 0
        clause = sentence[a : cue.start]
        tail = _ZH_SUBJECT_TAIL.search(clause)
        b = a + (tail.start() if tail else len(clause))
        if b - a < 2:
            continue
        items, pos = [], a
        for piece in _ZH_SUBJECT_SPLIT.split(sentence[a:b]):
            items.append((pos, pos + len(piece)))
            pos += len(piece)
            m = _ZH_SUBJECT_SPLIT.match(sentence, pos)
            pos += len(m.group()) if m else 0
        names = [sentence[x:y] for x, y in items]
        if any(not 2 <= len(n) <= 10 or _NOT_A_ZH_NAME.search(n) for n in names):
            continue
        if len(names) == 1 and not _ZH_FIRM_SUFFIX.search(names[0]):
            continue
        found = [_structural_firm(sentence, x, y, base, sentence[x:y]) for x, y in items]
        if all(found):
            out += [f for f in found if f]
    return out


_ZH_NUMBERS = {
    "两": 2,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}
_ZH_COUNTED_LIST = re.compile(
    r"((?:[\u4e00-\u9fffA-Za-z]{2,14}(?:、|和|与|及|以及))+[\u4e00-\u9fffA-Za-z]{2,14}?)"
    r"(?:等)?([两二三四五六七八九十]|\d{1,2})(?:家|个)(?:试点|首批)?(?:企业|公司|机构|银行|单位|车企|运营商)"
)
_ZH_PLACE_PREFIX = re.compile(
    r"^[\u4e00-\u9fff]{2,6}?(?:新片区|新区|自贸区|市|省)(?=[\u4e00-\u9fff]{2,})"
)


def _counted_list_zh(sentence: str, base: int) -> list[_Firm]:
    """ "A、B、C、D四家企业": a list whose count follows it names firms, when the count is the
    number of its items (the model often misses such short brand names)."""
    out: list[_Firm] = []
    for m in _ZH_COUNTED_LIST.finditer(sentence):
        raw = m.group(2)
        count = int(raw) if raw.isdigit() else _ZH_NUMBERS.get(raw, 0)
        a = m.start(1)
        lead = _ZH_SUBJECT_LEAD.match(sentence, a)
        a = lead.end() if lead else a
        items, pos = [], a
        for piece in re.split(r"(、|以及|和|与|及)", sentence[a : m.end(1)]):
            if piece in {"、", "以及", "和", "与", "及"} or not piece:
                pos += len(piece)
                continue
            start = pos
            place = _ZH_PLACE_PREFIX.match(piece) if not items else None
            if place:
                start += place.end()
            items.append((start, pos + len(piece)))
            pos += len(piece)
        if len(items) != count:
            continue
        names = [sentence[x:y] for x, y in items]
        if any(not 2 <= len(n) <= 12 or _NOT_A_ZH_NAME.search(n) for n in names):
            continue
        found = [_structural_firm(sentence, x, y, base, sentence[x:y]) for x, y in items]
        out += [f for f in found if f]
    return out


def _expand_zh_lists(sentence: str, firms: list[_Firm], base: int) -> list[_Firm]:
    """Members of a Chinese list (A、B、C和D) that stands beside a recognised firm are firms too
    (安途智驾, 蔚来汽车): the list is the structure, as coordination is in English."""
    out = list(firms)
    for run in _ZH_LIST_RUN.finditer(sentence):
        items = []
        pos = run.start()
        pieces = re.split(r"(、|以及|和|与|及)", run.group())
        wordy: set[int] = set()
        for n, piece in enumerate(pieces):
            if piece in {"、", "以及", "和", "与", "及"}:
                pos += len(piece)
                continue
            start, end = pos, pos + len(piece)
            raw_start, raw_end = start, end
            if n == len(pieces) - 1 and n > 0:  # the last item: its verb first ("立业为主发起人")
                tail = _ZH_LAST_ITEM_TAIL.search(piece)
                if tail:
                    piece = piece[: tail.start()]
                    end = start + tail.start()
            lead = _ZH_ITEM_LEAD.match(piece)
            if lead:
                start += lead.end()
            tail = _ZH_ITEM_TAIL.search(sentence[start:end])
            if tail:
                end = start + tail.start()
            if not any(f.start < end and start < f.end for f in out) and any(
                f.start < raw_end and raw_start < f.end for f in out
            ):
                # cutting the lead or the verb cut a recognised firm away ("摩根大通先后向…提交了
                # 设立…"): what is left is no name
                wordy.add(len(items))
            items.append((start, end))
            pos = raw_end
        known = [
            i
            for i, (a, b) in enumerate(items)
            if i not in wordy and any(f.start < b and a < f.end for f in out)
        ]
        if not known or len(items) < 2:
            continue
        for n, (a, b) in enumerate(items):
            if b - a < 2 or n in wordy or any(f.start < b and a < f.end for f in out):
                continue
            surface = sentence[a:b].strip("（）() ")
            described = _ZH_DESCRIPTOR.match(surface)
            if described and not _ZH_NOT_A_REMAINDER.match(described.group(2)):
                a += len(described.group(1))  # "欧洲知名的资产管理机构青禾资本": 青禾资本
                surface = described.group(2)
            firm = _structural_firm(sentence, a, b, base, surface)
            if firm and not _NOT_A_ZH_ITEM.search(surface):
                out.append(firm)
    return sorted(out, key=lambda f: f.start)


# roles that hold for the firm wherever the sentence names it again (not "stake in X", whose
# name may be the investor's too)
_RELATION_BEFORE = re.compile(
    r"\b(?:partner\w*|rivals?|competitors?|alliance|tie-up|joint venture|boss|CEO|founder|"
    r"chairman|chief executive|president)\b|合作|竞争对手|对手",
    re.I,
)


def _surface_key(f: _Firm) -> str:
    return re.sub(r"['’]s?$", "", f.mention.surface.strip())


def _excluded_roles(
    sentence: str, firms: list[_Firm], lang: str, extra: set | None = None
) -> set[int]:
    """Indices of firms that are speakers, sources, partners or rivals; the exclusion runs on
    along a list ("its rivals, including Pony.ai, WeRide and AutoX")."""
    out = {
        i
        for i, f in enumerate(firms)
        if _role_excluded(sentence, f, lang, firms) or (extra and (f.start, f.end) in extra)
    }
    tight = re.compile(r"^\s*(?:,|、|，|和|与|及)?\s*(?:and\s+|or\s+)?$")
    for i in range(1, len(firms)):
        if i - 1 in out and i not in out:
            if tight.match(sentence[firms[i - 1].end : firms[i].start]) and not _speaker_only(
                sentence, firms[i - 1], lang
            ):
                out.add(i)
    # a partner or rival named again in the sentence keeps its role ("partnering with Hexa to
    # use Hexa's maps": the second Hexa is the partner too)
    roles = {
        _surface_key(firms[i])
        for i in out
        if _RELATION_BEFORE.search(sentence[max(0, firms[i].start - 60) : firms[i].start])
    }
    out |= {i for i, f in enumerate(firms) if _surface_key(f) in roles}
    ends = {f.end for f in firms}
    for i, f in enumerate(firms):
        # "Kestrel (Kestrel Cloud)", "Hexa AI (Hexa Large Model, HexaGPT)": names in parentheses
        # right after a firm are its alias, brand or product, not other claimants
        before = sentence[max(0, f.start - 80) : f.start]
        if lang == "zh" and _ZH_QUOTED_PRODUCT.match(sentence, f.end):
            out.add(i)  # 青禾理财“安禾”养老理财产品: the product's name
            continue
        opening = "(（“《" if lang == "zh" else "(（"  # 青禾理财“禾悦”: a product
        paren = max(before.rfind(ch) for ch in opening)
        if paren < 0 or re.search(r"[)）”》]", before[paren:]):
            continue
        head = before[:paren].rstrip()
        if f.start - len(before) + len(head) in ends:
            out.add(i)
    return out


# "the City Office of Trade Services": the model's name is part of a public body's
_ZH_QUOTED_PRODUCT = re.compile(
    r"[”」』][^，。；、“”]{0,14}?(?:产品|基金|车型|大模型|模型|品牌|系列)"
)
_GOV_OF_BEFORE_EN = re.compile(
    r"\b(?:Office|Ministry|Department|Bureau|Administration|Commission|Committee|Council|"
    r"Institute|Academy|University|School|Association|Federation|Chamber|Authority|Agency) "
    r"(?:of|for) (?:the )?$"
)


def _speaker_only(sentence: str, firm: _Firm, lang: str) -> bool:
    after = sentence[firm.end : firm.end + 30]
    return bool((_SPEAKER_AFTER_ZH if lang == "zh" else _SPEAKER_AFTER_EN).match(after))


def _role_excluded(
    sentence: str, firm: _Firm, lang: str, others: list[_Firm] | None = None
) -> bool:
    before = sentence[max(0, firm.start - 60) : firm.start]
    after = sentence[firm.end : firm.end + 30]
    zh = lang == "zh"
    if (_ROLE_BEFORE_ZH if zh else _ROLE_BEFORE_EN).search(before):
        unnamed = None if zh else _UNNAMED_UNIT_OF_EN.search(sentence[: firm.start])
        if not (unnamed and not unnamed.group(1)):
            return True
        # "The Shanghai-based subsidiary of Unity requested permits": an unnamed unit stands
        # for its parent, which is then the claimant (not "Unity Shanghai, a unit of Unity")
    if not zh and _PARTNER_SPAN_EN.search(sentence[: firm.start]):
        return True
    if not zh and firm.mention.entity is None and _GOV_OF_BEFORE_EN.search(before):
        return True
    if zh and (
        re.match(
            r"^(?:(?:和|与|及|、)[^，。；、和与及]{2,14})*(?:的)?(?:合作伙伴|合作方|客户|供应商|股东|竞争对手|对手)",
            after,
        )
        or (re.search(r"[与同和跟]$", before) and re.match(r"^[^，。；]{0,8}?(?:签约|签署)", after))
    ):
        return True  # "中国联通的合作伙伴", "与中国联通首批签约的企业": partners, not claimants
    if zh and re.search(r"在[^，。；]*$", before) and re.match(r"^[^，。；]*?下[，,]", after):
        return True  # "在宁德时代的技术支持下，…": a supporter, not the claimant
    if not zh and _SAID_BEFORE.search(before) and re.match(r"^\s*(?:[,.;]|$)", after):
        return True  # "…, said HSBC." : the speaker, not "said Tesla had applied"
    if (_ROLE_AFTER_ZH if zh else _ROLE_AFTER_EN).match(after):
        return True
    if (_SPEAKER_AFTER_ZH if zh else _SPEAKER_AFTER_EN).match(after):
        # a speaker is a claimant only when it speaks of itself (no other firm in the sentence)
        return any(
            o.mention.entity != firm.mention.entity or o.mention.surface != firm.mention.surface
            for o in (others or [])
            if o is not firm and o.mention.entity not in {None} | _family(firm.mention.entity)
        ) or any(o.mention.entity is None and o is not firm for o in (others or []))
    return False


def _family(key: str | None) -> set[str | None]:
    """A firm and its subsidiaries/parent ("HSBC said its fintech arm ...")."""
    if not key:
        return set()
    from extract.gazetteer import load_gazetteer

    entities = load_gazetteer().entities
    family: set[str | None] = {key}
    record = entities.get(key)
    if record and record.parent_key:
        family.add(record.parent_key)
    family |= {k for k, r in entities.items() if r.parent_key == key}
    return family


# --------------------------------------------------------------------------------------------
# attach


_LEADING_SUBORDINATE = re.compile(
    r"^\W*(?:while|although|though|whereas|unlike|even as|after|before|since|when|as)\b[^,]*,",
    re.I,
)


_ZH_LIST_OPENER = re.compile(r"(?:分别(?:是|为)|如下|名单为)[：:]")


def _segments(sentence: str, lang: str) -> list[tuple[int, int]]:
    strong = _STRONG_ZH if lang == "zh" else _STRONG_EN
    cuts = [0] + [m.start() for m in strong.finditer(sentence)] + [len(sentence)]
    opener = _ZH_LIST_OPENER.search(sentence) if lang == "zh" else None
    if opener:  # "分别是：A为主发起人，…；B为主发起人，…": the semicolons separate the items
        cuts = [c for c in cuts if c <= opener.start() or sentence[c : c + 1] not in {"；", ";"}]
    lead = _LEADING_SUBORDINATE.match(sentence) if lang == "en" else None
    if lead:  # "While A has approval, B is still ..." : the comma ends A's clause
        cuts = sorted({c for c in cuts if c == 0 or c >= lead.end()} | {lead.end()})
    return [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if b > a] or [(0, len(sentence))]


def _segment_of(segments: list[tuple[int, int]], pos: int) -> int:
    for i, (a, b) in enumerate(segments):
        if a <= pos < b:
            return i
    return len(segments) - 1


def attach(
    sentence: str, firms: list[_Firm], cues: list[_Cue], lang: str, excluded: set[int]
) -> dict[int, list[_Cue]]:
    """Stage 2: firm index -> the cues that govern it. A cue governs the firms of its segment
    (the sentence between strong boundaries); with several statuses in one segment, a firm takes
    the cue of its own clause, else the nearest one."""
    segments = _segments(sentence, lang)
    multi = _attach_nearest(sentence, firms, [c for c in cues if not c.blocked], lang, excluded)
    # a segment with a cue and no firm, opening with "its"/其, speaks of the firm before it
    for k, (a, b) in enumerate(segments[1:], start=1):
        seg_cues = [c for c in cues if a <= c.start < b and not c.blocked and c.status != CONTEXT]
        has_firm = any(a <= f.start < b for f in firms)
        if seg_cues and not has_firm and _POSSESSIVE_OPENING.match(sentence[a:b]):
            before = [i for i, f in enumerate(firms) if f.start < a and i not in excluded]
            if before:
                multi.setdefault(before[-1], []).extend(seg_cues)
                segments[k - 1] = (segments[k - 1][0], b)
    out: dict[int, list[_Cue]] = {}
    for i, firm in enumerate(firms):
        if i in excluded:
            continue
        seg = _segment_of(segments, firm.start)
        seg_cues = [c for c in cues if _segment_of(segments, c.start) == seg]
        if not seg_cues or all(c.blocked for c in seg_cues):
            continue
        live = [c for c in seg_cues if not c.blocked]
        blocked = [c for c in seg_cues if c.blocked]
        if _negated_clause(sentence, firm, live, lang):
            continue  # "The list includes nine firms, Huawei and Xiaopeng are not among them"
        if blocked and _nearest(firm, seg_cues).blocked:
            continue  # its own verb is an intention or a denial ("Apple is preparing to apply")
        statuses = {c.status for c in live}
        if len(statuses) > 1:
            live = multi.get(i) or [_nearest(firm, live)]
        out[i] = live
    return out


_POSSESSIVE_OPENING = re.compile(
    r"^\W*(?:while|but|although|though|whereas|and)?\s*(?:its|their|the (?:company|bank|carmaker|"
    r"firm|group)['’]s)\b|^[；;，,]?\s*(?:而|但|但是)?其",
    re.I,
)
_LIST_GAP_FOR = {"en": _LIST_GAP_EN, "zh": _LIST_GAP_ZH}


def _attach_nearest(
    sentence: str, firms: list[_Firm], cues: list[_Cue], lang: str, excluded: set[int]
) -> dict[int, list[_Cue]]:
    """For clauses with several statuses ("filed in April and was approved in July"): each cue
    goes to its nearest firm (on a tie the one before it, the subject), names of one coordinated
    list share their cues, and a name with no cue of its own takes the nearest within reach."""
    cues = [c for c in cues if c.status != CONTEXT]
    idx = [i for i in range(len(firms)) if i not in excluded]
    if not cues or not idx:
        return {}
    attached: dict[int, list[_Cue]] = {}
    for cue in cues:
        nearest = min(
            idx, key=lambda i: (_reach(sentence, firms[i], cue), firms[i].end > cue.start)
        )
        attached.setdefault(nearest, []).append(cue)
    gap_re = _LIST_GAP_FOR[lang]
    group = {idx[0]: idx[0]}
    for prev, cur in zip(idx, idx[1:], strict=False):
        lo, hi = firms[prev].end, firms[cur].start
        gap = sentence[lo:hi]
        no_cue = not any(lo <= c.start < hi for c in cues)
        group[cur] = group[prev] if gap_re.match(gap) and no_cue else cur
    shared: dict[int, list[_Cue]] = {}
    for i, cue_list in attached.items():
        shared.setdefault(group[i], []).extend(cue_list)
    out: dict[int, list[_Cue]] = {}
    for i in idx:
        own = shared.get(group[i], [])
        if not own:
            near = min(cues, key=lambda c: _reach(sentence, firms[i], c))
            own = [near] if _reach(sentence, firms[i], near) <= 80 else []
        if own:
            out[i] = own
    return out


_BETWEEN_CLAUSES = re.compile(r"[，；;]|\b(?:while|but|whereas|though)\b")


def _reach(sentence: str, firm: _Firm, cue: _Cue) -> int:
    """Distance from a name to a cue, plus a penalty for each clause boundary between them."""
    lo, hi = (firm.end, cue.start) if firm.end <= cue.start else (cue.end, firm.start)
    breaks = len(_BETWEEN_CLAUSES.findall(sentence[lo:hi])) if hi > lo else 0
    return max(0, hi - lo) + 40 * breaks


def _negated_clause(sentence: str, firm: _Firm, cues: list[_Cue], lang: str) -> bool:
    """The firm's own clause (between commas) is negated and holds none of the cues."""
    breaks = re.compile(r"[，,；;]") if lang == "zh" else re.compile(r"[,;]")
    cuts = [0] + [m.end() for m in breaks.finditer(sentence)] + [len(sentence) + 1]
    for a, b in zip(cuts, cuts[1:], strict=False):
        if a <= firm.start < b:
            if any(a <= c.start < b for c in cues):
                return False
            negation = _NEGATION_ZH if lang == "zh" else _NEGATION_EN
            return bool(negation.search(sentence[a:b]))
    return False


def _nearest(firm: _Firm, cues: list[_Cue]) -> _Cue:
    def distance(c: _Cue) -> tuple[int, int]:
        if firm.end <= c.start:
            return (c.start - firm.end, 0)
        if c.end <= firm.start:
            return (firm.start - c.end, 1)
        return (0, 0)

    return min(cues, key=distance)


# --------------------------------------------------------------------------------------------
# the English parse: candidate sentences only


@lru_cache(maxsize=1)
def _parser():  # type: ignore[no-untyped-def]
    import spacy

    from extract.tagging import EN_MODEL, use_matmul_ops

    return use_matmul_ops(spacy.load(EN_MODEL, exclude=["ner", "lemmatizer", "senter"]))


# verbs whose subject is the authority, not the firm ("Shanghai granted HSBC a quota")
# a capitalised word inside a sentence: a name the NER may have missed (worth a parse)
_UNTAGGED_NAME = re.compile(r"(?<=[a-z,;:] )[A-Z][\w.&'’-]+")
_GIVING = {
    "grant",
    "issue",
    "approve",
    "award",
    "permit",
    "give",
    "license",
    "select",
    "choose",
    "name",
    "allow",
    "authorize",
    "authorise",
    "clear",
    "offer",
    "admit",
    "include",
    "list",
}
# ("add" is left out: "added 200 million dollars" is no speech)
_REPORTING = {"say", "tell", "note", "accord", "report", "estimate", "cite", "quote"}


def _verb_forms(base: str) -> set[str]:
    stem = base[:-1] if base.endswith("e") else base
    forms = {base, base + "s", stem + "ed", stem + "ing"}
    if base.endswith("y"):
        forms |= {base[:-1] + "ies", base[:-1] + "ied"}
    return forms


_IRREGULAR = {
    "said": "say",
    "told": "tell",
    "gave": "give",
    "given": "give",
    "chose": "choose",
    "chosen": "choose",
    "according": "accord",
}
_LEMMAS = {
    form: base for base in _GIVING | _REPORTING | {"apply"} for form in _verb_forms(base)
} | _IRREGULAR


def _lemma(token) -> str:  # type: ignore[no-untyped-def]
    """The pipeline runs without its lemmatizer (speed): the base form of the verbs the roles
    read, from their inflections."""
    return token.lemma_.lower() or _LEMMAS.get(token.lower_, token.lower_)


def _parse_roles(
    sentence: str, firms: list[_Firm], cues: list[_Cue] | None = None
) -> tuple[set[tuple[int, int]], list[tuple[int, int]]]:
    """From the dependency parse: firms whose path to the root passes a reporting verb or
    "according to" (speakers, sources), and proper nouns the NER missed: conjuncts of a firm,
    and the subject or recipient of a status verb ("Pony.ai has been granted …", "issued to
    Xihu Group")."""
    doc = _parser()(sentence)
    excluded: set[tuple[int, int]] = set()
    extra: list[tuple[int, int]] = []
    covered = [(f.start, f.end) for f in firms]

    def add(token) -> None:  # type: ignore[no-untyped-def]
        if token.pos_ != "PROPN" or token.ent_type_ in {"PERSON"}:
            return
        left = min(t.i for t in token.subtree if t.dep_ in {"compound", "flat"} or t is token)
        start, end = doc[left].idx, token.idx + len(token.text)
        if doc[left].is_title or doc[left].text[:1].isupper():
            if not any(a < end and start < b for a, b in covered):
                covered.append((start, end))
                extra.append((start, end))

    for cue in cues or []:
        if cue.status == CONTEXT or cue.blocked:
            continue
        span = doc.char_span(cue.start, cue.end, alignment_mode="expand")
        if span is None:
            continue
        verb = next((t for t in span if t.pos_ in {"VERB", "AUX"}), span.root)
        for _ in range(12):  # up to the clause's verb (Token objects are not identical: use i)
            if verb.pos_ in {"VERB", "AUX"} or verb.head.i == verb.i:
                break
            verb = verb.head
        giver = _lemma(verb) in _GIVING
        for child in verb.children:
            if child.dep_ == "nsubjpass" or (child.dep_ == "nsubj" and not giver):
                add(child)
            elif giver and child.dep_ in {"dobj", "dative"} and child.pos_ == "PROPN":
                add(child)  # "the city granted Pony.ai a permit"
            elif child.dep_ in {"dative", "prep"} and child.lower_ in {"to", "for"}:
                for grandchild in child.children:
                    if grandchild.dep_ == "pobj":
                        add(grandchild)
            elif child.dep_ == "agent":
                for grandchild in child.children:
                    if grandchild.dep_ == "pobj" and _lemma(verb).startswith("appl"):
                        add(grandchild)  # "applied for by Changan"
    for firm in firms:
        span = doc.char_span(firm.start, firm.end, alignment_mode="expand")
        if span is None:
            continue
        token = span.root
        path = []
        node = token
        while node.head.i != node.i and len(path) < 12:
            path.append(node)
            node = node.head
        path.append(node)
        for a, b in zip(path, path[1:], strict=False):
            if (
                _lemma(b) in _REPORTING
                and a.dep_ in {"nsubj", "pobj", "agent"}
                and not _says_of_itself(b)
            ):
                excluded.add((firm.start, firm.end))
            if b.lower_ == "according" and a.dep_ == "pobj" and b.dep_ == "prep":
                excluded.add((firm.start, firm.end))
            if b.pos_ in {"VERB", "AUX"}:
                break
        # list members the NER missed: PROPN conjuncts of this firm
        for other in token.conjuncts:
            if other.pos_ != "PROPN":
                continue
            left = min(t.i for t in other.subtree if t.dep_ in {"compound", "flat"} or t is other)
            start, end = doc[left].idx, other.idx + len(other.text)
            if not any(a < end and start < b for a, b in covered):
                covered.append((start, end))
                extra.append((start, end))
    return excluded, extra


def _says_of_itself(verb) -> bool:  # type: ignore[no-untyped-def]
    """ "BMW said it had received a licence", "… said its unit had applied": the speaker reports
    its own status."""
    return any(
        t.dep_ in {"nsubj", "nsubjpass"}
        and (
            t.lower_ in {"it", "they", "we"}
            or any(p.dep_ == "poss" and p.lower_ in {"its", "their", "our"} for p in t.children)
        )
        for child in verb.children
        if child.dep_ == "ccomp"
        for t in child.children
    )


# --------------------------------------------------------------------------------------------
# the document


_ABBREVIATION_END = re.compile(
    r"(?:^|[\s(])(?:Co|Cos|Ltd|Inc|Corp|Bhd|Pte|Pty|Mr|Ms|Mrs|Dr|Prof|St|No|Nos|Jan|Feb|Mar|Apr|"
    r"Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|U\.S|U\.K|E\.U|[A-Z])\.$"
)
_TERMINAL = frozenset('.!?:;"”’。！？：；」』')


def _unwrap(text: str) -> str:
    """Join the lines of a text that a wire service wrapped inside its sentences ("Winton
    Capital\nManagement"). A text counts as wrapped when most of its lines are of similar
    length and end without punctuation; the first line (a headline) and lines ending a sentence
    keep their break. A line break before a lower-case word is always joined. Same length as the
    text: offsets are kept."""
    lines = [ln.rstrip() for ln in text.split("\n")]
    body = [ln for ln in lines[1:] if ln.strip()]
    open_ended = [ln for ln in body if ln[-1] not in _TERMINAL]
    wrapped = (
        len(body) >= 4
        and len(open_ended) >= 0.5 * len(body)
        and (sorted(len(ln) for ln in body)[len(body) // 2] <= 90)
    )
    chars = list(text)
    line_start = 0
    first = True
    for i, ch in enumerate(text):
        if ch != "\n":
            continue
        line = text[line_start:i].rstrip()
        nxt = text[i + 1 : i + 2]
        line_start = i + 1
        was_first, first = first, False
        if not line or nxt in {"\n", ""} or line[-1] in _TERMINAL:
            continue
        if _LIST_ITEM.match(text, i + 1):
            continue  # "1. Kestrel Bank" / "• Kestrel Bank": a list item keeps its line
        if nxt.islower() or (wrapped and not was_first and len(line) >= 35):
            chars[i] = " "
    return "".join(chars)


def _split_sentences(text: str, lang: str) -> list[tuple[int, str]]:
    splitter = _SENTENCE_SPLIT_ZH if lang == "zh" else _SENTENCE_SPLIT_EN
    if lang != "zh":
        text = _unwrap(text)
    out: list[tuple[int, str]] = []
    pos = 0
    for m in splitter.finditer(text):
        if m.end() > pos:
            chunk = text[pos : m.end()]
            if chunk.strip():
                lead = len(chunk) - len(chunk.lstrip())
                out.append((pos + lead, chunk.strip()))
            pos = m.end()
    if text[pos:].strip():
        chunk = text[pos:]
        out.append((pos + len(chunk) - len(chunk.lstrip()), chunk.strip()))
    out = [piece for start, chunk in out for piece in _cap(start, chunk)]
    joined: list[tuple[int, str]] = []
    for start, chunk in out:  # "1." cut from "1. Kestrel Bank" by the splitter
        if (
            joined
            and _ENUMERATOR_ONLY.match(joined[-1][1])
            and "\n" not in text[joined[-1][0] : start]
        ):
            prev_start = joined[-1][0]
            joined[-1] = (prev_start, text[prev_start : start + len(chunk)])
        else:
            joined.append((start, chunk))
    out = joined
    if lang != "zh":  # "AIA Co. Ltd. has received approval": no break after an abbreviation
        merged: list[tuple[int, str]] = []
        for start, chunk in out:
            if merged and _ABBREVIATION_END.search(merged[-1][1]):
                prev_start, _prev = merged[-1]
                merged[-1] = (prev_start, text[prev_start : start + len(chunk)])
            else:
                merged.append((start, chunk))
        out = merged
    return out


# a line that is one item of an enumerated or bulleted list
_LIST_ITEM = re.compile(r"[ \t]*(?:\(?\d{1,2}[.)、](?!\d)|[•·▪◦●\-–—*])[ \t]*(?=\S)")
_ENUMERATOR_ONLY = re.compile(r"^\(?\d{1,2}[.)、]$")
_MAX_SENTENCE = 1500
_SOFT_BREAK = re.compile(r"[，；,;、]\s*|\s+")


def _cap(start: int, chunk: str) -> list[tuple[int, str]]:
    """A "sentence" longer than any real one (a page without punctuation) is cut at a comma or a
    space before _MAX_SENTENCE characters, so that no step costs more than linear time."""
    pieces = []
    while len(chunk) > _MAX_SENTENCE:
        cuts = [m.end() for m in _SOFT_BREAK.finditer(chunk, 0, _MAX_SENTENCE)]
        cut = cuts[-1] if cuts and cuts[-1] > _MAX_SENTENCE // 2 else _MAX_SENTENCE
        pieces.append((start, chunk[:cut].rstrip()))
        rest = chunk[cut:]
        start += cut + len(rest) - len(rest.lstrip())
        chunk = rest.lstrip()
    if chunk:
        pieces.append((start, chunk))
    return pieces


def _headline_end(text: str) -> int:
    """Offset where the body starts when the text opens with a headline line."""
    first, sep, _rest = text.lstrip().partition("\n")
    if sep and len(first) < 160 and not _HEADLINE_END.search(first):
        return len(text) - len(text.lstrip()) + len(first) + 1
    return 0


def _sentences(text: str | None, mentions: list[TaggedMention], lang: str) -> list[_Sentence]:
    if text is None:  # mentions only: their own sentences
        by_start: dict[int, _Sentence] = {}
        for m in mentions:
            s = by_start.setdefault(
                m.sentence_start, _Sentence(m.sentence_start, m.sentence, m.sentence)
            )
            s.mentions.append(m)
        sentences = [by_start[k] for k in sorted(by_start)]
    else:
        sentences = [_Sentence(start, s, s) for start, s in _split_sentences(text, lang)]
        for m in sorted(mentions, key=lambda m: m.start):
            for s in sentences:
                if s.start <= m.start and m.end <= s.start + len(s.text):
                    s.mentions.append(replace(m, sentence=s.text, sentence_start=s.start))
                    break
    for s in sentences:
        s.folded = _fold_zh(s.text) if lang == "zh" else s.text
    return sentences


_HALF_TO_FULL = str.maketrans(
    {",": "，", ";": "；", ":": "：", "(": "（", ")": "）", "?": "？", "!": "！"}
)


def _fold_zh(text: str) -> str:
    """Simplified characters and full-width clause punctuation, same length and offsets (many
    pages and feeds print ASCII commas between Chinese words)."""
    return fold_traditional(text).translate(_HALF_TO_FULL)


def extract_claims(
    mentions: list[TaggedMention],
    lang: str,
    parents_of: dict[str, str] | None = None,
    *,
    text: str | None = None,
    use_parser: bool = True,
) -> list[Claim]:
    """Claims of one document from its tagged mentions (and its text, for context sentences).

    ``parents_of`` maps a subsidiary's key to its parent's (from the gazetteer)."""
    if parents_of is None:
        from extract.gazetteer import load_gazetteer

        parents_of = {k: r.parent_key for k, r in load_gazetteer().entities.items() if r.parent_key}
    body_start = _headline_end(text) if text else 0
    sentences = [s for s in _sentences(text, mentions, lang) if s.start >= body_start]
    claims: dict[tuple[str, str, str], Claim] = {}
    context_status: str | None = None
    document_status: str | None = None  # the last status claimed anywhere before
    document_gov = gov_acronyms(text or " ".join(s.text for s in sentences))
    context_firms: list[TaggedMention] = []
    since_context = 99
    # the discourse state beyond the last claim: a list opened by a sentence ending in a colon
    # ("Lenders that joined the scheme in May:") whose items follow, however many; and a group
    # of firms a sentence counted without naming them ("approved two enterprises"), whose names
    # a later list gives ("They are A and B", "Of these, A and B …")
    list_status: str | None = None
    unnamed_group = False
    for sent in sentences:
        sentence = sent.folded
        firms = [
            f
            for f in firm_candidates(sentence, sent.mentions, lang)
            if f.mention.surface not in document_gov
        ]
        if lang == "zh":
            # a counted item replaces an unlinked piece of itself the model tagged (禹禾 of
            # 禹禾智行); a linked firm stays
            counted = [
                f
                for f in _counted_list_zh(sentence, sent.start)
                if not any(
                    g.start < f.end
                    and f.start < g.end
                    and (g.mention.entity or not (f.start <= g.start and g.end <= f.end))
                    for g in firms
                )
            ]
            firms = [
                g for g in firms if not any(f.start <= g.start and g.end <= f.end for f in counted)
            ]
            firms = sorted(firms + counted, key=lambda f: f.start)
        is_item = bool(_LIST_ITEM.match(sentence))
        if is_item and not firms and lang == "en":
            firms = _item_name_en(sentence, sent.start)
        cues = _cues(sentence, lang, [(f.start, f.end) for f in firms])
        stage = "attach"
        if lang == "zh" and cues:
            subjects = _zh_cue_subjects(sentence, firms, cues, sent.start)
            if subjects:
                firms = sorted(firms + subjects, key=lambda f: f.start)
                stage = "attach-parse"
        elif lang == "en" and (
            any(not c.blocked for c in cues) or (context_status is not None and since_context < 2)
        ):
            # "Participating makers include truckmaker Hexa Trucks and Lumen Bus": names after
            # a list's opening word that the model missed
            introduced = [
                f
                for f in _introduced_names_en(sentence, sent.start)
                if not any(g.start < f.end and f.start < g.end for g in firms)
            ]
            firms = sorted(firms + introduced, key=lambda f: f.start)
        if lang == "en":
            # "approved S&P China’s registration application": the owner named inside the cue
            for c in cues:
                after = _NAME_AFTER_CUE_EN.match(sentence, c.end) if c.status == "applied" else None
                # "a filing by Lark Pay", "applications submitted by Kestrel": the applicant
                if (
                    after
                    and not c.blocked
                    and (c.text.endswith((" by", " from")) or after.group(2))
                ):
                    a, b = after.start(3), after.end(3)
                    if not any(g.start < b and a < g.end for g in firms):
                        firm = _structural_firm(sentence, a, b, sent.start, after.group(3))
                        if firm and _ITEM_END_EN.match(sentence[b:]):
                            firms = sorted([*firms, firm], key=lambda f: f.start)
                owner = _CUE_OWNER_EN.match(c.text)
                if owner and not c.blocked and c.status == "applied":
                    a, b = c.start, c.start + len(owner.group(1))
                    if not any(g.start < b and a < g.end for g in firms):
                        firm = _structural_firm(sentence, a, b, sent.start, owner.group(1))
                        if firm:
                            firms = sorted([*firms, firm], key=lambda f: f.start)
        if lang == "en" and any(not c.blocked and c.status != CONTEXT for c in cues):
            # "Perennial Holdings Pte.", "Guangdong EHang General Aviation": a legal or trade
            # suffix makes a name the model missed a firm
            suffixed = [
                f
                for f in _suffixed_names_en(sentence, sent.start)
                if not any(g.start < f.end and f.start < g.end for g in firms)
            ]
            firms = sorted(firms + suffixed, key=lambda f: f.start)
        excluded = _excluded_roles(sentence, firms, lang)
        live = [c for c in cues if not c.blocked]
        if (
            lang == "en"
            and use_parser
            and live
            and (firms or any(c.status != CONTEXT for c in live))
        ):
            parse_excluded, extra = _parse_roles(sent.text, firms, live)
            for start, end in extra:
                surface = sent.text[start:end]
                firm = _structural_firm(sent.text, start, end, sent.start, surface)
                if firm and surface[:1].isupper():
                    firms.append(firm)
                    stage = "attach-parse"
            firms.sort(key=lambda f: f.start)
            excluded = _excluded_roles(sentence, firms, lang, parse_excluded)
        since_context += 1
        found_here: list[tuple[TaggedMention, str, str, str]] = []  # (mention, status, cue, stage)
        window = 5 if unnamed_group else 2
        in_list = list_status is not None and (is_item or _verbless_list(sentence, firms))
        if list_status is not None and not in_list and lang == "en" and not cues:
            # "Beijing providers: Kestrel AI (Kestrel Chat), Lumen Labs (LumenGPT)": a line of
            # names, each perhaps with its product in parentheses, is an item line too
            named = _name_line_en(sentence, firms, sent.start)
            if named is not None:
                firms, in_list = named, True
                excluded = _excluded_roles(sentence, firms, lang)
        if in_list and not any(c.status != CONTEXT for c in live):
            for i, firm in enumerate(firms):
                if i not in excluded:
                    found_here.append((firm.mention, list_status, "", "propagate"))
        elif firms:
            governed = attach(sentence, firms, cues, lang, excluded)
            for i, cue_list in governed.items():
                for cue in cue_list:
                    status = cue.status
                    how = stage
                    if status == CONTEXT:
                        if context_status is not None and since_context <= 3:
                            status, how = context_status, "propagate"
                        elif document_status is not None:
                            status, how = document_status, "propagate"
                        elif _LIST_OF_PILOTS.search(cue.text):
                            status = "approved"  # a published list of pilot firms, no context
                        else:
                            continue
                    found_here.append((firms[i].mention, status, cue.text, how))
            # 3. propagate: a list with no verb of its own continues the context
            list_re = _LIST_CONTEXT_ZH if lang == "zh" else _LIST_CONTEXT_EN
            negation = _NEGATION_ZH if lang == "zh" else _NEGATION_EN
            if (
                governed
                and unnamed_group
                and context_status is not None
                and since_context <= window
                and _PARTITIVE_EN.match(sentence)
            ):
                # "Five lenders have applied. Of these, A and B hold licences": the named
                # are of the counted group and share its status besides their own
                for i in governed:
                    found_here.append((firms[i].mention, context_status, "", "propagate"))
            if (
                not governed
                and not cues
                and context_status is not None
                and since_context <= window
                and not negation.search(sentence)
                and not (_ZH_BLOCKERS if lang == "zh" else _EN_BLOCKERS).search(sentence)
                and not (lang == "en" and _HEARSAY_EN.search(sentence))
                and not (_HOAX_ZH if lang == "zh" else _HOAX_EN).search(sentence)
                and (list_re.search(sentence) or _verbless_list(sentence, firms))
            ):
                # a list after a colon is the colon's; a firm before it is the subject of a verb
                # of its own ("PayPal is entering a market dominated by two giants: A and B"),
                # unless it is all that precedes the colon (an entry "BYD: the company that …")
                colon = _COLON_LIST.search(sentence)
                lo, hi = 0, len(sentence)
                if colon and not _verbless_list(sentence, firms):
                    head = [f for f in firms if f.start < colon.start()]
                    if not head and _COLON_INTRO.search(sentence[: colon.start()]):
                        lo = colon.end()
                    elif not head:
                        lo = hi = -1
                    elif (
                        len(head) == 1
                        and not sentence[: head[0].start].strip(" *-•·\t")
                        and (not sentence[head[0].end : colon.start()].strip())
                    ):
                        hi = colon.start()
                    else:
                        lo = hi = -1
                elif not _verbless_list(sentence, firms):
                    opening = _LIST_OPENING.search(sentence)
                    if opening:  # the list is what follows "including" / 包括
                        lo = opening.end()
                for i, firm in enumerate(firms):
                    if i not in excluded and lo <= firm.start < hi:
                        found_here.append((firm.mention, context_status, "", "propagate"))
        elif live and context_firms and since_context <= 2:
            # an anaphor hands the cue to the context's firms ("the above applications were
            # approved")
            anaphor = _ANAPHOR_ZH if lang == "zh" else _ANAPHOR_EN
            real = [c for c in live if c.status != CONTEXT]
            single = (
                lang == "en"
                and len({_firm_key(m) for m in context_firms}) == 1
                and real
                and _SINGULAR_ANAPHOR_EN.match(sentence[: real[0].start])
            )
            if real and (single or anaphor.search(sentence[: real[0].start + 1])):
                for m in context_firms:
                    for cue in real:
                        found_here.append((m, cue.status, cue.text, "propagate"))
        for m, status, cue_text, how in found_here:
            claim = Claim(m.entity, m.surface, status, sent.text, cue_text, how, offset=sent.start)
            claims.setdefault((_firm_key(m), status, sent.text), claim)
        # the context for later sentences
        real_live = [c for c in live if c.status != CONTEXT]
        opener = _OPENS_LIST.search(sentence)
        if in_list:
            pass  # an item: the list stays open
        elif (
            opener
            and (
                real_live
                or any(c.status == CONTEXT for c in live)
                or (context_status is not None and since_context <= 1)
            )
            and not any(f.start >= opener.start() for f in firms)
        ):
            # the opener's own status first ("Lenders that joined the scheme:", "The selected
            # carmakers are:"), else the context's
            if real_live:
                list_status = real_live[-1].status
            elif _SELECTED.search(sentence):
                list_status = "approved"
            else:
                list_status = context_status or document_status
        else:
            list_status = None
        if found_here:
            document_status = found_here[-1][1]
            context_status = found_here[-1][1]
            context_firms = list(dict.fromkeys(m for m, *_ in found_here))
            since_context = 0
            unnamed_group = False
        elif real_live and not firms:
            context_status = real_live[-1].status  # "applications came from foreign firms:"
            since_context = 0
            unnamed_group = bool((_COUNT_ZH if lang == "zh" else _GROUP_EN).search(sentence))
        elif not firms and any(c.status == CONTEXT for c in live):
            # "The chosen automakers include:" opens a list on the following lines
            context_status = document_status or (
                "approved"
                if _SELECTED.search(sentence) or _LIST_OF_PILOTS.search(sentence)
                else None
            )
            since_context = 0
        elif firms and any(c.blocked for c in cues):
            # "Apple is preparing to apply": the context of its firms is an intention
            context_status, context_firms = None, []
        # a parent named beside its own subsidiary is context ("Siemens Healthineers, the medical
        # business of Siemens"): the claim belongs to the subsidiary
        children = {m.entity for m, *_ in found_here if m.entity}
        parents = {p for c in children if (p := parents_of.get(c))}
        for key in [k for k in claims if k[2] == sent.text and k[0] in parents]:
            del claims[key]
    return list(claims.values())


_SELECTED = re.compile(
    r"\b(?:chosen|selected|approved|granted|shortlisted|licensed|participating)\b|入选|获批|批准",
    re.I,
)
_HEARSAY_EN = re.compile(r"\b(?:said to|candidates?|next|reportedly|rumou?red|tipped)\b", re.I)
_LIST_OF_PILOTS = re.compile(
    r"batch|list|cohort|participants|participating|consortia|首批|第一批|第二批|第三批|本批|名单|分别",
    re.I,
)


_COLON_LIST = re.compile(r"[:：]\s*")
# a sentence that ends by opening a list: its items follow on the next lines
_OPENS_LIST = re.compile(r"(?:[:：]|\bas follows|如下)\W*$", re.I)
_PARTITIVE_EN = re.compile(r"^\W*(?:of|among) (?:these|them|those|which)\b", re.I)
# a group of firms counted or named by kind without names ("Five overseas banks", "several
# entities", "two local enterprises")
_GROUP_EN = re.compile(
    r"\b(?:\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|several|"
    r"multiple|many|some|a number of)\s+(?:[\w-]+\s+){0,3}?(?:firms|companies|enterprises|"
    r"businesses|applicants|banks|lenders|institutions|insurers|entities|carmakers|automakers|"
    r"operators|brokers|managers|players|consortia|groups|developers)\b",
    re.I,
)
_ITEM_NAME_EN = re.compile(r"[A-Z][\w&.'’-]*(?:\s+(?:[A-Z&][\w&.'’-]*|of|and|de|\(\w+\)))*")


_LINE_LABEL_EN = re.compile(r"^[^:]{0,60}:\s*")
_PARENTHESES = re.compile(r"\([^()]*\)")
_LINE_ITEM_SPLIT_EN = re.compile(r"\s*(?:,\s*(?:and\s+)?|\s+and\s+|;\s*)")


def _name_line_en(sentence: str, firms: list[_Firm], base: int) -> list[_Firm] | None:
    """The firms of a line that is nothing but names (after an optional "label:"), or None.
    Names the model missed become firms when they pass the firm tests."""
    label = _LINE_LABEL_EN.match(sentence)
    start = label.end() if label else 0
    body = _PARENTHESES.sub(lambda m: " " * len(m.group()), sentence[start:]).rstrip(" .")
    out = [f for f in firms if f.start < start]  # a label's names are kept as they are
    pos = start
    for piece in _LINE_ITEM_SPLIT_EN.split(body):
        a = sentence.find(piece, pos) if piece else -1
        if a < 0:
            continue
        pos = a + len(piece)
        name = piece.strip()
        if not name:
            continue
        a += len(piece) - len(piece.lstrip())
        b = a + len(name)
        known = [f for f in firms if a <= f.start and f.end <= b]
        if len(known) == 1 and known[0].start - a <= 4 and b - known[0].end <= 1:
            out += known  # the whole piece is the name ("the Kestrel Bank")
            continue
        if not _ITEM_NAME_EN.fullmatch(name) or len(name.split()) > 8:
            return None  # a word that is no name: a sentence, not a list
        firm = _structural_firm(sentence, a, b, base, name)
        if firm is not None:  # else a name that is no firm's (an academy): no claimant
            out.append(firm)
    return sorted(out, key=lambda f: f.start) if len(out) >= 1 and body.strip() else None


_COMMON_NOUNS_AFTER = re.compile(
    r"\s*,\s*(?!(?:a|an|the|which|who|whose|its|their|one|based|formerly)\b)[a-z]"
)


def _item_name_en(sentence: str, base: int) -> list[_Firm]:
    """The name of a list item line the model did not tag ("2. Bank of Lanshan")."""
    lead = _LIST_ITEM.match(sentence)
    m = _ITEM_NAME_EN.match(sentence, lead.end()) if lead else None
    if not m or len(m.group().split()) > 8 or _EN_NOT_NAME.match(m.group()):
        return []
    rest = sentence[m.end() :]
    if rest.strip() and not re.match(r"\s*(?:[,;:(–—-]|$)", rest):
        return []  # "3. Kestrel Bank applied in May": a sentence, not a bare name
    if _COMMON_NOUNS_AFTER.match(rest):
        return []  # "• Responsibility, system boundaries, and …": common nouns, not a name
    firm = _structural_firm(sentence, m.start(), m.end(), base, m.group().rstrip(".,"))
    return [firm] if firm else []


_LIST_OPENING = re.compile(r"\b(?:including|such as)\b|包括|如下", re.I)
# what a colon that opens a list of claimants ends ("The approved firms are:", "名单如下：")
_COLON_INTRO = re.compile(
    r"(?:\b(?:include[sd]?|including|are|were|as follows|following|list|batch|group|round|namely|"
    r"participants|members|applicants|companies|firms|banks|carmakers|automakers|institutions|"
    r"enterprises|operators|consortia|them)|包括|如下|名单|分别(?:是|为)|有|为|是|企业|机构|公司)\W*$",
    re.I,
)


def _verbless_list(sentence: str, firms: list[_Firm]) -> bool:
    """Names make up most of the sentence ("Tesla, Unity and HSBC." / "名单：A、B、C。")."""
    named = sum(f.end - f.start for f in firms)
    letters = sum(1 for ch in sentence if ch.isalnum())
    return len(firms) >= 2 and letters > 0 and named / letters >= 0.6


def _firm_key(m: TaggedMention) -> str:
    return m.entity or f"unlinked:{m.surface}"


def extract_counts(text: str, lang: str) -> list[Count]:
    """Numbers of firms without names ("13 foreign-invested firms were approved"): counts."""
    counts = []
    count_re = _COUNT_ZH if lang == "zh" else _COUNT_EN
    for _start, sentence in _split_sentences(text, lang):
        matches = list(count_re.finditer(sentence))
        if not matches:
            continue
        sentence = _fold_zh(sentence) if lang == "zh" else sentence
        cues = [c for c in _cues(sentence, lang) if not c.blocked and c.status != CONTEXT]
        for match in matches:
            if cues:
                status = min(cues, key=lambda c: abs(c.start - match.end())).status
                counts.append(Count(match.group(1), status, sentence.strip()))
    return counts
