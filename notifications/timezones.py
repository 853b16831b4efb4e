"""The time zone of each federal subject (by its two-digit code, as `cms.Region.code`), for quiet
hours. Subjects not listed keep Moscow time (`settings.TIME_ZONE`). Where a subject spans zones
(Yakutia) the capital's zone is used."""

from zoneinfo import ZoneInfo

from django.conf import settings

REGION_TIME_ZONES = {
    "02": "Asia/Yekaterinburg",
    "03": "Asia/Irkutsk",
    "04": "Asia/Barnaul",
    "14": "Asia/Yakutsk",
    "17": "Asia/Krasnoyarsk",
    "18": "Europe/Samara",
    "19": "Asia/Krasnoyarsk",
    "22": "Asia/Barnaul",
    "24": "Asia/Krasnoyarsk",
    "25": "Asia/Vladivostok",
    "27": "Asia/Vladivostok",
    "28": "Asia/Yakutsk",
    "30": "Europe/Astrakhan",
    "34": "Europe/Volgograd",
    "38": "Asia/Irkutsk",
    "39": "Europe/Kaliningrad",
    "41": "Asia/Kamchatka",
    "42": "Asia/Novokuznetsk",
    "43": "Europe/Kirov",
    "45": "Asia/Yekaterinburg",
    "49": "Asia/Magadan",
    "54": "Asia/Novosibirsk",
    "55": "Asia/Omsk",
    "56": "Asia/Yekaterinburg",
    "59": "Asia/Yekaterinburg",
    "63": "Europe/Samara",
    "64": "Europe/Saratov",
    "65": "Asia/Sakhalin",
    "66": "Asia/Yekaterinburg",
    "70": "Asia/Tomsk",
    "72": "Asia/Yekaterinburg",
    "73": "Europe/Ulyanovsk",
    "74": "Asia/Yekaterinburg",
    "75": "Asia/Chita",
    "79": "Asia/Vladivostok",
    "86": "Asia/Yekaterinburg",
    "87": "Asia/Anadyr",
    "89": "Asia/Yekaterinburg",
}


def time_zone_for_region(code):
    """The zone of a region code; Moscow time (settings.TIME_ZONE) for an unknown or missing one."""
    return ZoneInfo(REGION_TIME_ZONES.get(code or "", settings.TIME_ZONE))
