"""Which summarizer the settings ask for: the extractive one, or the abstractive one in
front of it (which falls back to it on any failure)."""

from __future__ import annotations

from bot.config import Settings
from bot.state.store import StateStore
from bot.summaries.records import Summarizer


def build_summarizer(settings: Settings, state: StateStore | None,
                     extractive: Summarizer) -> Summarizer:
    """``extractive`` unless ``settings.summarizer`` is ``"abstractive"``: then an
    :class:`~bot.summaries.abstractive.AbstractiveSummarizer` over the endpoint in the
    settings, keeping its cache and budgets in ``state`` (which it needs)."""
    if settings.summarizer != "abstractive":
        return extractive
    if state is None:
        raise ValueError("the abstractive summarizer needs the state database (its cache and budgets)")
    from bot.summaries.abstractive import AbstractiveSummarizer  # (aiohttp: only when used)

    return AbstractiveSummarizer(
        base_url=settings.llm_base_url, model=settings.llm_model, api_key=settings.llm_api_key,
        state=state, fallback=extractive, timeout=settings.llm_timeout_seconds,
        daily_budget=settings.llm_daily_budget)
