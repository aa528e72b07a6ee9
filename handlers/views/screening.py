"""What a screening looks like on Slack (SPEC §10): the line on a record, the form's field, the
answer to ``screen``. The screened words are named as they are, never with their ``**`` marks;
the masked public title is the archive's to show."""

from __future__ import annotations

from bot import screening
from bot.text.i18n import Lang, t
from handlers.views.blocks import Block, context, form_input, quote, text_input
from storage.models import SCREENING


def _what(record: screening.Screenable, lang: Lang) -> str:
    """Which part of the title the public journal hides."""
    words = screening.screened_words(record)
    if not words:
        return t(lang, "screening.what_all")
    named = ", ".join(t(lang, "screening.word", word=quote(w)) for w in words)
    return t(lang, "screening.what_words", words=named)


def line(record: screening.Screenable, lang: Lang) -> str | None:
    """``:lock: Skjermet fra offentlig innsyn etter Offl. § 14. …`` (None: not screened)."""
    if not record.screening:
        return None
    return t(lang, "screening.line", basis=quote(record.screening), what=_what(record, lang))


def line_blocks(record: screening.Screenable, lang: Lang) -> list[Block]:
    """:func:`line` as a context block for a card ([] when the record is not screened)."""
    text = line(record, lang)
    return [context(text)] if text else []


def screened(record: screening.Screenable, user_id: str, lang: Lang) -> str:
    """The answer to ``screen``: the record, its basis, what the public journal hides."""
    return t(
        lang, "screening.screened", ref=record.ref, basis=quote(record.screening or ""),
        user=user_id, what=_what(record, lang),
    )  # fmt: skip


def form_field(block: str, lang: Lang) -> Block:
    """The forms' optional "Skjerming (hjemmel)" field."""
    return form_input(
        block,
        t(lang, "screening.m_label"),
        text_input(SCREENING, placeholder=t(lang, "screening.m_placeholder")),
        hint=t(lang, "screening.m_hint"),
    )
