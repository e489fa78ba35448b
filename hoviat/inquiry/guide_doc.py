"""The integrator guide (docs/inquiry.md) as HTML for `/inquiry/guide/`.

The file in the repository stays the one source: the page renders it with markdown-it-py
(CommonMark plus tables; raw HTML in the file is escaped, never passed through), wraps tables
so they scroll in their own box on a phone, keeps code blocks left to right, and gives each
section heading an anchor for the contents list. The result is kept until the file changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils.html import escape
from markdown_it import MarkdownIt


@dataclass(frozen=True)
class Guide:
    title: str
    sections: list[tuple[str, str]]  # (anchor, heading text) of each `##` section
    head_html: str  # the titles and the note before the first section
    html: str  # the sections


# Blocks that may hold Persian or English: each takes its direction from its own first
# strong letter (dir="auto"), so an English paragraph reads left to right inside the page.
_AUTO_DIRECTION = frozenset(
    {"paragraph_open", "list_item_open", "td_open", "th_open", "blockquote_open"}
)


def _directions(state) -> None:
    for token in state.tokens:
        if token.type in _AUTO_DIRECTION:
            token.attrSet("dir", "auto")


def guide_path() -> Path:
    return Path(settings.BASE_DIR) / "docs" / "inquiry.md"


def _table_open(self, tokens, idx, options, env) -> str:
    return (
        '<div class="table-responsive guide-table"><table class="table table-sm table-bordered">\n'
    )


def _table_close(self, tokens, idx, options, env) -> str:
    return "</table></div>\n"


def _fence(self, tokens, idx, options, env) -> str:
    code = escape(tokens[idx].content)
    return f'<pre class="guide-code" dir="ltr"><code>{code}</code></pre>\n'


def _heading_open(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    if token.tag == "h2":
        env.setdefault("sections", [])
        anchor = f"section-{len(env['sections']) + 1}"
        env["sections"].append((anchor, tokens[idx + 1].content.replace("`", "")))
        return f'<h2 id="{anchor}" class="h5 mt-4" dir="auto">'
    if token.tag == "h1":
        return '<h1 class="h4" dir="auto">'
    return f'<{token.tag} class="h6 mt-3" dir="auto">'


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.add_render_rule("table_open", _table_open)
    md.add_render_rule("table_close", _table_close)
    md.add_render_rule("fence", _fence)
    md.add_render_rule("heading_open", _heading_open)
    md.core.ruler.push("auto_direction", _directions)
    return md


@lru_cache(maxsize=2)
def _render(path: str, mtime_ns: int) -> Guide:
    text = Path(path).read_text(encoding="utf-8")
    env: dict = {}
    html = _markdown().render(text, env)
    first = re.search(r"^# (.+)$", text, re.M)
    head, _, body = html.partition('<h2 id="section-1"')
    return Guide(
        title=first.group(1).strip() if first else "",
        sections=env.get("sections", []),
        head_html=head if body else "",
        html='<h2 id="section-1"' + body if body else html,
    )


def guide_rendered() -> Guide:
    """The guide as HTML (safe to mark safe: the source's own HTML is escaped)."""
    path = guide_path()
    return _render(str(path), path.stat().st_mtime_ns)
