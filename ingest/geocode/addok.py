"""Geocode addresses through an addok-compatible ``/search/csv/`` HTTP endpoint.

Distinct addresses are sent as CSV uploads in batches, with a ``citycode``
filter when the server accepts one, retries with exponential back-off on
network errors and HTTP 5xx, and the results are stored in the same columns
as :class:`~ingest.geocode.local.LocalGeocoder` returns.

Two faults of addok-csv 1.1.0 (with addok 1.3.2 and falcon 4.0.2) are handled:
any filter column makes ``/search/csv/`` return HTTP 500, and an upload over
1 MiB is rejected with HTTP 400. So batches stay under ``max_bytes``, a batch
rejected as too large is split in two, and when a filtered request fails with
500 the geocoder sends its batches without the filter and drops results whose
``result_citycode`` is not the address's commune.
"""

from __future__ import annotations

import csv
import io
import logging
import time
from collections.abc import Iterator

import httpx
import numpy as np
import pandas as pd

from ingest.geocode.errors import AddokError
from ingest.geocode.local import ADDRESS_COLUMNS, OPTIONAL_COLUMNS, _check_columns, results_frame
from ingest.geocode.normalise import query_text, street_key
from ingest.text import REPETITIONS, fold, normalize_rep

logger = logging.getLogger(__name__)

# addok-csv 1.1.0 rejects uploads over 1 MiB; stay well below.
DEFAULT_MAX_BYTES = 900_000
DEFAULT_BATCH_ROWS = 2_000
RETRIED_STATUS = frozenset({500, 502, 503, 504})
TOO_LARGE_STATUS = frozenset({400, 413})
INPUT_HEADER = ("row", "q", "postcode", "citycode")


