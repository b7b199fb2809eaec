"""Geocode distinct addresses against a local BAN index or an addok server."""

from __future__ import annotations

from ingest.geocode.errors import (
    AddokError,
    AddressColumnsError,
    EmptyReferenceError,
    ExpectedFileError,
    GeocodeError,
    IndexStoreError,
    ReferenceFormatError,
    ReferenceNotFoundError,
)
from ingest.geocode.evaluate import compare_with_expected
from ingest.geocode.local import ADDRESS_COLUMNS, RESULT_COLUMNS, LocalGeocoder
from ingest.geocode.reference import ReferenceIndex

__all__ = [
    "ADDRESS_COLUMNS",
    "RESULT_COLUMNS",
    "AddokError",
    "AddressColumnsError",
    "EmptyReferenceError",
    "ExpectedFileError",
    "GeocodeError",
    "IndexStoreError",
    "LocalGeocoder",
    "ReferenceFormatError",
    "ReferenceIndex",
    "ReferenceNotFoundError",
    "compare_with_expected",
]
