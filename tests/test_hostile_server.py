"""The hostile corpus against a real gunicorn (2 workers, production mode, a 4 MB upload limit).

Every file is POSTed to /api/upload like the page's script does, then the Dash callbacks are driven over
HTTP like the renderer does (background callbacks included). Each step must answer with a clear sentence or a
correct result: no 500, no traceback, file path or secret in any body, no user markup in any figure, and the
same two worker processes at the end as at the start.
"""

from __future__ import annotations

import io
import json

import pandas as pd
import psutil
import pytest
from hostile_dash import DashClient, joined, texts
from hostile_support import EXPECTED, corpus, corpus_script, leaks
from server_utils import SECRET, gunicorn_server

pytestmark = pytest.mark.server

MAX_UPLOAD = 4 * 1024 * 1024
TOO_LARGE = "The file is larger than the 4 MB this server accepts."
#: files that upload fine but cannot be clustered: the message comes from the Cluster page
PIPELINE_ERRORS = {"one_row.csv", "only_text.csv", "constant_metrics.csv", "fewer_rows_than_k.csv",
                   "fewer_distinct_than_k.csv"}
#: files walked through every page down to the downloads (the rest stop after the cluster run)
FULL_WALK = ("html_payloads.csv", "formula_payloads.csv", "html_payloads.xlsx")
RAW_MARKUP = (corpus_script.SCRIPT_TITLE, corpus_script.IMG_TITLE, corpus_script.BOLD, corpus_script.ANCHOR,
              "<script", "<img", "<b>", "<a ")


#: with a 4 MB limit these are refused for their size (the zip bomb by its unpacked size, 10x the limit)
TOO_LARGE_HERE = {"single_line_5mb.csv": TOO_LARGE, "zip_bomb.xlsx": "Unpacked, this workbook would take",
                  "ten_thousand_columns.csv": str(EXPECTED["ten_thousand_columns.csv"].message)}


def upload_message(name: str) -> str:
    return TOO_LARGE_HERE.get(name) or str(EXPECTED[name].message)


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile-web")
    env = {
        "SOCIALDASH_ENV": "production",
        "SOCIALDASH_MAX_UPLOAD_BYTES": str(MAX_UPLOAD),
        "SOCIALDASH_MAX_REQUESTS": "0",  # no planned worker recycling: a changed pid means a crash
    }
    with gunicorn_server(root, workers=2, env=env, timeout=180) as proc:
        proc.extra["big"] = root / "big"
        yield proc


def worker_pids(web) -> set[int]:
    """The gunicorn workers: children of the master (the one child of ``timeout``)."""
    (master,) = psutil.Process(web.pid).children()
    return {p.pid for p in master.children() if "gunicorn" in " ".join(p.cmdline())}


def figures(response: dict) -> list[dict]:
    return [props["figure"] for props in response.values() if isinstance(props, dict) and "figure" in props]


def assert_figures_escaped(response: dict) -> None:
    for fig in figures(response):
        for text in texts(fig):
            assert not any(m in text for m in RAW_MARKUP), text


def alert_text(response: dict, component: str) -> str:
    return joined((response.get(component) or {}).get("children"))


def walk(c: DashClient, name: str, data: bytes) -> list[str]:
    """Upload and drive the pages for one file; returns the problems found (empty: all good)."""
    problems: list[str] = []
    expect = EXPECTED[name]
    up = c.upload(name, data)
    result = up.json()
    page = c.call("upload-alert.children", {"upload-result.data": result, "session-store.data": None})
    if name not in PIPELINE_ERRORS and not expect.ok:
        wanted = 413 if name in TOO_LARGE_HERE else 422
        if up.status != wanted or not result["error"].startswith(upload_message(name)):
            problems.append(f"{name}: upload answered {up.status} {result}")
        if not alert_text(page, "upload-alert").startswith(upload_message(name)):
            problems.append(f"{name}: the page showed {alert_text(page, 'upload-alert')!r}")
        return problems
    if up.status != 200:
        return [f"{name}: upload answered {up.status} {up.body[:200]!r}"]
    store = page["session-store"]["data"]
    summary = joined(c.call("upload-summary.children", {"session-store.data": store}))
    if f"{result['rows']:,} rows" not in summary:
        problems.append(f"{name}: summary without the row count: {summary[:200]}")
    for output in ("eda-content.children", "preprocess-content.children"):
        response = c.call(output, {"session-store.data": store})
        assert_figures_escaped(response)
        alerts = [alert_text(response, cid) for cid in response if cid.endswith("-alert")]
        if any(alerts):
            problems.append(f"{name}: {output} alert {alerts}")
    k = expect.k or 3
    values = {"session-store.data": store, "cluster-init.data": 1}
    c.follow(values, ["cluster-init.data"], "cluster")  # the page load: its sweep, like the browser
    values.update({"cluster-run.n_clicks": 1, "cluster-k.value": k})
    run = c.follow(values, ["cluster-run.n_clicks"], "cluster")  # Run → background run → figures
    status = alert_text(run, "cluster-status")
    if name in PIPELINE_ERRORS:
        if not status.startswith(str(expect.message)):
            problems.append(f"{name}: cluster status {status!r}")
        return problems
    if not status.startswith(f"Done: {k} clusters on "):
        return [*problems, f"{name}: cluster status {status!r}"]
    assert_figures_escaped(run)
    if name in FULL_WALK:
        problems += full_walk(c, name, run["session-store"]["data"], expect.rows or 0)
    return problems


