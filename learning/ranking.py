"""The jury's ranking rule, as a pure function of the scores: nothing here reads the database.

verify_ledger.py carries its own copy of this rule (it must run without the project), and
tests/learning/test_open_results.py keeps the two in agreement.

The rule: each juror's totals are turned into z-scores over all the works that juror scored in the
assignment — (total − the juror's mean) / the juror's spread (population standard deviation; 0 when
the juror gave everyone the same) — so a strict and a generous juror weigh the same. A work's score
is the mean of its z-scores, rounded to 4 decimals. Within each age band works are ordered by that
score, then by the mean raw total, then by the work's public number (lower first). Likes play no part.
"""

import statistics

RULE_VERSION = "z-score-v1"


def juror_stats(scores):
    """{juror: (mean total, spread)} over `scores`, an iterable of (juror, work, band, total)."""
    totals = {}
    for juror, _work, _band, total in scores:
        totals.setdefault(juror, []).append(total)
    return {
        juror: (statistics.fmean(values), statistics.pstdev(values) if len(values) > 1 else 0.0)
        for juror, values in totals.items()
    }


def z_score(total, mean, spread):
    return (total - mean) / spread if spread else 0.0


def z_score_ranking(scores):
    """{band: [row, ...]} from (juror, work, band, total) tuples; a row has work, score, jurors,
    mean_total and place (1 = best). Bands come sorted by name."""
    scores = list(scores)
    stats = juror_stats(scores)
    z_by_work, raw_by_work, band_of = {}, {}, {}
    for juror, work, band, total in scores:
        z_by_work.setdefault(work, []).append(z_score(total, *stats[juror]))
        raw_by_work.setdefault(work, []).append(total)
        band_of[work] = band
    bands = {}
    for work, zs in z_by_work.items():
        bands.setdefault(band_of[work], []).append(
            {
                "work": work,
                "score": round(statistics.fmean(zs), 4),
                "jurors": len(zs),
                "mean_total": round(statistics.fmean(raw_by_work[work]), 2),
            }
        )
    for rows in bands.values():
        rows.sort(key=lambda row: (-row["score"], -row["mean_total"], row["work"]))
        for place, row in enumerate(rows, start=1):
            row["place"] = place
    return dict(sorted(bands.items()))
