"""Two browser sessions (two cookie jars) against one app: B cannot reach A's dataset, figures, model or
download — not through the pages' callbacks replayed with A's values (crafted POSTs to
/_dash-update-component with A's handle in the session-store), not through the download route. The same
bytes uploaded by both share cached results, never the other's handle or choices."""

from __future__ import annotations

import time
from pathlib import Path

import psutil
import pytest
from isolation_support import fingerprints, posts_csv

from benchmarks.dash_http import DashHttp, Transport, job_pid, walk
from socialdash.app import create_app
from socialdash.settings import Settings
from socialdash.web.handles import HandleError

MARK_A, MARK_B = "zqalpha", "zqbravo"
LOST = HandleError.default_message
RESULT_OUTPUTS = ("cluster-sweep-graph", "cluster-status", "evaluate-metrics", "insights-cards")
RUN = ["cluster-run.n_clicks"]
#: page-state values that carry a handle (replayed by B from A's page)
HANDLE_CARRIERS = (
    "session-store.data",
    "cluster-sweep-key.data",
    "evaluate-key.data",
    "insights-key.data",
    "eda-key.data",
    "preprocess-key.data",
    "upload-result.data",
)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    root = tmp_path_factory.mktemp("isolation")
    return create_app(Settings(data_dir=root / "data", cache_dir=root / "cache", secret_key="i" * 48))


def session(app) -> DashHttp:
    return DashHttp(Transport(app.server.test_client()))


@pytest.fixture(scope="module")
def alice(app):
    client = session(app)
    flow = walk(client, "alice.csv", posts_csv(240, MARK_A, seed=1), k=3)
    return client, flow


def replies_text(replies) -> list[str]:
    return [r.text for r in replies]


def test_handles_are_random_and_never_the_content_hash(app, alice):
    _client, flow = alice
    handle = flow.upload["handle"]
    assert len(handle) == 32 and "sha" not in flow.upload
    other = session(app).upload("alice.csv", posts_csv(240, MARK_A, seed=1))[1]["handle"]
    assert other != handle  # the same bytes again: a new, unrelated handle
    import hashlib

    assert hashlib.sha256(posts_csv(240, MARK_A, seed=1)).hexdigest()[:32] not in (handle, other)


def test_alice_sees_her_own_data_everywhere(alice):
    """Positive control: the markers and figure numbers the B checks look for are really in A's replies."""
    _client, flow = alice
    texts = {
        name: flow.reply(prop).text
        for name, prop in (
            ("summary", "upload-summary.children"),
            ("sweep", "cluster-sweep-graph.figure"),
            ("run", "cluster-status.children"),
            ("evaluate", "evaluate-metrics.children"),
            ("insights", "insights-cards.children"),
        )
    }
    assert f"likes_{MARK_A}" in texts["summary"] and "240 rows" in texts["summary"]
    assert "Done: 3 clusters on" in texts["run"]
    assert MARK_A in texts["insights"]
    assert fingerprints([texts["sweep"], texts["run"], texts["evaluate"]])
    assert flow.values["insights-download-csv.href"].startswith(f"/download/{flow.upload['handle']}/")


def test_bob_replaying_every_callback_with_alices_values_gets_nothing(app, alice):
    """Every callback that takes a handle-carrying value, posted by B with all of A's page values."""
    _a, flow = alice
    bob = session(app)
    own = walk(bob, "bob.csv", posts_csv(180, MARK_B, seed=2), k=2)  # B is a real user with his own data
    secrets = fingerprints([r.text for r in flow.replies.values()]) - fingerprints(
        [r.text for r in own.replies.values()]
    )
    replayed = []
    for dep in bob.load_deps():
        props = {f"{x['id']}.{x['property']}" for x in dep["inputs"] + dep["state"]}
        carriers = sorted(props & set(HANDLE_CARRIERS))
        if not carriers:
            continue
        changed = [f"{dep['inputs'][0]['id']}.{dep['inputs'][0]['property']}"]
        values = {**flow.values, "cluster-run.n_clicks": 1, "upload-sample.n_clicks": None}
        # A's run was cached, so A's page never started the Evaluate/Insights jobs: B starts them anyway
        for page in ("evaluate", "insights"):
            values[f"{page}-job.data"] = {**(flow.values.get(f"{page}-key.data") or {}), "nonce": 1}
        reply = bob.call_dep(dep, values, changed=changed, timeout=120)
        replayed.append((dep["output"], reply))
        assert reply.status in (200, 204), (dep["output"], reply.status, reply.text[:300])
        assert MARK_A not in reply.text.lower(), dep["output"]
        assert flow.upload["handle"] not in reply.text or _only_echoes_input(reply), dep["output"]
        leaked = {n for n in secrets if n in reply.text}
        assert not leaked, (dep["output"], sorted(leaked)[:5])
    outputs = " ".join(o for o, _ in replayed)
    for needed in (
        "upload-summary",
        "cluster-sweep-graph",
        "cluster-status",
        "evaluate-metrics",
        "insights-cards",
    ):
        assert needed in outputs, f"no callback replayed for {needed}"
    # what B's page shows for A's handle: the plain sentence, nothing else
    by_output = {o: r for o, r in replayed}
    for output, reply in by_output.items():
        if any(
            x in output
            for x in ("cluster-sweep-graph", "cluster-status", "evaluate-metrics", "insights-cards")
        ):
            assert LOST in reply.text, (output, reply.text[:300])


