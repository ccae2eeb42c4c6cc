"""Where each of the flow's Questions is shown, and how Back undoes what was shown.

The flow asks one question at a time; the TUI shows a *page* at a time: a run of
pending questions that belong together (a method's fields, a username with its token,
the guide with its "create it for me" question). Every page the user submits is pushed
on a stack, so Back, and a click on a finished step, undo exactly the answers of the
pages left behind, through `Flow.back()`. Nothing here imports textual.
"""

from __future__ import annotations

from enum import Enum, IntEnum

from wizard.flow import Flow, Kind, Question
from wizard.model.record import field, record


class Step(IntEnum):
    REGISTRY = 0
    METHOD = 1
    CLOUD = 2
    CREDENTIALS = 3
    CHECK = 4
    REVIEW = 5
    DONE = 6

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Step.REGISTRY: "Registry",
    Step.METHOD: "Method",
    Step.CLOUD: "Cloud setup",
    Step.CREDENTIALS: "Credentials",
    Step.CHECK: "Live check",
    Step.REVIEW: "Review",
    Step.DONE: "Done",
}

# Question id -> step. The method's own fields (role-arn, service-account, ...) are
# not listed: any other id is a method field, shown on the Method step.
_STEP_OF = {
    "image": Step.REGISTRY,
    "registry": Step.REGISTRY,
    "method": Step.METHOD,
    "org-id": Step.CLOUD,
    "team-id": Step.CLOUD,
    "baseten-role-arn": Step.CLOUD,
    "external-id": Step.CLOUD,
    "project-number": Step.CLOUD,
    "guide": Step.CLOUD,
    "provision": Step.CLOUD,
    "username": Step.CREDENTIALS,
    "token": Step.CREDENTIALS,
    "key-file": Step.CREDENTIALS,
    "check": Step.CHECK,
    "store-secret": Step.REVIEW,
    "yes": Step.REVIEW,
}


def step_of(qid: str) -> Step:
    return _STEP_OF.get(qid, Step.METHOD)


class PageKind(str, Enum):
    CURRENT = "current"  # the setup config.yaml has now, before any question
    IMAGE = "image"
    REGISTRY = "registry"
    METHOD = "method"
    CHOICE = "choice"  # any other choice question
    FIELDS = "fields"  # the method's values
    FACTS = "facts"  # Baseten facts the guide fills in
    CLOUD = "cloud"  # the guide (and "create it for me")
    CREDENTIALS = "credentials"
    CHECK = "check"
    REVIEW = "review"
    DONE = "done"


class StepState(str, Enum):
    DONE = "done"  # answered: click to go back to it
    FAILED = "failed"  # done, and it failed (the live check): click to go back to it
    CURRENT = "current"
    PENDING = "pending"
    SKIPPED = "skipped"  # nothing to ask there for this registry and method

    @property
    def finished(self) -> bool:
        """Taken (passed or failed): the step list and the palette can go back to it."""
        return self in (StepState.DONE, StepState.FAILED)


@record
class Page:
    """One page of the TUI: a step and the questions it asks together."""

    kind: PageKind
    step: Step
    questions: list[Question] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # shown when the page opens

    def question(self, qid: str) -> Question | None:
        return next((q for q in self.questions if q.id == qid), None)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.questions)


@record(frozen=True)
class Group:
    """The answers one submitted page gave, in the order given."""

    ids: tuple[str, ...]
    auto: bool = False  # the image taken from config.yaml without asking

    @property
    def step(self) -> Step:
        return step_of(self.ids[0])


