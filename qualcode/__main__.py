"""``python -m qualcode`` runs the command line."""
from qualcode.cli import main

main()