def _only_echoes_input(reply) -> bool:
    """Page-state callbacks copy the handle B sent into B's own page-local stores (B's input echoed back);
    that carries no data of A. Anything else with A's handle in it is a leak."""
    outputs = reply.outputs()
    return all(
        k.endswith(("-key.data", "session-store.data")) for k in outputs if "handle" in str(outputs[k])
    )


def test_download_route_refuses_other_sessions(app, alice):
    _a, flow = alice
    href = flow.values["insights-download-csv.href"]
    owner = session(app)
    # a fresh session, a session with its own upload, and no cookie at all: all refused, no data
    bob = session(app)
    bob_upload = bob.upload("bob.csv", posts_csv(180, MARK_B, seed=2))[1]
    for who in (owner, bob):
        for ext in ("csv", "xlsx", "json"):
            status, text = who.get(href.rsplit(".", 1)[0] + f".{ext}")
            assert status == 403 and MARK_A not in text.lower()
            assert "no longer available" in text
    run_key = href.rsplit("/", 1)[1]
    status, text = bob.get(f"/download/{bob_upload['handle']}/{run_key}")  # own handle, A's run key
    assert status in (403, 404) and MARK_A not in text.lower()
    status, text = bob.get(f"/download/{bob_upload['handle']}/{run_key.replace('.csv', '')}.csv")
    assert status == 404 and MARK_A not in text.lower()


def test_download_works_for_the_owner(alice):
    client, flow = alice
    status, text = client.get(flow.values["insights-download-csv.href"])
    assert status == 200 and f"likes_{MARK_A}" in text and text.count("\n") >= 240


def test_same_bytes_share_results_but_not_handle_or_choices(app, alice):
    """C uploads A's exact file: C computes nothing new (cached results), but starts from fresh choices."""
    _a, flow = alice
    memo = Path(app.server.extensions["socialdash_settings"].cache_dir) / "memo"
    before = sorted(p.name for p in memo.iterdir())
    carol = session(app)
    status, upload = carol.upload("carol.csv", posts_csv(240, MARK_A, seed=1))
    assert status == 200 and upload["handle"] != flow.upload["handle"]
    values = {"upload-result.data": upload, "evaluate-init.data": 1, "cluster-init.data": 1}
    reply = carol.call("session-store.data", values, input="upload-result.data")
    store = reply.outputs()["session-store.data"]
    assert store["handle"] == upload["handle"] and store["k"] is None and store["done"] == ["upload"]
    assert store["choices"] == {**flow.values["session-store.data"]["choices"], "k": None}
    values["session-store.data"] = store
    guide = carol.call(
        "evaluate-key.data", values, input="evaluate-init.data", changed=["session-store.data"]
    )
    assert "not clustered yet" in guide.text and flow.upload["handle"] not in guide.text
    # the same k on the same bytes: answered from the shared cache (no new result files), same figures
    values.update(carol.call("cluster-sweep-key.data", values, input="cluster-init.data").outputs())
    values.update({"cluster-k.value": 3, "cluster-run.n_clicks": 1})
    run = carol.call(
        "cluster-status.children", values, input="cluster-run.n_clicks", changed=["cluster-run.n_clicks"]
    )
    expected = flow.reply("cluster-status.children").outputs()["cluster-status.children"]
    assert run.outputs()["cluster-status.children"] == expected
    assert flow.upload["handle"] not in run.text
    after = sorted(p.name for p in memo.iterdir() if not p.name.startswith("__wz"))
    assert set(after) <= set(before) | {n for n in after if n.startswith("__wz")}


def test_background_results_are_bound_to_the_session(app, alice):
    """A starts a run job but has not collected it; B posts the identical request (A's handle, the same
    job) and polls at once. Dash keys job results by the arguments: without session-bound keys B's job would
    share A's result slot (B collects A's result, or A gets B's failure). Each gets its own."""
    a_client, flow = alice
    dep = a_client.find("cluster-run-ready.data", "cluster-run-job.data")
    values = {**flow.values, "cluster-run-job.data": {"k": 4, "save": True, "nonce": time.time_ns()}}
    body = a_client.payload(dep, values, ["cluster-run-job.data"])
    started = a_client.post(body).body
    pid = job_pid(started)
    deadline = time.monotonic() + 120
    while psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    bob = session(app)
    bob.upload("bob.csv", posts_csv(180, MARK_B, seed=2))
    stolen = bob.call_dep(dep, values, ["cluster-run-job.data"])
    assert stolen.status == 200 and stolen.outputs()["cluster-run-ready.data"]["error"] == LOST
    mine = a_client.poll(body, started)
    assert mine.status == 200, mine.text[:300]
    assert mine.outputs()["cluster-run-ready.data"]["error"] is None
    assert mine.outputs()["cluster-run-ready.data"]["k"] == 4
