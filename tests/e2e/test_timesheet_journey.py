"""A peer enters indirect work for last month on a phone and confirms the month; the
coordinator approves it and downloads the payroll file; after that the locked month
refuses a new entry with a clear message and keeps what the peer typed."""

from __future__ import annotations

import csv
import datetime
import io

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from brobygger.accounts.models import Role, User
from brobygger.audit.models import AccessLogEntry
from brobygger.lib.dates import local_datetime
from brobygger.lifecycle import services as lifecycle
from brobygger.scheduling import services as scheduling
from brobygger.testing import make_peer, make_person, make_unit, make_user
from brobygger.timesheets import months
from brobygger.timesheets.models import IndirectEntry, Timesheet

from .conftest import assert_accessible, go_by_menu, screenshot
from .test_foundation_journey import sign_in


def _weekday_in(year: int, month: int, nth: int) -> datetime.date:
    days = [d for d in months.days(year, month) if d.weekday() < 5]
    return days[nth]


def test_peer_confirms_coordinator_approves_and_the_month_locks(
    browser, live_server, transactional_db
) -> None:
    unit = make_unit("Psykiatrisk afsnit R1, Roskilde")
    coordinator = make_user("koordinator", Role.COORDINATOR, units=(unit,))
    device = TOTPDevice.objects.create(user=coordinator, name="app", confirmed=True)
    peer = make_peer("sanne", units=(unit,))
    User.objects.filter(pk=peer.user.pk).update(employee_number="R-1042")
    make_peer("mikkel", units=(unit,))
    today = timezone.localdate()
    year, month = months.add_months(today.year, today.month, -1)
    person = make_person("Vera", unit=unit)
    course = lifecycle.start_course(
        actor=None, person=person, peer=peer, started_on=months.first_day(year, month)
    )
    scheduling.record_past(
        actor=peer.user,
        course=course,
        starts_at=local_datetime(_weekday_in(year, month, 1), datetime.time(10)),
        minutes=45,
        mode="in_person",
    )
    work_day = _weekday_in(year, month, 2)
    base = live_server.url

    # The peer, on a 360 px phone.
    phone = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="da-DK", is_mobile=True, has_touch=True
    )
    page = phone.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, base, "sanne")
    go_by_menu(page, "Mine timer")  # on the phone, behind the menu button
    page.get_by_test_id("previous-month").click()
    page.get_by_role("heading", name="Timer i måneden").wait_for()
    assert_accessible(page, "my hours")
    page.get_by_label("Dato").fill(work_day.isoformat())
    page.get_by_label("Minutter").fill("90")
    page.get_by_label("Slags arbejde").select_option("preparation")
    page.get_by_label("Hvad lavede du?").fill("Forberedte gruppesessionen")
    screenshot(page, "timesheet-add-entry-phone")
    page.get_by_test_id("add-entry").click()
    page.get_by_text("Arbejdet er tilføjet.").wait_for()
    assert page.get_by_test_id("total").inner_text() == "2,25"  # 45 + 90 minutes
    # The same month left open in a second tab, to be used after the approval.
    stale = phone.new_page()
    stale.set_default_timeout(10_000)
    stale.goto(page.url)
    page.get_by_test_id("confirm").click()
    page.get_by_test_id("withdraw").wait_for()
    assert_accessible(page, "my hours confirmed")
    screenshot(page, "timesheet-confirmed-phone")
    sheet = Timesheet.objects.get(peer=peer, year=year, month=month)
    assert sheet.state == "confirmed"
    assert sheet.indirect_minutes == 90

    # The coordinator, at a desk.
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK")
    coordinator_page = desk.new_page()
    coordinator_page.set_default_timeout(10_000)
    sign_in(coordinator_page, base, "koordinator", device)
    coordinator_page.get_by_role("link", name="Timesedler").click()
    coordinator_page.get_by_test_id("previous-month").click()
    row = coordinator_page.locator(f'tr[data-peer="{peer.pk}"]')
    assert "Bekræftet" in row.inner_text()
    assert_accessible(coordinator_page, "timesheet overview")
    screenshot(coordinator_page, "timesheet-overview")
    row.get_by_role("link").click()
    coordinator_page.get_by_test_id("approve").wait_for()
    assert_accessible(coordinator_page, "peer month")
    coordinator_page.get_by_test_id("approve").click()
    coordinator_page.get_by_test_id("reopen").wait_for()
    screenshot(coordinator_page, "timesheet-approved")
    coordinator_page.get_by_role("link", name="Alle timesedler").click()
    with coordinator_page.expect_download() as download_info:
        coordinator_page.get_by_test_id("payroll").click()
    download = download_info.value
    assert download.suggested_filename == f"loen-{year}-{month:02d}.csv"
    with open(download.path(), encoding="utf-8-sig") as handle:
        rows = list(csv.reader(io.StringIO(handle.read()), delimiter=";"))
    # The payroll lines: Sanne's employee number, one line per kind of hours with its code.
    lines = [r for r in rows if len(r) == 6 and r[0] == "R-1042"]
    assert sorted(r[5] for r in lines) == ["0,75", "1,5"]
    header = next(
        r for r in rows if r[:3] == ["Medarbejdernummer", "Peer-medarbejder", "Brugernavn"]
    )
    approved = [dict(zip(header, r, strict=False)) for r in rows if len(r) > 3 and r[2] == "sanne"]
    assert approved and approved[0]["I alt (timer)"] == "2,25"
    assert any(len(r) == 3 and r[1] == "mikkel" for r in rows)  # listed as not approved
    assert AccessLogEntry.objects.filter(user=coordinator, action="export").count() == 1
    desk.close()

    # Back on the phone: the approved month shows no way to add work ...
    page.reload()
    page.get_by_test_id("state").get_by_text("Godkendt og låst").wait_for()
    assert page.locator("#add-entry").count() == 0
    screenshot(page, "timesheet-approved-phone")
    # ... and the tab left open refuses a new entry with a message, keeping the text.
    stale.get_by_label("Dato").fill(work_day.isoformat())
    stale.get_by_label("Minutter").fill("30")
    stale.get_by_label("Hvad lavede du?").fill("Kørsel til afsnittet")
    stale.get_by_test_id("add-entry").click()
    stale.get_by_text("er godkendt og låst, så intet i måneden kan ændres").wait_for()
    assert stale.get_by_label("Hvad lavede du?").input_value() == "Kørsel til afsnittet"
    assert stale.get_by_label("Minutter").input_value() == "30"
    assert_accessible(stale, "locked month refusal")
    screenshot(stale, "timesheet-locked-phone")
    assert IndirectEntry.objects.count() == 1
    phone.close()
