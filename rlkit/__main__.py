"""``python -m rlkit``: the same entry point as the ``rlkit`` console script."""

from rlkit.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
