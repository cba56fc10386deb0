"""CSV written for spreadsheets: text typed by people is never run as a formula."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value) -> str:
    """A text cell a spreadsheet shows as text (prompts and names are typed by users)."""
    text = str(value or "")
    return "'" + text if text.startswith(FORMULA_STARTS) else text
