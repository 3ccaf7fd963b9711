"""IPTC digital source types, as C2PA actions and IPTC XMP use them, with the C2PA Asset
Rubrics 1.0 vocabulary and how much each weighs for a refund photo."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..text import Text

IPTC_DST = "http://cv.iptc.org/newscodes/digitalsourcetype/"


@dataclass(frozen=True)
class SourceType:
    kind: str  # ai | capture | other
    rubric: str  # C2PA Asset Rubrics label
    strength: Literal[
        "strong", "supporting", "counter", "none"
    ]  # for an unsigned declaration; a bound C2PA AI declaration is decisive
    meaning: Text


_TYPES = {
    "trainedAlgorithmicMedia": SourceType(
        "ai",
        "fullyGenAIMedia",
        "strong",
        Text("由人工智能模型生成", "created by a trained AI model"),
    ),
    "compositeWithTrainedAlgorithmicMedia": SourceType(
        "ai",
        "partlyGenAICreation",
        "strong",
        Text("部分由人工智能生成或编辑", "partly generated or edited with AI"),
    ),
    "compositeSynthetic": SourceType(
        "ai",
        "partlyGenAICreation",
        "strong",
        Text("合成内容（含合成元素）", "a synthetic composite"),
    ),
    "algorithmicMedia": SourceType(
        "other",
        "mediaUnknownProvenance",
        "none",
        Text(
            "由算法程序生成（非机器学习）", "made by a procedural algorithm (not machine learning)"
        ),
    ),
    "digitalCapture": SourceType(
        "capture", "capturedMedia", "counter", Text("由相机拍摄", "captured by a camera")
    ),
    "computationalCapture": SourceType(
        "capture",
        "capturedMedia",
        "counter",
        Text("由相机计算摄影拍摄", "captured with computational photography"),
    ),
    "negativeFilm": SourceType(
        "capture", "capturedMedia", "counter", Text("胶片负片扫描", "scanned from negative film")
    ),
    "positiveFilm": SourceType(
        "capture", "capturedMedia", "counter", Text("胶片正片扫描", "scanned from positive film")
    ),
    "print": SourceType(
        "capture", "capturedMedia", "counter", Text("印刷品扫描", "scanned from a print")
    ),
}


def classify(uri: str) -> tuple[str, SourceType | None]:
    """The short name of a digital source type URI (or bare name) and what it means."""
    name = uri.strip().rsplit("/", 1)[-1]
    return name, _TYPES.get(name)
