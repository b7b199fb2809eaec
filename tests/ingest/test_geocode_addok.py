"""Tests of the addok HTTP backend: against a real local addok, and against scripted server faults."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest

from ingest.geocode import AddokError, LocalGeocoder, ReferenceIndex
from tests.conftest import skip_or_fail_service
from ingest.geocode.addok import AddokGeocoder
from tests.ingest.addok_server import AddokServer, ban_documents, free_port, missing_tools, running_addok
from tests.ingest.test_geocode import BAN_ROWS, write_ban


def address(voie: str | None, numero: str | None = None, rep: str | None = None, commune: str = "94028", **extra) -> dict:
    return {"commune": commune, "numero": numero, "rep": rep, "voie": voie, "lieu_dit": None, "code_postal": None, "ville": None, **extra}


def reference_frame() -> pd.DataFrame:
    columns = ["id", "id_fantoir", "numero", "rep", "nom_voie", "code_postal", "code_insee", "nom_commune"]
    return pd.DataFrame([(*row[:8], row[10], row[11]) for row in BAN_ROWS], columns=[*columns, "lon", "lat"])


# Real addok 1.3.2 + addok-csv over Redis on 127.0.0.1.


@pytest.fixture(scope="module")
def addok_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AddokServer]:
    reason = missing_tools()
    if reason is not None:
        skip_or_fail_service(f"local addok unavailable: {reason}")
    with running_addok(ban_documents(reference_frame()), tmp_path_factory.mktemp("addok")) as server:
        yield server


@pytest.fixture
def addok(addok_server: AddokServer) -> Iterator[AddokGeocoder]:
    with AddokGeocoder(addok_server.url, backoff=0.0) as geocoder:
        yield geocoder


def test_addok_housenumbers(addok: AddokGeocoder) -> None:
    frame = pd.DataFrame(
        [
            address("AVENUE DE PARIS", "12"),
            address("RUE PASTEUR", "30", "ter"),
            address("RUE DE L' EGLISE ESC 7 - APPT. 731", "10"),
        ]
    )
    results = addok.geocode(frame)
    assert results["result_id"].tolist() == ["94028_0100_00012", "94028_0200_00030_ter", "94028_0500_00010"]
    assert results["result_type"].tolist() == ["housenumber"] * 3
    assert results["result_citycode"].tolist() == ["94028"] * 3
    assert results["usable"].all()


def test_addok_filter_checked(addok: AddokGeocoder) -> None:
    addok.geocode(pd.DataFrame([address("AVENUE DE PARIS", "12")]))
    # addok-csv 1.1.0 answers HTTP 500 to a filter; a fixed server accepts it.
    assert addok.filters_supported is not None


def test_addok_other_commune_dropped(addok: AddokGeocoder) -> None:
    results = addok.geocode(pd.DataFrame([address("RUE PASTEUR", "30", commune="94068")]))
    assert pd.isna(results.iloc[0]["result_type"])
    assert not results.iloc[0]["usable"]


def test_addok_keeps_index_and_duplicates(addok: AddokGeocoder) -> None:
    frame = pd.DataFrame([address("AVENUE DE PARIS", "12"), address("AVENUE DE PARIS", "12")], index=["a", "b"])
    results = addok.geocode(frame)
    assert results.index.tolist() == ["a", "b"]
    assert results["result_id"].nunique() == 1


def test_addok_agrees_with_local(addok: AddokGeocoder, tmp_path: Path) -> None:
    index = ReferenceIndex.build([write_ban(tmp_path / "adresses-94.csv")])
    frame = pd.DataFrame(
        [address("AVENUE DE PARIS", "10"), address("RUE D'ALSACE", "12"), address("AV. DU GAL LECLERC", "4"), address("BD DE LA REPUBLIQUE", "8")]
    )
    remote = addok.geocode(frame)
    local = LocalGeocoder(index).geocode(frame)
    assert remote["result_id"].tolist() == local["result_id"].tolist()
    assert remote["street_key"].tolist() == local["street_key"].tolist()


def test_addok_upload_limit_fault(addok_server: AddokServer) -> None:
    """Check the server still rejects large uploads; if this fails the batch limit may be raised."""
    body = "row,q\r\n" + "".join(f"{row},{'X' * 100}\r\n" for row in range(11_000))
    assert len(body.encode()) > 1 << 20
    response = httpx.post(f"{addok_server.url}/search/csv/", files={"data": ("big.csv", body.encode(), "text/csv")}, timeout=60)
    if response.status_code == 200:
        pytest.skip("this addok-csv accepts uploads over 1 MiB")
    assert response.status_code in {400, 413}


def test_addok_closed_port() -> None:
    port = free_port()
    geocoder = AddokGeocoder(f"http://127.0.0.1:{port}", retries=1, backoff=0.0, timeout=5)
    with pytest.raises(AddokError) as caught:
        geocoder.geocode(pd.DataFrame([address("AVENUE DE PARIS", "12")]))
    assert str(port) in caught.value.message("en")
    assert "/search/csv/" in caught.value.message("fr")


# Scripted server faults, through httpx's mock transport.


def uploaded_rows(request: httpx.Request) -> list[dict[str, str]]:
    """Return the CSV rows of the `data` part of a multipart upload."""
    boundary = request.headers["content-type"].split("boundary=")[1].encode()
    for part in request.content.split(b"--" + boundary):
        if b'name="data"' in part:
            payload = part.split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n", 1)[0]
            return list(csv.DictReader(io.StringIO(payload.decode("utf-8"))))
    raise AssertionError("no data part in the upload")


def addok_answer(rows: list[dict[str, str]]) -> str:
    """Answer every row as house number 12 of Avenue de Paris in 94028, in addok's CSV form."""
    output = io.StringIO()
    fields = ["row", "q", "postcode", "citycode", "latitude", "longitude", "result_label", "result_score", "result_type", "result_id", "result_housenumber", "result_name", "result_citycode"]
    writer = csv.DictWriter(output, fields, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                **row,
                "latitude": "48.79", "longitude": "2.451", "result_label": "12 Avenue de Paris 94000 Créteil",
                "result_score": "0.95", "result_type": "housenumber", "result_id": "94028_0100_00012",
                "result_housenumber": "12", "result_name": "Avenue de Paris", "result_citycode": "94028",
            }
        )
    return output.getvalue()


