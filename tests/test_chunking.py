"""Chunked tagging of texts over spaCy's max_length (schedules/chunking.py), with the real
taggers: the same mentions at the same offsets as tagging the whole text at once."""

from __future__ import annotations

from extract.tagging import get_tagger
from schedules.chunking import chunk_spans, tag_in_chunks


def test_chunks_cover_the_text_and_cut_at_boundaries() -> None:
    text = "第一段内容。第二句内容也在这里！\n\n第二段很长" + "字" * 50 + "。\n第三行"
    spans = chunk_spans(text, 20)
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert all(a == b for (_, a), (b, _) in zip(spans, spans[1:], strict=False))
    assert all(b - a <= 20 for a, b in spans)
    assert text[spans[0][0] : spans[0][1]].endswith("\n\n")  # a paragraph break first


def test_chunked_mentions_match_whole_text_offsets() -> None:
    for lang, sentence in (
        ("en", "Tesla applied in Shanghai. Siemens was approved in Shenzhen.\n\n"),
        ("zh", "特斯拉在上海提交申请。西门子在深圳获批。\n\n"),
    ):
        tagger = get_tagger(lang)
        text = sentence * 40
        whole = {(m.start, m.end, m.surface, m.sentence_start) for m in tagger.tag(text)}
        chunked = tag_in_chunks(tagger, text, size=len(sentence) * 3 + 5)
        assert {(m.start, m.end, m.surface, m.sentence_start) for m in chunked} == whole
        assert all(text[m.start : m.end].strip() == m.surface for m in chunked)
