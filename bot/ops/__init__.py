"""Operations: what an admin runs the bot with, apart from the commands members use.

* :mod:`bot.ops.logs`: the log format (text or one JSON object a line), secrets redacted;
* :mod:`bot.ops.metrics`: counters and histograms of lookups, syncs and posts (Prometheus);
* :mod:`bot.ops.gateway`: whether the bot is connected to Discord, from its gateway events;
* :mod:`bot.ops.health`: what "healthy" means, a pure function over a snapshot;
* :mod:`bot.ops.probe`: the snapshot, read from the running bot's parts;
* :mod:`bot.ops.server`: the local HTTP endpoint (``/health``, ``/metrics``);
* :mod:`bot.ops.about`, :mod:`bot.ops.reload`: what ``/about`` shows and ``/reload`` does.

Nothing here imports Discord, and importing a module costs nothing until it is used:
``prometheus_client`` and ``aiohttp`` are imported only by the code that needs them.
"""
