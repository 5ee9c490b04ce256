"""Where a rule applies. Residents name cities or Beijing districts; rules are kept per city."""

from __future__ import annotations

from typing import Optional

NATIONWIDE = "全国"

_BEIJING_DISTRICTS = (
    "东城",
    "西城",
    "朝阳",
    "海淀",
    "丰台",
    "石景山",
    "门头沟",
    "房山",
    "通州",
    "顺义",
    "昌平",
    "大兴",
    "怀柔",
    "平谷",
    "密云",
    "延庆",
    "亦庄",
)


def city_of(place: Optional[str]) -> Optional[str]:
    """ "北京市西城区" / "西城" → "北京"; "深圳市" → "深圳"; unknown text is returned trimmed of 市/省."""
    if not place:
        return None
    value = str(place).strip()
    if not value:
        return None
    if value.startswith("北京") or any(value.startswith(d) for d in _BEIJING_DISTRICTS):
        return "北京"
    for suffix in ("特别行政区", "自治区", "市", "省", "区", "县"):
        if value.endswith(suffix) and len(value) > len(suffix) + 1:
            value = value[: -len(suffix)]
            break
    return value
