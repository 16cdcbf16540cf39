"""Reports as PDF with an embedded Thai font (fpdf2, HarfBuzz shaping for the stacked vowels and
tone marks of Thai script).

The font is a TrueType file on the machine (Debian's fonts-tlwg-*-ttf, or the file
``FAEMBAN_REPORTING_THAI_FONT`` names); fpdf2 embeds the glyphs used, so the PDF reads the same
everywhere. Rendering is CPU work: callers run it off the event loop.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from faemban_domain.errors import Unavailable

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/tlwg/Garuda.ttf",
    "/usr/share/fonts/truetype/tlwg/Loma.ttf",
    "/usr/share/fonts/truetype/tlwg/Norasi.ttf",
    "/usr/share/fonts/truetype/tlwg/Kinnari.ttf",
)


def thai_font(configured: str | None) -> Path:
    """The regular Thai TTF to embed (the configured one, else the first Debian tlwg font found)."""
    for candidate in [configured] if configured else FONT_CANDIDATES:
        path = Path(candidate)
        if path.is_file():
            return path
    raise Unavailable(
        "no Thai TrueType font for PDF reports: install Debian's fonts-tlwg-garuda-ttf "
        "or set FAEMBAN_REPORTING_THAI_FONT to a .ttf file"
    )


def _bold_of(regular: Path) -> Path:
    bold = regular.with_name(f"{regular.stem}-Bold{regular.suffix}")
    return bold if bold.is_file() else regular


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def render_pdf(
    title: str, subtitle: str, sections: Mapping[str, Sequence[Sequence[Any]]], font: Path
) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_font("thai", "", str(font))
    pdf.add_font("thai", "B", str(_bold_of(font)))
    pdf.set_text_shaping(True)
    pdf.set_title(title)
    pdf.add_page()
    pdf.set_font("thai", "B", 16)
    pdf.multi_cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("thai", "", 10)
    pdf.multi_cell(0, 6, subtitle, new_x="LMARGIN", new_y="NEXT")
    for name, table in sections.items():
        pdf.ln(3)
        pdf.set_font("thai", "B", 12)
        pdf.multi_cell(0, 7, name, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("thai", "", 8)
        width = max(len(r) for r in table)
        with pdf.table(
            headings_style=FontFace(emphasis="BOLD", fill_color=(225, 235, 225)),
            line_height=5,
            text_align="LEFT",
            first_row_as_headings=True,
        ) as grid:
            for row in table:
                cells = grid.row()
                for value in [*row, *([""] * (width - len(row)))]:
                    cells.cell(_text(value))
    return bytes(pdf.output())