class Navigator:
    def __init__(self, flow: Flow, *, has_current_setup: bool = False) -> None:
        self.flow = flow
        self.stack: list[Group] = []
        self.has_current_setup = has_current_setup
        self.showing_current = has_current_setup
        # config.yaml's image is taken without a page until the user asks to change it.
        self.image_from_config = True
        # "Start over": offer the recommended method rather than the file's.
        self.prefer_recommended = False
        self._questions: list[Question] = []

    # -- pages ---------------------------------------------------------------------------

    def page(self) -> Page:
        if self.showing_current:
            return Page(PageKind.CURRENT, Step.REGISTRY)
        # One questions() per page: the flow builds the guide each time it lists them.
        questions = self._questions = self.flow.questions()
        pending = [q for q in questions if not self.flow.answered(q)]  # Flow.next(), in full
        if not pending:
            return Page(PageKind.DONE, Step.DONE)
        q = pending[0]
        if q.id == "image" and self.flow.file_image and self.image_from_config:
            error = self.flow.answer("image", self.flow.file_image)
            if error is None:
                self.stack.append(Group(("image",), auto=True))
                return self.page()
            self.image_from_config = False
            return Page(PageKind.IMAGE, Step.REGISTRY, [q], {"image": error})
        group = [q]
        for later in pending[1:]:
            if step_of(later.id) is not step_of(q.id) or not _belongs(q, later):
                break
            group.append(later)
        # A flag that does not fit: its question is asked, saying why.
        errors = {x.id: e for x in group if (e := self.flow.preset_error(x))}
        return Page(_kind(q, group), step_of(q.id), group, errors)

    # -- moving --------------------------------------------------------------------------

    def submit(self, answers: list[tuple[str, object]]) -> dict[str, str]:
        """Answer a page; on an error nothing of it stays answered."""
        given: list[str] = []
        for qid, value in answers:
            # The form showed each default in its input: an emptied one means empty.
            error = self.flow.answer(qid, value, as_typed=True)  # type: ignore[arg-type]
            if error is not None:
                for _ in given:
                    self.flow.back()
                return {qid: error}
            given.append(qid)
        if given:
            self.stack.append(Group(tuple(given)))
        return {}

    def _undo(self) -> Group:
        group = self.stack.pop()
        for _ in group.ids:
            self.flow.back()
        return group

    def back(self) -> bool:
        """Undo the last page; False when there is nothing before it."""
        if self.showing_current:
            return False
        if not self.stack:
            if self.has_current_setup:
                self.showing_current = True
                return True
            return False
        group = self._undo()
        if group.auto:
            if self.has_current_setup:
                self.showing_current = True
            else:
                self.image_from_config = False
        return True

    def change_image(self) -> None:
        while self.stack:
            if "image" in self._undo().ids:
                break
        self.image_from_config = False

    def go_to(self, step: Step) -> None:
        """Back to the first page of a finished step."""
        while self.stack and self.stack[-1].step >= step:
            self._undo()

    def fix(self) -> None:
        self.showing_current = False

    def start_over(self) -> None:
        self.showing_current = False
        self.image_from_config = False
        self.prefer_recommended = True

    # -- the step list -------------------------------------------------------------------

    def states(self, page: Page) -> list[tuple[Step, StepState]]:
        answered = {step_of(qid) for g in self.stack for qid in g.ids}
        current = None if page.kind is PageKind.CURRENT else page.step
        applicable = {step_of(q.id) for q in self._questions or self.flow.questions()}
        applicable.add(Step.DONE)
        method_known = self.flow.method is not None
        out = []
        for s in Step:
            if s is current:
                state = StepState.CURRENT
            elif current is not None and s < current:
                state = StepState.DONE if s in answered else StepState.SKIPPED
                result = self.flow.check_result
                if s is Step.CHECK and state is StepState.DONE and result is not None:
                    state = StepState.DONE if result.ok else StepState.FAILED
            elif s in applicable or not method_known:
                state = StepState.PENDING  # or not known yet: it depends on the method
            elif s is Step.CHECK and Step.CREDENTIALS in applicable:
                state = StepState.PENDING  # once a credential is given
            else:
                state = StepState.SKIPPED
            out.append((s, state))
        return out


def _belongs(first: Question, q: Question) -> bool:
    """Does `q` go on the same page as `first` (both in the same step)?"""
    if first.kind in (Kind.TEXT, Kind.SECRET):
        return q.kind in (Kind.TEXT, Kind.SECRET)
    if first.kind in (Kind.INFO, Kind.CONFIRM):
        return q.kind is Kind.CONFIRM
    return False


def _kind(q: Question, group: list[Question]) -> PageKind:
    step = step_of(q.id)
    if q.id == "image":
        return PageKind.IMAGE
    if q.id == "registry":
        return PageKind.REGISTRY
    if q.id == "method":
        return PageKind.METHOD
    if q.kind is Kind.CHOICE:
        return PageKind.CHOICE
    if step is Step.CLOUD:
        return PageKind.CLOUD if q.kind is Kind.INFO else PageKind.FACTS
    if step is Step.CREDENTIALS:
        return PageKind.CREDENTIALS
    if step is Step.CHECK:
        return PageKind.CHECK
    if step is Step.REVIEW:
        return PageKind.REVIEW
    return PageKind.FIELDS
