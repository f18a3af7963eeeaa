"""The claim checker: read an article, check every number and date against the evidence base.

Pipeline: ``document`` (text or HTML → sentences, metadata) → ``extract`` (claims) →
``link`` (claim → series, funding lines, events) → ``verify`` (verdicts with tolerances) and
``consistency`` (the text against itself). ``check`` is the only module that reads the store.
"""

from .check import check_paths, check_text, load_evidence, summarize
from .records import JSON_KEYS, VERDICTS, Claim, Verdict

__all__ = ["JSON_KEYS", "VERDICTS", "Claim", "Verdict", "check_paths", "check_text",
           "load_evidence", "summarize"]
