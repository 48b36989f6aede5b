"""`python -m zhitongche` is the same as `ztc`."""

from zhitongche.cli import main

raise SystemExit(main())
