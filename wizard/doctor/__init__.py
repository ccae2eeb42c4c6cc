"""`doctor`: diagnose registry auth in one Truss config or a tree of them, check it live,
and apply the fixes that are certain. Every finding, its severity and its certain edit
come from the rulebook (`wizard.model.rules`); doctor places them in files.

Diagnosis parses with PyYAML's C loader (libyaml), which is also how truss loads
config.yaml (SafeLoader semantics: YAML 1.1 scalars, the last of two duplicate keys
wins). Only a fix reads the file again with ruamel.yaml, through the byte-faithful
editor, so a static run over a thousand configs never pays for ruamel.

The package, one job a module: `report` (the result types), `discovery` (finding
configs), `diagnosis` (the static checks), `fix` (certain fixes), `live` (live checks)
and `output` (text, JSON, SARIF). Everything public is re-exported here.
"""

from __future__ import annotations

from wizard.doctor.diagnosis import diagnose, diagnose_file, installed_truss
from wizard.doctor.discovery import CONFIG_NAME, SKIP_DIRS, TRUSS_KEYS, Target, discover
from wizard.doctor.fix import FilePlan, plan_fixes
from wizard.doctor.live import LiveOptions, run_live
from wizard.doctor.output import REPORT_SCHEMA, display_path, render_text, to_json, to_sarif
from wizard.doctor.report import DoctorReport, DoctorUsageError, FileReport, locate
from wizard.model.rules import RULES

__all__ = [
    "CONFIG_NAME",
    "REPORT_SCHEMA",
    "RULES",
    "SKIP_DIRS",
    "TRUSS_KEYS",
    "DoctorReport",
    "DoctorUsageError",
    "FilePlan",
    "FileReport",
    "LiveOptions",
    "Target",
    "diagnose",
    "diagnose_file",
    "discover",
    "display_path",
    "installed_truss",
    "locate",
    "plan_fixes",
    "render_text",
    "run_live",
    "to_json",
    "to_sarif",
]
