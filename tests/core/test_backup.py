"""Backup and restore: `zhengai backup` → `zhengai restore` into an empty database gives an identical one.

Runs on whichever database the suite uses (SQLite, and PostgreSQL in the second pass of .ci/run): the
"empty database" is a new SQLite file or a scratch PostgreSQL database created for the test and dropped after.
"""

from __future__ import annotations

import datetime
import io
import tarfile
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import CommandError, call_command
from django.db import connections

from zhengai.core import backup
from zhengai.core.models import AuditEntry, User

pytestmark = pytest.mark.django_db(transaction=True)

MOMENT = datetime.datetime(2025, 9, 1, 8, 30, 15, 123456, tzinfo=datetime.UTC)


@pytest.fixture
def scratch(tmp_path):
    """An empty database of the test run's vendor, as a connection alias."""
    conn = connections["default"]
    if conn.vendor == "sqlite":
        with backup.database_alias("default", NAME=str(tmp_path / "restored.sqlite3")) as alias:
            yield alias
        return
    name = f"{conn.settings_dict['NAME']}_restore"
    qn = conn.ops.quote_name
    with conn.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {qn(name)} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {qn(name)}")
    try:
        with backup.database_alias("default", NAME=name) as alias:
            yield alias
    finally:
        with conn.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {qn(name)} WITH (FORCE)")


