"""`python -m streamvisor` is the `streamvisor` command."""
from streamvisor.cli.main import main

main()
