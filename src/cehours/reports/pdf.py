"""The certificate as an A4 PDF, with a Chinese font embedded (subset) and a vector QR code.

fpdf2, not reportlab (DESIGN §4 names reportlab): the CJK fonts machines have are OpenType with
CFF outlines (Noto CJK, Source Han), which reportlab cannot embed, and its built-in CID fonts are
not embedded at all, so a viewer without them shows boxes. fpdf2 subsets them through fontTools.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import segno
from django.conf import settings
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from .codes import grouped
from .figures import PERSON_FACTS, YEAR_FIGURES

# Where Debian/Ubuntu (fonts-noto-cjk, fonts-wqy-zenhei, fonts-arphic-uming) and Windows keep a
# Chinese font, tried in order when CEHOURS_PDF_FONT is not set; "#n" picks a face of a collection
# (Noto's collections hold JP, KR, SC, TC, HK: 2 is Simplified Chinese).
_NOTO = "/usr/share/fonts/opentype/noto"
FONT_CANDIDATES = (
    (f"{_NOTO}/NotoSerifCJK-Regular.ttc#2", f"{_NOTO}/NotoSerifCJK-Bold.ttc#2"),
    (f"{_NOTO}/NotoSansCJK-Regular.ttc#2", f"{_NOTO}/NotoSansCJK-Bold.ttc#2"),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc#0", ""),
    ("/usr/share/fonts/truetype/arphic/uming.ttc#0", ""),
    ("C:/Windows/Fonts/simsun.ttc#0", "C:/Windows/Fonts/simhei.ttf"),
)
FONT_MISSING = "服务器未安装可嵌入的中文字体，暂不能出具学时证明；请管理员安装 fonts-noto-cjk 或设置 CEHOURS_PDF_FONT"


class FontMissing(Exception):
    def __init__(self) -> None:
        super().__init__(FONT_MISSING)


@dataclass(frozen=True)
class FontFace:
    path: str
    index: int

    @classmethod
    def parse(cls, spec: str) -> FontFace:
        path, _, index = spec.partition("#")
        return cls(path, int(index or 0))

    def exists(self) -> bool:
        return bool(self.path) and Path(self.path).is_file()


def font_faces() -> tuple[FontFace, FontFace]:
    """The regular and bold faces to embed: CEHOURS_PDF_FONT (and CEHOURS_PDF_FONT_BOLD), else the
    first candidate present. Raises FontMissing where there is none: a certificate with boxes for
    its Chinese would be worse than none."""
    configured = settings.CEHOURS_PDF_FONT
    pairs = [(configured, settings.CEHOURS_PDF_FONT_BOLD)] if configured else list(FONT_CANDIDATES)
    for regular_spec, bold_spec in pairs:
        regular = FontFace.parse(regular_spec)
        if regular.exists():
            bold = FontFace.parse(bold_spec) if bold_spec else regular
            return regular, bold if bold.exists() else regular
    raise FontMissing


def _qr(pdf: FPDF, text: str, x: float, y: float, size: float) -> None:
    """The QR code drawn as filled squares: sharp at any zoom and print size, no image library."""
    qr = segno.make(text, error="m", micro=False)
    matrix = qr.matrix
    border = 2
    cell = size / (len(matrix) + 2 * border)
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(matrix):
        for col_index, dark in enumerate(row):
            if dark:
                pdf.rect(x + (col_index + border) * cell, y + (row_index + border) * cell, cell, cell, style="F")


def _document(title: str, issuer: str, *, landscape: bool = False) -> FPDF:
    """An A4 document with the Chinese faces loaded as "cjk" (regular and bold) and one page open."""
    regular, bold = font_faces()
    pdf = FPDF(orientation="landscape" if landscape else "portrait", unit="mm", format="A4")
    pdf.set_title(title)
    pdf.set_author(issuer)
    pdf.set_creator(issuer)
    margin = 12 if landscape else 20
    pdf.set_auto_page_break(auto=True, margin=margin)
    pdf.set_margins(margin, margin, margin)
    pdf.add_font("cjk", "", regular.path, collection_font_number=regular.index)
    pdf.add_font("cjk", "B", bold.path, collection_font_number=bold.index)
    pdf.add_page()
    return pdf


def certificate_pdf(figures: dict, *, code: str, verify_url: str, issuer: str, issued_on: str) -> bytes:
    pdf = _document("专业技术人员继续教育学时证明", issuer)
    width = pdf.epw

    pdf.set_font("cjk", "B", 20)
    pdf.cell(width, 12, "专业技术人员继续教育学时证明", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("cjk", "", 10)
    pdf.cell(width, 7, f"证明编号：{grouped(code)}", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)

    person = figures["person"]
    pdf.set_font("cjk", "", 11)
    with pdf.table(col_widths=(25, 60, 25, 60), text_align="LEFT", line_height=8, first_row_as_headings=False) as table:
        facts = [(label, person[name]) for name, label in PERSON_FACTS]
        for i in range(0, len(facts), 2):
            row = table.row()
            for label, value in facts[i : i + 2]:
                row.cell(label)
                row.cell(value)
    pdf.ln(5)

    first, last = figures["first_year"], figures["last_year"]
    span = f"{first}年" if first == last else f"{first}年至{last}年"
    pdf.multi_cell(
        width,
        7,
        f"兹证明上述人员{span}参加继续教育、经丽水市专业技术人员继续教育学时管理平台登记的学时如下。"
        "依《丽水市专业技术人员继续教育学时制管理实施办法》第十一条，每年度学时总数不少于要求学时，"
        "其中专业科目、公需科目（一般公需与行业公需合计）均不少于要求学时；各年度按当年规则判定。",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(3)

    pdf.set_font("cjk", "", 9.5)
    headings = ["年度", *(label for _, label in YEAR_FIGURES), "要求（总/专业/公需）", "结论"]
    with pdf.table(col_widths=(12, 18, 18, 18, 16, 16, 30, 14), text_align="CENTER", line_height=7) as table:
        table.row(headings)
        for year in figures["years"]:
            need = f"{year['need_total']}/{year['need_professional']}/{year['need_public']}"
            table.row([str(year["year"]), *(year[name] for name, _ in YEAR_FIGURES), need, year["status_label"]])
    pdf.ln(4)

    pdf.set_font("cjk", "B", 11)
    pdf.cell(width, 7, "各年度学时来源", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("cjk", "", 10)
    for year in figures["years"]:
        sources = "，".join(f"{label} {hours}" for label, hours in year["by_source"].items()) or "无登记学时"
        pdf.multi_cell(width, 6, f"{year['year']}年：{sources}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for message in year["shortfalls"]:
            pdf.multi_cell(width, 6, f"　　{message}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)

    qr_size = 34.0
    if pdf.get_y() + qr_size + 10 > pdf.h - pdf.b_margin:
        pdf.add_page()
    top = pdf.get_y()
    _qr(pdf, verify_url, pdf.l_margin + width - qr_size, top, qr_size)
    pdf.set_font("cjk", "", 10.5)
    text_width = width - qr_size - 6
    pdf.multi_cell(text_width, 6.5, f"出具单位：{issuer}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.multi_cell(text_width, 6.5, f"出具日期：{issued_on}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.multi_cell(
        text_width,
        6.5,
        f"核验方式：扫描右侧二维码或访问 {verify_url}，可查看本证明所载数据、平台今日数据是否一致及证明是否已撤销。",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_font("cjk", "", 9)
    pdf.multi_cell(
        text_width,
        5.5,
        "本证明附平台数字签名，可在PDF阅读器中查看签名是否有效；文件被改动后签名即失效。身份证号码已作脱敏处理。",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    return bytes(pdf.output())


def table_pdf(
    *,
    title: str,
    lines: Sequence[str],
    headings: Sequence[str],
    widths: Sequence[float],
    rows: Iterable[Sequence[str]],
    issuer: str,
    issued_on: str,
) -> bytes:
    """A landscape list for print: a title, a few lines above the table (counts, the file read), the
    table with its headings repeated on every page, and who produced it when in the footer."""
    pdf = _document(title, issuer, landscape=True)
    width = pdf.epw
    pdf.set_font("cjk", "B", 16)
    pdf.cell(width, 10, title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("cjk", "", 10)
    for line in lines:
        pdf.multi_cell(width, 6, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font("cjk", "", 8.5)
    scale = width / sum(widths)
    with pdf.table(
        col_widths=tuple(w * scale for w in widths), text_align="LEFT", line_height=5, repeat_headings=1
    ) as table:
        table.row(list(headings))
        for row in rows:
            table.row([str(cell) for cell in row])
    pdf.ln(4)
    pdf.set_font("cjk", "", 9)
    pdf.multi_cell(width, 5.5, f"出具单位：{issuer}　　出具日期：{issued_on}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