@pytest.fixture
def data(college, tmp_path, settings):
    """The personas' college plus what a dump/load round trip would lose: microseconds, many-to-many rows
    after deletions, a session, JSON with keys out of order, and uploaded files."""
    leader = college.users["leader"]
    User.objects.filter(pk=leader.pk).update(last_login=MOMENT)
    groups = [Group.objects.create(name=f"组{i}") for i in range(3)]
    Group.objects.filter(pk=groups[0].pk).delete()  # leaves a gap in the ids
    leader.groups.add(*groups[1:])
    session = SessionStore()
    session["k"] = "v"
    session.create()
    AuditEntry.objects.filter(pk__in=AuditEntry.objects.values("pk")[:1]).update(changes={"z": 1, "a": [1.5, None]})
    media = tmp_path / "media"
    (media / "evidence" / "2025" / "09").mkdir(parents=True)
    (media / "evidence" / "2025" / "09" / "佐证材料.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 50)
    (media / "report_templates").mkdir()
    (media / "report_templates" / "模板.docx").write_bytes(b"PK\x03\x04" + b"\x00" * 1000)
    settings.MEDIA_ROOT = media
    return media


def _archive(tmp_path: Path) -> Path:
    return tmp_path / "backups" / "zhengai-backup.tar.gz"


def test_backup_then_restore_into_empty_database_is_identical(data, scratch, tmp_path):
    manifest = backup.backup_create(output=_archive(tmp_path))
    source = backup.table_checksums("default")
    assert manifest.tables == source
    assert source["core_user"]["rows"] > 5 and source["core_user_groups"]["rows"] == 2
    assert source["django_session"]["rows"] == 1

    restored_media = tmp_path / "restored-media"
    result = backup.backup_restore(archive=_archive(tmp_path), using=scratch, media_root=restored_media)

    assert backup.table_checksums(scratch) == source
    assert backup.file_checksums(restored_media) == backup.file_checksums(data)
    assert result.files == 2 and result.tables == len(source)
    # Microseconds and many-to-many ids survive, as a dump/load round trip would not guarantee.
    leader = User.objects.using(scratch).get(username="leader")
    assert leader.last_login == MOMENT
    assert sorted(User.groups.through.objects.using(scratch).values_list("id", flat=True)) == sorted(
        User.groups.through.objects.values_list("id", flat=True))


def test_checksum_keeps_microseconds_and_order(data):
    before = backup.table_checksums("default")
    User.objects.filter(username="leader").update(last_login=MOMENT + datetime.timedelta(microseconds=1))
    after = backup.table_checksums("default")
    assert after["core_user"]["sha256"] != before["core_user"]["sha256"]
    assert after["core_user"]["rows"] == before["core_user"]["rows"]
    assert {t: v for t, v in after.items() if t != "core_user"} == {t: v for t, v in before.items() if t != "core_user"}


def _rewrite(src: Path, dest: Path, change) -> None:
    """A copy of the archive with one member's bytes changed by `change(name, data)`."""
    with tarfile.open(src) as old, tarfile.open(dest, "w:gz") as new:
        for member in old:
            content = old.extractfile(member).read()
            content = change(member.name, content)
            member.size = len(content)
            new.addfile(member, io.BytesIO(content))


def _untouched(alias: str, media: Path) -> bool:
    conn = connections[alias]
    with conn.cursor() as cursor:
        return conn.introspection.table_names(cursor) == [] and not media.exists()


def test_tampered_or_truncated_archive_is_refused_before_anything_is_touched(data, scratch, tmp_path):
    backup.backup_create(output=_archive(tmp_path))
    media = tmp_path / "restored-media"

    tampered = tmp_path / "tampered.tar.gz"
    _rewrite(_archive(tmp_path), tampered,
             lambda name, b: b.replace(b"%PDF-1.4", b"%PDF-1.5") if name.endswith(".pdf") else b)
    with pytest.raises(backup.BackupError, match="篡改.*佐证材料.pdf.*校验和不符"):
        backup.backup_restore(archive=tampered, using=scratch, media_root=media)
    assert _untouched(scratch, media)

    # Row counts edited in the manifest without SHA256SUMS following.
    forged = tmp_path / "forged.tar.gz"
    _rewrite(_archive(tmp_path), forged,
             lambda name, b: b.replace(b'"rows": ', b'"rows": 1', 1) if name == backup.MANIFEST else b)
    with pytest.raises(backup.BackupError, match="篡改"):
        backup.backup_restore(archive=forged, using=scratch, media_root=media)
    assert _untouched(scratch, media)

    truncated = tmp_path / "truncated.tar.gz"
    whole = _archive(tmp_path).read_bytes()
    truncated.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(backup.BackupError, match="已损坏或不完整"):
        backup.backup_restore(archive=truncated, using=scratch, media_root=media)
    assert _untouched(scratch, media)


def test_restore_over_existing_data_needs_force(data, scratch, tmp_path):
    backup.backup_create(output=_archive(tmp_path))
    media = tmp_path / "restored-media"
    backup.backup_restore(archive=_archive(tmp_path), using=scratch, media_root=media)
    User.objects.using(scratch).filter(username="leader").update(first_name="改过")

    with pytest.raises(backup.BackupError, match="已有数据.*--force"):
        backup.backup_restore(archive=_archive(tmp_path), using=scratch, media_root=media)
    assert User.objects.using(scratch).get(username="leader").first_name == "改过"

    (media / "多余.txt").write_text("x")
    backup.backup_restore(archive=_archive(tmp_path), using=scratch, media_root=media, force=True)
    assert backup.table_checksums(scratch) == backup.table_checksums("default")
    assert backup.file_checksums(media) == backup.file_checksums(data)


def test_commands(data, tmp_path):
    out = io.StringIO()
    call_command("backup", "-o", str(_archive(tmp_path)), stdout=out)
    assert "2 个上传文件" in out.getvalue()
    # The test database holds the college: a restore over it is refused, and nothing changes.
    before = backup.table_checksums("default")
    with pytest.raises(CommandError, match="目标数据库已有数据"):
        call_command("restore", str(_archive(tmp_path)))
    assert backup.table_checksums("default") == before
    with pytest.raises(CommandError, match="找不到备份文件"):
        call_command("restore", str(tmp_path / "nope.tar.gz"))


def test_daily_backup_once_a_day_and_keeps_the_newest(data, tmp_path):
    folder = tmp_path / "daily"
    folder.mkdir()
    for day in ("20250101", "20250102", "20250103"):
        (folder / f"zhengai-backup-{day}-030000.tar.gz").write_bytes(b"old")
    (folder / "notes.txt").write_text("not ours")
    now = datetime.datetime(2025, 9, 1, 3, 0, tzinfo=datetime.UTC)

    made = backup.backup_daily(directory=folder, keep=2, now=now)
    assert made is not None and made.exists()
    assert backup.backup_daily(directory=folder, keep=2, now=now + datetime.timedelta(hours=1)) is None
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt", "zhengai-backup-20250103-030000.tar.gz",
                                                          made.name]
    assert made.stat().st_mode & 0o077 == 0  # personal data: the platform's user only
