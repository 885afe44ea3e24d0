"""`python -m healthgap` is the `healthgap` command."""

from healthgap.experiments.cli import main

main()
