"""``python -m bot`` runs the same command line as ``notecast``."""

from bot.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
