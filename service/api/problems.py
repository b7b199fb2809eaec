"""Pages that document each problem type, so that every ``type`` URI of a problem resolves."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from service.api import html
from service.api.errors import PROBLEM_TYPES, problem_doc
from service.api.messages import translate
from service.api.negotiation import request_language
from service.api.params import check_query

router = APIRouter()
ProblemType = Literal[PROBLEM_TYPES]  # type: ignore[valid-type]


@router.get(
    "/problems/{problem}",
    summary="Description d'un type de problème. Description of a problem type.",
    dependencies=[Depends(check_query())],
    response_class=Response,
    responses={200: {"content": {"text/html": {}}}, 404: problem_doc("Type inconnu. Unknown type.")},
)
def problem_page(request: Request, problem: Annotated[ProblemType, Path(description="Type de problème. Problem type.")]) -> Response:
    lang = request_language(request)
    body = ""
    if problem == "inference-refused":
        detail = translate("inference_refused", lang, name="…", rule=translate("inference.rule", lang))
        body = f"<p>{html.escape(detail)}</p>"
    return html.page(translate(f"title.{problem}", lang), lang, body)
