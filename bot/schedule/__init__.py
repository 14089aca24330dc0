"""The quote of the day: each server's schedule, its rotation, and the scheduler.

* :mod:`bot.schedule.records`: schedules, day records (the claim of a local day), shards;
* :mod:`bot.schedule.times`: time zones, ``HH:MM``, the next due moment across DST changes;
* :mod:`bot.schedule.rotation`: a shuffled rotation of a server's pool, no repeat until used up;
* :mod:`bot.schedule.service`: :class:`~bot.schedule.service.QotdService`, what ``/qotd`` and
  the scheduler's loop call; :mod:`bot.schedule.posting`, how it posts a server's day
  (claim, send, record; unknown outcomes, late posts, failures and pauses);
* :mod:`bot.schedule.messages`: what it tells an admin (reasons, pauses, ``/qotd status``'s
  problem);
* :mod:`bot.schedule.sender`: what it posts with (the cog gives it one over discord.py);
* :mod:`bot.schedule.errors`: what ``/qotd`` refuses, with a message for the admin.

Schedules and history live in the state database (:mod:`bot.state`), never in the notes cache.
"""
