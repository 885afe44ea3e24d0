"""`python -m healthgap` is the `healthgap` command."""

from healthgap.cli import main

main()
