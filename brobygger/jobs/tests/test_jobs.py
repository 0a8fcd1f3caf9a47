"""Scheduled jobs: heartbeats, the scheduler, the administrator's page and /health/."""

from __future__ import annotations

import datetime
from importlib import import_module
from io import StringIO
from pathlib import Path
from unittest import mock

import time_machine
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError
from django.db import IntegrityError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from brobygger.jobs.heartbeat import beat
from brobygger.jobs.models import Heartbeat, Outcome
from brobygger.jobs.schedule import BY_NAME, JOBS
from brobygger.jobs.tasks import enqueue_due, run_job
from brobygger.testing import BaseTestCase, count_queries

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
CLOSE_PEERS = "brobygger.people.management.commands.close_departed_peers.close_departed_peers"


def all_fresh() -> None:
    """Every job succeeded just now."""
    now = timezone.now()
    for job in JOBS:
        Heartbeat.objects.update_or_create(
            name=job.name,
            defaults={
                "every": job.every,
                "last_started_at": now,
                "last_finished_at": now,
                "last_succeeded_at": now,
                "last_outcome": Outcome.OK,
            },
        )


class HeartbeatTests(BaseTestCase):
    def test_a_command_run_from_cron_records_its_heartbeat(self):
        call_command("close_departed_peers", stdout=StringIO())
        row = Heartbeat.objects.get(name="close_departed_peers")
        self.assertEqual(row.last_outcome, Outcome.OK)
        self.assertEqual(row.last_succeeded_at, timezone.now())
        self.assertEqual(row.every, BY_NAME["close_departed_peers"].every)
        self.assertEqual(row.last_error, "")

    def test_a_failure_is_recorded_without_the_errors_text(self):
        # A database error may quote a row: only its class reaches the heartbeat.
        error = IntegrityError("Key (cpr)=(0101901234) already exists")
        with mock.patch(CLOSE_PEERS, side_effect=error), self.assertRaises(IntegrityError):
            call_command("close_departed_peers", stdout=StringIO())
        row = Heartbeat.objects.get(name="close_departed_peers")
        self.assertEqual((row.last_outcome, row.last_error), (Outcome.FAILED, "IntegrityError"))
        self.assertIsNone(row.last_succeeded_at)

    def test_a_commands_own_message_is_kept(self):
        with self.settings(BROBYGGER_BASE_URL=""), self.assertRaises(CommandError):
            call_command("send_digest", stdout=StringIO())
        row = Heartbeat.objects.get(name="send_digest")
        self.assertTrue(row.last_error.startswith("CommandError: Give --base-url"))

    @override_settings(TASKS=DATABASE)
    def test_finished_tasks_are_deleted_after_two_weeks_and_waiting_ones_stay(self):
        old, recent, waiting = (run_job.enqueue("seal_audit") for _ in range(3))
        now = timezone.now()
        for result, age in ((old, 15), (recent, 13)):
            DBTaskResult.objects.filter(pk=result.id).update(
                status="SUCCESSFUL", finished_at=now - datetime.timedelta(days=age)
            )
        out = StringIO()
        call_command("prune_tasks", stdout=out)
        self.assertEqual(out.getvalue().strip(), "1 finished task(s) deleted.")
        self.assertFalse(DBTaskResult.objects.filter(pk=old.id).exists())
        self.assertEqual(DBTaskResult.objects.filter(pk__in=[recent.id, waiting.id]).count(), 2)
        self.assertEqual(Heartbeat.objects.get(name="prune_tasks").last_outcome, Outcome.OK)

    def test_a_dry_run_of_retention_is_no_run(self):
        call_command("apply_retention", "--dry-run", stdout=StringIO())
        self.assertFalse(Heartbeat.objects.filter(name="apply_retention").exists())
        call_command("apply_retention", stdout=StringIO())
        self.assertEqual(Heartbeat.objects.get(name="apply_retention").last_outcome, Outcome.OK)

    def test_success_after_failure_clears_the_error(self):
        with self.assertRaises(RuntimeError), beat("notify_due"):
            raise RuntimeError("boom")
        with beat("notify_due"):
            pass
        row = Heartbeat.objects.get(name="notify_due")
        self.assertEqual((row.last_outcome, row.last_error), (Outcome.OK, ""))


