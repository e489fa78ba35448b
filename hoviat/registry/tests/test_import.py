import pytest
from django.core.management import CommandError, call_command

from hoviat.core.models import AuditEntry
from hoviat.core.national_code import make_national_code
from hoviat.registry import writers
from hoviat.registry.models import Citizen, OldCard
from hoviat.registry.services import registry_import
from hoviat.registry.tests.conftest import HEADER, SARA_LINE, report_rows
from hoviat.registry.validation import ImportRefused


def person(
    sequence: int, *, prefix: str = "050", first_name: str = "علی", birth_date: str = "1365/01/20"
) -> str:
    code = make_national_code(prefix, sequence)
    return (
        f"{code},{first_name},رضایی,حسن,زهرا,male,{birth_date},{code},12/ب {sequence:06d},"
        "IR-06,برازجان,09121234567,1,1"
    )


MIXED_FILE = [
    SARA_LINE,  # line 2: good
    SARA_LINE.replace("0499370899", "0499370898", 1),  # line 3: checksum
    person(1, first_name="Ali"),  # line 4: Latin name
    "0501000011,سطر,کوتاه",  # line 5: too few columns
    person(2),  # line 6: good
    SARA_LINE,  # line 7: Sara again
    person(3, birth_date="1370/07/31"),  # line 8: impossible date
    person(4, first_name="ڤیدا"),  # line 9: Arabic-script VEH
    "",  # line 10: blank, skipped
    person(5),  # line 11: good
]


def test_it_loads_good_rows_and_reports_bad_ones_with_line_numbers(places, write_csv):
    path = write_csv(MIXED_FILE)

    result = registry_import(path=path, progress=False)

    assert (result.read, result.loaded, result.already_present, result.rejected) == (9, 3, 0, 6)
    assert set(Citizen.objects.values_list("national_code", flat=True)) == {
        "0499370899",
        make_national_code("050", 2),
        make_national_code("050", 5),
    }
    report = report_rows(result.report_path)
    assert result.report_path == path.with_name("registry.rejected.csv")
    assert [(row["line"], row["code"]) for row in report] == [
        ("3", "NATIONAL_CODE_CHECKSUM"),
        ("4", "NAME_NOT_PERSIAN"),
        ("5", "ROW_MALFORMED"),
        ("7", "DUPLICATE_IN_FILE"),
        ("8", "DATE_IMPOSSIBLE"),
        ("9", "NAME_NOT_PERSIAN"),
    ]
    assert "سطر ۲" in report[3]["reason"]  # the duplicate names the line it repeats
    assert report[1]["first_name"] == "Ali"  # the row is reported as it was read


def test_running_the_same_file_again_changes_nothing(places, write_csv):
    path = write_csv(MIXED_FILE)
    registry_import(path=path, progress=False)
    first_seen = dict(Citizen.objects.values_list("national_code", "updated_at"))

    again = registry_import(path=path, progress=False)

    assert (again.loaded, again.already_present, again.rejected) == (0, 3, 6)
    assert dict(Citizen.objects.values_list("national_code", "updated_at")) == first_seen
    assert len(report_rows(again.report_path)) == 6


def test_it_writes_one_audit_row_per_import_with_the_counts(places, write_csv):
    before = AuditEntry.objects.count()

    registry_import(path=write_csv(MIXED_FILE), progress=False)

    entry = AuditEntry.objects.order_by("-id").first()
    assert AuditEntry.objects.count() == before + 1
    assert entry.action == "registry.import"
    assert {key: entry.data[key] for key in ("read", "loaded", "already_present", "rejected")} == {
        "read": 9,
        "loaded": 3,
        "already_present": 0,
        "rejected": 6,
    }


def test_a_batch_that_fails_half_way_leaves_none_of_its_rows(places, write_csv, monkeypatch):
    path = write_csv([person(n) for n in range(1, 6)])
    store = writers.writer_for().store
    calls = []

    def store_then_fail(payload, connection):
        inserted = store(payload, connection)  # the rows are in, then the batch fails
        calls.append(inserted)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return inserted

    monkeypatch.setattr(type(writers.writer_for()), "store", staticmethod(store_then_fail))

    with pytest.raises(RuntimeError, match="disk full"):
        registry_import(path=path, batch_size=2, progress=False)

    assert calls == [2, 2]
    assert sorted(Citizen.objects.values_list("national_code", flat=True)) == sorted(
        make_national_code("050", n) for n in (1, 2)
    )
    failed = AuditEntry.objects.order_by("-id").first()
    assert (failed.to_state, failed.data["loaded"]) == ("failed", 2)

    monkeypatch.undo()
    resumed = registry_import(path=path, batch_size=2, progress=False)
    assert (resumed.loaded, resumed.already_present) == (3, 2)
    assert Citizen.objects.count() == 5


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (HEADER + ",blood_type", "IMPORT_HEADER_INVALID"),
        (HEADER.replace("mother_name,", ""), "IMPORT_HEADER_INVALID"),
        ("", "IMPORT_HEADER_MISSING"),
    ],
)
def test_it_refuses_the_whole_file_when_the_header_is_wrong(places, write_csv, header, code):
    path = write_csv([SARA_LINE], header=header)

    with pytest.raises(ImportRefused) as refused:
        registry_import(path=path, progress=False)

    assert refused.value.code == code
    assert Citizen.objects.count() == 0
    assert not path.with_name("registry.rejected.csv").exists()


