"""Storing extracts: re-imports, replacement of a commune, atomicity, stale extracts."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from ingest.errors import StaleExtractError
from ingest.extract import read_extract
from service.store import extracts as store_extracts
from alembic.script import ScriptDirectory

from service.store.database import alembic_config, database_url, open_database
from service.store.models import AddressRecord, BureauRecord, CommuneRecord, ExtractRecord, VoterCountRecord

HEADER = "code_commune;code_bureau;adresse;sexe;date_naissance"


def write(path, rows):
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def count(engine, model) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def engine(tmp_path):
    return open_database(str(tmp_path / "test.db"))


def test_database_url_forms(tmp_path):
    assert database_url(str(tmp_path / "a.db")) == f"sqlite:///{tmp_path / 'a.db'}"
    assert database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_env_database_url(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", str(tmp_path / "env.db"))
    assert database_url(None).endswith("env.db")


def test_reimport_changes_nothing(engine, tmp_path):
    path = write(tmp_path / "x.csv", ["94001;1;3 RUE X;F;01/01/1980", "94001;2;4 RUE X;M;01/01/1990"])
    first = store_extracts.save_extract(engine, read_extract(path))
    second = store_extracts.save_extract(engine, read_extract(path))
    assert first.status == "imported"
    assert second.status == "unchanged"
    assert second.extract_id == first.extract_id
    assert count(engine, ExtractRecord) == 1
    assert count(engine, AddressRecord) == 2


def test_newer_extract_replaces_commune(engine, tmp_path):
    old = write(tmp_path / "old.csv", ["94001;1;3 RUE X;F;01/01/1980", "94002;1;1 RUE Z;F;01/01/1980"])
    new = write(tmp_path / "new.csv", ["94001;7;9 RUE Y;F;01/01/1980"])
    store_extracts.save_extract(engine, read_extract(old, extract_date=date(2025, 1, 1)))
    result = store_extracts.save_extract(engine, read_extract(new, extract_date=date(2026, 1, 1)))
    assert result.replaced == ["94001"]
    with engine.connect() as connection:
        bureaux = connection.execute(select(BureauRecord.id).order_by(BureauRecord.id)).scalars().all()
    assert bureaux == ["94001_0007", "94002_0001"]


def test_older_extract_refused(engine, tmp_path):
    new = write(tmp_path / "new.csv", ["94001;7;9 RUE Y;F;01/01/1980"])
    old = write(tmp_path / "old.csv", ["94001;1;3 RUE X;F;01/01/1980"])
    store_extracts.save_extract(engine, read_extract(new, extract_date=date(2026, 1, 1)))
    with pytest.raises(StaleExtractError) as error:
        store_extracts.save_extract(engine, read_extract(old, extract_date=date(2025, 1, 1)))
    assert "--force" in error.value.message("fr")
    forced = store_extracts.save_extract(engine, read_extract(old, extract_date=date(2025, 1, 1)), force=True)
    assert forced.status == "imported"


def test_failed_write_leaves_previous_state(engine, tmp_path, monkeypatch):
    first = write(tmp_path / "a.csv", ["94001;1;3 RUE X;F;01/01/1980"])
    second = write(tmp_path / "b.csv", ["94001;2;4 RUE X;F;01/01/1980", "94001;3;5 RUE X;F;01/01/1980"])
    store_extracts.save_extract(engine, read_extract(first))

    def broken(_extract):
        raise OperationalError("insert", {}, Exception("disk full"))

    monkeypatch.setattr(store_extracts, "_address_records", broken)
    with pytest.raises(OperationalError):
        store_extracts.save_extract(engine, read_extract(second))
    assert count(engine, ExtractRecord) == 1
    assert count(engine, BureauRecord) == 1
    assert count(engine, AddressRecord) == 1
    assert count(engine, VoterCountRecord) == 1
    with engine.connect() as connection:
        assert connection.execute(select(CommuneRecord.extract_id)).scalar_one() == 1


def test_all_rejected_is_empty(engine, tmp_path):
    path = write(tmp_path / "x.csv", ["94001;;3 RUE X;F;01/01/1980"])
    result = store_extracts.save_extract(engine, read_extract(path))
    assert result.status == "empty"
    assert count(engine, ExtractRecord) == 0


def test_migrations_idempotent(tmp_path):
    open_database(str(tmp_path / "m.db"))
    engine = open_database(str(tmp_path / "m.db"))
    with engine.connect() as connection:
        version = connection.exec_driver_sql("select version_num from alembic_version").scalar_one()
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert version == head


def test_commune_option_leaves_other_communes(engine, tmp_path):
    both = write(tmp_path / "both.csv", ["94001;1;3 RUE X;F;01/01/1980", "94002;1;1 RUE Z;F;01/01/1980"])
    store_extracts.save_extract(engine, read_extract(both, extract_date=date(2025, 1, 1)))
    only = read_extract(both, commune="94001", extract_date=date(2026, 1, 1))
    assert only.communes["commune"].tolist() == ["94001"]
    assert only.report.communes == ["94001"]
    result = store_extracts.save_extract(engine, only)
    assert result.replaced == ["94001"]
    with engine.connect() as connection:
        bureaux = connection.execute(select(BureauRecord.id).order_by(BureauRecord.id)).scalars().all()
        addresses = connection.execute(select(func.count()).select_from(AddressRecord).where(AddressRecord.commune == "94002")).scalar_one()
    assert bureaux == ["94001_0001", "94002_0001"]
    assert addresses == 1


def test_same_file_new_date_reimports(engine, tmp_path):
    path = write(tmp_path / "x.csv", ["94001;1;3 RUE X;F;01/01/1980"])
    store_extracts.save_extract(engine, read_extract(path, extract_date=date(2099, 1, 1)))
    corrected = store_extracts.save_extract(engine, read_extract(path, extract_date=date(2026, 1, 1)), force=True)
    assert corrected.status == "imported"
    with engine.connect() as connection:
        stored = connection.execute(select(CommuneRecord.extract_date)).scalar_one()
        bands = connection.execute(select(VoterCountRecord.tranche_age)).scalars().all()
    assert stored == date(2026, 1, 1)
    assert bands == ["35-49"]


def test_same_file_forced_reimports(engine, tmp_path):
    path = write(tmp_path / "x.csv", ["94001;1;3 RUE X;F;01/01/1980"])
    store_extracts.save_extract(engine, read_extract(path, extract_date=date(2026, 1, 1)))
    assert store_extracts.save_extract(engine, read_extract(path, extract_date=date(2026, 1, 1)), force=True).status == "imported"
    assert store_extracts.save_extract(engine, read_extract(path, extract_date=date(2026, 1, 1))).status == "unchanged"
