"""Step 3 — Prepare (preprocess): split, features and transforms; Apply stores the choices."""

import dash

from socialdash.components.common import rendered_page
from socialdash.ids import Preprocess

dash.register_page(__name__, path="/preprocess", title="Prepare · socialdash", name="Prepare", order=3)


def layout(**_kwargs):
    return rendered_page(
        "Prepare the data for clustering",
        "Choose which columns describe a post and how numbers are made comparable. The defaults work "
        "for most exports; change them and press Apply to see the effect.",
        Preprocess.KEY,
        Preprocess.ALERT,
        Preprocess.CONTENT,
    )