def test_it_refuses_a_file_that_is_not_there(db, tmp_path):
    with pytest.raises(ImportRefused) as refused:
        registry_import(path=tmp_path / "missing.csv", progress=False)
    assert refused.value.code == "IMPORT_FILE_UNREADABLE"


def test_it_reads_a_spreadsheet_export_with_bom_crlf_and_quotes(places, tmp_path):
    path = tmp_path / "excel.csv"
    quoted = ",".join(f'"{cell}"' for cell in SARA_LINE.split(","))
    path.write_bytes(("\ufeff" + HEADER + "\r\n" + quoted + "\r\n").encode("utf-8"))

    result = registry_import(path=path, progress=False)

    assert (result.loaded, result.rejected) == (1, 0)


def test_it_reports_a_row_that_is_not_utf8_and_goes_on(places, tmp_path):
    path = tmp_path / "mixed.csv"
    bad = person(1).encode("utf-8").replace("علی".encode(), "Ali\xe9".encode("latin-1"))
    path.write_bytes(b"\n".join([HEADER.encode(), bad, person(2).encode(), b""]))

    result = registry_import(path=path, progress=False)

    assert (result.loaded, result.rejected) == (1, 1)
    assert report_rows(result.report_path)[0]["code"] == "ROW_ENCODING"


def test_an_unclosed_quote_is_reported_as_one_malformed_row(places, write_csv):
    path = write_csv([person(1).replace("علی", '"علی', 1), person(2), person(3)])

    result = registry_import(path=path, progress=False)

    assert result.loaded == 0
    [row] = report_rows(result.report_path)
    assert (row["line"], row["code"]) == ("2", "ROW_MALFORMED")


def test_it_loads_old_paper_cards_once(places, write_csv):
    header = HEADER + ",old_card_number,old_card_issued_on"
    path = write_csv([SARA_LINE + ",5012345678,1388/02/10", person(1) + ",,"], header=header)

    registry_import(path=path, progress=False)
    registry_import(path=path, progress=False)

    card = OldCard.objects.get()
    assert (card.citizen.national_code, card.card_number, str(card.issued_on)) == (
        "0499370899",
        "5012345678",
        "2009-04-30",
    )


def test_the_command_prints_a_summary(places, write_csv, capsys):
    path = write_csv(MIXED_FILE)

    call_command("import_registry", str(path), "--no-progress", "--batch-size", "2")

    out = capsys.readouterr().out
    assert "loaded 3" in out and "rejected 6" in out


def test_the_command_exits_non_zero_when_the_file_is_refused(places, write_csv):
    path = write_csv([SARA_LINE], header=HEADER + ",blood_type")

    with pytest.raises(CommandError, match="IMPORT_HEADER_INVALID"):
        call_command("import_registry", str(path), "--no-progress")


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_it_stores_batches_in_a_writer_thread(places, write_csv):
    path = write_csv([person(n) for n in range(1, 8)] + [SARA_LINE, SARA_LINE])

    result = registry_import(path=path, batch_size=3, progress=False)

    assert (result.loaded, result.already_present, result.rejected) == (8, 0, 1)
    assert Citizen.objects.count() == 8


@pytest.mark.django_db(transaction=True)
def test_a_failure_in_the_writer_thread_reaches_the_caller(places, write_csv, monkeypatch):
    path = write_csv([person(n) for n in range(1, 8)])
    store = writers.writer_for().store

    def store_then_fail(payload, connection):
        if Citizen.objects.using(connection.alias).count() >= 3:
            raise RuntimeError("lost the connection")
        return store(payload, connection)

    monkeypatch.setattr(type(writers.writer_for()), "store", staticmethod(store_then_fail))

    with pytest.raises(RuntimeError, match="lost the connection"):
        registry_import(path=path, batch_size=3, progress=False)
    assert Citizen.objects.count() == 3


@pytest.mark.postgres
def test_on_postgresql_it_loads_through_copy_and_skips_codes_already_there(places, write_csv):
    from hoviat.registry.tests.factories import CitizenFactory

    CitizenFactory(national_code=make_national_code("050", 2), first_name="قدیمی")
    path = write_csv([person(n) for n in range(1, 5)])

    result = registry_import(path=path, batch_size=3, progress=False)

    assert (result.loaded, result.already_present) == (3, 1)
    assert Citizen.objects.get(national_code=make_national_code("050", 2)).first_name == "قدیمی"
    assert isinstance(writers.writer_for(), writers.PostgresWriter)


def test_it_refuses_a_report_path_it_cannot_write(places, write_csv, tmp_path):
    path = write_csv([SARA_LINE])
    for report in (path, tmp_path / "no-such-folder" / "report.csv"):
        with pytest.raises(ImportRefused) as refused:
            registry_import(path=path, report_path=report, progress=False)
        assert refused.value.code == "IMPORT_REPORT_PATH"
    assert Citizen.objects.count() == 0
