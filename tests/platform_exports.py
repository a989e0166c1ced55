"""Synthetic exports that mimic what other platforms and tools hand a marketer, quirks included.

Deterministic (seeded). Each builder returns the file's bytes; ``write_all(folder)`` writes them all.
Used by tests/test_cli.py and by ``python -m benchmarks.check_exports``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

_WORDS = [
    "new", "drop", "summer", "sale", "behind", "the", "scenes", "tutorial", "giveaway", "launch", "team",
    "story", "tips", "how", "to", "our", "favourite", "weekend", "live", "Q&A", "thank", "you", "community",
    "update", "limited", "edition", "collab", "recipe", "challenge",
]  # fmt: skip
_EMOJI = ["✨", "🔥", "📦", "🎉", "💬", "👉", "❤️", "😍"]


def _text(rng: np.random.Generator, n_words: int, multiline: bool = False) -> str:
    words = list(rng.choice(_WORDS, size=n_words))
    if rng.random() < 0.5:
        words.append(str(rng.choice(_EMOJI)))
    if rng.random() < 0.4:
        words.append(f"#{rng.choice(_WORDS)}")
    text = " ".join(words).capitalize()
    if multiline and rng.random() < 0.4:
        text += "\n\n" + " ".join(rng.choice(_WORDS, size=4)) + " 👇"
    return text


def _counts(rng: np.random.Generator, n: int, mean: float, disp: float = 0.8) -> np.ndarray:
    """Heavy-tailed non-negative counts (negative binomial)."""
    p = disp / (disp + mean)
    return rng.negative_binomial(disp, p, size=n)


def _times(rng: np.random.Generator, n: int, start: datetime, days: int = 365) -> list[datetime]:
    offs = np.sort(rng.uniform(0, days * 86400, size=n))[::-1]
    return [start + timedelta(seconds=float(s)) for s in offs]


def _csv(rows: list[list[object]], delimiter: str = ",", quoting: int = csv.QUOTE_MINIMAL) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, quoting=quoting, lineterminator="\r\n")
    writer.writerows(rows)
    return buf.getvalue()


def instagram(n: int = 400, seed: int = 1) -> bytes:
    """Meta Business Suite Instagram content export: UTF-8 BOM, multi-line captions, a 'Lifetime' column."""
    rng = np.random.default_rng(seed)
    kinds = rng.choice(["IG image", "IG reel", "IG carousel", "IG story"], size=n, p=[0.4, 0.3, 0.2, 0.1])
    reach = _counts(rng, n, 4000, 0.7) + 50
    header = [
        "Post ID", "Account ID", "Account username", "Account name", "Description", "Duration (sec)",
        "Publish time", "Permalink", "Post type", "Data comment", "Date", "Impressions", "Reach", "Likes",
        "Shares", "Follows", "Comments", "Saves", "Plays",
    ]  # fmt: skip
    rows: list[list[object]] = [header]
    for i, t in enumerate(_times(rng, n, datetime(2024, 1, 1))):
        kind = str(kinds[i])
        reel = kind == "IG reel"
        rows.append(
            [
                str(17_900_000_000_000_000 + int(rng.integers(0, 10**15))),
                "17841400000000001",
                "brand.official",
                "Brand",
                _text(rng, int(rng.integers(4, 18)), multiline=True),
                int(rng.integers(6, 90)) if reel else "",
                t.strftime("%m/%d/%Y %H:%M"),
                f"https://www.instagram.com/p/{rng.integers(10**9, 10**10):x}/",
                kind,
                "",
                "Lifetime",
                int(reach[i] * rng.uniform(1.1, 1.8)),
                int(reach[i]),
                int(reach[i] * rng.uniform(0.01, 0.08)),
                int(_counts(rng, 1, 8)[0]),
                int(_counts(rng, 1, 2)[0]),
                int(_counts(rng, 1, 12)[0]),
                int(_counts(rng, 1, 20)[0]),
                int(reach[i] * rng.uniform(1.2, 3)) if reel else "",
            ]
        )
    return ("\ufeff" + _csv(rows)).encode("utf-8")


def youtube_studio(n: int = 300, seed: int = 2) -> bytes:
    """YouTube Studio 'Table data.csv': a Total row first, 'Jun 6, 2017' dates, percent CTR."""
    rng = np.random.default_rng(seed)
    views = _counts(rng, n, 2500, 0.5) + 3
    watch = np.round(views * rng.uniform(0.02, 0.2, size=n), 4)
    subs = _counts(rng, n, 5, 0.5)
    impressions = (views * rng.uniform(5, 30, size=n)).astype(int)
    ctr = np.round(100 * views / np.maximum(impressions, 1), 2)
    header = [
        "Content", "Video title", "Video publish time", "Duration", "Views", "Watch time (hours)",
        "Subscribers", "Impressions", "Impressions click-through rate (%)",
    ]  # fmt: skip
    rows: list[list[object]] = [
        header,
        ["Total", "", "", "", int(views.sum()), round(float(watch.sum()), 4), int(subs.sum()),
         int(impressions.sum()), round(float(views.sum() / impressions.sum() * 100), 2)],
    ]  # fmt: skip
    for i, t in enumerate(_times(rng, n, datetime(2023, 3, 1), days=700)):
        rows.append(
            [
                "".join(
                    rng.choice(list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"), 11)
                ),
                _text(rng, int(rng.integers(3, 9))).replace("\n", " "),
                t.strftime("%b %-d, %Y"),
                int(rng.integers(15, 1800)),
                int(views[i]),
                float(watch[i]),
                int(subs[i]),
                int(impressions[i]),
                float(ctr[i]),
            ]
        )
    return _csv(rows).encode("utf-8")


def linkedin(n: int = 250, seed: int = 3) -> bytes:
    """LinkedIn page 'Update engagement' export: a description row under the header, percent strings."""
    rng = np.random.default_rng(seed)
    header = [
        "Update title", "Update link", "Update type", "Campaign name", "Posted by", "Created date",
        "Campaign start date", "Campaign end date", "Audience", "Impressions",
        "Views (excluding off-site video views)", "Off-site views", "Clicks", "Click through rate (CTR)",
        "Likes", "Comments", "Reposts", "Follows", "Engagement rate", "Content Type",
    ]  # fmt: skip
    descr = [
        "The title of the update", "Link to the update", "Organic or sponsored", "Campaign name if sponsored",
        "Member who posted", "Date the update was created (UTC)", "Start of the campaign",
        "End of the campaign", "Who can see the update", "Times the update was shown",
        "Video views on LinkedIn", "Views off LinkedIn",
        "Clicks on the update", "Clicks divided by impressions", "Reactions", "Comments", "Reposts",
        "Follows from the update", "Interactions divided by impressions", "Format of the update",
    ]  # fmt: skip
    rows: list[list[object]] = [header, descr]
    ctypes = rng.choice(["Image", "Article", "Video", "Document", "Poll"], size=n)
    imps = _counts(rng, n, 1800, 0.9) + 20
    for i, t in enumerate(_times(rng, n, datetime(2023, 6, 1))):
        clicks = int(imps[i] * rng.uniform(0.002, 0.05))
        likes, comments, reposts = (
            int(imps[i] * rng.uniform(0.003, 0.04)),
            int(rng.poisson(2)),
            int(rng.poisson(1)),
        )
        video = ctypes[i] == "Video"
        rows.append(
            [
                _text(rng, int(rng.integers(5, 14)), multiline=True),
                f"https://www.linkedin.com/feed/update/urn:li:activity:{7_000_000_000_000_000 + i * 7919}",
                "Organic",
                "",
                rng.choice(["Ana Silva", "Tom Becker", "Priya Nair"]),
                t.strftime("%m/%d/%Y"),
                "",
                "",
                "All followers",
                int(imps[i]),
                int(imps[i] * 0.4) if video else "",
                0 if video else "",
                clicks,
                f"{100 * clicks / imps[i]:.2f}%",
                likes,
                comments,
                reposts,
                int(rng.poisson(0.5)),
                f"{100 * (clicks + likes + comments + reposts) / imps[i]:.2f}%",
                str(ctypes[i]),
            ]
        )
    return _csv(rows).encode("utf-8")


def x_utf16(n: int = 200, seed: int = 4) -> bytes:
    """X (Twitter) analytics export re-saved as 'Unicode text' by Excel: UTF-16 with BOM, tab-separated."""
    rng = np.random.default_rng(seed)
    header = [
        "Tweet id", "Tweet permalink", "Tweet text", "time", "impressions", "engagements", "engagement rate",
        "retweets", "replies", "likes", "user profile clicks", "url clicks", "hashtag clicks",
        "detail expands", "media views", "media engagements", "promoted impressions", "promoted engagements",
    ]  # fmt: skip
    rows: list[list[object]] = [header]
    imps = _counts(rng, n, 3000, 0.6) + 30
    for i, t in enumerate(_times(rng, n, datetime(2023, 1, 1))):
        tid = str(1_600_000_000_000_000_000 + int(rng.integers(0, 10**17)))
        eng = int(imps[i] * rng.uniform(0.005, 0.06))
        media = int(rng.random() < 0.4)
        rows.append(
            [
                tid,
                f"https://twitter.com/brand/status/{tid}",
                _text(rng, int(rng.integers(5, 20))) + " https://t.co/" + "abc123XYZ"[: 1 + i % 9],
                t.strftime("%Y-%m-%d %H:%M +0000"),
                f"{imps[i]}.0",
                eng,
                eng / imps[i],
                int(rng.poisson(2)),
                int(rng.poisson(1)),
                int(eng * 0.5),
                int(rng.poisson(3)),
                int(rng.poisson(2)),
                int(rng.poisson(0.3)),
                int(rng.poisson(4)),
                int(imps[i] * 0.3) * media,
                int(eng * 0.2) * media,
                "-",
                "-",
            ]
        )
    return _csv(rows, delimiter="\t").encode("utf-16")


def hootsuite_cp1252(n: int = 350, seed: int = 5) -> bytes:
    """A Hootsuite-like report from a European Excel: cp1252, ';', decimal commas, dots for thousands."""
    rng = np.random.default_rng(seed)
    header = [
        "Date (GMT)", "Network", "Profile", "Message", "Post Type", "Impressions", "Reach", "Engagements",
        "Engagement Rate", "Reactions", "Comments", "Shares", "Link Clicks", "Spend (€)",
    ]  # fmt: skip
    rows: list[list[object]] = [header]
    nets = rng.choice(["Facebook", "Instagram", "LinkedIn", "X"], size=n)
    imps = _counts(rng, n, 6000, 0.6) + 100
    quotes = ["“Neu im Shop”", "Café-Tipp – jetzt", "Größe 38–44 €", "Wir sagen „Danke“", "Tipp • Woche"]
    for i, t in enumerate(_times(rng, n, datetime(2024, 2, 1))):
        reach = int(imps[i] * rng.uniform(0.6, 0.95))
        reactions, comments, shares = (int(imps[i] * rng.uniform(0.005, 0.05)), int(rng.poisson(3)),
                                       int(rng.poisson(1.5)))  # fmt: skip
        eng = reactions + comments + shares
        rows.append(
            [
                t.strftime("%d.%m.%Y %H:%M"),
                str(nets[i]),
                "Marke DE",
                f"{rng.choice(quotes)} {_text(rng, 6)}".replace("\n", " ")
                .encode("cp1252", "ignore")
                .decode("cp1252"),
                str(rng.choice(["Bild", "Video", "Link", "Text"])),
                f"{imps[i]:,}".replace(",", "."),
                f"{reach:,}".replace(",", "."),
                eng,
                f"{100 * eng / imps[i]:.2f}".replace(".", ",") + " %",
                reactions,
                comments,
                shares,
                int(rng.poisson(5)),
                f"{rng.uniform(0, 40):.2f}".replace(".", ",") if rng.random() < 0.3 else "-",
            ]
        )
    text = _csv(rows, delimiter=";")
    return text.encode("cp1252")


EXPORTS: dict[str, Callable[[], bytes]] = {
    "instagram_content.csv": instagram,
    "youtube_studio_table_data.csv": youtube_studio,
    "linkedin_updates.csv": linkedin,
    "x_analytics_utf16.txt": x_utf16,
    "hootsuite_report_cp1252.csv": hootsuite_cp1252,
}

#: rows a correct ingest keeps (the YouTube total row and LinkedIn description row are not posts)
EXPECTED_ROWS = {
    "instagram_content.csv": 400,
    "youtube_studio_table_data.csv": 300,
    "linkedin_updates.csv": 250,
    "x_analytics_utf16.txt": 200,
    "hootsuite_report_cp1252.csv": 350,
}


def write_all(folder: Path) -> dict[str, Path]:
    """Write every export into ``folder``; return name → path."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, build in EXPORTS.items():
        path = folder / name
        path.write_bytes(build())
        out[name] = path
    return out
