"""Does the picture decode, and did it need mending first?

A buyer's photo that no viewer can show, although it is a valid JPEG or PNG as far as its
structure goes, is a fact worth stating: the platform's reviewer cannot have seen what the
seller is asked to answer, and a file made undecodable on purpose switches pixel checks off.
A photo that decodes only after a byte-level mend (server/formats/repair.py: a JPEG's missing
end marker, a PNG's broken text chunk) is shown as viewers show it; the mend is stated.
"""

from __future__ import annotations

from ..domain.cases import Finding, Photo
from ..domain.limits import DECODE_BUDGET
from ..formats import repair
from ..text import Text
from .base import CheckContext
from .parsed import PhotoData, PixelsUnavailable

NAME = "decoding"
VERSION = "1"
TITLE = Text("图片能否正常显示", "Whether the picture can be shown")
LIMITS = Text(
    "只判断本机的解码器（Pillow）能否读出画面，以及为此修补了什么；无法解码可能是文件被故意"
    "破坏，也可能是传输中损坏，单独不能说明图片是伪造的。",
    "Says only whether this computer's decoder (Pillow) can read the picture, and what had to "
    "be mended for it; an undecodable file may have been damaged on purpose or in transit, "
    "and on its own does not show the photo is fake.",
)

REPAIR_NAMES = {
    repair.JPEG_END_ADDED: Text(
        "JPEG 缺少结束标记（EOI），文件可能不完整：缺少的部分在看图软件里显示为灰色",
        "the JPEG lacks its end marker (EOI), so the file may be incomplete: viewers show "
        "what is missing as grey",
    ),
    repair.PNG_TEXT_DROPPED: Text(
        "PNG 文本块无法按常规读取，读画面时略过", "PNG text chunks could not be read normally"
    ),
    repair.PNG_TAIL_DROPPED: Text(
        "PNG 图像数据之后的块被略过", "chunks after the PNG's image data were set aside"
    ),
    repair.PNG_END_ADDED: Text("PNG 缺少结束块（IEND）", "the PNG lacked its end chunk (IEND)"),
}


def context_key(ctx: CheckContext, photo: Photo) -> str:
    return ""


def run(photo: PhotoData, ctx: CheckContext) -> list[Finding]:
    p = photo.photo
    try:
        photo.stored  # noqa: B018 -- decoded once and shared: the pixel checks have it already
        error = None
    except PixelsUnavailable as e:
        error = str(e)
    if error and not error.startswith(DECODE_BUDGET):
        return [
            Finding(
                NAME,
                "pixels_undecodable",
                "supporting",
                Text(
                    f"这个文件的结构是 {p.format}，但画面无法解码：任何看图软件都显示不出它。"
                    "买家提交了一个无法显示的文件，平台审核人员也看不到其中的画面；"
                    "需要看画面的检查因此没有运行。原始文件已保留为证据。",
                    f"This file is structured as {p.format}, but its picture does not decode: "
                    "no viewer can show it. The buyer submitted a file nobody can see, the "
                    "platform's reviewer included; the checks that read the picture could not "
                    "run. The original file is kept as evidence.",
                ),
                {"format": p.format, "error": error, "size": p.size},
            )
        ]
    if photo.mended:
        mended = Text.join(
            [REPAIR_NAMES.get(r) or Text.same(r) for r in photo.mended], Text("；", "; ")
        )
        return [
            Finding(
                NAME,
                "pixels_decoded_after_mending",
                "none",
                Text(
                    f"文件不完全规范（{mended.zh}）；浏览器和看图软件照常显示它，"
                    "本工具也按同样的方式读取画面，所有检查照常运行。原始文件未作改动地保留。",
                    f"The file is not quite well-formed ({mended.en}); browsers and viewers "
                    "show it all the same, and this tool reads its picture the same way, so "
                    "every check ran. The original file is kept unchanged.",
                ),
                {"repairs": list(photo.mended)},
            )
        ]
    return []