class AddokGeocoder:
    """Match addresses to positions through an addok server's CSV endpoint.

    ``url`` is the server's base URL (``http://127.0.0.1:7878``) or its
    ``/search/csv/`` endpoint. ``min_score`` marks results below it unusable,
    as the local geocoder does.
    """

    def __init__(
        self,
        url: str,
        min_score: float = 0.5,
        batch_rows: int = DEFAULT_BATCH_ROWS,
        max_bytes: int = DEFAULT_MAX_BYTES,
        timeout: float = 300.0,
        retries: int = 3,
        backoff: float = 1.0,
        client: httpx.Client | None = None,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise AddokError(url=url, reason="the URL must start with http:// or https://")
        if not 0.0 <= min_score <= 1.0:
            raise ValueError(f"min_score must be between 0 and 1, got {min_score!r}")
        if batch_rows < 1 or max_bytes < 1024:
            raise ValueError(f"batch_rows must be ≥ 1 and max_bytes ≥ 1024, got {batch_rows!r} and {max_bytes!r}")
        base = url.rstrip("/")
        self.endpoint = base if base.endswith("/search/csv") else f"{base}/search/csv"
        self.endpoint += "/"
        self.min_score = min_score
        self.batch_rows = batch_rows
        self.max_bytes = max_bytes
        self.retries = retries
        self.backoff = backoff
        self._client = client or httpx.Client(timeout=timeout)
        # None until the first filtered request shows whether the server accepts filters.
        self.filters_supported: bool | None = None

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()

    def __enter__(self) -> AddokGeocoder:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def geocode(self, addresses: pd.DataFrame) -> pd.DataFrame:
        """Geocode each row of ``addresses`` through the server and return results on the same index."""
        _check_columns(addresses)
        values = addresses.reindex(columns=[*ADDRESS_COLUMNS, *OPTIONAL_COLUMNS]).astype(object)
        values = values.where(values.notna(), None)

        distinct: dict[tuple, int] = {}
        positions = np.empty(len(values), dtype=np.int64)
        for position, row in enumerate(values.itertuples(index=False, name=None)):
            positions[position] = distinct.setdefault(row, len(distinct))

        queries = [_query(row) for row in distinct]
        answers = self._geocode_queries(queries)
        logger.info("Geocoded %d addresses (%d distinct) with addok at %s", len(values), len(distinct), self.endpoint)

        return results_frame([answers[position] for position in positions], addresses.index, self.min_score)

    def _geocode_queries(self, queries: list[tuple[str, str, str]]) -> list[tuple]:
        answers: list[tuple] = [_NO_ANSWER] * len(queries)
        for batch in self._batches(queries):
            for position, answer in self._send_batch(batch, queries).items():
                answers[position] = answer
        return answers

    def _batches(self, queries: list[tuple[str, str, str]]) -> Iterator[list[int]]:
        """Yield lists of query positions whose CSV stays under ``max_bytes`` and ``batch_rows``."""
        batch: list[int] = []
        size = len(",".join(INPUT_HEADER)) + 2
        for position, (text, postcode, citycode) in enumerate(queries):
            line = len(f"{position},\"{text}\",{postcode},{citycode}\r\n".encode())
            if batch and (len(batch) >= self.batch_rows or size + line > self.max_bytes):
                yield batch
                batch, size = [], len(",".join(INPUT_HEADER)) + 2
            batch.append(position)
            size += line
        if batch:
            yield batch

    def _send_batch(self, batch: list[int], queries: list[tuple[str, str, str]]) -> dict[int, tuple]:
        body = _to_csv(batch, queries)
        use_filter = self.filters_supported is not False
        response = self._post(body, use_filter)

        if use_filter and response.status_code == 500 and self.filters_supported is None:
            # addok-csv 1.1.0 fails on any filter column; check without the filter.
            retry = self._post(body, use_filter=False)
            if retry.status_code == 200:
                logger.warning(
                    "addok at %s returned HTTP 500 with a citycode filter and 200 without: "
                    "sending without the filter and checking result_citycode instead",
                    self.endpoint,
                )
                self.filters_supported = False
                use_filter = False
            response = retry
        elif use_filter and response.status_code == 200:
            self.filters_supported = True

        if response.status_code in TOO_LARGE_STATUS and len(batch) > 1:
            middle = len(batch) // 2
            logger.info("addok rejected a batch of %d rows (HTTP %d): splitting it in two", len(batch), response.status_code)
            answers = self._send_batch(batch[:middle], queries)
            answers.update(self._send_batch(batch[middle:], queries))
            return answers
        if response.status_code != 200:
            raise AddokError(url=self.endpoint, reason=f"HTTP {response.status_code}: {response.text[:200]}")

        return self._parse(response.text, queries, check_citycode=not use_filter)

    def _post(self, body: bytes, use_filter: bool) -> httpx.Response:
        """Post one CSV upload, retrying network errors and HTTP 5xx with exponential back-off."""
        data: dict[str, str | list[str]] = {"columns": ["q", "postcode"]}
        if use_filter:
            data["citycode"] = "citycode"
        files = {"data": ("addresses.csv", body, "text/csv")}

        attempt = 0
        while True:
            try:
                response = self._client.post(self.endpoint, data=data, files=files)
            except httpx.TransportError as error:
                if attempt >= self.retries:
                    raise AddokError(url=self.endpoint, reason=f"{type(error).__name__}: {error}") from error
                logger.warning("addok request to %s failed (%s), retry %d of %d", self.endpoint, error, attempt + 1, self.retries)
            else:
                # A 500 with the filter is handed back at once, so the caller can test the filter fault.
                retriable = response.status_code in RETRIED_STATUS and not (use_filter and response.status_code == 500 and self.filters_supported is None)
                if not retriable or attempt >= self.retries:
                    return response
                logger.warning("addok at %s returned HTTP %d, retry %d of %d", self.endpoint, response.status_code, attempt + 1, self.retries)
            time.sleep(self.backoff * 2**attempt)
            attempt += 1

    def _parse(self, text: str, queries: list[tuple[str, str, str]], check_citycode: bool) -> dict[int, tuple]:
        answers: dict[int, tuple] = {}
        dropped = 0
        for record in csv.DictReader(io.StringIO(text.lstrip("\ufeff"))):
            position = int(record["row"])
            result_type = record.get("result_type") or None
            if result_type is None:
                answers[position] = _NO_ANSWER
                continue
            citycode = record.get("result_citycode") or None
            expected_citycode = queries[position][2]
            if check_citycode and expected_citycode and citycode and citycode != expected_citycode:
                dropped += 1
                answers[position] = _NO_ANSWER
                continue
            answers[position] = _answer(record, result_type, citycode)
        if dropped:
            logger.info("Dropped %d addok results outside the address's commune", dropped)
        return answers


_NO_ANSWER = (None, np.nan, None, None, np.nan, np.nan, None, None, None)


def _query(row: tuple) -> tuple[str, str, str]:
    """Return (query text, postcode, citycode) for one distinct address row."""
    fields = dict(zip((*ADDRESS_COLUMNS, *OPTIONAL_COLUMNS), row))
    rep = fields["rep"]
    complement = fields["complement"]
    if not rep and complement and fold(complement) in REPETITIONS:
        rep = normalize_rep(complement)
    text = query_text(fields["numero"], rep, fields["voie"], fields["lieu_dit"])
    postcode = str(fields["code_postal"] or "").strip()
    citycode = str(fields["commune"] or "").strip()
    return text, postcode, citycode


def _to_csv(batch: list[int], queries: list[tuple[str, str, str]]) -> bytes:
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\r\n")
    writer.writerow(INPUT_HEADER)
    for position in batch:
        text, postcode, citycode = queries[position]
        writer.writerow((position, text, postcode, citycode))
    return output.getvalue().encode("utf-8")


def _answer(record: dict[str, str], result_type: str, citycode: str | None) -> tuple:
    score = float(record.get("result_score") or "nan")
    # For a house number, addok's `name` may carry the number; `street` is the bare street name.
    name = record.get("result_street") or record.get("result_name") or ""
    key = street_key(name) if result_type in {"housenumber", "street"} and name else None
    housenumber = (record.get("result_housenumber") or "").strip()
    digits = housenumber.split(" ")[0]
    numero = int("".join(character for character in digits if character.isdigit()) or "0") if housenumber else None
    return (
        result_type,
        score,
        record.get("result_id") or None,
        record.get("result_label") or None,
        float(record.get("longitude") or "nan"),
        float(record.get("latitude") or "nan"),
        key,
        numero,
        citycode,
    )
