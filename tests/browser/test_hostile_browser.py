"""Hostile files in a real browser: payloads from a file show as text and never run; bad files get a sentence.

The HTML/JS payload file would set ``document.title`` to "pwned" if any of its headers or cells were rendered
as markup anywhere (grids, cards, Plotly labels and hover text).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from flow_support import SLOW, click, go, start, text_of

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from hostile_support import EXPECTED, corpus, corpus_script

pytestmark = pytest.mark.browser

# Records every value ever written to document.title (Dash pages write "Upload · socialdash" and so on; a
# payload that ran would write "pwned"), for the whole single-page session.
WATCH_TITLE = """
const d = Object.getOwnPropertyDescriptor(Document.prototype, 'title');
window.__titles = [];
Object.defineProperty(document, 'title', {
  configurable: true,
  get() { return d.get.call(document); },
  set(v) { window.__titles.push(String(v)); d.set.call(document, v); },
});
"""
NOTHING_RAN = """
return {
  pwned: (window.__titles || []).concat([document.title]).filter(t => t.includes('pwned')),
  watched: Array.isArray(window.__titles),
  imgs: document.querySelectorAll('img[src="x"], img[onerror]').length,
  scripts: Array.from(document.scripts).filter(s => s.text.includes('pwned')).length,
  links: document.querySelectorAll('a[href^="javascript:"]').length,
};
"""


def upload(dash_duo, path: Path) -> None:
    dash_duo.wait_for_element("#upload-data input[type=file]", timeout=20).send_keys(str(path))


def assert_nothing_ran(dash_duo) -> None:
    state = dash_duo.driver.execute_script(NOTHING_RAN)
    assert state == {"pwned": [], "watched": True, "imgs": 0, "scripts": 0, "links": 0}, state


def svg_texts(dash_duo, selector: str) -> str:
    return " ".join(e.get_attribute("textContent") for e in dash_duo.find_elements(selector))


def test_html_payloads_stay_text_on_every_page(dash_duo):
    files = corpus()
    start(dash_duo)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/upload")
    dash_duo.driver.execute_script(WATCH_TITLE)
    upload(dash_duo, files["html_payloads.csv"])
    dash_duo.wait_for_contains_text("#upload-summary", "45 rows", timeout=SLOW)
    dash_duo.wait_for_contains_text("#upload-summary", corpus_script.SCRIPT_TITLE, timeout=20)  # grid header
    assert corpus_script.IMG_TITLE in text_of(dash_duo, "#upload-summary")
    assert_nothing_ran(dash_duo)

    go(dash_duo, "eda")
    dash_duo.wait_for_element("#eda-content .js-plotly-plot", timeout=SLOW)
    assert_nothing_ran(dash_duo)
    go(dash_duo, "cluster")
    dash_duo.wait_for_contains_text("#cluster-sweep-rule", "We recommend k =", timeout=SLOW)
    box = dash_duo.find_element("#cluster-k")
    dash_duo.clear_input(box)
    box.send_keys("3")
    click(dash_duo, "#cluster-run")
    dash_duo.wait_for_contains_text("#cluster-status", "Done: 3 clusters", timeout=SLOW)
    assert_nothing_ran(dash_duo)

    go(dash_duo, "insights")
    dash_duo.wait_for_element("#insights-download-csv[href^='/download/']", timeout=SLOW)
    dash_duo.wait_for_element("#insights-heatmap .xtick text", timeout=30)
    cards = text_of(dash_duo, "#insights-cards")
    assert corpus_script.SCRIPT_TITLE in cards and corpus_script.BOLD in cards  # badges: the header, as text
    ticks = svg_texts(dash_duo, "#insights-heatmap .xtick text")
    assert "<script>document.title='pw" in ticks  # Plotly shows the escaped header as these characters
    assert "<b>bold</b>" in ticks
    assert corpus_script.IMG_TITLE in text_of(dash_duo, "#insights-exemplars")
    assert not dash_duo.find_elements("#insights-heatmap svg b, #insights-heatmap svg a")
    assert_nothing_ran(dash_duo)
    assert dash_duo.get_logs() == []
    dash_duo.driver.execute_script("document.title = 'control pwned';")  # the watcher itself sees a write
    assert "control pwned" in dash_duo.driver.execute_script(NOTHING_RAN)["pwned"]


def test_formula_payloads_show_as_typed_and_bad_files_get_a_sentence(dash_duo, tmp_path):
    files = corpus(tmp_path)
    start(dash_duo)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/upload")
    dash_duo.driver.execute_script(WATCH_TITLE)
    upload(dash_duo, files["formula_payloads.csv"])
    dash_duo.wait_for_contains_text("#upload-summary", "45 rows", timeout=SLOW)
    summary = text_of(dash_duo, "#upload-summary")
    for payload in ('=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1)"):
        assert payload in summary

    for name in ("png_renamed.csv", "zip_bomb.xlsx", "empty.csv", "billion_laughs.xlsx", "encrypted.xlsx"):
        upload(dash_duo, files[name])
        dash_duo.wait_for_contains_text("#upload-alert", str(EXPECTED[name].message), timeout=SLOW)
        # the previous dataset stays loaded: the page keeps working
        assert "45 rows" in text_of(dash_duo, "#upload-summary")

    upload(dash_duo, files["one_column.csv"])
    dash_duo.wait_for_contains_text("#upload-summary", "60 rows", timeout=SLOW)
    assert not text_of(dash_duo, "#upload-alert")
    assert_nothing_ran(dash_duo)
    assert dash_duo.get_logs() == []
