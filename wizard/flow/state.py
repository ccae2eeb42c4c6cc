"""The wizard as one state machine of Questions, for every front end.

The flow asks nothing itself: a front end calls `next()` for the next Question,
shows it however it likes (questionary prompts, a Textual screen, or nothing when a
flag already answered it) and hands the answer back with `answer()`; `back()` undoes
the last answer the user gave. Every Question id is a `setup` flag (`--<id>`; a
secret's flag is `--<id>-stdin`), so a script can give every answer up front.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wizard.config.document import ConfigDocument, ConfigError, read_config
from wizard.config.plan import (
    SetupError,
    SetupPlan,
    SetupRequest,
    cross_checks,
    current_method,
    current_values,
    plan_setup,
)
from wizard.config.splice import render_scalar
from wizard.flow.questions import INFO_IDS, Choice, Kind, Question
from wizard.model import catalog, rules
from wizard.model.catalog import FieldSpec, MethodSpec, RegistrySpec
from wizard.model.facts import FACTS
from wizard.model.image import ImageRef, ImageRefError, RegistryInfo, detect_registry, parse_image
from wizard.model.record import field, record
from wizard.model.secret import Secret

if TYPE_CHECKING:
    from wizard.verify.registry import Options
    from wizard.verify.verdict import Progress


@record
class Flow:
    """The wizard's state: the answers so far and the question to ask next."""

    config: Path
    presets: dict[str, str] = field(default_factory=dict)  # flag answers: never asked
    secrets: dict[str, Secret] = field(default_factory=dict)  # secret answers (stdin, env)
    answers: dict[str, str] = field(default_factory=dict)  # the user's answers
    history: list[str] = field(default_factory=list)
    shown: set[str] = field(default_factory=set)  # info questions already seen
    doc: ConfigDocument | None = None
    check_result: Any = None
    check_options: Options | None = None  # how the live check reaches registries
    aws_profile: str | None = None  # for the cloud check and provisioning (--aws-profile)
    _facts: Any = None
    # The plan the user reviewed (its diff shown): the one plan `finish` may write.
    reviewed: SetupPlan | None = None
    reviewed_diff: str = ""
    # Every answer the user gave, kept through Back: the default when its question is
    # shown again. Keyed by scope (see `_scope`), so each method keeps its own values.
    kept: dict[tuple[str, str], str] = field(default_factory=dict)
    kept_secrets: dict[tuple[str, str], Secret] = field(default_factory=dict)
    check_error: str | None = None  # why the live check could not run, if it could not
    baseten_key: Secret | None = None  # typed for "store the secret", when none is at hand
    # The guide for each set of answers: questions() runs on every next()/answer(), and
    # building a guide renders templates (~8 ms).
    _guides: dict[tuple[object, ...], str] = field(default_factory=dict)
    # The model name of a config.yaml the user asked to create (see `create_project`).
    new_model_name: str | None = None

    def __post_init__(self) -> None:
        if self.doc is None:
            self.doc = read_config(self.config)

    # -- the project ------------------------------------------------------------------

    @property
    def project_problem(self) -> str | None:
        """Why config.yaml is not a Truss project's (missing, or a YAML file without a
        Truss key), unless the user asked to create one. Every front end says it first
        and offers `truss_configs_below()` or `create_project()`; until then no plan is
        made (Review would write a config.yaml truss cannot load, or edit another file)."""
        if self.new_model_name is not None or self.doc is None:
            return None
        from wizard.flow.project import problem

        return problem(self.doc)

    @property
    def write_problem(self) -> str | None:
        """Why config.yaml could not be written as it is now (read-only, hard links, a
        directory that refuses): every front end says it before the first question, so
        nobody answers every step to learn it at Write, which checks again (a chmod
        meanwhile is enough)."""
        if self.doc is None:
            return None
        from wizard.config.writer import check_writable

        try:
            check_writable(self.doc)
        except ConfigError as e:
            return f"{e}; the steps can be answered meanwhile"
        return None

    @property
    def can_create_project(self) -> bool:
        """No file is there: one can be created (an unrelated YAML file is never edited)."""
        return self.doc is not None and not self.doc.exists

    def truss_configs_below(self, limit: int = 5) -> list[Path]:
        """Truss configs below the config's directory, nearest first (a shallow search)."""
        from wizard.flow.project import find_below

        return find_below(self.config.parent, limit=limit)

    def default_model_name(self) -> str:
        from wizard.flow.project import model_name_for

        return model_name_for(self.config.parent)

    def use_config(self, path: Path) -> None:
        """Work on another config.yaml (one `truss_configs_below` found), from the start."""
        self.config, self.doc = path, read_config(path)
        self.new_model_name = None
        self.answers.clear()
        self.history.clear()
        self.shown.clear()
        self.kept.clear()
        self.reviewed, self.reviewed_diff = None, ""
        self._guides.clear()

    def create_project(self, model_name: str | None = None) -> str | None:
        """Create config.yaml, as `model_name: <name>` (default: the directory's name)
        plus the setup, when the user writes it. Returns an error, or None."""
        if not self.can_create_project:
            return f"{self.config} exists: it is not replaced"
        name = (model_name or "").strip() or self.default_model_name()
        if "\n" in name:
            return "a model name is one line"
        self.new_model_name = name
        self.reviewed = None
        return None

    def _new_doc(self) -> ConfigDocument | None:
        """The config.yaml to create, as it starts: its model name only."""
        if self.new_model_name is None or self.doc is None:
            return None
        return self.doc.with_text(f"model_name: {render_scalar(self.new_model_name)}\n")

    # -- state ------------------------------------------------------------------------

    def value(self, qid: str) -> str | None:
        """The answer to a question: the user's, else the flag's. (A flag is answered
        only when it does not fit, see `preset_error`; then the user's answer wins.)"""
        if qid in self.answers:
            return self.answers[qid]
        return self.presets.get(qid)

    @property
    def image(self) -> str | None:
        """The image answered (or given as --image), else config.yaml's."""
        return self.value("image") or self.file_image

    @property
    def file_image(self) -> str | None:
        """`base_image.image` as config.yaml has it now."""
        base = self.doc.section("base_image") if self.doc else None
        current = base.get("image") if isinstance(base, dict) else None
        return current if isinstance(current, str) and current else None

    @property
    def ref(self) -> ImageRef | None:
        try:
            return parse_image(self.image) if self.image else None
        except ImageRefError:
            return None

    @property
    def info(self) -> RegistryInfo | None:
        ref = self.ref
        return detect_registry(ref) if ref else None

    @property
    def registry(self) -> RegistrySpec | None:
        info = self.info
        return catalog.registry(info.kind.value) if info else None

    @property
    def method(self) -> MethodSpec | None:
        reg = self.registry
        if reg is None:
            return None
        chosen = self.value("method")
        if chosen:
            return reg.method(chosen)
        return reg.methods[0] if len(reg.methods) == 1 else None

    def _current_auth(self) -> dict[str, Any]:
        base = self.doc.section("base_image") if self.doc else None
        auth = base.get("docker_auth") if isinstance(base, dict) else None
        return auth if isinstance(auth, dict) else {}

    # -- the questions ----------------------------------------------------------------

    def questions(self) -> list[Question]:
        """Every question that applies given the answers so far, in order; an answer
        given before Back is its question's default again."""
        return [self._recall(q) for q in self._questions()]

    def _questions(self) -> list[Question]:
        qs = [self._image_question()]
        reg, ref = self.registry, self.ref
        if reg is None or ref is None:
            return qs
        qs.append(self._registry_question(reg, ref))
        if len(reg.methods) > 1 or "method" in self.presets:  # a --method to check
            qs.append(self._method_question(reg, ref))
        method = self.method
        if method is None:
            return qs
        qs += [
            self._field_question(f, method, ref)
            for f in method.fields
            # the image gives it (the ECR region), unless a flag says otherwise
            if f.id in self.presets
            or not (f.from_image and f.default and f.default(ref, self.info))
        ]  # type: ignore[arg-type]
        qs += self._fact_questions(method)
        qs.append(Question("guide", Kind.INFO, "Cloud-side setup", help_from=self._guide_help))
        if method.provisionable:
            qs.append(
                Question(
                    "provision",
                    Kind.CONFIRM,
                    "Create the missing AWS resources for you (shown before anything is created)?",
                    default="no",
                    required=False,
                )
            )
        qs += self._credential_questions(reg, method)
        if self._has_credential():
            qs.append(Question("check", Kind.INFO, "Live check", help=""))
        if self._has_credential() and self.can_store_secret:
            failed = self.check_result is not None and not self.check_result.ok
            qs.append(
                Question(
                    "store-secret",
                    Kind.CONFIRM,
                    "Store the secret in Baseten now (needs your Baseten API key)?",
                    default="no",
                    required=False,
                    # asked right after the check: a failure is not to be stored unnoticed
                    help="The live check did not pass with this credential: store it only "
                    "if you know why (no network here, a registry not reachable from this "
                    "machine)."
                    if failed
                    else "",
                )
            )
        qs.append(
            Question(
                "yes", Kind.CONFIRM, f"Write these changes to {self.config.name}?", default="yes"
            )
        )
        return qs

    def _image_question(self) -> Question:
        def validate(value: str) -> str | None:
            try:
                parse_image(value.strip())
            except ImageRefError as e:
                return str(e)
            return None

        current = self.file_image
        return Question(
            "image",
            Kind.TEXT,
            "Base image",
            default=current,
            current=current,
            validate=validate,
            note=image_note,
            help="The private image Baseten must pull, e.g. "
            "`123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:1.0`.",
        )

    def _registry_question(self, reg: RegistrySpec, ref: ImageRef) -> Question:
        def validate(value: str) -> str | None:
            if value != reg.id:
                return (
                    f"{ref.registry} is {reg.label} ({reg.id}); choose it, or go back and "
                    "change the image"
                )
            return None

        choices = tuple(Choice(r.id, r.label, r.description) for r in catalog.REGISTRIES.values())
        return Question(
            "registry",
            Kind.CHOICE,
            "Registry",
            choices=choices,
            default=reg.id,
            validate=validate,
            help=f"Detected from `{ref.registry}`.",
        )

    def _method_question(self, reg: RegistrySpec, ref: ImageRef) -> Question:
        assert self.doc is not None
        current = current_method(self.doc, reg, ref)
        auth = self._current_auth()
        now = auth.get("auth_method") if auth else None
        choices = tuple(
            Choice(m.id, m.label + (" — current" if current is m else ""), m.why)
            for m in reg.methods
        )
        help_text = (
            f"config.yaml uses {now} now; choosing another method replaces it." if now else ""
        )
        return Question(
            "method",
            Kind.CHOICE,
            "How should Baseten authenticate?",
            choices=choices,
            default=(current or reg.recommended).id,
            current=current.id if current else None,
            help=help_text,
        )

    def _field_question(self, f: FieldSpec, method: MethodSpec, ref: ImageRef) -> Question:
        assert self.doc is not None
        current = current_values(self.doc, method).get(f.id)
        derived = f.default(ref, self.info) if f.default else None  # type: ignore[arg-type]
        # What the cloud guide creates, by the guide's own names: the value to give after
        # following it (a suggestion: a script still passes the flag).
        created = self.guide_created(f.id, method) if not current and not derived else None

        def validate(value: str) -> str | None:
            problem = rules.check_field(f.id, value)
            if problem is not None:
                return f"{problem.message}{_example(f, ref)}"
            try:
                cross_checks(method, {f.id: value.strip()}, self.info)  # type: ignore[arg-type]
            except SetupError as e:
                return f"{e.message}{_example(f, ref)}"
            return None

        help_text = f.help
        if created:
            help_text += (
                " Filled in with what the Cloud setup guide (next step) creates: keep it "
                "if you follow the guide"
                + (" or let the wizard create it." if method.provisionable else ".")
            )
        elif f.id == "workload-provider" and not current and not derived:
            help_text += _not_created_yet(self.info.project if self.info else None)
        return Question(
            f.id,
            Kind.TEXT,
            f.label,
            # the image's own value (the ECR region) beats the file's
            default=derived if f.from_image and derived else current or derived or created,
            current=current,
            validate=validate,
            help=help_text,
        )

    def guide_created(self, fid: str, method: MethodSpec | None = None) -> str | None:
        """The value of `fid` that the keyless method's cloud guide creates, by the guide's
        own names, from the image (the role's account, the service account's project)
        and the project number when it is known. None: the guide cannot say it."""
        from wizard.guide.guides import DEFAULT_NAMES
        from wizard.model import policies

        method = method or self.method
        info = self.info
        if method is None or not method.keyless or info is None:
            return None
        if fid == "role-arn" and info.account:
            partition = policies.aws_partition(info.region)
            return f"arn:{partition}:iam::{info.account}:role/{DEFAULT_NAMES['role_name']}"
        if fid == "service-account" and info.project:
            name = DEFAULT_NAMES["service_account_name"]
            return f"{name}@{info.project}.iam.gserviceaccount.com"
        if fid == "workload-provider":
            number = self.value("project-number") or self.facts().known("project-number")
            if number:
                return policies.workload_provider_path(
                    number, DEFAULT_NAMES["pool"], DEFAULT_NAMES["provider"]
                )
        return None

    def _fact_questions(self, method: MethodSpec) -> list[Question]:
        """Baseten facts the cloud setup needs, asked only when Baseten did not tell us."""
        facts = self.facts()
        provider = self.value("workload-provider") or ""
        derived = {  # the project number is in the provider path
            "project-number": provider.split("/")[1] if provider.startswith("projects/") else None
        }

        def validate(fid: str) -> Callable[[str], str | None]:
            def check(value: str) -> str | None:
                problem = rules.check_fact(fid, value.strip())
                return problem.message.removeprefix(f"--{fid}: ") if problem else None

            return check

        return [
            Question(
                fid,
                Kind.TEXT,
                FACTS[fid].label,
                default=facts.known(fid) or derived.get(fid),
                validate=validate(fid),
                required=False,
                help=f"{FACTS[fid].help[:1].upper()}{FACTS[fid].help[1:]}; leave empty to keep "
                "a placeholder in the guide.",
            )
            for fid in method.facts
        ]

    def _credential_questions(self, reg: RegistrySpec, method: MethodSpec) -> list[Question]:
        if method.is_token:
            fixed = reg.fixed_username
            return [
                Question(
                    "username",
                    Kind.TEXT,
                    f"Username ({reg.token_username})",
                    default=fixed,
                    required=False,
                    help="Leave empty to skip the live check.",
                ),
                Question(
                    "token",
                    Kind.SECRET,
                    f"The {reg.token_kind}",
                    required=False,
                    help="Hidden as you type; leave empty to skip the live check.",
                ),
            ]
        if method.credential == "key-file":
            return [
                Question(
                    "key-file",
                    Kind.TEXT,
                    "Path to the JSON key, for a live check",
                    required=False,
                    help="Leave empty to skip the live check.",
                    validate=_check_key_file,
                )
            ]
        return []

    def _has_credential(self) -> bool:
        return bool(self.secrets.get("token") and self.value("username")) or bool(
            self.value("key-file")
        )

    def facts(self) -> Any:
        """Baseten facts, fetched once when an API key is at hand (else empty)."""
        if self._facts is None:
            from wizard.model.facts import BasetenFacts

            self._facts = BasetenFacts()
            method = self.method
            if method is not None and self.value("no-baseten") != "yes":
                from wizard.guide.service import gather_facts

                self._facts, _ = gather_facts({}, use_baseten=True, method=method)
        return self._facts

    def _guide_help(self) -> str:
        method = self.method.id if self.method else None
        answers = self.guide_answers()
        key = (self.image, method, tuple(sorted(answers.items())))
        if key not in self._guides:
            try:
                from wizard.guide.service import GuideRequest, build

                # With the config as the flow read it: not parsed again (~6 ms a guide).
                req = GuideRequest(
                    self.config, self.image, None, method, answers, use_baseten=False, doc=self.doc
                )
                guide, _ = build(req)
                self._guides[key] = guide.markdown  # type: ignore[attr-defined]
            except (SetupError, ValueError) as e:
                self._guides[key] = f"(no guide: {e})"
        return self._guides[key]

    def guide_answers(self) -> dict[str, str]:
        out = {k: v for k, v in {**self.presets, **self.answers}.items() if v}
        facts = self.facts()
        for fid in FACTS:
            if fid not in out and (known := facts.known(fid)):
                out[fid] = known
        return out

    # -- driving ----------------------------------------------------------------------

    def answered(self, q: Question) -> bool:
        """Needs `q` no asking? Answered, given by a flag that fits, or (info) shown."""
        if q.id in self.answers:
            return True
        if q.id in self.presets:
            return self.preset_error(q) is None
        if q.kind is Kind.SECRET:
            return q.id in self.secrets
        return q.kind is Kind.INFO and q.id in self.shown

    def preset_error(self, q: Question) -> str | None:
        """Why the flag's answer to `q` does not fit (a --method the image's registry does
        not offer, a --region the ECR host contradicts): then `q` is asked after all."""
        value = self.presets.get(q.id)
        if not value or q.kind is Kind.INFO or q.id in self.answers:
            return None
        if q.choices and value not in {c.value for c in q.choices}:
            return f"{q.flag} {value} does not fit here: choose one of " + ", ".join(
                c.value for c in q.choices
            )
        error = q.validate(value) if q.validate is not None else None
        if not error:
            return None
        return error if error.startswith(q.flag) else f"{q.flag}: {error}"

    def next(self) -> Question | None:
        """The next question to show, or None when every question has an answer."""
        return next((q for q in self.questions() if not self.answered(q)), None)

    def preset_errors(self) -> list[str]:
        """What the questions would refuse of the flags' answers ("--role-arn: ..."), to
        say before asking anything."""
        out, seen = [], set()
        for q in self.questions():
            seen.add(q.id)
            if error := self.preset_error(q):
                out.append(error)
        # A method's field whose question waits for a method still to be chosen.
        for fid, spec in catalog.all_fields().items():
            value = self.presets.get(fid)
            if value and fid not in seen and (problem := rules.check_field(fid, value)):
                out.append(f"{spec.flag}: {problem.message}")
        return out

    def answer(
        self, qid: str, value: str | Secret | bool | None, *, as_typed: bool = False
    ) -> str | None:
        """Record an answer; returns an error message (and records nothing) if invalid.
        An empty answer takes the question's default, unless `as_typed` (a form whose
        input showed the default: emptied, it means empty) and the question is optional."""
        q = next((q for q in self.questions() if q.id == qid), None)
        if q is None:
            return f"{qid} does not apply here"
        if q.kind is Kind.INFO:
            self.shown.add(qid)
            self.history.append(qid)
            return None
        if q.kind is Kind.SECRET:
            # An empty secret is an answer too: "skip the live check".
            self.secrets[qid] = value if isinstance(value, Secret) else Secret("")
            self.history.append(qid)
            self._keep(qid)
            return None
        if isinstance(value, bool):
            text = "yes" if value else "no"
        else:
            text = (value or "").strip() if isinstance(value, str) else ""
        if not text and q.default is not None and not (as_typed and not q.required):
            text = q.default
        if not text:
            if q.required:
                return f"{q.prompt} is required"
            text = ""
        elif q.validate is not None:
            error = q.validate(text)
            if error:
                return error
        self.answers[qid] = text
        self.history.append(qid)
        self._keep(qid)
        self._forget_dependents(qid)
        if self._shapes_plan(qid):  # the review showed other answers: review again
            self.reviewed = None
        return None

    def back(self) -> bool:
        """Undo the last answer the user gave; False when there is nothing to undo."""
        while self.history:
            qid = self.history.pop()
            if self._shapes_plan(qid):
                self.reviewed = None
            self._keep(qid)
            self.answers.pop(qid, None)
            self.secrets.pop(qid, None)
            self.shown.discard(qid)
            if qid == "check":
                self.check_result = self.check_error = None
            return True
        return False

    # -- answers kept through Back --------------------------------------------------------

    def _scope(self, qid: str) -> str | None:
        """Where an answer belongs: the image and the Baseten facts to the whole flow, the
        method to the registry, everything else to the registry and method; None: never
        kept (the registry follows the image, Write is asked each time)."""
        if qid in ("registry", "yes") or qid in INFO_IDS:
            return None
        if qid == "image" or qid in FACTS:
            return ""
        reg = self.registry
        if reg is None:
            return None
        if qid == "method":
            return reg.id
        method = self.method
        return f"{reg.id}/{method.id}" if method else None

    def _keep(self, qid: str) -> None:
        scope = self._scope(qid)
        if scope is None:
            return
        if qid in self.secrets:
            self.kept_secrets[(scope, qid)] = self.secrets[qid]
        elif qid in self.answers:
            self.kept[(scope, qid)] = self.answers[qid]

    def kept_value(self, qid: str) -> str | None:
        """The answer given to `qid` before Back (in this registry and method), if any."""
        scope = self._scope(qid)
        return None if scope is None else self.kept.get((scope, qid))

    def kept_secret(self, qid: str) -> Secret | None:
        """The secret typed for `qid` before Back (in this registry and method), if any."""
        scope = self._scope(qid)
        return None if scope is None else self.kept_secrets.get((scope, qid))

    def _fits(self, q: Question, value: str) -> bool:
        if q.choices:
            return value in {c.value for c in q.choices}
        return not value or q.validate is None or q.validate(value) is None

    def _recall(self, q: Question) -> Question:
        """`q` with the answer given before Back as its default, if that still fits."""
        value = self.kept_value(q.id)
        if value is None or q.id in self.answers or not self._fits(q, value):
            return q
        q.default, q.recalled = value, True
        return q

    def dropped(self) -> list[str]:
        """Answers given before Back that will not be written: typed for another registry
        or method, or no longer valid for the image. For Review to name."""
        reg, method = self.registry, self.method
        here = f"{reg.id}/{method.id}" if reg and method else None
        fields = catalog.all_fields()
        asked = {q.id: q for q in self._questions()} if here else {}
        out = []
        for (scope, qid), value in self.kept.items():
            if not value or qid not in fields:
                continue
            label = fields[qid].label
            if scope != here:
                reg_id, _, method_id = scope.partition("/")
                spec = catalog.registry(reg_id).method(method_id)
                where = f"{catalog.registry(reg_id).label} · {spec.label if spec else method_id}"
                if self.value(qid) != value:
                    out.append(f"{label} {value} (given for {where}) is not used")
            elif qid in asked and not self._fits(asked[qid], value) and self.value(qid) != value:
                out.append(f"{label} {value} no longer fits {self.image} and is not used")
        return out

    @property
    def can_store_secret(self) -> bool:
        """Has the chosen method a Baseten secret built from the live check's credential?"""
        method = self.method
        return bool(method and method.stores_registry_secret)

    @staticmethod
    def _shapes_plan(qid: str) -> bool:
        """Does the answer to `qid` change what would be written?"""
        return qid in ("image", "registry", "method") or qid in catalog.all_fields()

    def _forget_dependents(self, qid: str) -> None:
        """A new image or method makes later answers meaningless."""
        if qid in ("image", "method"):
            self.check_result = self.check_error = None
            self._facts = None if qid == "method" else self._facts

    def missing(self) -> list[Question]:
        """Required questions still without an answer (for --yes and non-interactive use)."""
        out = []
        for q in self.questions():
            if q.kind in (Kind.INFO, Kind.SECRET) or not q.required or q.id == "yes":
                continue
            # A script must choose the method: its default is only a suggestion,
            # unless config.yaml already uses one.
            suggestion_only = (q.id == "method" and q.current is None) or (
                q.current is None and q.default == self.guide_created(q.id)
            )
            if self.value(q.id) is None and (q.default is None or suggestion_only):
                out.append(q)
        return out

    # -- results ----------------------------------------------------------------------

    def request(self, *, strict: bool = False) -> SetupRequest:
        """The answers as a setup request. `strict` (every answer a flag, nothing asked):
        method flags the method does not take are kept, so setup refuses them."""
        method = self.method
        values = {f.id: v for f in (method.fields if method else ()) if (v := self.value(f.id))}
        if strict:
            values.update({k: v for k, v in self.presets.items() if k in catalog.all_fields()})
        image = self.value("image") or None
        new_doc = self._new_doc()
        return SetupRequest(
            self.config,
            self.value("registry"),
            method.id if method else self.value("method"),
            image,
            values,
            # One read for a run with every answer given; an interactive flow reads the
            # file again when it plans, so what the user edited meanwhile is reviewed.
            doc=new_doc or (self.doc if strict else None),
        )

    def plan(self, *, strict: bool = False) -> SetupPlan:
        # Never a config.yaml truss cannot load, never an unrelated YAML file edited.
        # (`strict`: a script gave every answer as a flag and names the file: a missing
        # one is created, as `setup` always has, with the directory's name as model_name.)
        if strict and self.project_problem is not None and self.can_create_project:
            self.create_project()
        problem = self.project_problem
        if problem is not None:
            raise SetupError(f"{problem} Nothing was written.")
        return plan_setup(self.request(strict=strict))

    def guide_context(self, plan: SetupPlan | None = None) -> Any:
        """The guide/cloud context for these answers (a wizard.guide.service.GuideContext)."""
        from wizard.guide.service import GuideContext

        plan = plan or self.plan()
        answers = {**plan.values, **self.guide_answers()}
        return GuideContext(
            plan.ref,
            plan.info,
            plan.registry,
            plan.method,
            self.facts().with_answers(answers),
            answers,
            [],
        )

    def review(self) -> tuple[str, list[str]]:
        """The diff the answers would write, and the warnings about it."""
        _, diff, warnings = self.review_plan()
        return diff, warnings

    def review_plan(self, *, strict: bool = False) -> tuple[SetupPlan, str, list[str]]:
        """The plan, its diff (secret values hidden), and the warnings: the plan's, and
        flags the chosen method does not take (given before the method was: they are not
        written). The flow keeps the plan: `finish` writes exactly it."""
        from wizard.config.diff import config_diff

        plan = self.plan(strict=strict)
        # A new file's diff shows its model name as added too.
        before = self.doc if self.new_model_name is not None and self.doc else plan.edit.doc
        diff = config_diff(before, plan.edit.new_text, self.config.name, plan.edit.after)
        self.reviewed, self.reviewed_diff = plan, diff
        taken = {f.id for f in plan.method.fields}
        ignored = [f"--{k}" for k in self.presets if k in catalog.all_fields() and k not in taken]
        warnings = list(plan.warnings)
        note = image_note(plan.image)
        if note and note not in warnings:
            warnings.append(note)
        if ignored:
            warnings.append(
                f"{', '.join(ignored)} not used: --method {plan.method.id} does not take it"
            )
        return plan, diff, warnings

    def store_secret(self, plan: SetupPlan) -> Any:
        """Store the registry secret in Baseten with the live check's credential, for the
        "store the secret" answer (a wizard.verify.baseten.StoredSecret)."""
        from wizard.verify.baseten import StoredSecret, store_registry_secret

        if not plan.method.stores_registry_secret:
            return StoredSecret(None, "the secret was not stored: this method has none to store")
        name, username, token = (
            plan.target.secrets[0],
            self.value("username") or "",
            self.secrets.get("token"),
        )
        return store_registry_secret(name, username, token, key=self.baseten_key or None)

    def run_check(self, progress: Progress | None = None) -> Any:
        """The live check with the credential given in the flow (None: nothing to check).
        `progress` hears of each step (resolve, ping, token, manifest) as it is taken."""
        from wizard.verify.registry import Options
        from wizard.verify.service import CheckItem, CredentialSource, check_one

        ref = self.ref
        if ref is None or not self._has_credential():
            return None
        if self.check_result is None:
            source = CredentialSource()
            if self.value("key-file"):
                source.key_file = Path(self.value("key-file") or "")
            else:
                source.username = self.value("username") or ""
                source.password = self.secrets["token"]
            options = self.check_options or Options(timeout=10)
            self.check_result = check_one(CheckItem(ref, source), options, progress)
        return self.check_result


