"""How every `ztc` command prints its result: JSON with --json, the Chinese text otherwise."""

import argparse
import json
from typing import Any


def out(args: argparse.Namespace, data: Any, text: str) -> None:
    """Print `data` as JSON when --json was given, else `text`."""
    print(json.dumps(data, ensure_ascii=False, default=str) if args.json else text)
