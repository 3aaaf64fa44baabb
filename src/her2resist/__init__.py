"""her2resist: mechanistic modelling of resistance to HER2-targeted therapy.

A knowledge base of resistance mechanisms, drugs and evidence; a logical model of HER2
signalling in which drugs and alterations act; and analyses on top: response prediction with
mechanism traces, tumour reports, combination screens, synergy scoring and the evolution of
resistant clones.  Nothing happens at import time: each layer is imported when used.

Quick start
-----------
Predict a regimen's response for a tumour's alterations, with the mechanism of escape:

>>> from her2resist.predict import predict_response
>>> pred = predict_response(["PTEN loss"], "trastuzumab")
>>> pred.response_class, pred.mechanisms
('resistant', ('PTEN_loss',))

Report on a tumour: every standard HER2 regimen, why it fails, what restores it.  Profiles come
from YAML/JSON (:func:`her2resist.profile.read_profile`), MAF, VCF, CNA and clinical files:

>>> from her2resist.profile import TumourProfile
>>> from her2resist.report import build_report
>>> report = build_report(TumourProfile.from_alterations("T1", ["PIK3CA H1047R"]))
>>> first = report.regimens[0]
>>> first.regimen, first.response_class, [m.name for m in first.mechanisms]
('trastuzumab', 'resistant', ['PIK3CA activating mutation'])

Screen combinations on a genotype (single agents are scored beside the pairs):

>>> from her2resist.screen import screen_combinations
>>> screen = screen_combinations(["PTEN loss"], agents=["trastuzumab", "everolimus"], workers=1)
>>> screen.table.loc[0, "combination"]
'trastuzumab + everolimus'

In Jupyter every result (prediction, report, screen, synergy, evolution, cohort) shows itself
as a table; figure functions (``her2resist.screen.plots.heatmap_figure``,
``her2resist.synergy.plots.synergy_heatmaps_figure``,
``her2resist.evolution.plots.summary_figure``) return a matplotlib ``Figure`` and leave the
backend alone.  A tutorial notebook is in ``docs/tutorial.ipynb``; the command line is
``her2resist --help``.  Layers: :mod:`her2resist.model`, :mod:`her2resist.knowledge`,
:mod:`her2resist.profile`, :mod:`her2resist.predict`, :mod:`her2resist.screen`,
:mod:`her2resist.synergy`, :mod:`her2resist.evolution`, :mod:`her2resist.cohort`,
:mod:`her2resist.report`.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
