"""Small inline SVG charts for the report: no JavaScript, no network, readable as they are."""

from __future__ import annotations

from html import escape

WIDTH = 640
BAR_HEIGHT = 22
LABEL_WIDTH = 220
COLORS = ("#3b6ea5", "#c0504d", "#9bbb59", "#8064a2", "#4bacc6", "#f79646")


def horizontal_bars(title: str, items: list[tuple[str, float]], unit: str = "") -> str:
    """One bar per (label, value), longest first as given."""
    if not items:
        return f'<figure class="plot"><figcaption>{escape(title)}</figcaption><p>none</p></figure>'
    top = max(value for _, value in items) or 1
    height = BAR_HEIGHT * len(items) + 10
    span = WIDTH - LABEL_WIDTH - 90
    rows = []
    for i, (label, value) in enumerate(items):
        y = 5 + i * BAR_HEIGHT
        length = max(1.0, span * value / top)
        rows.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{length:.1f}" height="{BAR_HEIGHT - 6}"'
            f' fill="{COLORS[i % len(COLORS)]}"><title>{escape(label)}: {value:g}</title></rect>'
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{y + 15}">{value:g}{unit}</text>'
        )
    return (
        f'<figure class="plot"><figcaption>{escape(title)}</figcaption>'
        f'<svg role="img" aria-label="{escape(title)}" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}">{"".join(rows)}</svg></figure>'
    )


def line_chart(title: str, points: list[tuple[float, float]], x_label: str, y_label: str) -> str:
    """A polyline through (x, y) points, axes from zero."""
    if len(points) < 2:
        points = [(0.0, 0.0), *points] if points else [(0.0, 0.0), (1.0, 0.0)]
    height, left, bottom, top_margin, right = 260, 60, 40, 10, 20
    max_x = max(x for x, _ in points) or 1
    max_y = max(y for _, y in points) or 1

    def sx(x: float) -> float:
        return left + (WIDTH - left - right) * x / max_x

    def sy(y: float) -> float:
        return height - bottom - (height - bottom - top_margin) * y / max_y

    path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in points)
    axes = (
        f'<line x1="{left}" y1="{height - bottom}" x2="{WIDTH - right}" y2="{height - bottom}"'
        ' stroke="#444"/>'
        f'<line x1="{left}" y1="{top_margin}" x2="{left}" y2="{height - bottom}" stroke="#444"/>'
        f'<text x="{left}" y="{height - bottom + 16}">0</text>'
        f'<text x="{WIDTH - right}" y="{height - bottom + 16}" text-anchor="end">'
        f"{max_x:.3g} {escape(x_label)}</text>"
        f'<text x="{left - 6}" y="{top_margin + 10}" text-anchor="end">{max_y:.0f}</text>'
        f'<text x="{left + 8}" y="{top_margin + 12}">{escape(y_label)}</text>'
    )
    return (
        f'<figure class="plot"><figcaption>{escape(title)}</figcaption>'
        f'<svg role="img" aria-label="{escape(title)}" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}">{axes}'
        f'<polyline fill="none" stroke="{COLORS[0]}" stroke-width="2" points="{path}"/>'
        "</svg></figure>"
    )
