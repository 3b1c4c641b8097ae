"""The documentation holds together: every link lands, every docs page is reachable from the README, the README stays
short enough to read in one go.

Each check is a plain function over pages, so the tests at the bottom run it on small pages made to fail: a broken
link, a missing heading, an unlinked page, a long README. Checked by hand too, each once: a link to
`docs/operation.md`, an anchor `#the-stack` and a docs page missing from the README's list each failed the check on
the real tree, naming the page and the link; lowering the README limit to 150 lines failed the length test.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
README_LINE_LIMIT = 250  # the README stays under this; the detail lives in docs/

_FENCED = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*\n.*?^ {0,3}\1[^\n]*$", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"`[^`\n]+`")
# [text](target) and ![alt](target), with an optional "title"; link text may hold one level of brackets.
_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def docs_pages(docs: Path = DOCS) -> list[Path]:
    return sorted(docs.glob("*.md"))


def _prose(text: str) -> str:
    """The page without fenced code blocks: a `#` or a bracket there is code, not markdown."""
    return _FENCED.sub("", text)


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: its text, lower case, punctuation dropped, each space a hyphen."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading reads as its text
    text = text.replace("`", "").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(text: str) -> set[str]:
    """Every heading's anchor on a page; a repeated heading gets -1, -2, ... as on GitHub."""
    seen: Counter[str] = Counter()
    found = set()
    for match in _HEADING.finditer(_prose(text)):
        base = slug(match.group(2))
        found.add(f"{base}-{seen[base]}" if seen[base] else base)
        seen[base] += 1
    return found


def links(text: str) -> list[str]:
    """The targets of every link and image on a page, outside code."""
    return _LINK.findall(_CODE_SPAN.sub("code", _prose(text)))


def broken_links(pages: list[Path], root: Path = ROOT) -> list[str]:
    """`page: target (why)` for each relative link that lands on no file, or on no heading of the page it names."""
    broken = []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for target in links(text):
            if _SCHEME.match(target):
                continue  # a web address: not ours to check offline
            path_part, _, anchor = target.partition("#")
            landing = (page.parent / path_part).resolve() if path_part else page
            name = f"{page.relative_to(root)}: {target}"
            if not landing.is_relative_to(root.resolve()) or not landing.exists():
                broken.append(f"{name} (no such file)")
            elif anchor and landing.suffix == ".md" and anchor not in anchors(landing.read_text(encoding="utf-8")):
                broken.append(f"{name} (no heading #{anchor} in {landing.name})")
    return broken


def unlinked_pages(readme: Path, pages: list[Path]) -> list[str]:
    """The docs pages no link in the README leads to."""
    linked = {
        (readme.parent / target.partition("#")[0]).resolve()
        for target in links(readme.read_text(encoding="utf-8"))
        if not _SCHEME.match(target)
    }
    return [page.name for page in pages if page.resolve() not in linked]


def line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_every_relative_link_in_the_readme_and_the_docs_lands_on_a_file_and_heading_that_exist() -> None:
    assert broken_links([README, *docs_pages()]) == []


def test_every_docs_page_is_linked_from_the_readme() -> None:
    assert docs_pages(), "docs/ holds no page"
    assert unlinked_pages(README, docs_pages()) == []


def test_the_readme_is_under_250_lines() -> None:
    assert line_count(README) < README_LINE_LIMIT, f"README.md: {line_count(README)} lines; move detail to docs/"


# The checks themselves, on pages made to fail.


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_link_to_a_file_that_does_not_exist_is_reported_with_its_page(tmp_path: Path) -> None:
    _write(tmp_path / "docs" / "here.md", "# Here\n")
    page = _write(tmp_path / "README.md", "[here](docs/here.md) and [gone](docs/gone.md) and [web](https://x.org/a)\n")
    assert broken_links([page], tmp_path) == ["README.md: docs/gone.md (no such file)"]


def test_a_link_out_of_the_repository_is_reported(tmp_path: Path) -> None:
    _write(tmp_path / "outside.md", "# Outside\n")
    page = _write(tmp_path / "repo" / "README.md", "[out](../outside.md)\n")
    assert broken_links([page], tmp_path / "repo") == ["README.md: ../outside.md (no such file)"]


def test_an_anchor_to_a_heading_that_does_not_exist_is_reported(tmp_path: Path) -> None:
    _write(tmp_path / "docs" / "ops.md", "# Ops\n\n## The stack: `caseflow up`\n")
    page = _write(
        tmp_path / "README.md",
        "# Top\n\n[a](docs/ops.md#the-stack-caseflow-up) [b](docs/ops.md#the-stack) [c](#top) [d](#bottom)\n",
    )
    assert broken_links([page], tmp_path) == [
        "README.md: docs/ops.md#the-stack (no heading #the-stack in ops.md)",
        "README.md: #bottom (no heading #bottom in README.md)",
    ]


def test_links_and_headings_inside_code_are_not_read_as_markdown(tmp_path: Path) -> None:
    text = "# Real\n\n```sh\n# not a heading\necho [x](missing.md)\n```\n\n`[y](missing.md)` and [z](#real)\n"
    page = _write(tmp_path / "page.md", text)
    assert anchors(text) == {"real"}
    assert broken_links([page], tmp_path) == []


def test_heading_anchors_are_the_ones_github_makes() -> None:
    assert slug("The stack: `caseflow up`") == "the-stack-caseflow-up"
    assert slug("Changing an authority's policy") == "changing-an-authoritys-policy"
    assert slug("After a trigger: outbox, case-transition flow, notifications") == (
        "after-a-trigger-outbox-case-transition-flow-notifications"
    )
    assert slug("Counting conventions (`conventions:` in a policy)") == "counting-conventions-conventions-in-a-policy"
    assert anchors("## Notes\n\n## Notes\n") == {"notes", "notes-1"}


def test_a_docs_page_the_readme_does_not_link_is_reported(tmp_path: Path) -> None:
    linked = _write(tmp_path / "docs" / "linked.md", "# Linked\n")
    forgotten = _write(tmp_path / "docs" / "forgotten.md", "# Forgotten\n")
    readme = _write(tmp_path / "README.md", "[linked](docs/linked.md#linked), `[code](docs/forgotten.md)`\n")
    assert unlinked_pages(readme, [forgotten, linked]) == ["forgotten.md"]


def test_a_readme_of_250_lines_or_more_is_too_long(tmp_path: Path) -> None:
    readme = _write(tmp_path / "README.md", "line\n" * README_LINE_LIMIT)
    assert not line_count(readme) < README_LINE_LIMIT
