"""`doctor --fix`: gather the certain edits the rulebook attached to each finding, apply
them with the one editor, and refuse any result that would add an error."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.doctor.report import DoctorReport, FileReport
from wizard.model import rules
from wizard.model.findings import Finding, Severity
from wizard.model.record import record

if TYPE_CHECKING:
    from wizard.config.document import ConfigDocument


@record
class FilePlan:
    """The certain fixes for one file and the text they make."""

    report: FileReport
    doc: ConfigDocument
    new_text: str
    fixed: list[Finding]

    @property
    def diff(self) -> str:
        from wizard.config.diff import config_diff

        return config_diff(self.doc, self.new_text, str(self.report.path))


def plan_fixes(report: DoctorReport) -> tuple[list[FilePlan], list[str]]:
    """The edits for every file with certain fixes, and why any file was left alone."""
    from wizard.config.document import ConfigError, read_config
    from wizard.config.fixes import apply_edits
    from wizard.config.plan import SetupError, refuse_unsafe

    plans: list[FilePlan] = []
    notes: list[str] = []
    for fr in report.files:
        todo = [d for d in fr.findings if d.edit is not None]
        if not todo:
            continue
        if not fr.parsed:
            continue
        try:
            doc = read_config(fr.path, missing_ok=False)
            refuse_unsafe(doc)
            new_text = apply_edits(doc, [d.edit for d in todo if d.edit])
        except ConfigError as e:
            notes.append(f"{fr.path}: not fixed: {e.message}")
            continue
        except SetupError as e:
            notes.append(f"not fixed: {e.message}")
            continue
        problem = _verify(doc, new_text)
        if problem:
            notes.append(f"{fr.path}: not fixed: {problem}")
            continue
        if new_text != doc.text:
            plans.append(FilePlan(fr, doc, new_text, todo))
    return plans, notes


def _verify(doc: ConfigDocument, new_text: str) -> str | None:
    """Re-read the edited text: a fix that breaks the file, or adds an error, is refused."""
    import yaml

    from wizard.config.document import ConfigError, parse_text
    from wizard.doctor.diagnosis import _load  # here: diagnose imports this module

    try:
        parse_text(doc.path, new_text)
        _, after = _load(new_text)
        _, before = _load(doc.text)
    except (ConfigError, yaml.YAMLError) as e:
        return f"internal error: the edited file would not parse ({e}); nothing was written"
    old = {(f.rule, f.path) for f in rules.check(before) if f.severity is Severity.ERROR}
    new = [f for f in rules.check(after) if f.severity is Severity.ERROR]
    added = [f for f in new if (f.rule, f.path) not in old]
    if added:
        return f"internal error: the fix would add {added[0].rule} ({added[0].message})"
    return None
