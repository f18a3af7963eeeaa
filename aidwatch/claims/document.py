"""From raw input to a ``Document``: main text of HTML pages, sentences with offsets, metadata.

HTML is read with the standard library's ``html.parser``: the pages we check are news
articles whose main text sits in ``<article>``/``<main>``/``<p>`` elements, so a small
block-collecting parser that drops scripts, navigation, headers, footers, forms and asides is
enough, and avoids a dependency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser

from ..textfile import looks_like_html as _looks_like_html

MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11,
    "diciembre": 12,
}
MONTH_RE = (r"(?:january|february|march|april|may|june|july|august|september|october|november|"
            r"december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec|enero|febrero|marzo|"
            r"abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre)")
WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
            "saturday": 5, "sunday": 6, "lunes": 0, "martes": 1, "miércoles": 2,
            "miercoles": 2, "jueves": 3, "viernes": 4, "sábado": 5, "sabado": 5, "domingo": 6}
_WEEKDAY_RE = "|".join(WEEKDAYS)

# A dateline in the first lines: "Tuesday, 02 January 2024 12:17 GMT", "January 2, 2024",
# "2 de enero de 2024", "2024-01-02".
_DATELINE_PATTERNS = [
    re.compile(rf"(?:(?P<wd>{_WEEKDAY_RE}),?\s+)?(?P<d>\d{{1,2}})\s+(?:de\s+)?(?P<m>{MONTH_RE})"
               rf"\.?\s+(?:de\s+|del\s+)?(?P<y>(?:19|20)\d\d)", re.I),
    re.compile(rf"(?:(?P<wd>{_WEEKDAY_RE}),?\s+)?(?P<m>{MONTH_RE})\.?\s+(?P<d>\d{{1,2}})"
               rf"(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)", re.I),
    re.compile(r"(?P<y>(?:19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)"),
]
# Wire-service ids that encode a date. MENAFN: MENAFN + DDMMYYYY + digits + "ID" + digits.
_WIRE_IDS = [
    ("MENAFN", re.compile(r"\bMENAFN(?P<d>\d\d)(?P<m>\d\d)(?P<y>20\d\d)\d+(?:ID\d+)?\b")),
]
# URLs first, then the date inside each one (a lazy scan of every URL would be quadratic).
_URL = re.compile(r"https?://\S+")
_URL_DATE = re.compile(r"/(?P<y>20\d\d)/(?P<m>\d\d)/(?P<d>\d\d)/")
_NEXT_CHAR = re.compile(r"\s*(\S)")
_PUBLISHER_PATTERNS = [
    re.compile(r"\((?P<wire>MENAFN|Reuters|AP|AFP|EFE|Bloomberg)\s*[-–—]\s*(?P<pub>[^)]{2,60})\)"),
    # [^\S\n]* (not \s*): a run of blank lines must not be rescanned from every line start
    re.compile(r"^[^\S\n]*\(?(?P<wire>Reuters|AP|AFP|EFE|Bloomberg)\)?\s*[-–—]", re.M),
]


@dataclass
class Sentence:
    text: str
    start: int
    end: int
    paragraph: int


@dataclass
class Metadata:
    """What the article says about itself: dateline, publisher, wire ids that encode dates."""

    dateline: date | None = None
    dateline_text: str = ""
    dateline_span: tuple[int, int] | None = None
    weekday_stated: str | None = None
    publisher: str | None = None
    wire: str | None = None
    encoded_dates: list[tuple[str, str, date, int, int]] = field(default_factory=list)
    html_published: date | None = None
    header: dict[str, str] = field(default_factory=dict)  # a "key: value ... ---" header block
    header_published: date | None = None
    given_date: date | None = None  # --date: when the text was written or said
    headline: str = ""

    @property
    def published(self) -> date | None:
        """When the text was written: --date, else a ``published:`` header, else the
        dateline, else the HTML page's publication date."""
        return self.given_date or self.header_published or self.dateline or self.html_published


@dataclass
class Document:
    text: str
    sentences: list[Sentence]
    metadata: Metadata
    lang: str = "en"


