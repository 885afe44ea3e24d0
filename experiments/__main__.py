"""`python -m healthgap.experiments` is the `healthgap` command."""

from healthgap.experiments.cli import main

main()
