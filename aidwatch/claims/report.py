"""Presentation of verdicts for ``aidwatch check``: a table per article, or JSON Lines.

Nothing here judges a claim; it formats what ``check`` returned.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.text import Text

from ..errors import InputError
from ..jsonout import write_json_line
from ..textfile import read_text_input
from .check import (
    Store,
    check_text,
    describe_metadata,
    expand_paths,
    load_evidence,
    summarize,
)
from .records import Verdict
from .verify import fmt

STYLE = {"supported": "green", "approximately_right": "yellow", "contradicted": "bold red",
         "unverifiable": "dim"}
LABEL = {"supported": "✓ supported", "approximately_right": "≈ approximately right",
         "contradicted": "✗ contradicted", "unverifiable": "? unverifiable"}


def _snippet(v: Verdict, width: int = 90) -> Text:
    c = v.claim
    s = c.sentence
    i = s.find(c.quantity_text)
    if i < 0:
        i = 0
    lo = max(0, min(i - width // 3, len(s) - width))
    part = s[lo:lo + width]
    text = Text(("…" if lo else "") + part + ("…" if lo + width < len(s) else ""))
    j = part.find(c.quantity_text)
    if j >= 0:
        off = 1 if lo else 0
        text.stylize("bold underline", j + off, j + off + len(c.quantity_text))
    return text


def _asserts(v: Verdict) -> str:
    c = v.claim
    if c.kind == "consistency":
        return "consistency"
    if c.kind == "date":
        what = f"date {c.period}"
    elif c.kind == "conversion":
        what = f"conversion {c.value:.2f} {c.unit}"
    else:
        what = f"{c.kind} {fmt(c.value, c.unit if c.kind == 'money' else '')}"
        if c.unit and c.kind not in ("money",):
            what += f" {c.unit}"
        if c.period:
            what += f", {c.period}{' (from context)' if c.period_inferred else ''}"
    if c.qualifier not in ("exact", "range") or (c.qualifier == "range" and c.kind != "conversion"):
        what += f" [{c.qualifier}]"
    if v.series:
        what += f"\n{v.series}"
    return what


def _reference(v: Verdict) -> str:
    if v.reference_value is None:
        return "–"
    ref = v.reference_value
    if isinstance(ref, float | int):
        unit = v.claim.unit if v.claim.kind == "money" else ""
        ref = fmt(float(ref), unit) if v.claim.kind != "share" else f"{ref:.1f}%"
    return f"{ref}\n[dim]{v.source or ''}[/dim]"


def print_article(out: Console, name: str, verdicts: list[Verdict], snapshot: str,
                  about: str = "") -> None:
    """One block per claim: verdict and assertion, the sentence, the reference, the reason."""
    out.print(Text(name, style="bold") + Text(f"  {about}" if about else "", style="dim"))
    for v in verdicts:
        head = Text(f"{LABEL[v.verdict]:<22}", style=STYLE[v.verdict])
        head.append(_asserts(v).replace("\n", " · "))
        head.append(f"  [{v.claim.start}–{v.claim.end}]", style="dim")
        out.print(head)
        out.print(Text("    “") + _snippet(v, 110) + Text("”"))
        if v.reference_value is not None:
            out.print(Text("    reference: ", style="dim") +
                      Text(_reference(v).replace("\n[dim]", " · ").replace("[/dim]", "")))
        out.print(Text("    " + v.reason, style="dim" if v.verdict == "unverifiable" else ""))
    out.print(summary_line(name, verdicts, snapshot), markup=False)


def summary_line(name: str, verdicts: list[Verdict], snapshot: str) -> str:
    counts = summarize(verdicts)
    parts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items())
    return f"{name}: {len(verdicts)} findings — {parts} (snapshot {snapshot})"


def run_check(paths: list[str], store: Store, *, as_json: bool, out: Console,
              err: Console, published: date | None = None, lang: str | None = None) -> int:
    """Check every input and print; returns how many inputs could not be read."""
    files = expand_paths(paths)
    evidence = load_evidence(store)
    unreadable = 0
    totals: Counter[str] = Counter()
    n_articles = 0
    with Progress(TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                  console=err, transient=True, disable=len(files) < 2) as bar:
        task = bar.add_task("checking", total=len(files))
        for path in files:
            bar.update(task, description=f"checking {path[-40:]}")
            try:
                got = read_text_input(path)
                name, text = got.name, got.text
            except InputError as exc:
                if len(files) == 1:
                    raise
                err.print(f"error: {exc}", markup=False)
                unreadable += 1
                bar.advance(task)
                continue
            verdicts = check_text(text, article=name, evidence=evidence,
                                  published=published, lang=lang, html=got.is_html)
            n_articles += 1
            totals.update(v.verdict for v in verdicts)
            if as_json:
                for v in verdicts:
                    write_json_line(v.to_json(), out.file)  # NaN/Infinity → null
            else:
                print_article(out, name, verdicts, evidence.snapshot, describe_metadata(text))
            bar.advance(task)
    if len(files) > 1:
        parts = ", ".join(f"{totals.get(k, 0)} {k.replace('_', ' ')}" for k in STYLE)
        err.print(f"{n_articles} articles checked ({unreadable} unreadable): {parts}",
                  markup=False)
    return unreadable