def full_walk(c: DashClient, name: str, store: dict, rows: int) -> list[str]:
    problems = []
    # like the renderer: the page-load chain (key → view, or a background job → its result) of each page
    ev = c.follow({"evaluate-init.data": True, "session-store.data": store}, ["evaluate-init.data"],
                  "evaluate")
    assert_figures_escaped(ev)
    if "Davies-Bouldin" not in joined(ev.get("evaluate-metrics")):
        problems.append(f"{name}: no metrics on Evaluate")
    ins = c.follow({"insights-init.data": True, "session-store.data": store}, ["insights-init.data"],
                   "insights")
    assert_figures_escaped(ins)
    cards = joined(ins.get("insights-cards"))
    if name.startswith("html_payloads") and corpus_script.SCRIPT_TITLE not in cards:
        problems.append(f"{name}: the header is not shown as the same text on the cards")
    csv = c.get(ins["insights-download-csv"]["href"])
    xlsx = c.get(ins["insights-download-xlsx"]["href"])
    if csv.status != 200 or xlsx.status != 200:
        return [*problems, f"{name}: downloads answered {csv.status} {xlsx.status}"]
    labelled = pd.read_csv(io.BytesIO(csv.body), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    sheet = pd.read_excel(io.BytesIO(xlsx.body), sheet_name="posts", dtype=str)
    if len(labelled) != rows or len(sheet) != rows:
        problems.append(f"{name}: downloads have {len(labelled)} / {len(sheet)} rows, not {rows}")
    if name == "formula_payloads.csv":
        cells = [*labelled.columns, *labelled.to_numpy().ravel()]
        bad = [v for v in cells if str(v).startswith(("=", "+", "-", "@", "\t", "\r"))]
        if bad:
            problems.append(f"{name}: formula cells in the CSV download: {bad[:3]}")
        if "=HYPERLINK(\"http://x\",\"y\")" not in sheet.columns:  # XLSX keeps the text exactly (as text)
            problems.append(f"{name}: XLSX header changed: {list(sheet.columns)[:3]}")
    return problems


def test_corpus_through_upload_and_pages(web) -> None:
    files = corpus(web.extra["big"])
    c = DashClient(web.url).open()
    before = worker_pids(web)
    assert len(before) == 2
    problems: list[str] = []
    for name in sorted(files):
        problems += walk(c, name, files[name].read_bytes())
    assert problems == [], '\n'.join(problems)
    statuses = [r.status for r in c.responses]
    assert 500 not in statuses, statuses
    for reply in c.responses:
        assert not leaks(reply.body, (SECRET,)), (reply.status, leaks(reply.body, (SECRET,)))
    assert c.get("/healthz").status == 200
    assert worker_pids(web) == before  # no worker crashed or was replaced


def test_upload_limits_answer_413_with_a_sentence(web) -> None:
    c = DashClient(web.url)
    declared = c.post("/api/upload", data=b"x" * (MAX_UPLOAD + 128 * 1024),
                      headers={"X-Filename": "big.csv", "Content-Type": "application/octet-stream"})
    assert declared.status == 413 and declared.json() == {"error": TOO_LARGE + " Export fewer posts (for "
                                                           "example a shorter date range) and try again."}

    def chunks():  # no Content-Length: the server must stop at the limit while streaming
        for _ in range(MAX_UPLOAD // 65536 + 8):
            yield b"likes,comments\n" * 4096

    streamed = c.post("/api/upload", data=chunks(), headers={"X-Filename": "stream.csv"})
    assert streamed.status == 413 and streamed.json()["error"].startswith(TOO_LARGE)
    nameless = c.post("/api/upload", data=b"a,b\n1,2\n")
    assert nameless.status == 400 and nameless.json()["error"].endswith("try again.")
    for reply in c.responses:
        assert not leaks(reply.body, (SECRET,))


def test_crafted_callback_requests_leak_nothing(web) -> None:
    """Malformed bodies, unknown outputs, wrong types and forged handles: never a traceback or a path."""
    c = DashClient(web.url).open()
    store = {"handle": "../../etc/passwd", "name": "x", "rows": 1, "columns": 1, "choices": {}, "k": 2,
             "done": []}
    def body(output: str, values: dict) -> bytes:
        return json.dumps(c.body(output, values)).encode()

    bodies = [
        b"{",
        b"[]",
        b'{"output": "nope.children", "outputs": {"id": "nope", "property": "children"}, "inputs": []}',
        body("upload-summary.children", {"session-store.data": "garbage"}),
        body("upload-summary.children", {"session-store.data": store}),
        body("eda-content.children", {"session-store.data": {"handle": ["x"], "choices": 5}}),
        body("eda-distribution.figure",
             {"eda-metric.value": {"$x": 1}, "eda-log.value": "yes", "session-store.data": store}),
        json.dumps({**c.body("upload-summary.children", {}), "inputs": None}).encode(),
    ]
    for raw in bodies:
        reply = c.raw_call(None, raw=raw)
        assert reply.status in (200, 204, 400), reply.status
        assert not leaks(reply.body, (SECRET,)), (raw[:80], reply.body[:300])
    background = [d for d in c.deps if "insights-cards.children@" in d["output"]]  # the job's callback
    insights = c.http.payload(background[-1], {"insights-key.data": {"k": 2}, "session-store.data": store})
    forged = c.raw_call(insights, {"cacheKey": "forged", "job": "1", "endId": c.end_id})
    assert forged.status < 500 and not leaks(forged.body, (SECRET,))
    for path in ("/download/nope/nope.csv", "/download/../../etc/passwd", "/nope", "/_dash-layout",
                 "/_dash-dependencies"):
        reply = c.get(path)
        assert reply.status != 500 and not leaks(reply.body, (SECRET,)), (path, reply.status)
    assert c.get("/healthz").status == 200


#: a store that type-checks but holds nonsense inside (a forged handle, choices of the wrong shape)
ODD_STORE = {"handle": ["x"], "name": 5, "rows": "many", "columns": None, "choices": 5, "k": "two",
             "done": 7}


def crafted_bodies(c: DashClient) -> list[tuple[str, bytes, int]]:
    """(what, raw body, expected status) of hand-made POSTs to /_dash-update-component."""
    def body(first_output: str, values: dict, **changes) -> bytes:
        out = c.body(first_output, values)
        out.update(changes)
        return json.dumps({k: v for k, v in out.items() if v is not ...}).encode()

    summary = c.body("upload-summary.children", {"session-store.data": None})
    run_values = {"cluster-run.n_clicks": 1, "cluster-k.value": 3, "session-store.data": None}
    return [
        ("not JSON", b"{not json", 400),
        ("empty body", b"", 400),
        ("JSON null", b"null", 400),
        ("JSON list", b"[]", 400),
        ("JSON string", b'"x"', 400),
        ("JSON number", b"1", 400),
        ("empty object", b"{}", 400),
        ("nested 100k deep", b"[" * 100_000 + b"]" * 100_000, 400),
        ("invalid UTF-8", b'{"output": "\xff\xfe"}', 400),
        ("no output key", body("upload-summary.children", {}, output=...), 400),
        ("output not a string", body("upload-summary.children", {}, output=["x"]), 400),
        ("unknown output id", body("upload-summary.children", {}, output="nope.children",
                                   outputs={"id": "nope", "property": "children"}), 400),
        ("no outputs key", body("upload-summary.children", {}, outputs=...), 400),
        ("outputs a string", body("upload-summary.children", {}, outputs="x"), 400),
        ("outputs name another component", body("upload-summary.children", {},
                                                outputs=[{"id": "nope", "property": "children"}] * 2), 400),
        ("outputs one of two", body("upload-summary.children", {},
                                    outputs=summary["outputs"][:1]), 400),
        ("no inputs key", body("upload-summary.children", {}, inputs=...), 400),
        ("inputs null", body("upload-summary.children", {}, inputs=None), 400),
        ("inputs an object", body("upload-summary.children", {}, inputs={"a": 1}), 400),
        ("inputs of strings", body("upload-summary.children", {}, inputs=["x"]), 400),
        ("input without id", body("upload-summary.children", {}, inputs=[{"value": None}]), 400),
        ("no inputs at all", body("upload-summary.children", {}, inputs=[]), 400),
        ("one input too many", body("upload-summary.children", {},
                                    inputs=summary["inputs"] * 2), 400),
        ("state a string", body("upload-summary.children", {}, state="x"), 400),
        ("state missing", body("upload-summary.children", {}, state=[]), 400),
        ("changedPropIds a number", body("upload-summary.children", {}, changedPropIds=5), 400),
        ("changedPropIds of numbers", body("upload-summary.children", {}, changedPropIds=[1]), 400),
        ("store a string", body("upload-summary.children", {"session-store.data": "garbage"}), 400),
        ("store a list", body("upload-summary.children", {"session-store.data": [1, 2]}), 400),
        ("upload result a number", body("upload-alert.children", {"upload-result.data": 3}), 400),
        ("n_clicks a string", body("cluster-run-job.data", {**run_values, "cluster-run.n_clicks": "x"},
                                   ), 400),
        ("n_clicks negative", body("cluster-run-job.data", {**run_values, "cluster-run.n_clicks": -1}),
         400),
        ("dropdown value an object", body("eda-distribution.figure", {"eda-metric.value": {"$x": 1}}), 400),
        ("pathname a number", body("nav-steps.children", {"url.pathname": 5}), 400),
        ("grid rows of strings", body("upload-roles-grid.rowData",
                                      {"upload-roles-grid.cellValueChanged": ["x"]}), 400),
        ("odd store contents", body("upload-summary.children", {"session-store.data": ODD_STORE}), 200),
        ("odd store on EDA", body("eda-content.children", {"session-store.data": ODD_STORE}), 200),
        ("odd store on the navbar", body("nav-steps.children", {"session-store.data": ODD_STORE,
                                                               "url.pathname": "/eda"}), 200),
        ("text field as a metric", body("eda-distribution.figure",
                                        {"eda-metric.value": "x" * 5000, "eda-log.value": "yes",
                                         "session-store.data": ODD_STORE}), 204),
        ("9 MB body", b'{"output": "' + b"x" * (9 * 1024 * 1024) + b'"}', 413),
    ]


def test_malformed_callback_posts_get_4xx_and_no_worker_dies(web) -> None:
    """The issue's table: every crafted body gets its 4xx (or a normal answer), never a 500, a traceback or
    a path, and the same two workers serve before and after."""
    c = DashClient(web.url).open()
    before = worker_pids(web)
    table = crafted_bodies(c)
    got = []
    for what, raw, _wanted in table:
        reply = c.raw_call(None, raw=raw)
        got.append((what, reply.status))
        assert not leaks(reply.body, (SECRET,)), (what, reply.body[:300])
        assert reply.status < 400 or len(reply.body) < 200, (what, reply.body[:300])  # a short sentence
    assert got == [(what, wanted) for what, _raw, wanted in table]
    streamed = c.post("/_dash-update-component", data=(b"x" * 65536 for _ in range(160)),
                      headers={"Content-Type": "application/json"})  # 10 MB, no Content-Length
    assert streamed.status == 413 and not leaks(streamed.body)
    assert c.post("/_dash-update-component", data=b"{}", headers={"Content-Type": "text/plain"}).status == 400
    refused = c.raw_call(None, raw=b"[]").json()
    assert refused == {"error": "This request is not one the socialdash page sends. Reload the page and "
                                "try again."}
    assert worker_pids(web) == before
    fine = c.call("upload-summary.children", {"session-store.data": None})  # well-formed still works
    assert fine == {"upload-summary": {"children": None}, "upload-shown": {"data": None}}
