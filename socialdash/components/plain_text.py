"""Make user text (headers, cluster names, posts) safe for Plotly labels and hover text.

Plotly renders a subset of HTML in titles, trace names, tick labels and hover text, and decodes entities.
Escaping turns every user character into literal text; nothing a user typed becomes markup or a template
placeholder.
"""

from __future__ import annotations

import html

MAX_LABEL = 60


def short_text(value: object, limit: int | None = MAX_LABEL) -> str:
    """``value`` on one line, shortened to ``limit`` characters; NOT escaped: for Dash components (React
    renders children as text), never for Plotly strings (use ``plain``)."""
    text = "" if value is None else str(value)
    text = " ".join(text.split())  # newlines and tabs would break one-line labels
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def plain(value: object, limit: int | None = MAX_LABEL) -> str:
    """``value`` as escaped plain text for Plotly, shortened to ``limit`` characters (None: no limit).

    "%" becomes the entity "&#37;" too (Plotly shows it as "%"): user text placed inside a hovertemplate or
    texttemplate can then never form a ``%{...}`` placeholder that Plotly would fill in."""
    return html.escape(short_text(value, limit), quote=True).replace("%", "&#37;")


def fmt_int(n: float | int | None) -> str:
    """12345 → "12,345"; None → "–"."""
    return "–" if n is None else f"{round(float(n)):,}"


def fmt_num(x: float | None, digits: int = 2) -> str:
    """A metric value for people: thousands separators, ``digits`` decimals, "–" when missing."""
    if x is None:
        return "–"
    x = float(x)
    if x != x:  # NaN
        return "–"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:,.{digits}f}"


def fmt_pct(share: float | None, digits: int = 0) -> str:
    """0.251 → "25%"."""
    if share is None:
        return "–"
    return f"{100 * float(share):.{digits}f}%"