# -- HTML ------------------------------------------------------------------------------------
_SKIP = {"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "svg",
         "button", "iframe", "select", "template", "figure"}
_BLOCK = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "br", "tr",
          "section", "article", "main", "td", "dd", "dt", "pre", "title", "time"}


class _MainText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skip_depth = 0
        self.stack: list[str] = []
        self.blocks: list[tuple[str, str, bool]] = []  # (tag, text, inside article/main)
        self.current: list[str] = []
        self.main_depth = 0
        self.meta: dict[str, str] = {}
        self.in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if key and a.get("content"):
                self.meta.setdefault(key, a["content"])
            return
        if tag == "time" and a.get("datetime"):
            self.meta.setdefault("time", a["datetime"])
        cls = (a.get("class", "") + " " + a.get("id", "")).lower()
        boiler = re.search(r"\b(nav|menu|footer|header|sidebar|related|share|social|cookie|"
                           r"subscribe|newsletter|advert|promo|comments?)\b", cls)
        if tag in _SKIP or (boiler and tag in {"div", "section", "ul", "aside"}):
            if tag not in {"br"}:
                self.skip_depth += 1
                self.stack.append("skip:" + tag)
            return
        if tag in _BLOCK:
            self._flush()
        if tag in {"article", "main"}:
            self.main_depth += 1
        if tag == "title":
            self.in_title = True
        if tag not in {"br", "img", "hr", "input", "link", "wbr", "source", "area", "col"}:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in {"br", "img", "hr", "input", "link", "wbr", "source", "area", "col", "meta"}:
            return
        # pop to the matching tag (tolerates sloppy HTML)
        for i in range(len(self.stack) - 1, -1, -1):
            name = self.stack[i]
            if name == tag or name == "skip:" + tag:
                for popped in self.stack[i:]:
                    if popped.startswith("skip:"):
                        self.skip_depth -= 1
                    elif popped in {"article", "main"}:
                        self.main_depth -= 1
                del self.stack[i:]
                break
        if tag in _BLOCK:
            self._flush(tag)
        if tag == "title":
            self.in_title = False

    def handle_data(self, data: str) -> None:
        if self.skip_depth == 0:
            self.current.append(data)

    def _flush(self, tag: str = "") -> None:
        text = re.sub(r"\s+", " ", "".join(self.current)).strip()
        self.current = []
        if text:
            self.blocks.append((tag or "p", text, self.main_depth > 0 or tag == "title"))


def html_to_text(html: str) -> str:
    """The main text of an HTML page: title, then the paragraphs of its article/main element
    (or of the whole body when it has none), one block per line; boilerplate dropped."""
    parser = _MainText()
    parser.feed(html)
    parser.close()
    parser._flush()
    blocks = parser.blocks
    title = next((t for tag, t, _ in blocks if tag == "title"), "")
    body = [t for tag, t, inside in blocks if inside and tag != "title"]
    if sum(len(t) for t in body) < 200:
        body = [t for tag, t, _ in blocks if tag != "title"]
    # drop short link-list fragments (menus that escaped the class filter)
    body = [t for t in body if len(t) > 25 or re.search(r"\d", t) or t.endswith((".", ":"))]
    head = []
    published = parser.meta.get("article:published_time") or parser.meta.get("datepublished") \
        or parser.meta.get("date") or parser.meta.get("pubdate") or parser.meta.get("time")
    if published:
        head.append(published.strip())
    site = parser.meta.get("og:site_name")
    lines = head + ([title] if title and title not in body else []) + body
    if site:
        lines.append(site.strip())
    return "\n\n".join(lines)


def looks_like_html(raw: str) -> bool:
    """The one sniffing rule of ``aidwatch.textfile`` (a tag near the start)."""
    return _looks_like_html(raw)


# -- sentences -------------------------------------------------------------------------------
_ABBREV = re.compile(
    r"(?:\b(?:U\.S|U\.N|U\.K|EE\.UU|E\.U|Mr|Mrs|Ms|Dr|Sen|Rep|Gen|Gov|Lt|Col|Sgt|St|Jr|Sr|No|"
    r"vs|etc|e\.g|i\.e|Inc|Co|Corp|Ltd|approx|est|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|"
    r"Nov|Dec|Sra|Sr|Lic|Ing|núm|aprox|[A-Z])\.)$")
