#!/usr/bin/env python
"""Django's command-line utility (the `divert` console script does the same)."""

from divert.cli import main

if __name__ == "__main__":
    main()
