"""Learned risk signals: a zombie model and financial anomaly detectors.

They only prioritise the regulator's review. Nothing here changes a score or a grade,
and nothing here is read by a public page or API (``tests/credit/test_ml.py`` checks
the public credit API). See ``docs/risk-models.md``.
"""