def test_every_scheduled_job_is_a_command_that_beats():
    """A job missing from the commands, or a command that forgot its heartbeat, would go
    red for ever; catch it here instead."""
    commands = get_commands()
    for job in JOBS:
        assert job.name in commands, job.name
        module = import_module(f"{commands[job.name]}.management.commands.{job.name}")
        assert f'beat("{job.name}")' in Path(module.__file__ or "").read_text(), job.name


@override_settings(TASKS=DATABASE)
class SchedulerTests(BaseTestCase):
    def test_each_job_is_enqueued_once_until_its_interval_has_passed(self):
        self.assertEqual(enqueue_due(), [job.name for job in JOBS])
        self.assertEqual(DBTaskResult.objects.count(), len(JOBS))
        self.assertEqual(
            sorted(r.args_kwargs["args"][0] for r in DBTaskResult.objects.all()),
            sorted(job.name for job in JOBS),
        )
        self.assertEqual(enqueue_due(), [])  # a second scheduler, or the next tick
        # Nothing ran (no worker): an hour later each job still waits in the queue once.
        with time_machine.travel(timezone.now() + datetime.timedelta(hours=1), tick=False):
            self.assertEqual(enqueue_due(), [])
        self.assertEqual(DBTaskResult.objects.count(), len(JOBS))

    def test_a_job_that_ran_is_enqueued_again_after_its_interval(self):
        enqueue_due()
        all_fresh()  # the worker ran everything
        later = timezone.now() + datetime.timedelta(minutes=11)
        with time_machine.travel(later, tick=False):
            self.assertEqual(enqueue_due(), ["seal_audit", "escalate_concerns", "send_reminders"])

    def test_the_command_ticks_once(self):
        out = StringIO()
        call_command("run_scheduler", "--once", stdout=out)
        self.assertIn("Enqueued: seal_audit", out.getvalue())
        with self.assertRaises(CommandError):
            call_command("run_scheduler", "--tick", "0")


@override_settings(TASKS=IMMEDIATE)
class TaskTests(BaseTestCase):
    def test_the_task_runs_the_command_and_records_the_heartbeat(self):
        result = run_job.enqueue("close_departed_peers")
        self.assertEqual(result.status, "SUCCESSFUL")
        self.assertEqual(str(result.return_value).strip(), "Closed 0 account(s).")
        self.assertEqual(Heartbeat.objects.get(name="close_departed_peers").last_outcome, "ok")

    def test_a_failed_task_keeps_personal_data_out_of_its_traceback(self):
        error = IntegrityError("Key (cpr)=(0101901234) already exists")
        with (
            mock.patch(CLOSE_PEERS, side_effect=error),
            self.assertLogs("brobygger.jobs.tasks", level="ERROR"),
        ):
            result = run_job.enqueue("close_departed_peers")
        self.assertEqual(result.status, "FAILED")
        self.assertNotIn("0101901234", result.errors[0].traceback)
        self.assertIn("JobFailed: IntegrityError", result.errors[0].traceback)


