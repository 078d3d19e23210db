"""The spec's own format, `future-date`, taught to schemathesis: how to draw it, what it admits."""

import datetime as dt

import schemathesis
from hypothesis import strategies as st
from schemathesis.openapi.checks import RejectedPositiveData

from service.widgets.dates import check_future_date, latest_deadline_day

NOTATIONS = (
    lambda day: day.strftime("%m/%d/%Y"),  # 12/31/2030
    lambda day: day.isoformat(),  # 2030-12-31
    lambda day: day.strftime("%b %d %Y"),  # Dec 31 2030
)


def future_dates() -> st.SearchStrategy[str]:
    """Deadlines from tomorrow (UTC) to the last day the service takes, so a run across
    midnight never turns one into the past."""
    today = dt.datetime.now(dt.UTC).date()
    days = st.dates(min_value=today + dt.timedelta(days=1), max_value=latest_deadline_day(today))
    return st.builds(lambda day, notation: notation(day), days, st.sampled_from(NOTATIONS))


def register_formats() -> None:
    """Draw `future-date` values (the `Deadline` schema) from `future_dates`."""
    schemathesis.openapi.format("future-date", future_dates())


def is_future_date(value) -> bool:
    """The format as the spec's validator defines it (the check app.py registers)."""
    try:
        check_future_date(value)
    except ValueError:
        return False
    return True


def keep_positive_deadlines_valid(target) -> None:
    """Let a positive case carry only a deadline the format admits.

    `target` is a schema, or the schemathesis module for every schema (the CLI's
    hooks). Besides drawing from `future_dates`, schemathesis reuses strings it
    has seen (examples, other fields, response values such as a `created_at`,
    which is no end of a day), and it cannot check a format it does not know:
    without this, such a case would count as schema-valid when it is not.
    """

    @target.hook
    def filter_case(context, case):
        return admits_deadline(case)

    @target.hook
    def before_add_examples(context, examples):
        examples[:] = [case for case in examples if admits_deadline(case)]

    @target.hook
    def filter_failure(context, failure, case, response):
        """Drop "valid data rejected" for a case whose deadline the format refuses.

        The stateful phase puts strings seen earlier (another widget's name, say) into
        a request after `filter_case` has run, so such a case can reach the service.
        """
        return not (isinstance(failure, RejectedPositiveData) and not admits_deadline(case))


def admits_deadline(case) -> bool:
    """Whether a case is negative, or carries no deadline, or one the format admits."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return True
    deadline = case.body.get("deadline") if isinstance(case.body, dict) else None
    return deadline is None or is_future_date(deadline)
