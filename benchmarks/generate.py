"""Realistic social-media exports for the benchmark, with planted segments.

``python -m benchmarks.generate [--sizes 10k,100k,1M]`` writes ``benchmarks/data/social_<size>.csv`` and the
planted segment of each row in ``social_<size>.segments.npy`` (not a column of the CSV).

Columns: post_id (``<page>_<post>`` strings), published (a year of datetimes), post_type, message (free
text with emoji and hashtags, some with line breaks), link (empty for non-link posts), impressions, reach,
reactions, likes, comments, shares (negative-binomial / lognormal, heavy-tailed) and engagement_rate.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

DATA_DIR = Path(__file__).resolve().parent / "data"
SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}
N_SEGMENTS = 5
IMPRESSIONS_SIGMA = 0.35  # spread of log impressions within a segment
DISPERSION = 4.0  # negative-binomial shape of the engagement counts (smaller = heavier tail)


@dataclass(frozen=True)
class Segment:
    name: str
    weight: float
    types: dict[str, float]  # post_type mix
    impressions_mu: float  # log-mean of impressions
    reaction_rate: float  # reactions per impression
    comment_rate: float
    share_rate: float
    hours: tuple[float, float]  # mean and sd of the posting hour


SEGMENTS = (
    Segment("everyday photos", 0.38, {"photo": 0.8, "status": 0.1, "video": 0.1}, 7.0, 0.030, 0.0015, 0.0008,
            (12, 2.5)),
    Segment("viral videos", 0.10, {"video": 0.85, "reel": 0.15}, 9.0, 0.070, 0.0030, 0.0150, (19, 1.5)),
    Segment("conversation starters", 0.15, {"status": 0.6, "photo": 0.4}, 7.8, 0.020, 0.0400, 0.0005,
            (10, 1.5)),
    Segment("link traffic", 0.20, {"link": 0.9, "photo": 0.1}, 8.4, 0.003, 0.0002, 0.0040, (8, 1.5)),
    Segment("quiet late posts", 0.17, {"status": 0.5, "photo": 0.3, "link": 0.2}, 6.0, 0.010, 0.0005, 0.0001,
            (23, 1.0)),
)  # fmt: skip

_WORDS = np.array([
    "new", "drop", "summer", "sale", "behind", "the", "scenes", "tutorial", "giveaway", "launch", "team",
    "story", "tips", "how", "to", "our", "favourite", "weekend", "live", "thank", "you", "community",
    "update", "limited", "edition", "collab", "recipe", "challenge", "shop", "now", "link", "in", "bio",
    "win", "tag", "a", "friend", "who", "needs", "this", "today", "only", "free", "shipping", "back",
    "in", "stock", "vote", "poll",
])  # fmt: skip
_EXTRAS = np.array(["", "", "", " ✨", " 🔥", " 🎉", " 👉 #sale", " #tbt", " 😍😍", " — details below"])


def _nb(rng: np.random.Generator, mean: np.ndarray, dispersion: float = DISPERSION) -> np.ndarray:
    """Negative-binomial counts with the given means (a gamma-Poisson mixture)."""
    lam = rng.gamma(dispersion, np.maximum(mean, 1e-9) / dispersion)
    return rng.poisson(lam).astype(np.int64)


def _messages(rng: np.random.Generator, n: int) -> np.ndarray:
    n_words = rng.integers(4, 13, size=n)
    picks = rng.integers(0, _WORDS.size, size=(n, 12))
    words = _WORDS[picks]
    extras = _EXTRAS[rng.integers(0, _EXTRAS.size, size=n)]
    multiline = rng.random(n) < 0.08
    out = np.empty(n, dtype=object)
    for i in range(n):
        text = " ".join(words[i, : n_words[i]]).capitalize() + extras[i]
        out[i] = text + "\nMore on our page." if multiline[i] else text
    return out


def generate(n: int, seed: int = 7) -> tuple[pd.DataFrame, np.ndarray]:
    """A frame of ``n`` posts (newest first, like real exports) and each row's planted segment (0..4)."""
    rng = np.random.default_rng(seed)
    weights = np.array([s.weight for s in SEGMENTS])
    seg = rng.choice(len(SEGMENTS), size=n, p=weights / weights.sum())
    post_type = np.empty(n, dtype=object)
    impressions = np.empty(n, dtype=np.int64)
    hours = np.empty(n)
    rates = np.empty((n, 3))
    for j, s in enumerate(SEGMENTS):
        m = seg == j
        cnt = int(m.sum())
        post_type[m] = rng.choice(list(s.types), size=cnt, p=list(s.types.values()))
        impressions[m] = (
            np.round(rng.lognormal(s.impressions_mu, IMPRESSIONS_SIGMA, size=cnt)).astype(np.int64) + 1
        )
        hours[m] = rng.normal(*s.hours, size=cnt)
        rates[m] = (s.reaction_rate, s.comment_rate, s.share_rate)
    reach = np.minimum(impressions, np.round(impressions * rng.uniform(0.55, 0.95, size=n)).astype(np.int64))
    reactions = _nb(rng, impressions * rates[:, 0])
    likes = np.round(reactions * rng.uniform(0.7, 0.95, size=n)).astype(np.int64)
    comments = _nb(rng, impressions * rates[:, 1])
    shares = _nb(rng, impressions * rates[:, 2])
    engagement_rate = np.round((reactions + comments + shares) / impressions, 6)

    day = rng.integers(0, 365, size=n)
    minute_of_day = (np.mod(np.round(hours * 60), 24 * 60)).astype(np.int64)
    published = (
        pd.Timestamp("2024-01-01")
        + pd.to_timedelta(day, unit="D")
        + pd.to_timedelta(minute_of_day, unit="m")
        + pd.to_timedelta(rng.integers(0, 60, size=n), unit="s")
    )
    order = np.argsort(-published.asi8, kind="stable")  # newest first
    pages = np.array([f"{p}" for p in rng.integers(10**14, 10**15, size=12)])
    page = pages[rng.integers(0, pages.size, size=n)]
    post_no = rng.permutation(n) + 1_000_000_000_000_000
    post_id = np.char.add(np.char.add(page.astype(str), "_"), post_no.astype(str))
    link = np.where(post_type == "link", np.char.add("https://shop.example.com/p/", post_no.astype(str)), "")

    frame = pd.DataFrame(
        {
            "post_id": post_id,
            "published": published,
            "post_type": post_type,
            "message": _messages(rng, n),
            "link": link,
            "impressions": impressions,
            "reach": reach,
            "reactions": reactions,
            "likes": likes,
            "comments": comments,
            "shares": shares,
            "engagement_rate": engagement_rate,
        }
    )
    return frame.iloc[order].reset_index(drop=True), seg[order]


def paths(size: str, folder: Path = DATA_DIR) -> tuple[Path, Path]:
    return folder / f"social_{size}.csv", folder / f"social_{size}.segments.npy"


def ensure(size: str, folder: Path = DATA_DIR, force: bool = False) -> Path:
    """Generate ``social_<size>.csv`` unless it is already there; return its path."""
    csv_path, seg_path = paths(size, folder)
    if csv_path.exists() and seg_path.exists() and not force:
        return csv_path
    folder.mkdir(parents=True, exist_ok=True)
    frame, seg = generate(SIZES[size])
    tmp = csv_path.with_suffix(".tmp")
    frame.to_csv(tmp, index=False)
    tmp.replace(csv_path)
    np.save(seg_path, seg)
    return csv_path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k,1M", help="comma-separated: 10k,100k,1M")
    parser.add_argument("--force", action="store_true", help="regenerate existing files")
    args = parser.parse_args(argv)
    for size in args.sizes.split(","):
        path = ensure(size.strip(), force=args.force)
        print(f"{path} ({path.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
