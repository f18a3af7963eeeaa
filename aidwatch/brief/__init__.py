"""The evidence brief: ``build_brief`` writes brief.html, brief.pdf and the CSVs behind them."""

from .build import BriefResult, build_brief

__all__ = ["BriefResult", "build_brief"]