_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+)")


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with their offsets. Paragraphs break at blank lines and at short lines that
    end without punctuation (headings); periods after known abbreviations do not end one."""
    sentences: list[Sentence] = []
    para = 0
    first_line = True
    for pm in re.finditer(r"[^\n]+(?:\n(?![^\S\n]*\n)[^\n]+)*", text):
        block_start = pm.start()
        lines = list(re.finditer(r"[^\n]+", pm.group()))
        # split the block into units at heading-like lines
        units: list[tuple[int, int]] = []
        cur_start = None
        cur_end = None
        for i, ln in enumerate(lines):
            s, e = block_start + ln.start(), block_start + ln.end()
            line = ln.group().strip()
            bullet = bool(_BULLET.match(line))
            if bullet and cur_start is not None:
                units.append((cur_start, cur_end or cur_start))  # a list item starts anew
                cur_start = None
            if cur_start is None:
                cur_start, cur_end = s, e
            else:
                cur_end = e
            heading = (len(line) < 60 or first_line) and not re.search(r"[.!?:;,\"”)]$", line)
            if line:
                first_line = False  # the text's first line is its headline when unpunctuated
            next_bullet = i + 1 < len(lines) and bool(_BULLET.match(lines[i + 1].group().strip()))
            if heading or bullet and next_bullet or re.search(r"[.!?]['\"”’)]*$", line):
                units.append((cur_start, cur_end))
                cur_start = None
        if cur_start is not None:
            units.append((cur_start, cur_end or cur_start))
        for us, ue in units:
            para += 1
            chunk = text[us:ue]
            pos = 0
            for m in _END.finditer(chunk):
                before = chunk[max(0, m.start() - 15):m.start() + 1]
                if m.group().startswith(".") and _ABBREV.search(before):
                    continue
                following = _NEXT_CHAR.match(chunk, m.end())
                nxt = following.group(1) if following else ""
                if nxt and not (nxt.isupper() or nxt.isdigit() or nxt in "\"“'¿¡(«"):
                    continue
                _add(sentences, text, us + pos, us + m.end(), para)
                pos = m.end()
            _add(sentences, text, us + pos, ue, para)
    return sentences


_BULLET = re.compile(r"^(?:[-•*·–]|\d{1,2}[.)])\s+")
MAX_SENTENCE = 1000  # longer runs without punctuation are cut at spaces (bounds the work)


def _add(out: list[Sentence], text: str, s: int, e: int, para: int) -> None:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    while e - s > MAX_SENTENCE:
        cut = text.rfind(" ", s + MAX_SENTENCE // 2, s + MAX_SENTENCE)
        cut = cut if cut > s else s + MAX_SENTENCE
        _add(out, text, s, cut, para)
        s = cut
        while s < e and text[s].isspace():
            s += 1
    if e > s:
        out.append(Sentence(re.sub(r"\s+", " ", text[s:e]), s, e, para))


# -- language and metadata -------------------------------------------------------------------
_ES = re.compile(r"\b(el|la|los|las|del|que|por|para|con|una|se|según|año|años|más)\b", re.I)
_EN = re.compile(r"\b(the|of|and|that|was|were|with|for|from|this|have|has|which)\b", re.I)


def detect_language(text: str) -> str:
    """'es' when Spanish function words outnumber English ones, else 'en'."""
    sample = text[:20000]
    return "es" if len(_ES.findall(sample)) > 1.2 * len(_EN.findall(sample)) else "en"


def _mk_date(y: str, m: str, d: str) -> date | None:
    month = int(m) if m.isdigit() else MONTHS.get(m.lower().rstrip("."))
    try:
        return date(int(y), month, int(d)) if month else None
    except ValueError:
        return None


def read_metadata(text: str) -> Metadata:
    meta = Metadata()
    # the dateline is a short line of its own among the first three (not a date in the prose)
    lines = [m for m in re.finditer(r"[^\n]+", text[:2000]) if m.group().strip()][:3]
    for line in lines:
        if len(line.group().strip()) > 90:
            continue
        for pat in _DATELINE_PATTERNS:
            m = pat.search(line.group())
            rest = len(line.group().strip()) - len(m.group()) if m else 0
            if m and (rest > 40 or line.group().rstrip().endswith(".")):
                continue  # a sentence that mentions a date, not a dateline
            if m and (d := _mk_date(m.group("y"), m.group("m"), m.group("d"))):
                meta.dateline = d
                meta.dateline_text = m.group().strip()
                meta.dateline_span = (line.start() + m.start(), line.start() + m.end())
                wd = m.groupdict().get("wd")
                meta.weekday_stated = wd.lower() if wd else None
                break
        if meta.dateline:
            break
    for pat in _PUBLISHER_PATTERNS:
        if m := pat.search(text):
            meta.wire = m.group("wire")
            meta.publisher = (m.groupdict().get("pub") or m.group("wire")).strip()
            break
    for name, pat in _WIRE_IDS:
        for m in pat.finditer(text):
            if d := _mk_date(m.group("y"), m.group("m"), m.group("d")):
                meta.encoded_dates.append((name, m.group(), d, m.start(), m.end()))
    for url in _URL.finditer(text):
        m = _URL_DATE.search(url.group())
        if m and (d := _mk_date(m.group("y"), m.group("m"), m.group("d"))):
            end = url.start() + m.end()
            meta.encoded_dates.append(("URL", text[url.start():end], d, url.start(), end))
    return meta


_HEADER_LINE = re.compile(r"[ \t]*(?P<key>[A-Za-z_][\w-]{0,30})[ \t]*:[ \t]*(?P<value>[^\n]*)\n")
_HEADER_END = re.compile(r"[ \t]*-{3,}[ \t]*(?:\n|$)")


def read_header(text: str) -> tuple[dict[str, str], int]:
    """A header block of ``key: value`` lines closed by a line ``---`` (the corpus files, and
    texts saved with their provenance): the fields and the offset where the body starts."""
    fields: dict[str, str] = {}
    pos = 0
    while (m := _HEADER_LINE.match(text, pos)) and len(fields) < 40:
        fields[m["key"].lower()] = m["value"].strip()
        pos = m.end()
    end = _HEADER_END.match(text, pos)
    if not fields or end is None:
        return {}, 0
    return fields, end.end()


def _header_date(value: str) -> date | None:
    m = re.match(r"((?:19|20)\d\d)-(\d\d)-(\d\d)", value)
    return _mk_date(m[1], m[2], m[3]) if m else None


def make_document(raw: str, *, published: date | None = None, lang: str | None = None,
                  html: bool | None = None) -> Document:
    """Text (or HTML) in, a ``Document`` out: sentences with offsets, language, metadata.

    Offsets stay those of the text as given (for HTML: of the extracted main text): line
    ends are normalised without changing lengths (CR LF → space + LF), and a header block
    (``published: 2023-05-11`` … ``---``) is blanked, not cut, so it states no claims.

    Args:
        published: when the text was written or said (overrides any dateline).
        lang: ``en`` or ``es`` (default: detected).
        html: whether ``raw`` is HTML (default: sniffed; ``aidwatch.textfile`` also knows it
            by the file name).
    """
    is_html = looks_like_html(raw) if html is None else html
    text = html_to_text(raw) if is_html else raw
    text = text.replace("\r\n", " \n").replace("\r", "\n").replace("\u00a0", " ")
    header, body_start = read_header(text)
    if body_start:
        text = re.sub(r"[^\n]", " ", text[:body_start]) + text[body_start:]
    meta = read_metadata(text)
    meta.header = header
    meta.header_published = _header_date(header.get("published", ""))
    meta.given_date = published
    sentences = split_sentences(text)
    meta.headline = header.get("title") or (sentences[0].text if sentences else "")
    language = lang or (header.get("language") if header.get("language") in ("en", "es")
                        else None) or detect_language(text)
    return Document(text=text, sentences=sentences, metadata=meta, lang=language)
