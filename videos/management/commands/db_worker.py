import logging

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from videos import lifecycle
from videos.lifecycle import schedule_recovery

log = logging.getLogger("videos.worker")


class Command(DatabaseWorkerCommand):
    help = (
        DatabaseWorkerCommand.help
        + " Before taking tasks, it restarts the work of workers that died, and keeps a "
        "periodic recovery task queued."
    )

    def handle(self, *args, **options):
        self.configure_logging(options["verbosity"])
        counts = lifecycle.recover()
        if any(counts.values()):
            log.info("Recovered work left behind: %s", counts)
        # A first run right away: besides recovering, it shows the worker is alive (/readyz).
        schedule_recovery(after=0)
        return super().handle(*args, **options)
