"""Claim checker accuracy on the labelled corpus of real texts (issue 9).

    python benchmarks/claims_accuracy.py [--db PATH] [--corpus DIR] [--only PREFIX] [--details]
                                         [--json] [--write-baseline]

Reads every ``tests/claims/corpus/texts/*.txt`` and every ``tests/claims/corpus/labels/*.csv``,
runs ``aidwatch.check_text`` once per text on the FULL file (header included: the checker
reads the ``published:`` line as the dateline) and scores the findings against the labels:

- a label sits at the body offset (the text after the ``---`` line) plus the position of the
  ``occurrence``-th occurrence of ``span`` in the body;
- a finding whose kind is not ``consistency`` matches a label when their character ranges
  overlap; each label takes at most one finding and each finding at most one label (pairs are
  taken greedily: same kind first, then the largest overlap);
- extraction recall = matched labels / labels; per-verdict precision = TP / matched findings
  given that verdict; per-verdict recall = TP / labels with that verdict (an unmatched label is
  a miss); macro-F1 over supported, approximately_right and contradicted (a verdict that
  neither the labels nor the matched findings use in a slice is left out of that slice's mean);
- contradicted precision counts EVERY non-consistency ``contradicted`` finding, matched or not:
  an unlabelled "contradicted" is a false alarm. Consistency findings (a text against itself)
  are not labelled and are reported apart.

``--write-baseline`` stores the headline figures in ``benchmarks/claims_accuracy_baseline.json``;
``tests/claims/test_corpus_accuracy.py`` fails when a figure falls below it (minus 0.005).
Exit code 2 with a one-line message when a corpus file or label row is malformed.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "claims" / "corpus"
BASELINE = ROOT / "benchmarks" / "claims_accuracy_baseline.json"

HEADER_FIELDS = ("title", "source_url", "publisher", "published", "retrieved", "language",
                 "form", "found_via")
LABEL_COLUMNS = ("text_id", "span", "occurrence", "kind", "verdict", "reference_value",
                 "reference", "scope", "store_has", "note")
LABEL_KINDS = ("count", "rate", "share", "change", "ratio", "money", "date", "conversion",
               "other")
VERDICTS = ("supported", "approximately_right", "contradicted", "unverifiable")
JUDGED = ("supported", "approximately_right", "contradicted")  # the macro-F1 classes
MISSED = "missed"
SLICES = ("en-h", "en-s", "es")  # text-id prefixes
TARGETS = {"contradicted_precision": 0.95, "macro_f1": 0.85, "extraction_recall": 0.90}
HEADLINE = ("extraction_recall", "macro_f1", "contradicted_precision")


class CorpusError(ValueError):
    """A malformed corpus file or label row (the message names the file, row and field)."""


@dataclass
class Text:
    text_id: str
    path: Path
    full: str  # the whole file, header included: what the checker is given
    body_offset: int  # where the body (after the ``---`` line) starts in ``full``
    header: dict[str, str]

    @property
    def body(self) -> str:
        return self.full[self.body_offset:]

    @property
    def language(self) -> str:
        return self.header.get("language", "")


@dataclass
class Label:
    text_id: str
    span: str
    occurrence: int
    kind: str
    verdict: str
    start: int = -1  # offsets in the full text (set by ``locate``)
    end: int = -1
    row: dict[str, str] = field(default_factory=dict)
    where: str = ""  # file:row, for messages


@dataclass
class Finding:
    text_id: str
    start: int
    end: int
    kind: str
    verdict: str
    reason: str = ""
    quantity_text: str = ""
    record: dict[str, Any] = field(default_factory=dict)


# --- reading the corpus ---------------------------------------------------------------------

def parse_text(path: Path) -> Text:
    """One corpus text: the ``key: value`` header, the ``---`` line, the body."""
    try:
        full = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    header: dict[str, str] = {}
    pos = 0
    for n, line in enumerate(full.splitlines(keepends=True), start=1):
        stripped = line.rstrip("\r\n")
        if stripped == "---":
            body_offset = pos + len(line)
            break
        if stripped.strip():
            key, sep, value = stripped.partition(":")
            if not sep or not key.strip() or " " in key.strip():
                raise CorpusError(f"{path}:{n}: header line is not 'field: value': {stripped!r}")
            header[key.strip()] = value.strip()
        pos += len(line)
    else:
        raise CorpusError(f"{path}: no '---' line between the header and the text")
    return Text(path.stem, path, full, body_offset, header)


def load_texts(corpus: Path = CORPUS) -> dict[str, Text]:
    texts = {}
    for path in sorted((corpus / "texts").glob("*.txt")):
        t = parse_text(path)
        texts[t.text_id] = t
    return texts


def load_labels(corpus: Path = CORPUS) -> list[Label]:
    """Every row of every ``labels/*.csv``; columns and codes checked, positions not yet set."""
    labels = []
    for path in sorted((corpus / "labels").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            if tuple(reader.fieldnames or ()) != LABEL_COLUMNS:
                raise CorpusError(f"{path}: header must be {','.join(LABEL_COLUMNS)}; "
                                  f"got {','.join(reader.fieldnames or [])}")
            for n, row in enumerate(reader, start=2):
                where = f"{path.name}:{n}"
                if None in row or any(v is None for v in row.values()):
                    raise CorpusError(f"{where}: expected {len(LABEL_COLUMNS)} columns")
                labels.append(_label(row, where))
    return labels


def _label(row: dict[str, str], where: str) -> Label:
    for col in ("text_id", "span", "occurrence", "kind", "verdict", "store_has"):
        if not row[col].strip():
            raise CorpusError(f"{where}: {col} is empty")
    try:
        occurrence = int(row["occurrence"])
    except ValueError:
        raise CorpusError(f"{where}: occurrence {row['occurrence']!r} is not a whole number") \
            from None
    if occurrence < 1:
        raise CorpusError(f"{where}: occurrence must be 1 or more, got {occurrence}")
    if row["kind"] not in LABEL_KINDS:
        raise CorpusError(f"{where}: kind {row['kind']!r} is not one of {', '.join(LABEL_KINDS)}")
    if row["verdict"] not in VERDICTS:
        raise CorpusError(f"{where}: verdict {row['verdict']!r} is not one of "
                          f"{', '.join(VERDICTS)}")
    if row["store_has"] not in ("yes", "no"):
        raise CorpusError(f"{where}: store_has must be yes or no, got {row['store_has']!r}")
    if row["verdict"] != "unverifiable":
        for col in ("reference_value", "reference"):
            if not row[col].strip():
                raise CorpusError(f"{where}: {col} is empty but the verdict is {row['verdict']}")
    elif not row["note"].strip():
        raise CorpusError(f"{where}: an unverifiable label needs a note saying what is missing")
    return Label(row["text_id"], row["span"], occurrence, row["kind"], row["verdict"],
                 row=dict(row), where=where)


def nth_find(body: str, span: str, occurrence: int) -> int:
    """Position of the ``occurrence``-th occurrence of ``span`` in ``body`` (-1 if fewer)."""
    pos = -1
    for _ in range(occurrence):
        pos = body.find(span, pos + 1)
        if pos < 0:
            return -1
    return pos


def locate(labels: Iterable[Label], texts: dict[str, Text]) -> list[Label]:
    """Set each label's offsets in its text's full file; unknown texts and absent spans fail."""
    out = []
    for lab in labels:
        text = texts.get(lab.text_id)
        if text is None:
            raise CorpusError(f"{lab.where}: text_id {lab.text_id!r} has no file texts/"
                              f"{lab.text_id}.txt")
        pos = nth_find(text.body, lab.span, lab.occurrence)
        if pos < 0:
            raise CorpusError(f"{lab.where}: span {lab.span!r} occurs fewer than "
                              f"{lab.occurrence} time(s) in the body of {lab.text_id}")
        lab.start = text.body_offset + pos
        lab.end = lab.start + len(lab.span)
        out.append(lab)
    return out


def load_corpus(corpus: Path = CORPUS) -> tuple[dict[str, Text], list[Label]]:
    texts = load_texts(corpus)
    return texts, locate(load_labels(corpus), texts)


# --- running the checker --------------------------------------------------------------------

def run_checker(texts: dict[str, Text], store: Any) -> tuple[list[Finding], dict[str, float]]:
    """Every finding of ``aidwatch.check_text`` on each full text, and seconds per text."""
    import aidwatch

    findings: list[Finding] = []
    seconds: dict[str, float] = {}
    for text_id, text in texts.items():
        t0 = time.perf_counter()
        verdicts = aidwatch.check_text(text.full, store, article=text_id)
        seconds[text_id] = time.perf_counter() - t0
        for v in verdicts:
            findings.append(Finding(text_id, v.claim.start, v.claim.end, v.claim.kind, v.verdict,
                                    v.reason, v.claim.quantity_text, v.to_json()))
    return findings, seconds


# --- scoring (pure) ---------------------------------------------------------------------------

def match(labels: list[Label], findings: list[Finding]) -> list[tuple[int, int]]:
    """(label index, finding index) pairs: overlapping ranges in one text, one-to-one.

    Candidate pairs are taken greedily, best first: same kind, then the largest overlap, then
    reading order. Consistency findings never match a label.
    """
    by_text: dict[str, list[int]] = {}
    for j, f in enumerate(findings):
        if f.kind != "consistency":
            by_text.setdefault(f.text_id, []).append(j)
    candidates = []
    for i, lab in enumerate(labels):
        for j in by_text.get(lab.text_id, ()):
            f = findings[j]
            overlap = min(lab.end, f.end) - max(lab.start, f.start)
            if overlap > 0:
                candidates.append((-(f.kind == lab.kind), -overlap, i, j))
    candidates.sort()
    used_l: set[int] = set()
    used_f: set[int] = set()
    pairs = []
    for _, _, i, j in candidates:
        if i not in used_l and j not in used_f:
            used_l.add(i)
            used_f.add(j)
            pairs.append((i, j))
    return sorted(pairs)


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def score(labels: list[Label], findings: list[Finding]) -> dict[str, Any]:
    """The figures of one labelled set against the checker's findings on the same texts."""
    pairs = match(labels, findings)
    matched_l = {i for i, _ in pairs}
    confusion = {lv: dict.fromkeys((*VERDICTS, MISSED), 0) for lv in VERDICTS}
    for i, j in pairs:
        confusion[labels[i].verdict][findings[j].verdict] += 1
    for i, lab in enumerate(labels):
        if i not in matched_l:
            confusion[lab.verdict][MISSED] += 1
    per_verdict = {}
    for v in VERDICTS:
        tp = confusion[v][v]
        given = sum(confusion[lv][v] for lv in VERDICTS)
        labelled = sum(confusion[v].values())
        p, r = _ratio(tp, given), _ratio(tp, labelled)
        f1 = (2 * p * r / (p + r) if p and r else 0.0) if given or labelled else None
        per_verdict[v] = {"tp": tp, "given": given, "labelled": labelled, "precision": p,
                          "recall": r, "f1": f1}
    f1s = [per_verdict[v]["f1"] for v in JUDGED if per_verdict[v]["f1"] is not None]
    scored = [f for f in findings if f.kind != "consistency"]
    contradicted = [j for j, f in enumerate(findings)
                    if f.kind != "consistency" and f.verdict == "contradicted"]
    pair_of_finding = {j: i for i, j in pairs}
    right = [j for j in contradicted
             if j in pair_of_finding and labels[pair_of_finding[j]].verdict == "contradicted"]
    wrong = [(findings[j], labels[pair_of_finding[j]] if j in pair_of_finding else None)
             for j in contradicted if j not in right]
    consistency = [f for f in findings if f.kind == "consistency"]
    return {
        "texts": len({lab.text_id for lab in labels} | {f.text_id for f in findings}),
        "labels": len(labels),
        "findings": len(scored),
        "matched": len(pairs),
        "extraction_recall": _ratio(len(matched_l), len(labels)),
        "confusion": confusion,
        "per_verdict": per_verdict,
        "macro_f1": sum(f1s) / len(f1s) if f1s else None,
        "contradicted_findings": len(contradicted),
        "contradicted_right": len(right),
        "contradicted_precision": _ratio(len(right), len(contradicted)),
        "unmatched_findings": dict(Counter(
            f.verdict for j, f in enumerate(findings)
            if f.kind != "consistency" and j not in pair_of_finding)),
        "consistency_findings": len(consistency),
        "consistency_contradicted": sum(f.verdict == "contradicted" for f in consistency),
        "wrong_contradicted": wrong,
        "missed": [lab for i, lab in enumerate(labels) if i not in matched_l],
        "disagreements": [(labels[i], findings[j]) for i, j in pairs
                          if labels[i].verdict != findings[j].verdict
                          and findings[j].verdict != "contradicted"],
        "pairs": pairs,
    }


def slice_of(text_id: str) -> str:
    for prefix in SLICES:
        if text_id.startswith(prefix + "-"):
            return prefix
    return "other"


def subset(labels: list[Label], findings: list[Finding], keep: Callable[[str], bool]
           ) -> tuple[list[Label], list[Finding]]:
    return ([x for x in labels if keep(x.text_id)], [f for f in findings if keep(f.text_id)])


def score_corpus(texts: dict[str, Text], labels: list[Label], findings: list[Finding]
                 ) -> dict[str, Any]:
    """The overall figures plus the same per language (en/es) and per slice (en-h/en-s/es)."""
    result = score(labels, findings)
    result["texts"] = len(texts)
    # findings inside a file's header (title, URLs, found_via ...): none of them is labelled
    result["header_findings"] = dict(Counter(
        f.verdict for f in findings if f.kind != "consistency" and f.text_id in texts
        and f.start < texts[f.text_id].body_offset))
    groups: dict[str, Callable[[str], bool]] = {}
    for lang in sorted({t.language for t in texts.values()}):
        groups[f"language={lang}"] = (lambda tid, lang=lang: texts[tid].language == lang)
    for prefix in sorted({slice_of(tid) for tid in texts}):
        groups[f"slice={prefix}"] = (lambda tid, prefix=prefix: slice_of(tid) == prefix)
    result["slices"] = {}
    for name, keep in groups.items():
        sub = score(*subset(labels, findings, keep))
        sub["texts"] = sum(keep(tid) for tid in texts)
        result["slices"][name] = sub
    return result


def headline(result: dict[str, Any]) -> dict[str, float | None]:
    return {k: result[k] for k in HEADLINE}


# --- output -----------------------------------------------------------------------------------

def _fmt(x: float | None) -> str:
    return "  n/a" if x is None else f"{x:.3f}"


def _public(result: dict[str, Any]) -> dict[str, Any]:
    """The JSON shape: figures only (no objects), for ``--json`` and the baseline."""
    out = {k: v for k, v in result.items()
           if k not in ("wrong_contradicted", "missed", "disagreements", "pairs", "slices")}
    if "slices" in result:
        out["slices"] = {k: _public(v) for k, v in result["slices"].items()}
    return out


def _details(result: dict[str, Any], findings: list[Finding]) -> list[str]:
    lines = ["", f"wrong 'contradicted' findings ({len(result['wrong_contradicted'])}):"]
    for f, lab in result["wrong_contradicted"]:
        said = f"label {lab.verdict} ({lab.span!r})" if lab else "no label"
        lines.append(f"  {f.text_id} [{f.start}:{f.end}] {f.quantity_text!r}: {said}; "
                     f"checker: {f.reason}")
    lines.append(f"missed labels ({len(result['missed'])}):")
    taken = {j for _, j in result["pairs"]}
    for lab in result["missed"]:
        near = [f for j, f in enumerate(findings) if f.text_id == lab.text_id
                and f.kind != "consistency" and j in taken
                and min(lab.end, f.end) > max(lab.start, f.start)]
        why = (f"its overlapping finding {near[0].quantity_text!r} went to another label"
               if near else "no overlapping finding")
        lines.append(f"  {lab.text_id} {lab.span!r} (occurrence {lab.occurrence}, {lab.kind}): "
                     f"label {lab.verdict}; checker: {why}")
    lines.append(f"other disagreements ({len(result['disagreements'])}):")
    for lab, f in result["disagreements"]:
        lines.append(f"  {lab.text_id} {lab.span!r}: label {lab.verdict}, checker {f.verdict}"
                     f" ({f.quantity_text!r}): {f.reason}")
    return lines


def report(result: dict[str, Any], seconds: dict[str, float], details: bool,
           labels: list[Label], findings: list[Finding]) -> str:
    lines = [f"corpus: {result['texts']} texts, {result['labels']} labels, "
             f"{result['findings']} findings (+{result['consistency_findings']} consistency, "
             f"{result['consistency_contradicted']} of them contradicted; not scored)"]
    for k in HEADLINE:
        lines.append(f"{k:<24} {_fmt(result[k])}   target >= {TARGETS[k]:.2f}"
                     f"{'' if result[k] is not None and result[k] >= TARGETS[k] else '  (below)'}")
    lines.append(f"contradicted findings: {result['contradicted_findings']}, right: "
                 f"{result['contradicted_right']}; findings matching no label: "
                 + (", ".join(f"{n} {v}" for v, n in sorted(result["unmatched_findings"].items()))
                    or "none"))
    if result.get("header_findings"):
        lines.append("of the unmatched findings, in the files' headers: " + ", ".join(
            f"{n} {v}" for v, n in sorted(result["header_findings"].items())))
    lines.append("")
    lines.append("confusion (rows: label, columns: checker)")
    cols = (*VERDICTS, MISSED)
    lines.append(f"{'':<20}" + "".join(f"{c[:12]:>13}" for c in cols))
    for lv in VERDICTS:
        lines.append(f"{lv:<20}" + "".join(f"{result['confusion'][lv][c]:>13}" for c in cols))
    lines.append("")
    lines.append(f"{'verdict':<20}{'precision':>10}{'recall':>10}{'f1':>10}{'labels':>8}"
                 f"{'given':>8}")
    for v in VERDICTS:
        pv = result["per_verdict"][v]
        lines.append(f"{v:<20}{_fmt(pv['precision']):>10}{_fmt(pv['recall']):>10}"
                     f"{_fmt(pv['f1']):>10}{pv['labelled']:>8}{pv['given']:>8}")
    lines.append("")
    lines.append(f"{'slice':<16}{'texts':>6}{'labels':>7}{'extr.rec':>9}{'macroF1':>9}"
                 f"{'contr.P':>9}{'contr.':>7}")
    for name, sub in result["slices"].items():
        lines.append(f"{name:<16}{sub['texts']:>6}{sub['labels']:>7}"
                     f"{_fmt(sub['extraction_recall']):>9}{_fmt(sub['macro_f1']):>9}"
                     f"{_fmt(sub['contradicted_precision']):>9}{sub['contradicted_findings']:>7}")
    if seconds:
        times = sorted(seconds.values())
        lines.append("")
        lines.append(f"time per text: mean {1000 * sum(times) / len(times):.0f} ms, max "
                     f"{1000 * times[-1]:.0f} ms ({max(seconds, key=seconds.get)})")
    if details:
        lines += _details(result, findings)
        lines.append("time per text:")
        lines += [f"  {tid}: {1000 * s:.0f} ms" for tid, s in seconds.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", help="store path (default: the embedded store, aidwatch.open_store())")
    ap.add_argument("--corpus", type=Path, default=CORPUS, help="corpus directory")
    ap.add_argument("--details", action="store_true",
                    help="list wrong 'contradicted' findings, missed labels, time per text")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    ap.add_argument("--only", metavar="PREFIX",
                    help="score only texts whose id starts with PREFIX (e.g. en-h, es-05); "
                    "not with --write-baseline")
    ap.add_argument("--write-baseline", action="store_true",
                    help=f"write the headline figures to {BASELINE.relative_to(ROOT)}")
    args = ap.parse_args(argv)
    try:
        texts, labels = load_corpus(args.corpus)
    except CorpusError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.only:
        if args.write_baseline:
            print("error: --write-baseline scores the whole corpus; drop --only", file=sys.stderr)
            return 2
        texts = {tid: t for tid, t in texts.items() if tid.startswith(args.only)}
        labels = [lab for lab in labels if lab.text_id in texts]
    if not texts:
        print(f"error: no texts under {args.corpus / 'texts'}"
              + (f" whose id starts with {args.only!r}" if args.only else ""), file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))
    import aidwatch

    try:
        store = aidwatch.open_store(args.db) if args.db else aidwatch.open_store()
    except aidwatch.AidWatchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    with store:
        findings, seconds = run_checker(texts, store)
    result = score_corpus(texts, labels, findings)
    if args.write_baseline:
        base = {**headline(result), "texts": result["texts"], "labels": result["labels"],
                "slices": {k: headline(v) for k, v in result["slices"].items()}}
        BASELINE.write_text(json.dumps(base, indent=2) + "\n", encoding="utf-8")
    if args.json:
        out = _public(result)
        out["seconds_per_text"] = seconds
        out["targets"] = TARGETS
        print(json.dumps(out, sort_keys=False))
    else:
        print(report(result, seconds, args.details, labels, findings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
