"""Component ids, as constants, grouped by page (one class per page).

Ids named in DESIGN.md §5 are an automation contract: never rename them.
"""

from __future__ import annotations


# --------------------------------------------------------------------------- shell (navbar, state)
class Shell:
    URL = "url"
    STORE = "session-store"  # dcc.Store(storage_type="session"): see docs/APP.md for the format
    NAVBAR = "navbar"
    STEPS = "nav-steps"
    DATASET = "nav-dataset"
    CONTAINER = "page-content"


# --------------------------------------------------------------------------- home (/ → /upload)
class Home:
    REDIRECT = "home-redirect"


# --------------------------------------------------------------------------- upload
class Upload:
    DATA = "upload-data"  # contract: contains an input[type=file] (added by assets/upload.js)
    SAMPLE = "upload-sample"  # contract
    SUMMARY = "upload-summary"  # contract: "N rows" and "M columns"
    RESULT = "upload-result"  # dcc.Store that upload.js fills with the /api/upload JSON
    SHOWN = "upload-shown"  # page-local Store: the handle whose summary is shown
    PROGRESS = "upload-progress"
    ALERT = "upload-alert"
    INCLUDED = "upload-included"
    ROLES_GRID = "upload-roles-grid"
    ROLES_RESET = "upload-roles-reset"
    ROLES_ALERT = "upload-roles-alert"
    PREVIEW_GRID = "upload-preview-grid"
    NEXT = "upload-next"


# --------------------------------------------------------------------------- eda
class Eda:
    KEY = "eda-key"  # page-local Store: the (handle, role choices) the content shows
    CONTENT = "eda-content"
    FACTS = "eda-facts"
    DISTRIBUTION_NOTE = "eda-distribution-note"
    SUMMARY_GRID = "eda-summary-grid"
    MISSING = "eda-missing"
    METRIC = "eda-metric"
    LOG = "eda-log"
    DISTRIBUTION = "eda-distribution"
    CATEGORY = "eda-category"
    CATEGORIES = "eda-categories"
    CORRELATION = "eda-correlation"
    OVER_TIME = "eda-over-time"
    HOUR_WEEKDAY = "eda-hour-weekday"
    ALERT = "eda-alert"
    NEXT = "eda-next"


# --------------------------------------------------------------------------- preprocess
class Preprocess:
    KEY = "preprocess-key"  # page-local Store: the (handle, choices) the content shows
    CONTENT = "preprocess-content"
    TEST_SIZE = "preprocess-test-size"
    SPLIT_METHOD = "preprocess-split-method"
    SEED = "preprocess-seed"
    FEATURES = "preprocess-features"
    FEATURE_WARNINGS = "preprocess-feature-warnings"
    IMPUTE = "preprocess-impute"
    LOG = "preprocess-log"
    SCALER = "preprocess-scaler"
    MAX_CATEGORIES = "preprocess-max-categories"
    DATETIME_PARTS = "preprocess-datetime-parts"
    RATIOS = "preprocess-ratios"
    PCA = "preprocess-pca"
    APPLY = "preprocess-apply"
    STATUS = "preprocess-status"
    PREVIEW = "preprocess-preview"
    ALERT = "preprocess-alert"
    NEXT = "preprocess-next"


# ---- pages B: cluster / evaluate / insights (owned by pages B; edit only by str_replace here) ----
# --------------------------------------------------------------------------- cluster (pages B)
class Cluster:
    K = "cluster-k"  # contract
    RUN = "cluster-run"  # contract
    STATUS = "cluster-status"  # contract
    # pages B (owned by pages B)
    INIT = "cluster-init"  # page-local Store: fires the page's callbacks when the page is shown
    GUIDE = "cluster-guide"  # guidance when a step is missing
    BODY = "cluster-body"  # sweep + run sections, hidden without data
    ALERT = "cluster-alert"
    SWEEP_KEY = "cluster-sweep-key"  # page-local Store: {"handle", "choices"} the sweep is for
    SHOW_K = "cluster-show-k"  # page-local Store: k of the last run, shown on page load
    SWEEP_GRAPH = "cluster-sweep-graph"
    SWEEP_RULE = "cluster-sweep-rule"
    SWEEP_PROGRESS = "cluster-sweep-progress"
    SWEEP_WORKING = "cluster-sweep-working"  # bar + sentence + cancel, shown while the sweep runs
    SWEEP_NOTE = "cluster-sweep-note"  # "Scoring 9 possible cluster counts… 4 of 9 done."
    SWEEP_CANCEL = "cluster-sweep-cancel"
    SWEEP_RESTART = "cluster-sweep-restart"  # "Score again" after a cancelled sweep
    SWEEP_JOB = "cluster-sweep-job"  # page-local Store: starts the background sweep (not cached)
    SWEEP_READY = "cluster-sweep-ready"  # page-local Store: the background sweep finished (or failed)
    RUN_WORKING = "cluster-run-working"  # bar + sentence, shown while the run runs
    RUN_NOTE = "cluster-run-note"
    RUN_JOB = "cluster-run-job"  # page-local Store: starts the background run (not cached)
    RUN_READY = "cluster-run-ready"  # page-local Store: the background run finished (or failed)
    CANCEL = "cluster-cancel"
    PROGRESS = "cluster-progress"
    RESULTS = "cluster-results"
    PROJECTION = "cluster-projection"
    SIZES = "cluster-sizes"
    NEXT = "cluster-next"


# --------------------------------------------------------------------------- evaluate (pages B)
class Evaluate:
    METRICS = "evaluate-metrics"  # contract
    # pages B (owned by pages B)
    INIT = "evaluate-init"
    KEY = "evaluate-key"  # page-local Store: {"handle", "choices", "k"} shown
    GUIDE = "evaluate-guide"
    ALERT = "evaluate-alert"
    SPINNER = "evaluate-spinner"
    CONTENT = "evaluate-content"
    SILHOUETTE = "evaluate-silhouette"
    SHARES = "evaluate-shares"
    SHARES_TEXT = "evaluate-shares-text"
    STABILITY = "evaluate-stability"
    NEXT = "evaluate-next"
    JOB = "evaluate-job"  # page-local Store: starts the background job when the run is not cached


# --------------------------------------------------------------------------- insights (pages B)
class Insights:
    DOWNLOAD_CSV = "insights-download-csv"  # contract
    DOWNLOAD_XLSX = "insights-download-xlsx"  # contract
    # pages B (owned by pages B)
    DOWNLOAD_REPORT = "insights-download-report"
    INIT = "insights-init"
    KEY = "insights-key"  # page-local Store: {"handle", "choices", "k"} shown
    GUIDE = "insights-guide"
    ALERT = "insights-alert"
    SPINNER = "insights-spinner"
    CONTENT = "insights-content"
    CARDS = "insights-cards"
    HEATMAP = "insights-heatmap"
    MIX = "insights-mix"
    TIMING = "insights-timing"
    EXEMPLARS = "insights-exemplars"
    EXEMPLAR_GRID = "insights-exemplar-grid"
    JOB = "insights-job"  # page-local Store: starts the background job when the run is not cached
# ---- end pages B ----