class JobsPageTests(BaseTestCase):
    url = reverse("jobs:overview")

    def test_only_the_administrator_sees_the_jobs(self):
        for user in (self.coordinator, self.peer, self.clinician, self.evaluator):
            self.login(user)
            self.assertEqual(self.client.get(self.url).status_code, 403)
        self.client.logout()
        self.assertEqual(self.client.get(self.url).status_code, 302)  # to the login

    def test_all_fresh_is_green(self):
        all_fresh()
        self.login(self.admin)
        with count_queries() as queries:
            response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertLessEqual(len(queries), 8)
        self.assertContains(response, "Alle kørsler kører, som de skal.")
        self.assertNotContains(response, 'class="job-red"')
        self.assertContains(response, "Påmindelser om samtaler")

    def test_a_failed_and_an_overdue_job_are_red(self):
        all_fresh()
        Heartbeat.objects.filter(name="apply_retention").update(
            last_outcome=Outcome.FAILED, last_error="OperationalError"
        )
        self.login(self.admin)
        # 20 minutes on: sealing and escalation (every 5 minutes, 10 minutes' grace) are
        # overdue; the reminders (every 10, grace 20) are not yet.
        with time_machine.travel(timezone.now() + datetime.timedelta(minutes=20), tick=False):
            response = self.client.get(self.url)
        self.assertContains(response, 'class="job-red"', count=3)
        self.assertContains(response, "OperationalError")
        self.assertContains(response, "Forsinket")
        self.assertContains(response, "Fejlede")
        self.assertContains(response, "3 kørsler kræver opmærksomhed.")

    def test_a_job_that_never_ran_is_red(self):
        self.login(self.admin)
        response = self.client.get(self.url)
        self.assertContains(response, "Aldrig kørt", count=len(JOBS))

    def test_the_page_is_in_the_administrators_menu(self):
        self.login(self.admin)
        self.assertContains(self.client.get(reverse("desk:home")), f'href="{self.url}"')


class HealthTests(BaseTestCase):
    url = "/health/"

    def test_green_when_every_job_is_fresh(self):
        all_fresh()
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(body["status"], "ok")
        self.assertTrue(body["database"]["ok"])
        self.assertGreaterEqual(body["database"]["latency_ms"], 0)
        self.assertEqual(body["migrations"], {"ok": True, "unapplied": 0})
        self.assertEqual([j["name"] for j in body["jobs"]], [j.name for j in JOBS])
        self.assertFalse(any(j["overdue"] or j["failed"] for j in body["jobs"]))
        self.assertEqual(response.headers["Cache-Control"].count("no-cache"), 1)

    def test_red_when_a_heartbeat_is_overdue_and_green_again_when_it_beats(self):
        all_fresh()
        later = timezone.now() + datetime.timedelta(days=1, hours=7)
        with time_machine.travel(later, tick=False):
            response = self.client.get(self.url)
            self.assertEqual(response.status_code, 503)
            overdue = {j["name"] for j in response.json()["jobs"] if j["overdue"]}
            self.assertEqual(overdue, {j.name for j in JOBS})
            all_fresh()
            self.assertEqual(self.client.get(self.url).status_code, 200)

    def test_red_when_a_job_failed(self):
        all_fresh()
        Heartbeat.objects.filter(name="verify_audit").update(
            last_outcome=Outcome.FAILED, last_error="CommandError: 1 problem(s) found"
        )
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 503)
        failed = [j["name"] for j in response.json()["jobs"] if j["failed"]]
        self.assertEqual(failed, ["verify_audit"])

    def test_public_and_without_personal_data(self):
        all_fresh()
        self.login(self.admin)  # the same for anyone: nothing depends on who asks
        text = self.client.get(self.url).content.decode()
        self.client.logout()
        self.assertEqual(self.client.get(self.url).status_code, 200)
        for secret in ("Alice", "0101901234", "20304050", "admin", "error"):
            self.assertNotIn(secret, text)

    def test_503_when_the_database_is_down(self):
        down = mock.patch(
            "django.db.backends.base.base.BaseDatabaseWrapper.ensure_connection",
            side_effect=__import__("django.db.utils").db.utils.OperationalError("refused"),
        )
        with down:
            response = self.client.get(self.url)
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json()["database"], {"ok": False, "error": "OperationalError"})
        self.assertNotIn("jobs", response.json())
