from __future__ import annotations

import pytest

from geometry.crs import working_crs
from geometry.errors import GeometryError, UnknownTerritoryError


@pytest.mark.parametrize(
    ("commune", "epsg"),
    [
        ("29039", 2154),
        ("94028", 2154),
        ("01001", 2154),
        ("2A004", 2154),
        ("2B033", 2154),
        ("97105", 5490),
        ("97209", 5490),
        ("97302", 2972),
        ("97411", 2975),
        ("97611", 4471),
    ],
)
def test_working_crs_known(commune: str, epsg: int) -> None:
    assert working_crs(commune) == epsg


@pytest.mark.parametrize("commune", ["97501", "97701", "98735", "99999", "00001", "20004", "2C004", "9411", "940280", "", "2a004"])
def test_working_crs_unknown(commune: str) -> None:
    with pytest.raises(UnknownTerritoryError):
        working_crs(commune)


def test_working_crs_integer_code() -> None:
    with pytest.raises(UnknownTerritoryError):
        working_crs(29039)  # type: ignore[arg-type]


def test_unknown_territory_messages() -> None:
    with pytest.raises(GeometryError) as caught:
        working_crs("98735")
    french = caught.value.message("fr")
    english = caught.value.message("en")
    assert "98735" in french
    assert "98735" in english
    assert "Territoire inconnu" in french
    assert str(caught.value) == english