def scripted(handler: Callable[[httpx.Request], httpx.Response], **options) -> AddokGeocoder:
    client = httpx.Client(transport=httpx.MockTransport(handler))
    return AddokGeocoder("http://127.0.0.1:7878", client=client, backoff=0.0, **options)


def test_scripted_retry_then_success() -> None:
    statuses = iter([503, 502])

    def handler(request: httpx.Request) -> httpx.Response:
        status = next(statuses, 200)
        if status != 200:
            return httpx.Response(status, text="busy")
        return httpx.Response(200, text=addok_answer(uploaded_rows(request)))

    results = scripted(handler, retries=3).geocode(pd.DataFrame([address("AVENUE DE PARIS", "12")]))
    assert results.iloc[0]["result_id"] == "94028_0100_00012"


def test_scripted_gives_up(caplog: pytest.LogCaptureFixture) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503, text="down")

    with caplog.at_level(logging.WARNING, logger="ingest.geocode.addok"), pytest.raises(AddokError) as caught:
        scripted(handler, retries=2).geocode(pd.DataFrame([address("AVENUE DE PARIS", "12")]))
    assert len(calls) == 3
    assert "HTTP 503" in caught.value.message("en")
    assert "retry 2 of 2" in caplog.text


def test_scripted_filter_fault() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if b'name="citycode"' in request.content:
            return httpx.Response(500, text="A server error occurred.")
        return httpx.Response(200, text=addok_answer(uploaded_rows(request)))

    geocoder = scripted(handler)
    results = geocoder.geocode(pd.DataFrame([address("AVENUE DE PARIS", "12"), address("AVENUE DE PARIS", "12", commune="94068")]))
    assert geocoder.filters_supported is False
    assert results["result_id"].tolist()[0] == "94028_0100_00012"
    assert pd.isna(results["result_id"].tolist()[1])


def test_scripted_filter_accepted() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text=addok_answer(uploaded_rows(request)))

    geocoder = scripted(handler)
    geocoder.geocode(pd.DataFrame([address("AVENUE DE PARIS", "12")]))
    assert geocoder.filters_supported is True


def test_scripted_batches_under_limit() -> None:
    sizes = []

    def handler(request: httpx.Request) -> httpx.Response:
        rows = uploaded_rows(request)
        sizes.append(len(rows))
        return httpx.Response(200, text=addok_answer(rows))

    frame = pd.DataFrame([address("AVENUE DE PARIS", str(number)) for number in range(1, 251)])
    results = scripted(handler, batch_rows=100).geocode(frame)
    assert sizes == [100, 100, 50]
    assert results["result_id"].notna().all()


def test_scripted_too_large_split() -> None:
    limit = 4_000
    sizes = []

    def handler(request: httpx.Request) -> httpx.Response:
        if len(request.content) > limit:
            return httpx.Response(400, text="body part is too large")
        rows = uploaded_rows(request)
        sizes.append(len(rows))
        return httpx.Response(200, text=addok_answer(rows))

    frame = pd.DataFrame([address("AVENUE DE PARIS", str(number)) for number in range(1, 201)])
    results = scripted(handler, max_bytes=1_000_000, batch_rows=1_000).geocode(frame)
    assert sum(sizes) == 200
    assert len(sizes) > 1
    assert results["result_id"].notna().all()


def test_scripted_bad_request() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, text="Cannot found column 'q'")

    with pytest.raises(AddokError) as caught:
        scripted(handler).geocode(pd.DataFrame([address("AVENUE DE PARIS", "12")]))
    assert "Cannot found column" in caught.value.message("en")


def test_scripted_chez_name_not_sent() -> None:
    bodies = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        return httpx.Response(200, text=addok_answer(uploaded_rows(request)))

    frame = pd.DataFrame([address("RUE JEAN JAURES CHEZ M. FAUXNOM", "22"), address("CHEZ MME FAUXNOM RUE JEAN JAURES", "22")])
    scripted(handler).geocode(frame)
    assert bodies
    assert all(b"FAUXNOM" not in body.upper() for body in bodies)


def test_addok_invalid_url() -> None:
    with pytest.raises(AddokError) as caught:
        AddokGeocoder("127.0.0.1:7878")
    assert "http://" in caught.value.message("en")
