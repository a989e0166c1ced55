"""Pure pandas + scikit-learn pipeline.

ingest → roles → split → preprocess → model → evaluate → insights → export.

Nothing here imports dash, flask, flask_caching or plotly (checked by import-linter).
"""
