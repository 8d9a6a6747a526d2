"""`python -m exchange` runs the command line."""

from exchange.cli import app

app(prog_name="exchange")
