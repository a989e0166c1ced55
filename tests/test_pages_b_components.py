"""Figure builders and cards of the Cluster, Evaluate and Insights pages (pages B)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from socialdash.components import cluster_figures as cf
from socialdash.components import evaluate_figures as ef
from socialdash.components import insights_cards as ic
from socialdash.components.plain_text import fmt_int, fmt_num, plain

EVIL = '<img src=x onerror="alert(1)"><b>Bold</b>'


def _texts(component: object) -> str:
    """All text a Dash component tree would show, joined (Dash renders strings as text, never HTML)."""
    return json.dumps(component.to_plotly_json(), default=lambda o: o.to_plotly_json(), ensure_ascii=False)


SWEEP = {
    "ks": [2, 3, 4, 5],
    "inertia": [400.0, 300.0, 220.0, 200.0],
    "silhouette": [0.41, 0.45, 0.52, 0.40],
    "calinski_harabasz": [900.0, 1100.0, 1500.0, 1300.0],
    "davies_bouldin": [1.1, 0.9, 0.7, 0.95],
    "recommended_k": 4,
}


def test_plain_escapes_and_shortens():
    assert plain(EVIL, None) == "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&lt;b&gt;Bold&lt;/b&gt;"
    assert plain("a\nb\tc") == "a b c"
    assert plain("x" * 100, 10) == "x" * 9 + "…"
    assert fmt_int(5640) == "5,640" and fmt_num(None) == "–" and fmt_num(12345.6) == "12,346"


def test_sweep_figure_four_panels_with_recommended_k_marked():
    fig = cf.sweep_figure(SWEEP)
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    stars = [t for t in fig.data if t.mode == "markers"]
    assert len(lines) == 4 and len(stars) == 4
    assert [list(t.y) for t in lines][1] == SWEEP["silhouette"]
    assert all(list(s.x) == [4] for s in stars)
    assert stars[1].y == (0.52,)
    assert sum(1 for s in fig.layout.shapes if s.x0 == 4) == 4
    titles = [a.text for a in fig.layout.annotations]
    assert any("Silhouette" in t for t in titles) and any("Davies-Bouldin" in t for t in titles)


def test_projection_is_webgl_per_cluster_sampled_and_escaped():
    rng = np.random.default_rng(0)
    n = 30_000
    pts = pd.DataFrame({"x": rng.normal(size=n), "y": rng.normal(size=n), "cluster": rng.integers(1, 4, n)})
    fig = cf.projection_figure(pts, names={1: EVIL, 2: "Videos", 3: "Photos"}, max_points=5_000)
    assert all(isinstance(t, go.Scattergl) for t in fig.data)
    assert len(fig.data) == 3
    assert sum(len(t.x) for t in fig.data) == 5_000
    assert fig.data[0].name.startswith("Cluster 1 · &lt;img")
    assert "<img" not in fig.to_json()
    assert fig.data[1].marker.color == cf.cluster_color(2)


def test_sizes_figure_counts_and_shares():
    fig = cf.sizes_figure({2: 100, 1: 300}, names={1: "Big", 2: "Small"})
    bar = fig.data[0]
    assert list(bar.x) == [300, 100]
    assert list(bar.y) == ["Cluster 1 · Big", "Cluster 2 · Small"]
    assert bar.text[0] == "300 posts (75%)"


def test_metrics_table_shows_numbers_sentences_and_gap_verdict():
    metrics = {
        "train": {"silhouette": 0.52, "calinski_harabasz": 1500.0, "davies_bouldin": 0.7},
        "test": {"silhouette": 0.30, "calinski_harabasz": 1450.0, "davies_bouldin": 0.72},
        "gap": {"silhouette": -0.22, "calinski_harabasz": -50.0, "davies_bouldin": 0.02},
    }
    sentences = {"silhouette": "Posts sit clearly in their clusters.", "gap": "The test posts fit less well."}
    text = _texts(ef.metrics_table(metrics, sentences))
    for expected in (
        "Silhouette",
        "Calinski-Harabasz",
        "Davies-Bouldin",
        "0.52",
        "0.30",
        "1,500",
        "-0.22",
        "Posts sit clearly in their clusters.",
        "The test posts fit less well.",
    ):
        assert expected in text
    assert text.count("gap worth a look") == 1 and text.count("small gap") == 2
    assert ef.gap_is_worrying("silhouette", 0.5, None) is None


def test_silhouette_plot_aggregates_each_cluster():
    rng = np.random.default_rng(1)
    samples = pd.DataFrame({"cluster": rng.integers(1, 4, 9000), "silhouette": rng.uniform(-0.2, 0.9, 9000)})
    fig = ef.silhouette_figure(samples, names={1: EVIL})
    assert len(fig.data) == 3
    assert all(len(t.x) <= ef.POINTS_PER_CLUSTER for t in fig.data)
    assert list(fig.data[0].x) == sorted(fig.data[0].x, reverse=True)
    assert "<img" not in fig.to_json()
    assert fig.layout.shapes[0].x0 == float(np.mean(samples["silhouette"]))


def test_shares_grouped_bars_train_vs_test():
    shares = pd.DataFrame({"cluster": [1, 2], "train_share": [0.7, 0.3], "test_share": [0.65, 0.35]})
    fig = ef.shares_figure(shares)
    assert [t.name for t in fig.data] == ["train", "test"]
    assert list(fig.data[1].y) == [0.65, 0.35] and fig.layout.barmode == "group"
    assert list(fig.data[0].text) == ["70%", "30%"]


def test_stability_card_reads_out():
    text = _texts(ef.stability_card({"seed_ari_mean": 0.98, "seed_ari_min": 0.95}, "Very stable."))
    assert "Very stable." in text and "0.98" in text and "0.95" in text


def test_cluster_card_text_only_with_key_lifts():
    card = ic.cluster_card(
        {
            "cluster": 2,
            "name": EVIL,
            "summary": "Many comments.",
            "size": 1234,
            "share": 0.175,
            "lifts": {"num_comments": 8.0, "num_shares": 0.25, "num_likes": 1.01, "num_loves": 1.5},
        }
    )
    text = _texts(card)
    assert "1,234 posts" in text and "18% of all posts" in text and "Many comments." in text
    assert "num_comments ×8.0" in text and "num_shares ×0.2" in text and "num_likes" not in text
    assert f"Cluster 2: {EVIL}".replace('"', '\\"') in text  # a plain string child: Dash shows it as text


def test_lift_text_keeps_small_lifts_visible():
    assert [ic.lift_text(v) for v in (0.04, 0.5, 1.83, 136.4, None)] == ["×0.04", "×0.5", "×1.8", "×136", "–"]


def test_lift_heatmap_log_scale_diverging_and_escaped():
    table = pd.DataFrame({"num_comments": [4.0, 0.5], EVIL: [1.0, np.nan]}, index=[1, 2])
    fig = ic.lift_heatmap(table)
    hm = fig.data[0]
    assert hm.zmid == 0 and hm.z[0][0] == 2.0 and hm.z[1][0] == -1.0 and np.isnan(hm.z[1][1])
    assert hm.text[0][0] == "×4.0" and hm.text[1][1] == "–"
    assert "<img" not in fig.to_json()


def test_category_mix_stacks_levels_and_groups_the_rest():
    mix = {1: {f"type{i}": 0.1 for i in range(10)}, 2: {"video": 0.9, EVIL: 0.1}}
    fig = ic.category_mix_figure("status_type", mix)
    assert fig.layout.barmode == "stack"
    assert len(fig.data) == ic.MAX_LEVELS + 1 and fig.data[-1].name == "other"
    assert "<img" not in fig.to_json()


def test_timing_table_and_exemplar_grid_are_text():
    text = _texts(
        ic.timing_table([{"cluster": 1, "name": "A", "best_hours": [9, 21], "best_weekdays": ["Monday"]}])
    )
    assert "09:00, 21:00" in text and "Monday" in text
    assert "no post date" in _texts(ic.timing_table([{"cluster": 1, "name": "A"}]))
    grid = ic.exemplar_grid(
        "g", [{"cluster": 1, "status_id": "1_2", "message": EVIL}], ["status_id", "message"]
    )
    assert grid.rowData == [{"cluster": "1", "c0": "1_2", "c1": EVIL}]
    assert [c["headerName"] for c in grid.columnDefs] == ["Cluster", "status_id", "message"]
    assert "cellRenderer" not in json.dumps(grid.columnDefs)


def test_calinski_harabasz_gap_is_judged_per_post():
    assert ef.gap_is_worrying("calinski_harabasz", 2746.0, 712.0) is True
    sizes = {"train": 5640, "test": 1410, "k": 2}
    assert ef.gap_is_worrying("calinski_harabasz", 2746.0, 712.0, sizes) is False
    metrics = {"train": {"calinski_harabasz": 2746.0}, "test": {"calinski_harabasz": 712.0}, "gap": {}}
    text = _texts(ef.metrics_table(metrics, {}, sizes))
    assert "compared per post" in text and "gap worth a look" not in text


def test_grid_cells_read_like_numbers_people_write():
    assert [ic.cell_text(v) for v in (44.0, 3.14159, None, float("nan"), 1234567.0, "x")] == [
        "44",
        "3.14",
        "",
        "",
        "1,234,567",
        "x",
    ]
    long = "A post text that is clearly longer than forty-five characters in total."
    grid = ic.exemplar_grid("g", [{"cluster": 1, "id": "1_2", "message": long}], ["id", "message"])
    wrap = {c["headerName"]: c.get("wrapText") for c in grid.columnDefs}
    assert wrap == {"Cluster": None, "id": False, "message": True}