def image_note(image: str) -> str | None:
    """The rulebook's advice on an image it accepts: no tag (or `latest`) and no digest
    means whatever `latest` is when Baseten builds. None: nothing to say."""
    try:
        parse_image(image.strip())
    except ImageRefError:
        return None
    found = rules.advise({"base_image": {"image": image.strip()}})
    return next((f"{f.message} ({f.fix})" for f in found if f.rule == "latest-tag"), None)


def _not_created_yet(project: str | None) -> str:
    """A provider path is asked before the guide that creates it, and its default needs
    the project NUMBER (unknown unless Baseten or a flag told it): how to get both."""
    from wizard.guide.guides import DEFAULT_NAMES
    from wizard.model import policies

    path = policies.workload_provider_path(
        "<project NUMBER>", DEFAULT_NAMES["pool"], DEFAULT_NAMES["provider"]
    )
    return (
        f" Not created yet? The Cloud setup guide (next step) creates {path}; "
        f"`gcloud projects describe {project or '<project>'} --format='value(projectNumber)'` "
        "prints the number."
    )


def _check_key_file(value: str) -> str | None:
    """A service-account key path, read as the live check will read it: what is wrong
    with it, and where a key comes from."""
    from wizard.verify.sources import SourceError, load_service_account_key

    try:
        load_service_account_key(Path(value.strip()))
    except SourceError as e:
        return f"{e.detail}; {e.hint}" if e.hint else e.detail
    return None


def _example(f: FieldSpec, ref: ImageRef) -> str:
    """A valid value built from the user's own image, for error messages."""
    info = detect_registry(ref)
    examples = {
        "role-arn": f"arn:aws:iam::{info.account or '123456789012'}:role/baseten-ecr-pull",
        "region": info.region or "us-east-1",
        "service-account": f"baseten-puller@{info.project or 'my-project'}.iam.gserviceaccount.com",
        "workload-provider": "projects/<PROJECT_NUMBER>/locations/global/"
        "workloadIdentityPools/baseten-pool/providers/baseten-oidc",
    }
    example = examples.get(f.id)
    return f" (for {ref.registry}, e.g. {example})" if example else ""
