"""Charts drawn by the server as SVG (no script, no CDN, no style attribute for the CSP): horizontal
bars, which read on a phone. Every chart on a page sits beside the table of its figures."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

ROW = 28
LABEL_WIDTH = 140
BAR_WIDTH = 200
WIDTH = LABEL_WIDTH + BAR_WIDTH + 70


def bar_chart(
    title: str, rows: Sequence[tuple[str, Decimal | int]], *, maximum: Decimal | int, suffix: str = ""
) -> SafeString:
    """One bar a row, its length value / maximum, the value written after it."""
    height = ROW * len(rows) + 8
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-label="{escape(title)}"'
        ' xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, value) in enumerate(rows):
        y = 4 + index * ROW
        length = 0 if not maximum else round(BAR_WIDTH * float(value) / float(maximum))
        shown = label if len(label) <= 9 else label[:8] + "…"
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 19}" text-anchor="end" font-size="15" fill="#1f2933">'
            f"{escape(shown)}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{max(length, 1)}" height="{ROW - 8}" fill="#2f6f9f"/>'
            f'<text x="{LABEL_WIDTH + max(length, 1) + 6}" y="{y + 19}" font-size="15" fill="#1f2933">'
            f"{escape(str(value))}{escape(suffix)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text in it is escaped above
