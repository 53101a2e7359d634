"""Build the search index from the registry.

``--rebuild`` fills a new index from a chunked read of the database and swaps it in
atomically (Elasticsearch: a new timestamped index behind the alias, old ones deleted
after the swap; database backend: every SearchEntry rewritten in one transaction), so
searches keep answering throughout. Run it after a bulk load that bypassed the outbox,
after a mapping change, or to start a new cluster.
"""

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from orgs.models import Organization
from search.backends import SearchUnavailable, get_backend
from search.services import search_index_rebuild


class Command(BaseCommand):
    help = "Rebuild the organization search index without interrupting searches."

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild", action="store_true", help="build a new index and swap it in"
        )
        parser.add_argument("--chunk-size", type=int, default=2000)
        parser.add_argument(
            "--dry-run", action="store_true", help="say what would be done, do nothing"
        )

    def handle(self, *args, **options):
        backend = get_backend()
        total = Organization.objects.count()
        if not options["rebuild"]:
            raise CommandError("Nothing to do: pass --rebuild (see --help).")
        if options["dry_run"]:
            self.stdout.write(
                f"would index {total:,} organizations with the {backend.name} backend"
            )
            return
        bar = tqdm(
            total=total,
            unit="org",
            disable=not sys.stderr.isatty() or options["verbosity"] == 0,
        )
        started = time.perf_counter()
        try:
            indexed = search_index_rebuild(
                chunk_size=options["chunk_size"], progress=bar.update
            )
        except SearchUnavailable as error:
            raise CommandError(f"search engine unavailable: {error}") from error
        finally:
            bar.close()
        seconds = time.perf_counter() - started
        if options["verbosity"]:
            rate = indexed / seconds if seconds else 0
            self.stdout.write(
                self.style.SUCCESS(
                    f"indexed {indexed:,} organizations with the {backend.name} backend "
                    f"in {seconds:.1f} s ({rate:,.0f} docs/s)"
                )
            )
            self.stdout.write(str(get_backend().status().index))
