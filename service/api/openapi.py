"""Write the OpenAPI document of the application: ``python -m service.api.openapi [PATH]``."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"


def openapi_document() -> str:
    """Return the OpenAPI document as indented JSON with sorted keys, so that diffs stay readable."""
    from service.api.app import create_app

    with tempfile.TemporaryDirectory(prefix="bureaux-openapi-") as folder:
        app = create_app(str(Path(folder) / "openapi.db"))
        document = app.openapi()
        app.state.service.engine.dispose()
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> None:
    path = Path(argv[0]) if argv else DEFAULT_PATH
    path.write_text(openapi_document(), encoding="utf-8")
    print(f"OpenAPI document written to {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
