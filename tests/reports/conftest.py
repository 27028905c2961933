"""Helpers for the certificate tests: what a viewer reads off a PDF (text, QR code)."""

from __future__ import annotations


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as Chromium's viewer (PDFium) extracts it, white space removed (extractors
    space CJK glyphs unevenly)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    return "".join("".join(page.get_textpage().get_text_range().split()) for page in document)


def qr_texts(pdf: bytes) -> list[str]:
    """What the QR codes on the first page say, read off the page rendered as a picture."""
    import pypdfium2
    import zxingcpp

    document = pypdfium2.PdfDocument(pdf)
    image = document[0].render(scale=3).to_pil()
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]
