"""`python -m paperterm` is the `paperterm` command."""

from .cli import main

raise SystemExit(main())
