"""Train the zombie model, evaluate it against the rule, and compute risk signals.

The regulator reviews a few hundred organizations a year out of hundreds of
thousands; the learned signals rank them. This command trains on the registry's own
history with a time-based split (earlier year-ends train, the latest one with a known
outcome tests), prints the evaluation report (ROC-AUC, average precision, precision
within the review budget, and how much earlier than ``ZOMBIE_NO_FILING_2Y`` the model
finds future zombies), stores the model as a new version with that report, and then
writes every organization's zombie probability and anomaly findings. Signals never
change a score or a grade and are never public.
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from credit import engine, review
from credit.management.commands.score_orgs import as_of_date
from credit.ml import services
from credit.ml.zombie import ZombieParameters


class Command(BaseCommand):
    help = _(
        "Train and evaluate the risk models on data known at a date (today by "
        "default), store them, and compute every organization's risk signals."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of", type=as_of_date, help=_("use data known at this date")
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("train and evaluate, count the signals, store nothing"),
        )
        parser.add_argument(
            "--seed", type=int, default=1, help=_("random seed of the models")
        )
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=engine.CHUNK_SIZE,
            help=_("organizations per chunk (memory grows with it)"),
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=1,
            help=_("threads for the estimators (0: one per core)"),
        )
        parser.add_argument(
            "--json", action="store_true", help=_("print the report as JSON")
        )

    def handle(
        self, *args, as_of, dry_run, seed, chunk_size, threads, verbosity, **options
    ):
        if chunk_size < 1:
            raise CommandError(_("--chunk-size must be at least 1"))
        if threads < 0:
            raise CommandError(_("--threads must be 0 (one per core) or more"))
        as_of = as_of or timezone.localdate()
        progress = verbosity > 0 and sys.stderr.isatty()
        try:
            report = services.risk_models_train(
                as_of=as_of,
                dry_run=dry_run,
                parameters=ZombieParameters(seed=seed),
                chunk_size=chunk_size,
                progress=progress,
                threads=threads or None,
            )
        except services.TrainingError as error:
            raise CommandError(str(error)) from None
        raised = 0 if dry_run else review.flags_raise_from_signals(today=as_of)
        if options["json"]:
            self.stdout.write(json.dumps(report.zombie, indent=2))
        elif verbosity > 0:
            self.stdout.write(self.summary(report))
            self.stdout.write(
                _("Raised %(count)s new flags from learned signals for review.")
                % {"count": f"{raised:,}"}
            )

    def summary(self, report: services.TrainingReport) -> str:
        z = report.zombie
        model, rule = z["model"], z["rule"]
        style = self.style.WARNING if report.dry_run else self.style.SUCCESS
        heading = (
            _("Dry run: nothing was stored.") + " " if report.dry_run else ""
        ) + (
            _("Zombie model %(version)s trained on data as of %(as_of)s.")
            % {"version": report.zombie_version or "-", "as_of": report.as_of}
        )
        training = z["training"]
        lines = [
            style(heading),
            "  "
            + _(
                "Train: year-ends %(cutoffs)s, %(rows)s rows, %(zombies)s zombies. "
                "Test: year-end %(test)s, %(test_rows)s rows, %(test_zombies)s "
                "zombies (%(rate).1f%%)."
            )
            % {
                "cutoffs": ", ".join(training["train_cutoffs"]),
                "rows": f"{training['train_rows']:,}",
                "zombies": f"{training['train_zombies']:,}",
                "test": z["test_cutoff"],
                "test_rows": f"{z['test_rows']:,}",
                "test_zombies": f"{z['test_zombies']:,}",
                "rate": 100 * (z["test_zombie_rate"] or 0),
            },
            "  "
            + _(
                "Stored model refitted on year-ends %(cutoffs)s with outcomes known "
                "at %(as_of)s; the figures below are the backtest's."
            )
            % {
                "cutoffs": ", ".join(training["production"]),
                "as_of": report.as_of,
            },
            "  "
            + _(
                "Regulators' decisions on zombie flags: %(decisions)s, setting "
                "%(labelled)s labels of the stored model's examples (%(changed)s "
                "differ from the filings)."
            )
            % {
                "decisions": training.get("regulator_decisions", 0),
                "labelled": sum(
                    c["labels_from_regulators"] for c in training["production"].values()
                ),
                "changed": sum(
                    c["labels_changed_by_regulators"]
                    for c in training["production"].values()
                ),
            },
            "  " + _("On the test year:") + f"{'':<24}{_('model'):>10}{_('rule'):>10}",
        ]
        for key, label in (
            ("roc_auc", _("ROC-AUC")),
            ("average_precision", _("average precision")),
            ("precision_at_top_1_percent", _("precision, top 1%")),
            ("precision_at_top_500", _("precision, top 500")),
        ):
            lines.append(
                f"    {label:<36}{_fmt(model.get(key)):>10}{_fmt(rule.get(key)):>10}"
            )
        lines.append(
            "    "
            + _("Brier score %(brier)s; %(flags)s organizations flagged by the rule")
            % {"brier": _fmt(model["brier"]), "flags": f"{z['rule_flags']:,}"}
        )
        early = z["earlier_than_rule"]
        lines.append(
            "  "
            + _(
                "Future zombies (zombies the rule has not flagged at the test "
                "year-end): %(count)s; the rule fires on %(one)s of them one year "
                "later and on %(two)s two years later."
            )
            % {
                "count": f"{early['future_zombies']:,}",
                "one": f"{early['rule_fires_one_year_later']:,}",
                "two": f"{early['rule_fires_two_years_later']:,}",
            }
        )
        for name, budget in early["by_budget"].items():
            lines.append(
                "    "
                + _(
                    "%(name)s (%(flagged)s): %(future)s future zombies flagged "
                    "(%(share)s of them), %(one)s one year before the rule "
                    "(%(one_share)s), %(two)s two years before (%(two_share)s); mean "
                    "lead %(lead)s years; %(rule)s already flagged by the rule; "
                    "%(false)s false alarms"
                )
                % {
                    "name": name,
                    "flagged": f"{budget['flagged']:,}",
                    "future": f"{budget['future_zombies_flagged']:,}",
                    "share": _pct(budget["share_of_future_zombies"]),
                    "one": f"{budget['flagged_one_year_before_rule']:,}",
                    "one_share": _pct(budget["share_one_year_before_rule"]),
                    "two": f"{budget['flagged_two_years_before_rule']:,}",
                    "two_share": _pct(budget["share_two_years_before_rule"]),
                    "lead": _fmt(budget["mean_lead_years"], 2),
                    "rule": f"{budget['already_flagged_by_rule']:,}",
                    "false": f"{budget['false_alarms']:,}",
                }
            )
        lines.append("  " + _("Calibration (predicted, observed, rows):"))
        for band in z["model"]["calibration"]:
            lines.append(
                f"    {band['band']:<12}{band['predicted']:>8.3f}"
                f"{band['observed']:>8.3f}{band['rows']:>10,}"
            )
        lines.append(
            "  "
            + _("Top features: %(features)s")
            % {
                "features": ", ".join(
                    f"{f['feature']} {f['importance']:.3f}" for f in z["top_features"]
                )
            }
        )
        signals = report.signals
        if signals:
            lines.append(
                "  "
                + _(
                    "Signals as of %(as_of)s for %(orgs)s active organizations "
                    "(%(half)s with zombie probability >= 0.5): %(counts)s"
                )
                % {
                    "as_of": signals.as_of,
                    "orgs": f"{signals.organizations:,}",
                    "half": f"{signals.zombie_over_half:,}",
                    "counts": ", ".join(
                        f"{k} {v:,}" for k, v in sorted(signals.signals.items())
                    ),
                }
            )
        lines.append(
            "  "
            + _("Time: %(phases)s")
            % {
                "phases": ", ".join(
                    f"{phase} {value:.1f} s" for phase, value in report.seconds.items()
                )
            }
        )
        return "\n".join(lines)


def _fmt(value, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _pct(value) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"
