"""What ``/qotd`` refuses, as typed errors whose message is shown to the admin as it is."""

from __future__ import annotations

from bot.errors import UserFacingError


class QotdError(UserFacingError):
    """A ``/qotd`` request that cannot be done; ``str()`` says why and what to do."""


class BadTime(QotdError):
    pass


class BadZone(QotdError):
    pass


class EmptyPool(QotdError):
    pass


class NoSchedule(QotdError):
    pass
