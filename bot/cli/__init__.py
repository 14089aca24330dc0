"""The ``notecast`` command line.

``main`` (the parser and ``main()``), ``runner`` (signals), ``common`` (output, errors, the
services), and a module per command group: ``index``, ``lookups`` (stats, topic, search,
related), ``run`` (run, console, sync-commands); ``console`` is the local console.
"""
