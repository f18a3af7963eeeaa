"""The labelled corpus of real texts (tests/claims/corpus/): its format, its size, and the
benchmark's scoring (benchmarks/claims_accuracy.py) on tiny hand-made label/finding lists."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from .benchmark import bench

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "claims" / "corpus"


TEXT_ID = re.compile(r"^(en-h|en-s)-\d{2}-[a-z0-9-]+$|^es-\d{2}-[a-z0-9-]+$")


def _texts():
    return bench.load_texts(CORPUS)


# --- the corpus files -------------------------------------------------------------------------

def test_every_text_has_the_header_fields_and_a_separator_line():
    paths = sorted((CORPUS / "texts").glob("*.txt"))
    assert paths, "no corpus texts"
    problems = []
    for path in paths:
        try:
            text = bench.parse_text(path)
        except bench.CorpusError as exc:
            problems.append(str(exc))
            continue
        missing = [f for f in bench.HEADER_FIELDS if not text.header.get(f)]
        if missing:
            problems.append(f"{path.name}: header lacks {', '.join(missing)}")
        if not text.body.strip():
            problems.append(f"{path.name}: empty body")
    assert not problems, "\n".join(problems)


def test_text_ids_dates_and_languages_follow_the_corpus_rules():
    problems = []
    for tid, text in _texts().items():
        h = text.header
        if not TEXT_ID.match(tid):
            problems.append(f"{tid}: id is not en-h-NN-slug, en-s-NN-slug or es-NN-slug")
        for key in ("published", "retrieved"):
            try:
                date.fromisoformat(h.get(key, ""))
            except ValueError:
                problems.append(f"{tid}: {key} {h.get(key)!r} is not YYYY-MM-DD")
        want = "es" if tid.startswith("es-") else "en"
        if h.get("language") != want:
            problems.append(f"{tid}: language {h.get('language')!r}, the id says {want}")
        if not h.get("form", "").startswith(("verbatim", "paraphrase")):
            problems.append(f"{tid}: form must start with 'verbatim' or 'paraphrase'")
        if not h.get("source_url", "").startswith(("http://", "https://")):
            problems.append(f"{tid}: source_url is not a URL")
    assert not problems, "\n".join(problems)


def test_every_label_row_is_valid_names_a_known_text_and_its_span_occurs():
    texts = _texts()
    labels = bench.load_labels(CORPUS)  # raises CorpusError on a bad column, kind or verdict
    assert labels, "no labels"
    problems = []
    for lab in labels:
        try:
            bench.locate([lab], texts)
        except bench.CorpusError as exc:
            problems.append(str(exc))
    keys = [(lab.text_id, lab.span, lab.occurrence) for lab in labels]
    dupes = {k for k in keys if keys.count(k) > 1}
    problems += [f"label {k} appears more than once" for k in sorted(dupes)]
    assert not problems, "\n".join(problems)


def test_every_text_carries_at_least_one_label():
    labelled = {lab.text_id for lab in bench.load_labels(CORPUS)}
    unlabelled = sorted(set(_texts()) - labelled)
    assert not unlabelled, f"texts without labels: {unlabelled}"


def test_corpus_reaches_the_issue_size_30_texts_8_spanish_300_labels():
    """Passes only once all three slices (en-health, en-security, es) are in."""
    texts = _texts()
    labels = bench.load_labels(CORPUS)
    spanish = [t for t in texts.values() if t.language == "es"]
    assert len(texts) >= 30, f"{len(texts)} texts, the issue asks for at least 30"
    assert len(spanish) >= 8, f"{len(spanish)} Spanish texts, the issue asks for at least 8"
    assert len(labels) >= 300, f"{len(labels)} labels, the issue asks for at least 300"


# --- reading errors ---------------------------------------------------------------------------

def _mini_corpus(tmp_path: Path, body: str, rows: list[str], header: str | None = None) -> Path:
    (tmp_path / "texts").mkdir()
    (tmp_path / "labels").mkdir()
    head = "\n".join(f"{f}: x" for f in bench.HEADER_FIELDS)
    (tmp_path / "texts" / "en-h-01-t.txt").write_text(f"{head}\n---\n{body}", encoding="utf-8")
    cols = header if header is not None else ",".join(bench.LABEL_COLUMNS)
    (tmp_path / "labels" / "x.csv").write_text("\n".join([cols, *rows]) + "\n",
                                               encoding="utf-8")
    return tmp_path


GOOD = 'en-h-01-t,"107,941",1,count,supported,107941,ref,scope,yes,'


def test_a_label_is_placed_at_the_body_offset_plus_its_nth_occurrence(tmp_path):
    body = "Deaths: 107,941 in 2022; again 107,941.\n"
    corpus = _mini_corpus(tmp_path, body, [GOOD, GOOD.replace('",1,', '",2,')])
    texts, labels = bench.load_corpus(corpus)
    text = texts["en-h-01-t"]
    assert [text.full[lab.start:lab.end] for lab in labels] == ["107,941", "107,941"]
    assert labels[0].start == text.body_offset + body.index("107,941")
    assert labels[1].start == text.body_offset + body.rindex("107,941")


@pytest.mark.parametrize("row, message", [
    (GOOD.replace(",count,", ",deaths,"), "kind 'deaths'"),
    (GOOD.replace(",supported,", ",right,"), "verdict 'right'"),
    (GOOD.replace('",1,', '",first,'), "occurrence 'first'"),
    (GOOD.replace(",yes,", ",maybe,"), "store_has"),
    (GOOD.replace("107941,ref", ",ref"), "reference_value is empty"),
    ('en-h-01-t,"107,941",1,count,unverifiable,,,scope,no,', "needs a note"),
    (GOOD.replace('",1,', '",3,'), "fewer than 3"),
    (GOOD.replace("en-h-01-t,", "en-h-99-none,", 1), "has no file"),
    (GOOD + ",extra", "columns"),
])
def test_a_malformed_label_row_is_an_error_naming_file_row_and_field(tmp_path, row, message):
    corpus = _mini_corpus(tmp_path, "Deaths: 107,941 in 2022; again 107,941.\n", [row])
    with pytest.raises(bench.CorpusError, match=re.escape(message)) as exc:
        bench.load_corpus(corpus)
    assert str(exc.value).startswith("x.csv:2: ")


def test_a_wrong_label_header_and_a_text_without_separator_are_errors(tmp_path):
    corpus = _mini_corpus(tmp_path, "x", [GOOD], header="text_id,span")
    with pytest.raises(bench.CorpusError, match="header must be"):
        bench.load_labels(corpus)
    bad = tmp_path / "texts" / "en-h-02-t.txt"
    bad.write_text("title: x\nno separator\n", encoding="utf-8")
    with pytest.raises(bench.CorpusError, match="en-h-02-t.txt:2: header line"):
        bench.parse_text(bad)
    bad.write_text("title: x\n", encoding="utf-8")
    with pytest.raises(bench.CorpusError, match="no '---' line"):
        bench.parse_text(bad)


def test_the_benchmark_exits_2_with_one_line_on_a_malformed_corpus(tmp_path, capsys):
    corpus = _mini_corpus(tmp_path, "x 107,941", [GOOD.replace(",count,", ",deaths,")])
    assert bench.main(["--corpus", str(corpus)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: x.csv:2: kind 'deaths'") and err.count("\n") == 1


# --- scoring ----------------------------------------------------------------------------------

def L(start, end, verdict, kind="count", text="t1"):  # noqa: N802 - a tiny constructor
    return bench.Label(text, "x" * (end - start), 1, kind, verdict, start, end)


def F(start, end, verdict, kind="count", text="t1"):  # noqa: N802
    return bench.Finding(text, start, end, kind, verdict)


def test_overlapping_ranges_match_and_disjoint_or_other_text_ones_do_not():
    labels = [L(10, 17, "supported"), L(30, 34, "supported")]
    findings = [F(12, 20, "supported"), F(34, 40, "supported"), F(30, 34, "supported", text="t2")]
    assert bench.match(labels, findings) == [(0, 0)]
    r = bench.score(labels, findings)
    assert r["extraction_recall"] == 0.5
    assert r["confusion"]["supported"]["missed"] == 1


def test_each_label_takes_one_finding_preferring_same_kind_then_larger_overlap():
    labels = [L(10, 20, "supported", kind="rate")]
    findings = [F(10, 20, "supported", kind="count"), F(15, 18, "supported", kind="rate"),
                F(10, 19, "supported", kind="rate")]
    assert bench.match(labels, findings) == [(0, 2)]
    # two labels on one finding: only one gets it
    labels = [L(0, 5, "supported"), L(3, 8, "supported")]
    assert len(bench.match(labels, [F(2, 7, "supported")])) == 1


def test_consistency_findings_never_match_a_label():
    labels = [L(0, 5, "contradicted")]
    r = bench.score(labels, [F(0, 5, "contradicted", kind="consistency")])
    assert r["matched"] == 0 and r["extraction_recall"] == 0.0
    assert r["contradicted_findings"] == 0 and r["consistency_contradicted"] == 1


def test_an_unlabelled_contradicted_finding_lowers_contradicted_precision():
    labels = [L(0, 5, "contradicted")]
    matched_only = bench.score(labels, [F(0, 5, "contradicted")])
    assert matched_only["contradicted_precision"] == 1.0
    with_alarm = bench.score(labels, [F(0, 5, "contradicted"), F(50, 55, "contradicted")])
    assert with_alarm["contradicted_precision"] == 0.5
    assert len(with_alarm["wrong_contradicted"]) == 1
    assert with_alarm["wrong_contradicted"][0][1] is None  # matched no label


def test_a_contradicted_finding_on_a_supported_label_is_a_false_alarm():
    r = bench.score([L(0, 5, "supported")], [F(0, 5, "contradicted")])
    assert r["contradicted_precision"] == 0.0
    assert r["per_verdict"]["supported"]["recall"] == 0.0


def test_a_missed_label_lowers_recall_of_its_verdict_and_extraction_recall():
    labels = [L(0, 5, "supported"), L(10, 15, "supported")]
    full = bench.score(labels, [F(0, 5, "supported"), F(10, 15, "supported")])
    assert full["per_verdict"]["supported"]["recall"] == 1.0
    assert full["extraction_recall"] == 1.0
    missing = bench.score(labels, [F(0, 5, "supported")])
    assert missing["per_verdict"]["supported"]["recall"] == 0.5
    assert missing["per_verdict"]["supported"]["precision"] == 1.0
    assert missing["extraction_recall"] == 0.5
    assert [lab.start for lab in missing["missed"]] == [10]


def test_macro_f1_averages_the_three_judged_verdicts_present():
    labels = [L(0, 5, "supported"), L(10, 15, "approximately_right"), L(20, 25, "contradicted"),
              L(30, 35, "unverifiable")]
    findings = [F(0, 5, "supported"), F(10, 15, "supported"), F(20, 25, "contradicted"),
                F(30, 35, "unverifiable")]
    r = bench.score(labels, findings)
    pv = r["per_verdict"]
    assert pv["supported"]["precision"] == 0.5 and pv["supported"]["recall"] == 1.0
    assert pv["approximately_right"]["f1"] == 0.0
    assert pv["contradicted"]["f1"] == 1.0
    assert r["macro_f1"] == pytest.approx((2 / 3 + 0.0 + 1.0) / 3)
    # unverifiable is scored per verdict but not in the macro mean
    assert pv["unverifiable"]["f1"] == 1.0
    # a verdict absent from labels and findings is left out of the mean
    only = bench.score([L(0, 5, "supported")], [F(0, 5, "supported")])
    assert only["macro_f1"] == 1.0


def test_confusion_rows_count_label_verdict_against_checker_verdict():
    labels = [L(0, 5, "supported"), L(10, 15, "supported"), L(20, 25, "contradicted")]
    r = bench.score(labels, [F(0, 5, "approximately_right"), F(20, 25, "unverifiable")])
    c = r["confusion"]
    assert c["supported"]["approximately_right"] == 1 and c["supported"]["missed"] == 1
    assert c["contradicted"]["unverifiable"] == 1
    assert sum(sum(row.values()) for row in c.values()) == len(labels)


def test_slices_split_by_text_prefix_and_language():
    texts = {tid: bench.Text(tid, Path(tid), "", 0, {"language": lang})
             for tid, lang in [("en-h-01-a", "en"), ("en-s-01-b", "en"), ("es-01-c", "es")]}
    labels = [L(0, 5, "supported", text=t) for t in texts]
    findings = [F(0, 5, "supported", text="en-h-01-a"), F(0, 5, "contradicted", text="es-01-c")]
    r = bench.score_corpus(texts, labels, findings)
    s = r["slices"]
    assert set(s) == {"language=en", "language=es", "slice=en-h", "slice=en-s", "slice=es"}
    assert s["slice=en-h"]["extraction_recall"] == 1.0
    assert s["slice=en-s"]["extraction_recall"] == 0.0
    assert s["language=en"]["labels"] == 2 and s["language=es"]["contradicted_precision"] == 0.0
    assert r["contradicted_precision"] == 0.0


def test_findings_in_a_file_header_are_counted_apart_and_still_count_as_alarms():
    texts = {"en-h-01-a": bench.Text("en-h-01-a", Path("a"), "x" * 100, 40, {"language": "en"})}
    labels = [L(50, 55, "supported", text="en-h-01-a")]
    findings = [F(50, 55, "supported", text="en-h-01-a"),
                F(10, 14, "contradicted", text="en-h-01-a")]
    r = bench.score_corpus(texts, labels, findings)
    assert r["header_findings"] == {"contradicted": 1}
    assert r["contradicted_precision"] == 0.0


def test_the_benchmark_refuses_only_with_write_baseline_and_an_unknown_prefix(tmp_path, capsys):
    corpus = _mini_corpus(tmp_path, "Deaths: 107,941 in 2022.\n", [GOOD])
    assert bench.main(["--corpus", str(corpus), "--only", "en-h", "--write-baseline"]) == 2
    assert "drop --only" in capsys.readouterr().err
    assert bench.main(["--corpus", str(corpus), "--only", "zz"]) == 2
    assert "whose id starts with 'zz'" in capsys.readouterr().err


def test_the_benchmark_runs_the_checker_end_to_end_and_prints_one_json_object(
        tmp_path, capsys, db_path):
    import json

    corpus = _mini_corpus(tmp_path, "Drug overdose deaths in the United States reached "
                          "107,941 in 2022.\n", [GOOD])
    (corpus / "texts" / "en-h-01-t.txt").write_text(
        (corpus / "texts" / "en-h-01-t.txt").read_text(encoding="utf-8")
        .replace("published: x", "published: 2024-03-21"), encoding="utf-8")
    assert bench.main(["--corpus", str(corpus), "--db", str(db_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["texts"] == 1 and out["labels"] == 1
    assert set(bench.HEADLINE) <= set(out) and out["targets"] == bench.TARGETS
    assert out["slices"]["slice=en-h"]["labels"] == 1
    assert out["extraction_recall"] == 1.0  # the checker reads "107,941"
