"""Basic accessibility checks on rendered HTML (used by test_accessibility and the browser test):
every form control has a label, images have alt text, one h1 and no skipped heading level, a skip link to
the ``<main>`` landmark, and the page's language. Not a replacement for a full audit (axe-core), but each
rule here is one that the console's pages must never break."""

from html.parser import HTMLParser

UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.controls: list[dict[str, str]] = []
        self.label_for: set[str] = set()
        self.label_depth = 0
        self.images: list[dict[str, str]] = []
        self.headings: list[int] = []
        self.ids: dict[str, str] = {}
        self.links: list[str] = []
        self.lang = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids[a["id"]] = tag
        if tag == "html":
            self.lang = a.get("lang", "")
        elif tag == "label":
            self.label_depth += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        elif tag in ("input", "select", "textarea"):
            if tag == "input" and a.get("type", "text") in UNLABELLED_TYPES:
                return
            self.controls.append({**a, "tag": tag, "wrapped": "1" if self.label_depth else ""})
        elif tag == "img":
            self.images.append(a)
        elif len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
            self.headings.append(int(tag[1]))
        elif tag == "a":
            self.links.append(a.get("href", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self.label_depth:
            self.label_depth -= 1


def a11y_problems(html: str) -> list[str]:
    c = _Collector()
    c.feed(html)
    problems = []
    if not c.lang:
        problems.append("<html> has no lang")
    for ctl in c.controls:
        labelled = (
            ctl.get("id", "") in c.label_for
            or ctl.get("aria-label")
            or ctl.get("aria-labelledby")
            or ctl["wrapped"]
        )
        if not labelled:
            problems.append(f"unlabelled <{ctl['tag']} name={ctl.get('name', '')!r}>")
    problems += [f"<img src={i.get('src', '')!r}> without alt" for i in c.images if "alt" not in i]
    if c.headings.count(1) != 1:
        problems.append(f"{c.headings.count(1)} h1 elements")
    for before, after in zip(c.headings, c.headings[1:], strict=False):
        if after > before + 1:
            problems.append(f"heading level skipped: h{before} → h{after}")
    if "#main" not in c.links or c.ids.get("main") != "main":
        problems.append("no skip link to the <main id=main> landmark")
    return problems
