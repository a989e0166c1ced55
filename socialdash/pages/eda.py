"""Step 2 — Explore (EDA): what is in the data, before any clustering."""

import dash

from socialdash.components.common import rendered_page
from socialdash.ids import Eda

dash.register_page(__name__, path="/eda", title="Explore · socialdash", name="Explore", order=2)


def layout(**_kwargs):
    return rendered_page(
        "Explore your posts",
        "A first look at every column: what is empty, how the numbers are spread, which categories "
        "are common and when you post.",
        Eda.KEY,
        Eda.ALERT,
        Eda.CONTENT,
    )
