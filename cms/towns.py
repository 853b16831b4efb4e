"""Town size buckets: how a winner story says where a child is from without naming the town, and
how the season report counts equal access. Defined here, where the stories are; reports imports them."""


class TownSize:
    """Town size buckets of the equal-access figures (by population)."""

    UNDER_10K = "under_10k"
    FROM_10K = "10k_100k"
    FROM_100K = "100k_1m"
    OVER_1M = "over_1m"
    UNKNOWN = "unknown"

    LABELS = {
        UNDER_10K: "до 10 тыс.",
        FROM_10K: "10–100 тыс.",
        FROM_100K: "100 тыс. – 1 млн",
        OVER_1M: "больше 1 млн",
        UNKNOWN: "неизвестно",
    }
    ORDER = [UNDER_10K, FROM_10K, FROM_100K, OVER_1M, UNKNOWN]
    # How a winner story says where the child is from when it may not name the town.
    STORY_LABELS = {
        UNDER_10K: "населённый пункт до 10 тысяч жителей",
        FROM_10K: "город от 10 до 100 тысяч жителей",
        FROM_100K: "город от 100 тысяч до миллиона жителей",
        OVER_1M: "город с населением больше миллиона",
        UNKNOWN: "размер населённого пункта не указан",
    }
    CHOICES = list(STORY_LABELS.items())


def town_size_bucket(population):
    """The bucket of one population figure (None: unknown)."""
    if population is None:
        return TownSize.UNKNOWN
    if population < 10_000:
        return TownSize.UNDER_10K
    if population < 100_000:
        return TownSize.FROM_10K
    if population < 1_000_000:
        return TownSize.FROM_100K
    return TownSize.OVER_1M
