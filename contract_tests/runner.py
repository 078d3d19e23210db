"""Run schemathesis's engine over a schema, as `schemathesis run` would, and gather the outcome."""

from collections import Counter
from dataclasses import dataclass, field

from schemathesis import engine
from schemathesis.engine import events

MAX_STEPS = 12


@dataclass
class Outcome:
    """What a run found: failed checks, errors, and how many cases each operation got per phase."""

    seed: int
    failures: dict = field(default_factory=dict)  # (operation, check, title) -> message and curl
    errors: list = field(default_factory=list)
    cases: Counter = field(default_factory=Counter)  # (operation, phase) -> cases sent
    stop_reason: str = ""

    @property
    def clean(self) -> bool:
        return not self.failures and not self.errors and self.stop_reason == "completed"

    def operations(self) -> set:
        return {operation for operation, _ in self.cases}

    def summary(self) -> str:
        """Cases per operation and phase, one line each."""
        phases = sorted({phase for _, phase in self.cases})
        lines = [f"seed {self.seed}; cases per operation: " + ", ".join(phases)]
        for operation in sorted(self.operations()):
            counts = " ".join(f"{self.cases[operation, phase]:>5}" for phase in phases)
            lines.append(f"  {operation:<36}{counts}")
        return "\n".join(lines)

    def report(self) -> str:
        """Every distinct failure with a curl line to reproduce it, then errors."""
        lines = [
            (
                f"stopped: {self.stop_reason}; {len(self.failures)} distinct failure(s), "
                f"{len(self.errors)} error(s); rerun with CONTRACT_SEED={self.seed}"
            )
        ]
        for (operation, check, title), detail in sorted(self.failures.items()):
            lines += [f"\n- {operation}: {check}: {title}", detail]
        lines += [f"\n- error: {error}" for error in self.errors]
        return "\n".join(lines)


def run(schema) -> Outcome:
    """Run examples, coverage, fuzzing and stateful phases with every check the config enables."""
    outcome = Outcome(seed=schema.config.seed)
    for event in engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            _record(outcome, event)
        elif isinstance(event, events.NonFatalError):
            outcome.errors.append(f"{event.label}: {event.info.title}: {event.info}")
        elif isinstance(event, events.FatalError):
            outcome.errors.append(f"fatal: {event.exception!r}")
        elif isinstance(event, events.EngineFinished):
            outcome.stop_reason = str(event.stop_reason)
    return outcome


def _record(outcome: Outcome, event) -> None:
    recorder = event.recorder
    for node in recorder.cases.values():
        outcome.cases[node.value.operation.label, str(event.phase)] += 1
    for case_id, checks in recorder.checks.items():
        for check in checks:
            info = check.failure_info
            if info is not None:
                key = (info.failure.operation, check.name, info.failure.title)
                outcome.failures.setdefault(key, _describe(info, recorder, case_id))


def _describe(info, recorder, case_id: str) -> str:
    """The failure, its curl reproduction, the answer, and the scenario's requests in order."""
    response = recorder.find_response(case_id=case_id)
    answer = (
        f"{response.status_code} {response.text[:500]}" if response is not None else "no response"
    )
    steps = [_step(recorder, node.value) for node in recorder.cases.values()]
    scenario = "\n".join(f"    {step}" for step in steps[-MAX_STEPS:]) if len(steps) > 1 else ""
    return f"{info.failure.message}\n  {info.code_sample}\n  -> {answer}" + (
        f"\n  scenario:\n{scenario}" if scenario else ""
    )


def _step(recorder, case) -> str:
    response = recorder.find_response(case_id=case.id)
    status = response.status_code if response is not None else "-"
    body = case.body if isinstance(case.body, dict) else ""
    return f"{case.method} {case.formatted_path} {body} -> {status}"
