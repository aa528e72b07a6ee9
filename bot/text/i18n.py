"""Every user-facing sentence, in Norwegian Bokmål (default), Norwegian Nynorsk and English.

Catalogues live in ``bot/text/locales/<lang>/<domain>.toml``; a key is ``<domain>.<name>``.
Texts use ``str.format`` placeholders: ``t("nb", "decision.logged", ref="D-1")``.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any, Final, Literal

Lang = Literal["nb", "nn", "en"]
LANGUAGES: Final[tuple[Lang, ...]] = ("nb", "nn", "en")
DEFAULT_LANG: Final[Lang] = "nb"


@cache
def catalogue(lang: Lang) -> dict[str, str]:
    """All texts of one language, flattened to ``domain.key``."""
    out: dict[str, str] = {}
    folder = resources.files("bot.text") / "locales" / lang
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        domain = entry.name.removesuffix(".toml")
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
        _flatten(domain, data, out)
    return out


def _flatten(prefix: str, data: dict[str, Any], out: dict[str, str]) -> None:
    for key, value in data.items():
        name = f"{prefix}.{key}"
        if isinstance(value, dict):
            _flatten(name, value, out)
        else:
            out[name] = str(value)


def as_lang(value: str | None) -> Lang:
    """Coerce a stored or configured language code to a supported one (Bokmål if unknown)."""
    for lang in LANGUAGES:
        if value == lang:
            return lang
    return DEFAULT_LANG


def t(lang: Lang | str, key: str, /, **params: Any) -> str:
    """The text for ``key`` in ``lang`` (falling back to Bokmål, the closest to Nynorsk),
    formatted with ``params``."""
    texts = catalogue(as_lang(lang))
    template = texts.get(key) or catalogue(DEFAULT_LANG).get(key)
    if template is None:
        raise KeyError(f"no text for {key!r}")
    return template.format(**params) if params else template
