"""Component ids, grouped by page."""

# ---- pages B: cluster / evaluate / insights (owned by pages B; edit only by str_replace here) ----
CLUSTER_INIT = "cluster-init"  # page-local Store: fires the page's callbacks when the page is shown
CLUSTER_GUIDE = "cluster-guide"  # guidance / alerts
CLUSTER_SWEEP_KEY = "cluster-sweep-key"  # page-local Store: {"handle", "choices"} the sweep is for
CLUSTER_SHOW_K = "cluster-show-k"  # page-local Store: k of a previous run to show on page load
CLUSTER_SWEEP_GRAPH = "cluster-sweep-graph"
CLUSTER_SWEEP_RULE = "cluster-sweep-rule"
CLUSTER_SWEEP_PROGRESS = "cluster-sweep-progress"
CLUSTER_K = "cluster-k"
CLUSTER_RUN = "cluster-run"
CLUSTER_CANCEL = "cluster-cancel"
CLUSTER_PROGRESS = "cluster-progress"
CLUSTER_STATUS = "cluster-status"
CLUSTER_RESULTS = "cluster-results"
CLUSTER_PROJECTION = "cluster-projection"
CLUSTER_SIZES = "cluster-sizes"
CLUSTER_NEXT = "cluster-next"

EVALUATE_INIT = "evaluate-init"
EVALUATE_GUIDE = "evaluate-guide"
EVALUATE_CONTENT = "evaluate-content"
EVALUATE_METRICS = "evaluate-metrics"
EVALUATE_SILHOUETTE = "evaluate-silhouette"
EVALUATE_SHARES = "evaluate-shares"
EVALUATE_SHARES_TEXT = "evaluate-shares-text"
EVALUATE_STABILITY = "evaluate-stability"

INSIGHTS_INIT = "insights-init"
INSIGHTS_GUIDE = "insights-guide"
INSIGHTS_CONTENT = "insights-content"
INSIGHTS_CARDS = "insights-cards"
INSIGHTS_HEATMAP = "insights-heatmap"
INSIGHTS_MIX = "insights-mix"
INSIGHTS_TIMING = "insights-timing"
INSIGHTS_EXEMPLARS = "insights-exemplars"
INSIGHTS_EXEMPLAR_GRID = "insights-exemplar-grid"
INSIGHTS_DOWNLOAD_CSV = "insights-download-csv"
INSIGHTS_DOWNLOAD_XLSX = "insights-download-xlsx"
INSIGHTS_DOWNLOAD_REPORT = "insights-download-report"
# ---- end pages B ----
